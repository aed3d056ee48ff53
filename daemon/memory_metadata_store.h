// MemoryMetadataStore: the namespace in RAM, lost at exit.  Serves exactly
// one file system, "default", whose root is nodeid 1.
#ifndef WEFT_DAEMON_MEMORY_METADATA_STORE_H
#define WEFT_DAEMON_MEMORY_METADATA_STORE_H

#include <map>
#include <shared_mutex>
#include <string>
#include <vector>
#include <unordered_map>

#include "metadata_store.h"

namespace weft {

class MemoryMetadataStore : public MetadataStore {
public:
	static constexpr uint64_t kRootIno = 1;
	static constexpr const char *kDefaultFs = "default";

	MemoryMetadataStore();

	Result<uint64_t> root_of(std::string_view fs_name) override;
	Result<uint64_t> add_filesystem(std::string_view fs_name) override;
	Status rename_filesystem(std::string_view old_name, std::string_view new_name) override;
	std::vector<FsSummary> filesystems() override;
	Result<InodeAttr> getattr(uint64_t ino) override;
	Result<InodeAttr> lookup(uint64_t parent, std::string_view name) override;
	Status read_dir(uint64_t dir, uint64_t after, const DirEmitter &emit) override;
	Result<InodeAttr> create(uint64_t parent, std::string_view name,
				 const NewNode &node) override;
	Result<InodeAttr> create_unlinked(uint64_t dir, const NewNode &node) override;
	Status remove(uint64_t parent, std::string_view name) override;
	Status unlink(uint64_t parent, std::string_view name) override;
	Status rmdir(uint64_t parent, std::string_view name) override;
	Status rename(uint64_t olddir, std::string_view oldname, uint64_t newdir,
		      std::string_view newname, uint32_t flags) override;
	Result<InodeAttr> link(uint64_t ino, uint64_t newparent, std::string_view newname) override;
	Result<std::string> readlink(uint64_t ino) override;
	Result<InodeAttr> setattr(uint64_t ino, const SetAttr &change) override;
	Result<uint64_t> open(uint64_t ino) override;
	Status release(uint64_t ino) override;
	Result<size_t> read(uint64_t ino, uint64_t offset, std::span<std::byte> out) override;
	Result<size_t> write(uint64_t ino, uint64_t offset, std::span<const std::byte> data) override;
	Status sync(uint64_t ino, bool datasync) override;
	Result<std::string> getxattr(uint64_t ino, std::string_view name) override;
	Status setxattr(uint64_t ino, std::string_view name, std::string_view value,
			uint32_t flags) override;
	Result<std::vector<std::string>> listxattr(uint64_t ino) override;
	Status removexattr(uint64_t ino, std::string_view name) override;
	Result<InodeAttr> fallocate(uint64_t ino, uint32_t mode, uint64_t offset,
				    uint64_t length) override;
	Result<uint64_t> seek_data_hole(uint64_t ino, uint64_t offset, int whence) override;

	// Limits of a local file system (Linux's XATTR_NAME_MAX, XATTR_SIZE_MAX).
	static constexpr size_t kXattrNameMax = 255;
	static constexpr size_t kXattrSizeMax = 65536;

	// File data is kept in blocks of this size; holes take no memory.
	static constexpr uint64_t kDataBlock = 64 * 1024;

private:
	struct Child {
		std::string name;
		uint64_t ino;
	};
	struct Inode {
		InodeAttr attr;
		uint64_t parent = 0;	// directories: for ".."
		// directories only: entries by cookie, and cookie by name
		std::map<uint64_t, Child> entries;
		std::unordered_map<std::string, uint64_t> by_name;
		uint64_t next_cookie = kFirstEntryCookie;
		std::string target;	// symlinks
		std::map<uint64_t, std::vector<std::byte>> data;	// regular files, by block
		uint32_t opens = 0;
		// extended attributes by full name; std::map: listxattr's stable order
		std::map<std::string, std::string, std::less<>> xattrs;
	};
	enum class Kind { kAny, kNotDir, kDir };

	// Callers hold mu_.
	Inode *find(uint64_t ino);
	void add_root(std::string_view fs_name, uint64_t ino);
	Result<Inode *> find_dir(uint64_t ino);
	Status remove_locked(uint64_t parent, std::string_view name, Kind kind);
	// One link less; frees the inode when unlinked and not open.
	void drop_link(Inode *node);
	void truncate_data(Inode *node, uint64_t size);
	static void update_blocks(Inode *node);
	// Zeroes [offset, end) of the data, dropping blocks wholly inside it.
	static void zero_range(Inode *node, uint64_t offset, uint64_t end);
	// Result<Inode *> of a regular file (EISDIR / EINVAL otherwise).
	Result<Inode *> find_file(uint64_t ino);
	std::shared_mutex mu_;
	std::unordered_map<uint64_t, Inode> inodes_;
	uint64_t next_ino_ = kRootIno + 1;
	// file system name -> root inode; "default" -> kRootIno from the start
	std::map<std::string, uint64_t, std::less<>> roots_;
};

}  // namespace weft

#endif

// MemoryMetadataStore: the namespace in RAM, lost at exit.  Serves exactly
// one file system, "default", whose root is nodeid 1.
#ifndef WEFT_DAEMON_MEMORY_METADATA_STORE_H
#define WEFT_DAEMON_MEMORY_METADATA_STORE_H

#include <map>
#include <shared_mutex>
#include <string>
#include <unordered_map>

#include "metadata_store.h"

namespace weft {

class MemoryMetadataStore : public MetadataStore {
public:
	static constexpr uint64_t kRootIno = 1;
	static constexpr const char *kDefaultFs = "default";

	MemoryMetadataStore();

	Result<uint64_t> root_of(std::string_view fs_name) override;
	std::vector<FsSummary> filesystems() override;
	Result<InodeAttr> getattr(uint64_t ino) override;
	Result<InodeAttr> lookup(uint64_t parent, std::string_view name) override;
	Status read_dir(uint64_t dir, uint64_t after, const DirEmitter &emit) override;
	Result<InodeAttr> make_node(uint64_t parent, std::string_view name,
				    uint32_t mode, uint32_t uid, uint32_t gid) override;
	Status remove(uint64_t parent, std::string_view name) override;

private:
	struct Child {
		std::string name;
		uint64_t ino;
	};
	struct Inode {
		InodeAttr attr;
		uint64_t parent = 0;
		// directories only: entries by cookie, and cookie by name
		std::map<uint64_t, Child> entries;
		std::unordered_map<std::string, uint64_t> by_name;
		uint64_t next_cookie = kFirstEntryCookie;
	};

	// Callers hold mu_.
	Inode *find(uint64_t ino);

	std::shared_mutex mu_;
	std::unordered_map<uint64_t, Inode> inodes_;
	uint64_t next_ino_ = kRootIno + 1;
};

}  // namespace weft

#endif

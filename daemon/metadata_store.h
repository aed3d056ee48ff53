// MetadataStore: the namespace (file systems, inodes, directory entries)
// as the handlers see it.  MemoryMetadataStore is the first implementation;
// a RocksDB-backed one replaces it without the handlers changing.
// All methods are safe to call from every queue thread at once.
#ifndef WEFT_DAEMON_METADATA_STORE_H
#define WEFT_DAEMON_METADATA_STORE_H

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "result.h"

namespace weft {

struct Timestamp {
	int64_t sec = 0;
	uint32_t nsec = 0;
};

// An inode's attributes; ino is also the nodeid the kernel uses.
struct InodeAttr {
	uint64_t ino = 0;
	uint64_t size = 0;
	uint64_t blocks = 0;	// 512-byte units
	Timestamp atime, mtime, ctime;
	uint32_t mode = 0;	// S_IF* | permissions
	uint32_t nlink = 0;
	uint32_t uid = 0;
	uint32_t gid = 0;
	uint32_t rdev = 0;
	uint32_t generation = 0;
};

struct DirEntry {
	std::string_view name;
	uint64_t ino = 0;
	uint32_t type = 0;	// DT_*
	uint64_t cookie = 0;	// continue after this entry with this cookie
};

struct FsSummary {
	std::string name;
	uint64_t root = 0;
	uint32_t replication = 1;
	uint64_t files = 0;	// inodes in use
	uint64_t used_bytes = 0;	// sum of file sizes
};

// An extended attribute given to a node as it is made.
struct NewXattr {
	std::string_view name;	// with its namespace: "system.posix_acl_access"
	std::string_view value;
};

// A node to create: mode carries the type; rdev for device nodes;
// target for symlinks; xattrs (the POSIX ACLs it inherits) are stored in
// the same atomic change as the node: a crash never leaves it without.
struct NewNode {
	uint32_t mode = 0;
	uint32_t uid = 0;
	uint32_t gid = 0;
	uint32_t rdev = 0;
	std::string_view target;
	std::span<const NewXattr> xattrs;
	// The creator opens it (CREATE with WEFT_CREATE_OPEN): counted as an
	// open from the same step, as open() would count it, so no RELEASE or
	// unlink can fall between the creation and the open.
	bool open = false;
};

// An attribute change: only the fields named in valid apply.
struct SetAttr {
	enum : uint32_t {
		kMode = 1u << 0, kUid = 1u << 1, kGid = 1u << 2, kSize = 1u << 3,
		kAtime = 1u << 4, kMtime = 1u << 5, kCtime = 1u << 6,
	};
	uint32_t valid = 0;
	uint32_t mode = 0;	// permission bits (07777)
	uint32_t uid = 0, gid = 0;
	uint64_t size = 0;
	Timestamp atime, mtime, ctime;
};

inline constexpr uint32_t kRenameNoReplace = 1u << 0;
inline constexpr uint32_t kRenameExchange = 1u << 1;
// The old name becomes a whiteout (a character device 0:0) in the same
// atomic change (overlayfs' RENAME_WHITEOUT).
inline constexpr uint32_t kRenameWhiteout = 1u << 2;

// setxattr flags (XATTR_CREATE / XATTR_REPLACE).
inline constexpr uint32_t kXattrCreate = 1u << 0;	// EEXIST if present
inline constexpr uint32_t kXattrReplace = 1u << 1;	// ENODATA if absent

// fallocate modes (FALLOC_FL_* values).  0 allocates and may grow the
// file; KEEP_SIZE allocates without growing it; PUNCH_HOLE (always with
// KEEP_SIZE) frees a range, which then reads as zeros; ZERO_RANGE zeroes
// a range (growing the file unless KEEP_SIZE).
inline constexpr uint32_t kFallocKeepSize = 0x01;
inline constexpr uint32_t kFallocPunchHole = 0x02;
inline constexpr uint32_t kFallocZeroRange = 0x10;

// seek_data_hole whence (SEEK_DATA / SEEK_HOLE).
inline constexpr int kSeekData = 3;
inline constexpr int kSeekHole = 4;

// Directory cookies: "." is 1, ".." is 2, real entries get increasing
// cookies from 3 that are never reused within a directory, so a listing
// continued from a cookie neither repeats nor skips surviving entries.
inline constexpr uint64_t kCookieDot = 1;
inline constexpr uint64_t kCookieDotDot = 2;
inline constexpr uint64_t kFirstEntryCookie = 3;

class MetadataStore {
public:
	virtual ~MetadataStore() = default;

	// Root inode of a file system by name; ENOENT when unknown.
	virtual Result<uint64_t> root_of(std::string_view fs_name) = 0;
	// Gives fs_name a namespace of its own (an empty root directory) if it
	// has none yet; returns its root.  Called for file systems created
	// through management before their first mount.
	virtual Result<uint64_t> add_filesystem(std::string_view fs_name) = 0;
	virtual std::vector<FsSummary> filesystems() = 0;

	virtual Result<InodeAttr> getattr(uint64_t ino) = 0;
	// ENOENT when parent has no such name; ENOTDIR when parent is a file.
	virtual Result<InodeAttr> lookup(uint64_t parent, std::string_view name) = 0;
	// Calls emit for each entry with cookie > after, in cookie order,
	// starting with "." and "..", until emit returns false.
	using DirEmitter = std::function<bool(const DirEntry &)>;
	virtual Status read_dir(uint64_t dir, uint64_t after, const DirEmitter &emit) = 0;

	// Namespace changes.  Errnos are a local file system's: ENOENT,
	// EEXIST, ENOTDIR, EISDIR, ENOTEMPTY, EPERM (link to a directory),
	// EINVAL (a directory into its own subtree).
	virtual Result<InodeAttr> create(uint64_t parent, std::string_view name,
					 const NewNode &node) = 0;
	Result<InodeAttr> make_node(uint64_t parent, std::string_view name,
				    uint32_t mode, uint32_t uid, uint32_t gid)
	{
		return create(parent, name, NewNode{mode, uid, gid, 0, {}});
	}
	// A node in no directory (O_TMPFILE): nlink 0, alive while open or
	// until link() names it; dir only has to exist.
	virtual Result<InodeAttr> create_unlinked(uint64_t dir, const NewNode &node) = 0;
	// Removes the entry whatever it names (a directory only when empty).
	virtual Status remove(uint64_t parent, std::string_view name) = 0;
	// unlink: not a directory (EISDIR); rmdir: a directory (ENOTDIR), empty.
	virtual Status unlink(uint64_t parent, std::string_view name) = 0;
	virtual Status rmdir(uint64_t parent, std::string_view name) = 0;
	virtual Status rename(uint64_t olddir, std::string_view oldname, uint64_t newdir,
			      std::string_view newname, uint32_t flags) = 0;
	virtual Result<InodeAttr> link(uint64_t ino, uint64_t newparent,
				       std::string_view newname) = 0;
	virtual Result<std::string> readlink(uint64_t ino) = 0;
	virtual Result<InodeAttr> setattr(uint64_t ino, const SetAttr &change) = 0;

	// Open handles keep an unlinked inode (and its data) alive.
	virtual Result<uint64_t> open(uint64_t ino) = 0;
	virtual Status release(uint64_t ino) = 0;

	// File data.  read returns fewer bytes than asked at end of file;
	// holes read as zeros.  write extends the file as needed.
	virtual Result<size_t> read(uint64_t ino, uint64_t offset, std::span<std::byte> out) = 0;
	virtual Result<size_t> write(uint64_t ino, uint64_t offset,
				     std::span<const std::byte> data) = 0;
	// Returns once ino's data (and attributes unless datasync) are durable.
	virtual Status sync(uint64_t ino, bool datasync) = 0;

	// The methods below have defaults that refuse (EOPNOTSUPP) so a store
	// can grow them one at a time; every real store overrides them.

	// Forgets a file system's whole namespace and frees its data (`weft fs
	// delete`); ENOENT when unknown.
	virtual Status remove_filesystem(std::string_view fs_name);
	// `weft fs update --new-name`: the namespace (and its data) follows
	// the catalog's new name.  ENOENT when old_name has no namespace,
	// EEXIST when new_name has one.
	virtual Status rename_filesystem(std::string_view old_name, std::string_view new_name);

	// Capacity of file systems (bytes; 0: none), asked of the catalog: a
	// write, fallocate or truncate that would take a file system's used
	// bytes (FsSummary::used_bytes) past it is ENOSPC.  Set before serving.
	using CapacityFn = std::function<uint64_t(std::string_view fs_name)>;
	void set_capacity_source(CapacityFn fn) { capacity_ = std::move(fn); }

	// Extended attributes, named with their namespace ("user.x",
	// "trusted.y", "security.z", "system.posix_acl_access").  ENODATA
	// when absent.  Permission checks are the kernel's.
	virtual Result<std::string> getxattr(uint64_t ino, std::string_view name);
	virtual Status setxattr(uint64_t ino, std::string_view name, std::string_view value,
				uint32_t flags);
	// Every name, in a stable order.
	virtual Result<std::vector<std::string>> listxattr(uint64_t ino);
	virtual Status removexattr(uint64_t ino, std::string_view name);

	// fallocate(2) with the modes above (others: EOPNOTSUPP); returns the
	// attributes after the change.  Extending past the file system's
	// capacity is ENOSPC, past the maximum file size EFBIG.
	virtual Result<InodeAttr> fallocate(uint64_t ino, uint32_t mode, uint64_t offset,
					    uint64_t length);
	// lseek(2) SEEK_DATA / SEEK_HOLE: the first offset >= offset that is
	// data (or a hole; end of file counts as a hole).  ENXIO when offset
	// is at or past the end of the file.  A store may report allocated
	// zeros as data, never data as a hole.
	virtual Result<uint64_t> seek_data_hole(uint64_t ino, uint64_t offset, int whence);

protected:
	uint64_t capacity_limit(std::string_view fs_name) const
	{
		return capacity_ ? capacity_(fs_name) : 0;
	}

private:
	CapacityFn capacity_;
};

}  // namespace weft

#endif

// MetadataStore: the namespace (file systems, inodes, directory entries)
// as the handlers see it.  MemoryMetadataStore is the first implementation;
// a RocksDB-backed one replaces it without the handlers changing.
// All methods are safe to call from every queue thread at once.
#ifndef WEFT_DAEMON_METADATA_STORE_H
#define WEFT_DAEMON_METADATA_STORE_H

#include <cstdint>
#include <functional>
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
	virtual std::vector<FsSummary> filesystems() = 0;

	virtual Result<InodeAttr> getattr(uint64_t ino) = 0;
	// ENOENT when parent has no such name; ENOTDIR when parent is a file.
	virtual Result<InodeAttr> lookup(uint64_t parent, std::string_view name) = 0;
	// Calls emit for each entry with cookie > after, in cookie order,
	// starting with "." and "..", until emit returns false.
	using DirEmitter = std::function<bool(const DirEntry &)>;
	virtual Status read_dir(uint64_t dir, uint64_t after, const DirEmitter &emit) = 0;

	// Namespace changes (used by tests now, by MKNOD/MKDIR/UNLINK next).
	virtual Result<InodeAttr> make_node(uint64_t parent, std::string_view name,
					    uint32_t mode, uint32_t uid, uint32_t gid) = 0;
	virtual Status remove(uint64_t parent, std::string_view name) = 0;
};

}  // namespace weft

#endif

// FsHandlers: the file system opcodes -- MOUNT, UMOUNT, LOOKUP, FORGET,
// GETATTR, STATFS, READDIR, the namespace (CREATE, MKNOD, MKDIR, SYMLINK,
// UNLINK, RMDIR, RENAME, LINK, READLINK), SETATTR and data (OPEN, RELEASE,
// READ, WRITE, FSYNC), extended attributes (GETXATTR, SETXATTR, LISTXATTR,
// REMOVEXATTR), FALLOCATE and LSEEK (SEEK_DATA/SEEK_HOLE) -- answered from a MetadataStore and statvfs of the
// data directory (space).  Every payload is checked before use.
#ifndef WEFT_DAEMON_FS_HANDLERS_H
#define WEFT_DAEMON_FS_HANDLERS_H

#include <functional>
#include <string>
#include <string_view>

#include "dispatcher.h"
#include "metadata_store.h"
#include "ring_transport.h"

namespace weft {

// The space a file system offers (STATFS), in bytes.
struct FsSpace {
	uint64_t total_bytes = 0;
	uint64_t free_bytes = 0;	// what new data may still take
};

struct FsHandlerOptions {
	std::string data_dir;			// STATFS without space: its file system
	uint64_t attr_valid_ns = 1000000000;	// kernel attribute cache time
	uint64_t entry_valid_ns = 1000000000;	// kernel dentry cache time
	// STATFS: the space of a file system (by name) that holds used_bytes
	// (FsSummary::used_bytes); unset: statvfs of data_dir.
	std::function<Result<FsSpace>(std::string_view fs_name, uint64_t used_bytes)> space;
};

class FsHandlers {
public:
	FsHandlers(MetadataStore &store, FsHandlerOptions options)
		: store_(store), options_(std::move(options)) {}

	// Registers every opcode this class answers.  *this must outlive d.
	void register_with(Dispatcher &d);

	// Where cache invalidations go (weftd: its Notifier).  The kernel keeps
	// ACLs cached until told: after a system.posix_acl_* xattr changes,
	// every mount is sent an inode invalidation, which drops them.
	void on_invalidate(std::function<void(Invalidation)> fn) { invalidate_ = std::move(fn); }

	Reply mount(const Request &req);
	Reply lookup(const Request &req);
	Reply getattr(const Request &req);
	Reply statfs(const Request &req);
	Reply readdir(const Request &req);
	Reply create(const Request &req);	// CREATE, MKNOD, MKDIR, SYMLINK
	Reply unlink(const Request &req);
	Reply rmdir(const Request &req);
	Reply rename(const Request &req);
	Reply link(const Request &req);
	Reply readlink(const Request &req);
	Reply setattr(const Request &req);
	Reply open(const Request &req);
	Reply release(const Request &req);
	Reply read(const Request &req);
	Reply write(const Request &req);
	Reply fsync(const Request &req);
	Reply getxattr(const Request &req);
	Reply setxattr(const Request &req);
	Reply listxattr(const Request &req);
	Reply removexattr(const Request &req);
	Reply fallocate(const Request &req);
	Reply lseek(const Request &req);

private:
	weft_entry_out entry_out(const InodeAttr &attr) const;

	void acl_changed(uint64_t ino, std::string_view xattr) const;

	MetadataStore &store_;
	FsHandlerOptions options_;
	std::function<void(Invalidation)> invalidate_;
};

// The ABI's weft_attr for an inode.
weft_attr to_wire(const InodeAttr &a);

}  // namespace weft

#endif

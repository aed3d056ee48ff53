#include "fs_handlers.h"

#include <sys/statvfs.h>

#include <cstring>
#include <limits>

#include "request_names.h"

namespace weft {

namespace {
constexpr uint32_t kBlockSize = 4096;
}

weft_attr to_wire(const InodeAttr &a)
{
	weft_attr w{};
	w.ino = a.ino;
	w.size = a.size;
	w.blocks = a.blocks;
	w.atime_sec = a.atime.sec;
	w.mtime_sec = a.mtime.sec;
	w.ctime_sec = a.ctime.sec;
	w.atime_nsec = a.atime.nsec;
	w.mtime_nsec = a.mtime.nsec;
	w.ctime_nsec = a.ctime.nsec;
	w.mode = a.mode;
	w.nlink = a.nlink;
	w.uid = a.uid;
	w.gid = a.gid;
	w.rdev = a.rdev;
	w.blksize = kBlockSize;
	w.generation = a.generation;
	return w;
}

void FsHandlers::register_with(Dispatcher &d)
{
	d.add(WEFT_OP_MOUNT, [this](const Request &r) { return mount(r); });
	d.add(WEFT_OP_UMOUNT, [](const Request &) -> Reply { return 0u; });
	d.add(WEFT_OP_LOOKUP, [this](const Request &r) { return lookup(r); });
	// Nothing is reference counted yet, so there is nothing to forget.
	d.add(WEFT_OP_FORGET, [](const Request &) -> Reply { return 0u; });
	d.add(WEFT_OP_GETATTR, [this](const Request &r) { return getattr(r); });
	d.add(WEFT_OP_STATFS, [this](const Request &r) { return statfs(r); });
	d.add(WEFT_OP_READDIR, [this](const Request &r) { return readdir(r); });
}

weft_entry_out FsHandlers::entry_out(const InodeAttr &attr) const
{
	weft_entry_out e{};
	e.nodeid = attr.ino;
	e.entry_valid_ns = options_.entry_valid_ns;
	e.attr_valid_ns = options_.attr_valid_ns;
	e.attr = to_wire(attr);
	return e;
}

Reply FsHandlers::mount(const Request &req)
{
	auto name = fs_name(req);
	if (!name)
		return name.error();
	auto root = store_.root_of(*name);
	if (!root)
		return root.error();
	auto attr = store_.getattr(*root);
	if (!attr)
		return attr.error();
	weft_mount_out m{};
	m.abi_version = WEFT_ABI_VERSION;
	m.block_size = kBlockSize;
	m.max_file_size = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
	m.root = entry_out(*attr);
	return write_out(req, m);
}

Reply FsHandlers::lookup(const Request &req)
{
	auto name = entry_name(req);
	if (!name)
		return name.error();
	auto attr = store_.lookup(req.sqe.nodeid, *name);
	if (!attr)
		return attr.error();
	return write_out(req, entry_out(*attr));
}

Reply FsHandlers::getattr(const Request &req)
{
	auto attr = store_.getattr(req.sqe.nodeid);
	if (!attr)
		return attr.error();
	weft_attr_out out{};
	out.attr_valid_ns = options_.attr_valid_ns;
	out.attr = to_wire(*attr);
	return write_out(req, out);
}

Reply FsHandlers::statfs(const Request &req)
{
	struct statvfs sv{};
	if (::statvfs(options_.data_dir.c_str(), &sv) != 0)
		return make_error(errno, "statvfs " + options_.data_dir);
	const uint64_t frsize = sv.f_frsize ? sv.f_frsize : sv.f_bsize;
	auto in_blocks = [&](uint64_t n) { return n * frsize / kBlockSize; };
	uint64_t files = 0;
	for (const FsSummary &fs : store_.filesystems())
		files += fs.files;
	weft_statfs_out out{};
	out.bsize = kBlockSize;
	out.frsize = kBlockSize;
	out.blocks = in_blocks(sv.f_blocks);
	out.bfree = in_blocks(sv.f_bfree);
	out.bavail = in_blocks(sv.f_bavail);
	// Inodes are metadata records, not data-dir inodes: report what the
	// store holds and whatever the data dir could still hold.
	out.ffree = sv.f_ffree;
	out.files = files + sv.f_ffree;
	out.namelen = kNameMax;
	return write_out(req, out);
}

Reply FsHandlers::readdir(const Request &req)
{
	// Records are packed from the start of the output buffer; stop at the
	// first one that does not fit, the kernel continues from its cookie.
	std::byte *const out = req.out.data();
	const size_t room = req.out.size();
	size_t used = 0;
	bool truncated = false;
	auto emit = [&](const DirEntry &e) {
		const size_t size = WEFT_DIRENT_SIZE(e.name.size());
		if (used + size > room) {
			truncated = true;
			return false;
		}
		weft_dirent d{};
		d.ino = e.ino;
		d.off = e.cookie;
		d.namelen = static_cast<uint32_t>(e.name.size());
		d.type = e.type;
		std::memcpy(out + used, &d, sizeof(d));
		std::memcpy(out + used + sizeof(d), e.name.data(), e.name.size());
		// zero the alignment padding: never hand the kernel stale bytes
		std::memset(out + used + sizeof(d) + e.name.size(), 0,
			    size - sizeof(d) - e.name.size());
		used += size;
		return true;
	};
	Status st = store_.read_dir(req.sqe.nodeid, req.sqe.u.readdir.pos, emit);
	if (!st)
		return st.error();
	if (used == 0 && truncated)
		return make_error(EINVAL, "readdir buffer too small for one entry");
	return static_cast<uint32_t>(used);
}

}  // namespace weft

#include "fs_handlers.h"

#include <sys/stat.h>
#include <sys/statvfs.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <limits>
#include <type_traits>
#include <vector>

#include "request_names.h"

namespace weft {

namespace {
constexpr uint32_t kBlockSize = 4096;

std::string_view input(const Request &req, size_t offset, size_t len)
{
	return {reinterpret_cast<const char *>(req.in.data()) + offset, len};
}

// A fixed header at the start of the input.
template <typename T>
Result<T> read_in(const Request &req)
{
	static_assert(std::is_trivially_copyable_v<T>);
	if (req.in.size() < sizeof(T))
		return make_error(EINVAL, "input shorter than its header");
	T v;
	std::memcpy(&v, req.in.data(), sizeof(T));
	return v;
}

// An entry name inside the input: 1..255 bytes, no '/' or NUL.
Result<std::string> name_at(const Request &req, size_t offset, uint64_t len)
{
	if (len == 0 || offset > req.in.size() || len > req.in.size() - offset)
		return make_error(EINVAL, "name outside the input");
	if (len > kNameMax)
		return make_error(ENAMETOOLONG);
	std::string_view s = input(req, offset, static_cast<size_t>(len));
	if (s.find('/') != s.npos || s.find('\0') != s.npos)
		return make_error(EINVAL, "name contains '/' or NUL");
	return std::string(s);
}

// WEFT_CREATE_ACLS: the inherited ACLs after the name, exactly the rest of
// the input (uapi/weft_ring.h).  The views point into req.in.
struct CreateAcls {
	std::array<NewXattr, 2> x;
	size_t n = 0;
	std::span<const NewXattr> span() const { return {x.data(), n}; }
};

Result<CreateAcls> create_acls(const Request &req, size_t off, bool dir)
{
	weft_create_acls h;
	if (off > req.in.size() || req.in.size() - off < sizeof(h))
		return make_error(EINVAL, "create ACL extension outside the input");
	std::memcpy(&h, req.in.data() + off, sizeof(h));
	if (h.version != WEFT_CREATE_ACLS_VERSION)
		return make_error(EPROTO, "create ACL extension version " + std::to_string(h.version) +
						  ", weftd knows " + std::to_string(WEFT_CREATE_ACLS_VERSION));
	const size_t values = req.in.size() - off - sizeof(h);
	if (h.pad || uint64_t(h.access_len) + h.default_len != values ||
	    (!h.access_len && !h.default_len))
		return make_error(EINVAL, "create ACL lengths do not match the input");
	if (h.access_len > WEFT_XATTR_SIZE_MAX || h.default_len > WEFT_XATTR_SIZE_MAX)
		return make_error(E2BIG, "inherited ACL too large");
	if (h.default_len && !dir)
		return make_error(EINVAL, "a default ACL on a non-directory");
	CreateAcls out;
	const size_t v = off + sizeof(h);
	if (h.access_len)
		out.x[out.n++] = NewXattr{"system.posix_acl_access", input(req, v, h.access_len)};
	if (h.default_len)
		out.x[out.n++] = NewXattr{"system.posix_acl_default",
					  input(req, v + h.access_len, h.default_len)};
	return out;
}

bool valid_node_type(uint32_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFREG: case S_IFCHR: case S_IFBLK: case S_IFIFO: case S_IFSOCK:
		return true;
	}
	return false;
}

}  // namespace

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
	for (uint32_t op : {WEFT_OP_CREATE, WEFT_OP_MKNOD, WEFT_OP_MKDIR, WEFT_OP_SYMLINK})
		d.add(op, [this](const Request &r) { return create(r); });
	d.add(WEFT_OP_UNLINK, [this](const Request &r) { return unlink(r); });
	d.add(WEFT_OP_RMDIR, [this](const Request &r) { return rmdir(r); });
	d.add(WEFT_OP_RENAME, [this](const Request &r) { return rename(r); });
	d.add(WEFT_OP_LINK, [this](const Request &r) { return link(r); });
	d.add(WEFT_OP_READLINK, [this](const Request &r) { return readlink(r); });
	d.add(WEFT_OP_SETATTR, [this](const Request &r) { return setattr(r); });
	d.add(WEFT_OP_OPEN, [this](const Request &r) { return open(r); });
	d.add(WEFT_OP_RELEASE, [this](const Request &r) { return release(r); });
	d.add(WEFT_OP_READ, [this](const Request &r) { return read(r); });
	d.add(WEFT_OP_WRITE, [this](const Request &r) { return write(r); });
	d.add(WEFT_OP_FSYNC, [this](const Request &r) { return fsync(r); });
	d.add(WEFT_OP_GETXATTR, [this](const Request &r) { return getxattr(r); });
	d.add(WEFT_OP_SETXATTR, [this](const Request &r) { return setxattr(r); });
	d.add(WEFT_OP_LISTXATTR, [this](const Request &r) { return listxattr(r); });
	d.add(WEFT_OP_REMOVEXATTR, [this](const Request &r) { return removexattr(r); });
	d.add(WEFT_OP_FALLOCATE, [this](const Request &r) { return fallocate(r); });
	d.add(WEFT_OP_LSEEK, [this](const Request &r) { return lseek(r); });
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

// The kernel sends its mount's root as nodeid: the numbers are that file
// system's (its capacity, or the engine's free space per copy; see
// FsHandlerOptions::space).
Reply FsHandlers::statfs(const Request &req)
{
	std::vector<FsSummary> all = store_.filesystems();
	const FsSummary *mine = nullptr;
	uint64_t files_all = 0;
	for (const FsSummary &fs : all) {
		files_all += fs.files;
		if (fs.root == req.sqe.nodeid)
			mine = &fs;
	}
	weft_statfs_out out{};
	out.bsize = kBlockSize;
	out.frsize = kBlockSize;
	out.namelen = kNameMax;
	if (options_.space && mine != nullptr) {
		auto space = options_.space(mine->name, mine->used_bytes);
		if (!space)
			return make_error(space.error().code, space.error().message);
		out.blocks = space->total_bytes / kBlockSize;
		out.bfree = out.bavail = std::min<uint64_t>(space->free_bytes / kBlockSize, out.blocks);
		// Inodes are namespace records, numbered from one 32-bit
		// counter that every file system of the node shares.
		out.files = mine->files + ((uint64_t{1} << 32) - 1 - std::min(files_all, (uint64_t{1} << 32) - 1));
		out.ffree = out.files - mine->files;
		return write_out(req, out);
	}
	struct statvfs sv{};
	if (::statvfs(options_.data_dir.c_str(), &sv) != 0)
		return make_error(errno, "statvfs " + options_.data_dir);
	const uint64_t frsize = sv.f_frsize ? sv.f_frsize : sv.f_bsize;
	auto in_blocks = [&](uint64_t n) { return n * frsize / kBlockSize; };
	out.blocks = in_blocks(sv.f_blocks);
	out.bfree = in_blocks(sv.f_bfree);
	out.bavail = in_blocks(sv.f_bavail);
	// Inodes are metadata records, not data-dir inodes: report what the
	// store holds and whatever the data dir could still hold.
	out.ffree = sv.f_ffree;
	out.files = files_all + sv.f_ffree;
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

Reply FsHandlers::create(const Request &req)
{
	auto in = read_in<weft_create_in>(req);
	if (!in)
		return in.error();
	const bool with_acls = in->flags & WEFT_CREATE_ACLS;
	const bool opens = in->flags & WEFT_CREATE_OPEN;
	if (in->flags & ~uint32_t(WEFT_CREATE_TMPFILE | WEFT_CREATE_ACLS | WEFT_CREATE_OPEN) ||
	    ((in->flags & (WEFT_CREATE_TMPFILE | WEFT_CREATE_OPEN)) &&
	     req.sqe.opcode != WEFT_OP_CREATE) ||
	    (with_acls && req.sqe.opcode == WEFT_OP_SYMLINK))
		return make_error(EINVAL, "bad create flags");
	// With WEFT_CREATE_OPEN the reply carries the handle OPEN would give;
	// refused before anything is made when it cannot (the handle would leak).
	if (opens && req.out.size() < sizeof(weft_create_out))
		return make_error(EINVAL, "output buffer smaller than reply");
	auto created = [&](const InodeAttr &attr) -> Reply {
		if (!opens)
			return write_out(req, entry_out(attr));
		weft_create_out out{};
		out.entry = entry_out(attr);
		out.fh = attr.ino;
		return write_out(req, out);
	};
	Result<CreateAcls> acls = CreateAcls{};
	if (with_acls) {
		const size_t off = sizeof(weft_create_in) + std::min<size_t>(in->namelen, req.in.size());
		acls = create_acls(req, off, req.sqe.opcode == WEFT_OP_MKDIR);
		if (!acls)
			return acls.error();
	}
	if (in->flags & WEFT_CREATE_TMPFILE) {
		if (in->namelen || (!with_acls && req.in.size() != sizeof(weft_create_in)))
			return make_error(EINVAL, "O_TMPFILE has no name");
		NewNode node{S_IFREG | (in->mode & 07777), in->uid, in->gid, 0, {}, acls->span(), opens};
		auto attr = store_.create_unlinked(req.sqe.nodeid, node);
		if (!attr)
			return attr.error();
		return created(*attr);
	}
	auto name = name_at(req, sizeof(weft_create_in), in->namelen);
	if (!name)
		return name.error();
	NewNode node{in->mode, in->uid, in->gid, in->rdev, {}, acls->span(), opens};
	const uint32_t perm = in->mode & 07777;
	switch (req.sqe.opcode) {
	case WEFT_OP_CREATE:
		node.mode = S_IFREG | perm;
		break;
	case WEFT_OP_MKDIR:
		node.mode = S_IFDIR | perm;
		break;
	case WEFT_OP_MKNOD:
		if (!valid_node_type(in->mode))
			return make_error(EINVAL, "mknod of an unknown type");
		break;
	case WEFT_OP_SYMLINK: {
		node.mode = S_IFLNK | 0777;
		const size_t off = sizeof(weft_create_in) + in->namelen;
		const size_t len = req.in.size() - off;
		if (len == 0)
			return make_error(ENOENT, "empty symlink target");
		if (len > WEFT_SYMLINK_MAX)
			return make_error(ENAMETOOLONG);
		node.target = input(req, off, len);
		if (node.target.find('\0') != std::string_view::npos)
			return make_error(EINVAL, "symlink target contains NUL");
		break;
	}
	default:
		return make_error(EINVAL);
	}
	auto attr = store_.create(req.sqe.nodeid, *name, node);
	if (!attr)
		return attr.error();
	return created(*attr);
}

Reply FsHandlers::unlink(const Request &req)
{
	auto name = entry_name(req);
	if (!name)
		return name.error();
	Status st = store_.unlink(req.sqe.nodeid, *name);
	if (!st)
		return st.error();
	return 0u;
}

Reply FsHandlers::rmdir(const Request &req)
{
	auto name = entry_name(req);
	if (!name)
		return name.error();
	Status st = store_.rmdir(req.sqe.nodeid, *name);
	if (!st)
		return st.error();
	return 0u;
}

Reply FsHandlers::rename(const Request &req)
{
	auto in = read_in<weft_rename_in>(req);
	if (!in)
		return in.error();
	if (in->pad || (in->flags & ~(WEFT_RENAME_NOREPLACE | WEFT_RENAME_EXCHANGE |
				      WEFT_RENAME_WHITEOUT)))
		return make_error(EINVAL, "bad rename flags");
	auto oldname = name_at(req, sizeof(weft_rename_in), in->oldnamelen);
	if (!oldname)
		return oldname.error();
	auto newname = name_at(req, sizeof(weft_rename_in) + in->oldnamelen, in->newnamelen);
	if (!newname)
		return newname.error();
	uint32_t flags = 0;
	if (in->flags & WEFT_RENAME_NOREPLACE)
		flags |= kRenameNoReplace;
	if (in->flags & WEFT_RENAME_EXCHANGE)
		flags |= kRenameExchange;
	if (in->flags & WEFT_RENAME_WHITEOUT)
		flags |= kRenameWhiteout;
	Status st = store_.rename(req.sqe.nodeid, *oldname, in->newdir, *newname, flags);
	if (!st)
		return st.error();
	return 0u;
}

Reply FsHandlers::link(const Request &req)
{
	auto in = read_in<weft_link_in>(req);
	if (!in)
		return in.error();
	auto name = name_at(req, sizeof(weft_link_in), in->namelen);
	if (!name)
		return name.error();
	auto attr = store_.link(in->nodeid, req.sqe.nodeid, *name);
	if (!attr)
		return attr.error();
	return write_out(req, entry_out(*attr));
}

Reply FsHandlers::readlink(const Request &req)
{
	auto target = store_.readlink(req.sqe.nodeid);
	if (!target)
		return target.error();
	if (target->size() > req.out.size())
		return make_error(ENAMETOOLONG, "symlink target larger than the reply buffer");
	std::memcpy(req.out.data(), target->data(), target->size());
	return static_cast<uint32_t>(target->size());
}

Reply FsHandlers::setattr(const Request &req)
{
	auto in = read_in<weft_setattr_in>(req);
	if (!in)
		return in.error();
	constexpr uint32_t known = WEFT_SETATTR_MODE | WEFT_SETATTR_UID | WEFT_SETATTR_GID |
				   WEFT_SETATTR_SIZE | WEFT_SETATTR_ATIME | WEFT_SETATTR_MTIME |
				   WEFT_SETATTR_CTIME;
	if (in->valid & ~known)
		return make_error(EINVAL, "unknown setattr bits");
	if (in->atime_nsec >= 1000000000u || in->mtime_nsec >= 1000000000u ||
	    in->ctime_nsec >= 1000000000u)
		return make_error(EINVAL, "nanoseconds out of range");
	SetAttr c;
	// the ABI bits and SetAttr's are the same, checked below
	static_assert(SetAttr::kMode == WEFT_SETATTR_MODE && SetAttr::kUid == WEFT_SETATTR_UID &&
		      SetAttr::kGid == WEFT_SETATTR_GID && SetAttr::kSize == WEFT_SETATTR_SIZE &&
		      SetAttr::kAtime == WEFT_SETATTR_ATIME && SetAttr::kMtime == WEFT_SETATTR_MTIME &&
		      SetAttr::kCtime == WEFT_SETATTR_CTIME);
	c.valid = in->valid;
	c.mode = in->mode & 07777;
	c.uid = in->uid;
	c.gid = in->gid;
	c.size = in->size;
	c.atime = {in->atime_sec, in->atime_nsec};
	c.mtime = {in->mtime_sec, in->mtime_nsec};
	c.ctime = {in->ctime_sec, in->ctime_nsec};
	auto attr = store_.setattr(req.sqe.nodeid, c);
	if (!attr)
		return attr.error();
	weft_attr_out out{};
	out.attr_valid_ns = options_.attr_valid_ns;
	out.attr = to_wire(*attr);
	return write_out(req, out);
}

Reply FsHandlers::open(const Request &req)
{
	auto fh = store_.open(req.sqe.nodeid);
	if (!fh)
		return fh.error();
	weft_open_out out{};
	out.fh = *fh;
	return write_out(req, out);
}

Reply FsHandlers::release(const Request &req)
{
	Status st = store_.release(req.sqe.nodeid);
	if (!st)
		return st.error();
	return 0u;
}

Reply FsHandlers::read(const Request &req)
{
	const uint32_t size = req.sqe.u.rw.size;
	if (size > req.out.size())
		return make_error(EINVAL, "read larger than out_max");
	auto n = store_.read(req.sqe.nodeid, req.sqe.u.rw.offset, req.out.first(size));
	if (!n)
		return n.error();
	return static_cast<uint32_t>(*n);
}

Reply FsHandlers::write(const Request &req)
{
	if (req.sqe.u.rw.size != req.in.size())
		return make_error(EINVAL, "write size differs from in_len");
	// in and out share the buffer: the store copies the data before the reply
	auto n = store_.write(req.sqe.nodeid, req.sqe.u.rw.offset, req.in);
	if (!n)
		return n.error();
	weft_write_out out{};
	out.size = static_cast<uint32_t>(*n);
	return write_out(req, out);
}

Reply FsHandlers::fsync(const Request &req)
{
	Status st = store_.sync(req.sqe.nodeid, req.sqe.u.rw.flags & WEFT_FSYNC_DATASYNC);
	if (!st)
		return st.error();
	return 0u;
}

Reply FsHandlers::getxattr(const Request &req)
{
	auto name = xattr_name(req, 0, req.in.size());
	if (!name)
		return name.error();
	auto value = store_.getxattr(req.sqe.nodeid, *name);
	if (!value)
		return value.error();
	const uint32_t size = req.sqe.u.rw.size;
	if (size == 0) {	// the caller asks how large the value is
		weft_xattr_out out{};
		out.size = static_cast<uint32_t>(value->size());
		return write_out(req, out);
	}
	if (value->size() > size || value->size() > req.out.size())
		return make_error(ERANGE);
	std::memcpy(req.out.data(), value->data(), value->size());
	return static_cast<uint32_t>(value->size());
}

Reply FsHandlers::setxattr(const Request &req)
{
	auto in = read_in<weft_setxattr_in>(req);
	if (!in)
		return in.error();
	if (in->pad || (in->flags & ~(WEFT_XATTR_CREATE | WEFT_XATTR_REPLACE)))
		return make_error(EINVAL, "bad setxattr flags");
	if (in->size > WEFT_XATTR_SIZE_MAX)
		return make_error(E2BIG);
	auto name = xattr_name(req, sizeof(weft_setxattr_in), in->namelen);
	if (!name)
		return name.error();
	const size_t off = sizeof(weft_setxattr_in) + in->namelen;
	if (req.in.size() - off != in->size)
		return make_error(EINVAL, "xattr value size differs from the input");
	uint32_t flags = 0;
	if (in->flags & WEFT_XATTR_CREATE)
		flags |= kXattrCreate;
	if (in->flags & WEFT_XATTR_REPLACE)
		flags |= kXattrReplace;
	Status st = store_.setxattr(req.sqe.nodeid, *name, input(req, off, in->size), flags);
	if (!st)
		return st.error();
	acl_changed(req.sqe.nodeid, *name);
	return 0u;
}

void FsHandlers::acl_changed(uint64_t ino, std::string_view xattr) const
{
	if (invalidate_ && xattr.starts_with("system.posix_acl_"))
		invalidate_(Invalidation::inode(ino));
}

Reply FsHandlers::listxattr(const Request &req)
{
	auto names = store_.listxattr(req.sqe.nodeid);
	if (!names)
		return names.error();
	size_t used = 0;
	for (const std::string &n : *names) {
		if (n.size() + 1 > req.out.size() - used)
			return make_error(ERANGE, "xattr list larger than the reply buffer");
		std::memcpy(req.out.data() + used, n.data(), n.size());
		req.out[used + n.size()] = std::byte{0};
		used += n.size() + 1;
	}
	return static_cast<uint32_t>(used);
}

Reply FsHandlers::removexattr(const Request &req)
{
	auto name = xattr_name(req, 0, req.in.size());
	if (!name)
		return name.error();
	Status st = store_.removexattr(req.sqe.nodeid, *name);
	if (!st)
		return st.error();
	acl_changed(req.sqe.nodeid, *name);
	return 0u;
}

Reply FsHandlers::fallocate(const Request &req)
{
	auto in = read_in<weft_fallocate_in>(req);
	if (!in)
		return in.error();
	if (in->pad)
		return make_error(EINVAL, "nonzero padding");
	static_assert(kFallocKeepSize == WEFT_FALLOC_KEEP_SIZE &&
		      kFallocPunchHole == WEFT_FALLOC_PUNCH_HOLE &&
		      kFallocZeroRange == WEFT_FALLOC_ZERO_RANGE);
	auto attr = store_.fallocate(req.sqe.nodeid, in->mode, in->offset, in->length);
	if (!attr)
		return attr.error();
	weft_attr_out out{};
	out.attr_valid_ns = options_.attr_valid_ns;
	out.attr = to_wire(*attr);
	return write_out(req, out);
}

Reply FsHandlers::lseek(const Request &req)
{
	static_assert(kSeekData == WEFT_SEEK_DATA && kSeekHole == WEFT_SEEK_HOLE);
	const uint32_t whence = req.sqe.u.rw.flags;
	if (whence != WEFT_SEEK_DATA && whence != WEFT_SEEK_HOLE)
		return make_error(EINVAL, "whence is neither SEEK_DATA nor SEEK_HOLE");
	auto off = store_.seek_data_hole(req.sqe.nodeid, req.sqe.u.rw.offset,
					 static_cast<int>(whence));
	if (!off)
		return off.error();
	weft_lseek_out out{};
	out.offset = *off;
	return write_out(req, out);
}

}  // namespace weft

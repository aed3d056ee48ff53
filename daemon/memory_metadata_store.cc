#include "memory_metadata_store.h"

#include <sys/stat.h>

#include <algorithm>
#include <cstring>
#include <ctime>
#include <limits>
#include <mutex>
#include <unordered_set>

namespace weft {

namespace {

Timestamp now()
{
	timespec ts{};
	clock_gettime(CLOCK_REALTIME, &ts);
	return Timestamp{ts.tv_sec, static_cast<uint32_t>(ts.tv_nsec)};
}

uint32_t dirent_type(uint32_t mode) { return (mode & S_IFMT) >> 12; }

bool is_dir(const InodeAttr &a) { return S_ISDIR(a.mode); }

constexpr uint32_t kLinkMax = 65000;

}  // namespace

MemoryMetadataStore::MemoryMetadataStore()
{
	add_root(kDefaultFs, kRootIno);
}

// An empty root directory (its own parent) named fs_name; caller holds mu_
// exclusively or is the constructor.
void MemoryMetadataStore::add_root(std::string_view fs_name, uint64_t ino)
{
	Inode root;
	root.attr.ino = ino;
	root.attr.mode = S_IFDIR | 0755;
	root.attr.nlink = 2;
	root.attr.atime = root.attr.mtime = root.attr.ctime = now();
	root.parent = ino;
	inodes_.emplace(ino, std::move(root));
	roots_.emplace(std::string(fs_name), ino);
}

MemoryMetadataStore::Inode *MemoryMetadataStore::find(uint64_t ino)
{
	auto it = inodes_.find(ino);
	return it == inodes_.end() ? nullptr : &it->second;
}

Result<uint64_t> MemoryMetadataStore::root_of(std::string_view fs_name)
{
	std::shared_lock lock(mu_);
	auto it = roots_.find(fs_name);
	if (it == roots_.end())
		return make_error(ENOENT, "no file system '" + std::string(fs_name) + "'");
	return it->second;
}

Result<uint64_t> MemoryMetadataStore::add_filesystem(std::string_view fs_name)
{
	std::unique_lock lock(mu_);
	if (auto it = roots_.find(fs_name); it != roots_.end())
		return it->second;
	uint64_t ino = next_ino_++;
	add_root(fs_name, ino);
	return ino;
}

// (No capacity here: this store does not track which file system an inode
// is in; RocksMetadataStore enforces set_capacity_source().)
Status MemoryMetadataStore::rename_filesystem(std::string_view old_name, std::string_view new_name)
{
	std::unique_lock lock(mu_);
	auto it = roots_.find(old_name);
	if (it == roots_.end())
		return make_error(ENOENT, "no file system '" + std::string(old_name) + "'");
	if (old_name == new_name)
		return {};
	if (roots_.find(new_name) != roots_.end())
		return make_error(EEXIST, "a namespace named '" + std::string(new_name) + "' exists");
	const uint64_t root = it->second;
	roots_.erase(it);
	roots_.emplace(std::string(new_name), root);
	return {};
}

// One summary per file system: the inodes reachable from its root.
std::vector<FsSummary> MemoryMetadataStore::filesystems()
{
	std::shared_lock lock(mu_);
	std::vector<FsSummary> out;
	for (const auto &[name, root] : roots_) {
		FsSummary fs;
		fs.name = name;
		fs.root = root;
		std::vector<uint64_t> todo{root};
		std::unordered_set<uint64_t> seen{root};
		while (!todo.empty()) {
			const Inode *inode = find(todo.back());
			todo.pop_back();
			if (!inode)
				continue;
			fs.files++;
			if (!is_dir(inode->attr)) {
				fs.used_bytes += inode->attr.size;
				continue;
			}
			for (const auto &[cookie, child] : inode->entries)
				if (seen.insert(child.ino).second)
					todo.push_back(child.ino);
		}
		out.push_back(std::move(fs));
	}
	return out;
}

Result<InodeAttr> MemoryMetadataStore::getattr(uint64_t ino)
{
	std::shared_lock lock(mu_);
	const Inode *inode = find(ino);
	if (!inode)
		return make_error(ENOENT, "no inode " + std::to_string(ino));
	return inode->attr;
}

Result<InodeAttr> MemoryMetadataStore::lookup(uint64_t parent, std::string_view name)
{
	std::shared_lock lock(mu_);
	Inode *dir = find(parent);
	if (!dir)
		return make_error(ENOENT, "no inode " + std::to_string(parent));
	if (!is_dir(dir->attr))
		return make_error(ENOTDIR);
	if (name == ".")
		return dir->attr;
	if (name == "..")
		return find(dir->parent)->attr;
	auto it = dir->by_name.find(std::string(name));
	if (it == dir->by_name.end())
		return make_error(ENOENT);
	return find(dir->entries.at(it->second).ino)->attr;
}

Status MemoryMetadataStore::read_dir(uint64_t ino, uint64_t after, const DirEmitter &emit)
{
	std::shared_lock lock(mu_);
	Inode *dir = find(ino);
	if (!dir)
		return make_error(ENOENT, "no inode " + std::to_string(ino));
	if (!is_dir(dir->attr))
		return make_error(ENOTDIR);
	if (after < kCookieDot && !emit(DirEntry{".", ino, dirent_type(S_IFDIR), kCookieDot}))
		return {};
	if (after < kCookieDotDot &&
	    !emit(DirEntry{"..", dir->parent, dirent_type(S_IFDIR), kCookieDotDot}))
		return {};
	for (auto it = dir->entries.upper_bound(after); it != dir->entries.end(); ++it) {
		const InodeAttr &child = find(it->second.ino)->attr;
		if (!emit(DirEntry{it->second.name, child.ino, dirent_type(child.mode), it->first}))
			break;
	}
	return {};
}

Result<MemoryMetadataStore::Inode *> MemoryMetadataStore::find_dir(uint64_t ino)
{
	Inode *dir = find(ino);
	if (!dir)
		return make_error(ENOENT, "no inode " + std::to_string(ino));
	if (!is_dir(dir->attr))
		return make_error(ENOTDIR);
	return dir;
}

Result<InodeAttr> MemoryMetadataStore::create(uint64_t parent, std::string_view name,
					      const NewNode &spec)
{
	std::unique_lock lock(mu_);
	auto dirp = find_dir(parent);
	if (!dirp)
		return dirp.error();
	Inode *dir = *dirp;
	if (dir->attr.nlink == 0)
		return make_error(ENOENT, "directory was removed");
	if (name == "." || name == ".." || dir->by_name.count(std::string(name)))
		return make_error(EEXIST);

	Inode node;
	node.attr.ino = next_ino_++;
	node.attr.mode = spec.mode;
	node.attr.nlink = S_ISDIR(spec.mode) ? 2 : 1;
	node.attr.uid = spec.uid;
	node.attr.gid = spec.gid;
	node.attr.rdev = (S_ISCHR(spec.mode) || S_ISBLK(spec.mode)) ? spec.rdev : 0;
	node.attr.atime = node.attr.mtime = node.attr.ctime = now();
	node.parent = parent;
	if (S_ISLNK(spec.mode)) {
		node.target = std::string(spec.target);
		node.attr.size = node.target.size();
	}
	for (const NewXattr &x : spec.xattrs)	// inherited ACLs, with the node
		node.xattrs.insert_or_assign(std::string(x.name), std::string(x.value));
	node.opens = spec.open ? 1 : 0;
	const uint64_t cookie = dir->next_cookie++;
	dir->entries.emplace(cookie, Child{std::string(name), node.attr.ino});
	dir->by_name.emplace(std::string(name), cookie);
	dir->attr.mtime = dir->attr.ctime = node.attr.ctime;
	if (S_ISDIR(spec.mode))
		dir->attr.nlink++;
	InodeAttr attr = node.attr;
	inodes_.emplace(attr.ino, std::move(node));
	return attr;
}

Result<InodeAttr> MemoryMetadataStore::create_unlinked(uint64_t dir, const NewNode &spec)
{
	std::unique_lock lock(mu_);
	auto dirp = find_dir(dir);
	if (!dirp)
		return dirp.error();
	if (!S_ISREG(spec.mode))
		return make_error(EINVAL, "only regular files are made unlinked");
	Inode node;
	node.attr.ino = next_ino_++;
	node.attr.mode = spec.mode;
	node.attr.nlink = 0;
	node.attr.uid = spec.uid;
	node.attr.gid = spec.gid;
	node.attr.atime = node.attr.mtime = node.attr.ctime = now();
	node.parent = dir;
	for (const NewXattr &x : spec.xattrs)
		node.xattrs.insert_or_assign(std::string(x.name), std::string(x.value));
	node.opens = spec.open ? 1 : 0;
	InodeAttr attr = node.attr;
	inodes_.emplace(attr.ino, std::move(node));
	return attr;
}

void MemoryMetadataStore::drop_link(Inode *node)
{
	if (is_dir(node->attr)) {
		inodes_.erase(node->attr.ino);
		return;
	}
	if (node->attr.nlink)
		node->attr.nlink--;
	node->attr.ctime = now();
	if (node->attr.nlink == 0 && node->opens == 0)
		inodes_.erase(node->attr.ino);
}

Status MemoryMetadataStore::remove_locked(uint64_t parent, std::string_view name, Kind kind)
{
	auto dirp = find_dir(parent);
	if (!dirp)
		return dirp.error();
	Inode *dir = *dirp;
	if (name == "." || name == "..")
		return make_error(kind == Kind::kDir ? (name == "." ? EINVAL : ENOTEMPTY) : EISDIR);
	auto it = dir->by_name.find(std::string(name));
	if (it == dir->by_name.end())
		return make_error(ENOENT);
	const uint64_t cookie = it->second;
	Inode *child = find(dir->entries.at(cookie).ino);
	if (kind == Kind::kNotDir && is_dir(child->attr))
		return make_error(EISDIR);
	if (kind == Kind::kDir && !is_dir(child->attr))
		return make_error(ENOTDIR);
	if (is_dir(child->attr) && !child->entries.empty())
		return make_error(ENOTEMPTY);
	if (is_dir(child->attr))
		dir->attr.nlink--;
	dir->by_name.erase(it);
	dir->entries.erase(cookie);
	dir->attr.mtime = dir->attr.ctime = now();
	drop_link(child);
	return {};
}

Status MemoryMetadataStore::remove(uint64_t parent, std::string_view name)
{
	std::unique_lock lock(mu_);
	return remove_locked(parent, name, Kind::kAny);
}

Status MemoryMetadataStore::unlink(uint64_t parent, std::string_view name)
{
	std::unique_lock lock(mu_);
	return remove_locked(parent, name, Kind::kNotDir);
}

Status MemoryMetadataStore::rmdir(uint64_t parent, std::string_view name)
{
	std::unique_lock lock(mu_);
	return remove_locked(parent, name, Kind::kDir);
}

Status MemoryMetadataStore::rename(uint64_t olddir, std::string_view oldname, uint64_t newdir,
				   std::string_view newname, uint32_t flags)
{
	std::unique_lock lock(mu_);
	if ((flags & ~(kRenameNoReplace | kRenameExchange | kRenameWhiteout)) ||
	    (flags & kRenameNoReplace && flags & kRenameExchange) ||
	    (flags & kRenameWhiteout && flags & kRenameExchange))
		return make_error(EINVAL, "bad rename flags");
	auto odp = find_dir(olddir);
	if (!odp)
		return odp.error();
	auto ndp = find_dir(newdir);
	if (!ndp)
		return ndp.error();
	Inode *od = *odp, *nd = *ndp;
	if (oldname == "." || oldname == ".." || newname == "." || newname == "..")
		return make_error(EINVAL);
	auto oit = od->by_name.find(std::string(oldname));
	if (oit == od->by_name.end())
		return make_error(ENOENT);
	const uint64_t ocookie = oit->second;
	Inode *src = find(od->entries.at(ocookie).ino);
	auto nit = nd->by_name.find(std::string(newname));
	Inode *dst = nit == nd->by_name.end() ? nullptr : find(nd->entries.at(nit->second).ino);
	if ((flags & kRenameExchange) && !dst)
		return make_error(ENOENT);
	if ((flags & kRenameNoReplace) && dst)
		return make_error(EEXIST);
	if (dst == src && !(flags & kRenameWhiteout))
		return {};	// two names of one inode: nothing to do

	// a directory must not move under itself
	auto under = [&](uint64_t dir, uint64_t ancestor) {
		for (uint64_t d = dir;; d = find(d)->parent) {
			if (d == ancestor)
				return true;
			if (find(d)->parent == d)
				return false;
		}
	};
	if (is_dir(src->attr) && olddir != newdir && under(newdir, src->attr.ino))
		return make_error(EINVAL, "directory into its own subtree");
	const Timestamp t = now();

	if (flags & kRenameExchange) {
		if (is_dir(dst->attr) && olddir != newdir && under(olddir, dst->attr.ino))
			return make_error(EINVAL, "directory into its own subtree");
		od->entries.at(ocookie).ino = dst->attr.ino;
		nd->entries.at(nit->second).ino = src->attr.ino;
		if (olddir != newdir) {
			if (is_dir(src->attr)) {
				od->attr.nlink--;
				nd->attr.nlink++;
				src->parent = newdir;
			}
			if (is_dir(dst->attr)) {
				nd->attr.nlink--;
				od->attr.nlink++;
				dst->parent = olddir;
			}
		}
		src->attr.ctime = dst->attr.ctime = t;
		od->attr.mtime = od->attr.ctime = nd->attr.mtime = nd->attr.ctime = t;
		return {};
	}

	if (dst) {
		if (is_dir(src->attr) && !is_dir(dst->attr))
			return make_error(ENOTDIR);
		if (!is_dir(src->attr) && is_dir(dst->attr))
			return make_error(EISDIR);
		if (is_dir(dst->attr) && !dst->entries.empty())
			return make_error(ENOTEMPTY);
	}
	if (flags & kRenameWhiteout) {
		if (dst == src)
			return make_error(EINVAL, "whiteout rename onto another name of itself");
		// checked before anything changes: the rename stays all or nothing
		if (od->attr.nlink == 0)
			return make_error(ENOENT, "directory was removed");
	}
	if (dst) {
		if (is_dir(dst->attr))
			nd->attr.nlink--;
		nd->entries.erase(nit->second);
		nd->by_name.erase(nit);
		drop_link(dst);
	}
	Child moved = std::move(od->entries.at(ocookie));
	od->entries.erase(ocookie);
	od->by_name.erase(std::string(oldname));
	moved.name = std::string(newname);
	const uint64_t cookie = nd->next_cookie++;
	nd->by_name.emplace(moved.name, cookie);
	nd->entries.emplace(cookie, std::move(moved));
	if (is_dir(src->attr) && olddir != newdir) {
		od->attr.nlink--;
		nd->attr.nlink++;
		src->parent = newdir;
	}
	src->attr.ctime = t;
	od->attr.mtime = od->attr.ctime = nd->attr.mtime = nd->attr.ctime = t;
	if (flags & kRenameWhiteout) {
		// the old name now names a whiteout, owned as the moved node's
		// creator would own a new node: the caller's ids are not known
		// here, so the kernel's choice (the moved node's owner) is used
		Inode wh;
		wh.attr.ino = next_ino_++;
		wh.attr.mode = S_IFCHR | 0;
		wh.attr.nlink = 1;
		wh.attr.uid = src->attr.uid;
		wh.attr.gid = src->attr.gid;
		wh.attr.atime = wh.attr.mtime = wh.attr.ctime = t;
		wh.parent = olddir;
		const uint64_t wcookie = od->next_cookie++;
		od->entries.emplace(wcookie, Child{std::string(oldname), wh.attr.ino});
		od->by_name.emplace(std::string(oldname), wcookie);
		inodes_.emplace(wh.attr.ino, std::move(wh));
	}
	return {};
}

Result<InodeAttr> MemoryMetadataStore::link(uint64_t ino, uint64_t newparent,
					    std::string_view newname)
{
	std::unique_lock lock(mu_);
	Inode *node = find(ino);
	if (!node)
		return make_error(ENOENT, "no inode " + std::to_string(ino));
	if (is_dir(node->attr))
		return make_error(EPERM, "hard link to a directory");
	// nlink 0: an O_TMPFILE being named (the VFS allows only those)
	auto dirp = find_dir(newparent);
	if (!dirp)
		return dirp.error();
	Inode *dir = *dirp;
	if (newname == "." || newname == ".." || dir->by_name.count(std::string(newname)))
		return make_error(EEXIST);
	if (node->attr.nlink >= kLinkMax)
		return make_error(EMLINK);
	const uint64_t cookie = dir->next_cookie++;
	dir->entries.emplace(cookie, Child{std::string(newname), ino});
	dir->by_name.emplace(std::string(newname), cookie);
	node->attr.nlink++;
	node->attr.ctime = dir->attr.mtime = dir->attr.ctime = now();
	return node->attr;
}

Result<std::string> MemoryMetadataStore::readlink(uint64_t ino)
{
	std::shared_lock lock(mu_);
	const Inode *node = find(ino);
	if (!node)
		return make_error(ENOENT, "no inode " + std::to_string(ino));
	if (!S_ISLNK(node->attr.mode))
		return make_error(EINVAL, "not a symlink");
	return node->target;
}

void MemoryMetadataStore::update_blocks(Inode *node)
{
	node->attr.blocks = node->data.size() * (kDataBlock / 512);
}

void MemoryMetadataStore::truncate_data(Inode *node, uint64_t size)
{
	const uint64_t first_gone = (size + kDataBlock - 1) / kDataBlock;
	node->data.erase(node->data.lower_bound(first_gone), node->data.end());
	if (size % kDataBlock) {
		auto it = node->data.find(size / kDataBlock);
		if (it != node->data.end())
			std::fill(it->second.begin() + static_cast<ptrdiff_t>(size % kDataBlock),
				  it->second.end(), std::byte{0});
	}
	node->attr.size = size;
	update_blocks(node);
}

Result<InodeAttr> MemoryMetadataStore::setattr(uint64_t ino, const SetAttr &c)
{
	std::unique_lock lock(mu_);
	Inode *node = find(ino);
	if (!node)
		return make_error(ENOENT, "no inode " + std::to_string(ino));
	InodeAttr &a = node->attr;
	if (c.valid & SetAttr::kSize) {
		if (is_dir(a))
			return make_error(EISDIR);
		if (!S_ISREG(a.mode))
			return make_error(EINVAL, "truncate of a special file");
		if (c.size > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
			return make_error(EFBIG);
	}
	if (c.valid & SetAttr::kMode)
		a.mode = (a.mode & S_IFMT) | (c.mode & 07777);
	if (c.valid & SetAttr::kUid)
		a.uid = c.uid;
	if (c.valid & SetAttr::kGid)
		a.gid = c.gid;
	if (c.valid & SetAttr::kSize) {
		truncate_data(node, c.size);
		if (!(c.valid & SetAttr::kMtime))
			a.mtime = now();
	}
	if (c.valid & SetAttr::kAtime)
		a.atime = c.atime;
	if (c.valid & SetAttr::kMtime)
		a.mtime = c.mtime;
	a.ctime = (c.valid & SetAttr::kCtime) ? c.ctime : now();
	return a;
}

Result<uint64_t> MemoryMetadataStore::open(uint64_t ino)
{
	std::unique_lock lock(mu_);
	Inode *node = find(ino);
	if (!node)
		return make_error(ENOENT, "no inode " + std::to_string(ino));
	node->opens++;
	return ino;
}

Status MemoryMetadataStore::release(uint64_t ino)
{
	std::unique_lock lock(mu_);
	Inode *node = find(ino);
	if (!node)
		return make_error(ENOENT, "no inode " + std::to_string(ino));
	if (node->opens)
		node->opens--;
	if (node->opens == 0 && node->attr.nlink == 0 && !is_dir(node->attr))
		inodes_.erase(ino);
	return {};
}

Result<size_t> MemoryMetadataStore::read(uint64_t ino, uint64_t offset, std::span<std::byte> out)
{
	std::shared_lock lock(mu_);
	const Inode *node = find(ino);
	if (!node)
		return make_error(ENOENT, "no inode " + std::to_string(ino));
	if (is_dir(node->attr))
		return make_error(EISDIR);
	if (!S_ISREG(node->attr.mode))
		return make_error(EINVAL);
	if (offset >= node->attr.size)
		return size_t{0};
	const size_t n = static_cast<size_t>(std::min<uint64_t>(out.size(), node->attr.size - offset));
	size_t done = 0;
	while (done < n) {
		const uint64_t pos = offset + done;
		const uint64_t in_block = pos % kDataBlock;
		const size_t len = static_cast<size_t>(std::min<uint64_t>(kDataBlock - in_block, n - done));
		auto it = node->data.find(pos / kDataBlock);
		if (it == node->data.end())
			std::memset(out.data() + done, 0, len);
		else
			std::memcpy(out.data() + done, it->second.data() + in_block, len);
		done += len;
	}
	return n;
}

Result<size_t> MemoryMetadataStore::write(uint64_t ino, uint64_t offset,
					  std::span<const std::byte> data)
{
	std::unique_lock lock(mu_);
	Inode *node = find(ino);
	if (!node)
		return make_error(ENOENT, "no inode " + std::to_string(ino));
	if (is_dir(node->attr))
		return make_error(EISDIR);
	if (!S_ISREG(node->attr.mode))
		return make_error(EINVAL);
	const uint64_t max = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
	if (offset > max || data.size() > max - offset)
		return make_error(EFBIG);
	size_t done = 0;
	while (done < data.size()) {
		const uint64_t pos = offset + done;
		const uint64_t in_block = pos % kDataBlock;
		const size_t len =
			static_cast<size_t>(std::min<uint64_t>(kDataBlock - in_block, data.size() - done));
		auto &block = node->data[pos / kDataBlock];
		if (block.empty())
			block.resize(kDataBlock);
		std::memcpy(block.data() + in_block, data.data() + done, len);
		done += len;
	}
	node->attr.size = std::max<uint64_t>(node->attr.size, offset + data.size());
	update_blocks(node);
	node->attr.mtime = node->attr.ctime = now();
	return data.size();
}

Status MemoryMetadataStore::sync(uint64_t ino, bool)
{
	std::shared_lock lock(mu_);
	if (!find(ino))
		return make_error(ENOENT, "no inode " + std::to_string(ino));
	return {};	// memory is as durable as this store gets
}

// ---------------------------------------------------------------------
// extended attributes

Result<std::string> MemoryMetadataStore::getxattr(uint64_t ino, std::string_view name)
{
	std::shared_lock lock(mu_);
	const Inode *node = find(ino);
	if (!node)
		return make_error(ENOENT, "no inode " + std::to_string(ino));
	auto it = node->xattrs.find(name);
	if (it == node->xattrs.end())
		return make_error(ENODATA);
	return it->second;
}

Status MemoryMetadataStore::setxattr(uint64_t ino, std::string_view name, std::string_view value,
				     uint32_t flags)
{
	if (name.empty() || name.size() > kXattrNameMax)
		return make_error(ERANGE, "xattr name length out of range");
	if (value.size() > kXattrSizeMax)
		return make_error(E2BIG, "xattr value too large");
	if ((flags & ~(kXattrCreate | kXattrReplace)) ||
	    (flags & kXattrCreate && flags & kXattrReplace))
		return make_error(EINVAL, "bad setxattr flags");
	std::unique_lock lock(mu_);
	Inode *node = find(ino);
	if (!node)
		return make_error(ENOENT, "no inode " + std::to_string(ino));
	auto it = node->xattrs.find(name);
	if (it != node->xattrs.end()) {
		if (flags & kXattrCreate)
			return make_error(EEXIST);
		it->second = std::string(value);
	} else {
		if (flags & kXattrReplace)
			return make_error(ENODATA);
		node->xattrs.emplace(std::string(name), std::string(value));
	}
	node->attr.ctime = now();
	return {};
}

Result<std::vector<std::string>> MemoryMetadataStore::listxattr(uint64_t ino)
{
	std::shared_lock lock(mu_);
	const Inode *node = find(ino);
	if (!node)
		return make_error(ENOENT, "no inode " + std::to_string(ino));
	std::vector<std::string> names;
	names.reserve(node->xattrs.size());
	for (const auto &[name, value] : node->xattrs)
		names.push_back(name);
	return names;
}

Status MemoryMetadataStore::removexattr(uint64_t ino, std::string_view name)
{
	std::unique_lock lock(mu_);
	Inode *node = find(ino);
	if (!node)
		return make_error(ENOENT, "no inode " + std::to_string(ino));
	auto it = node->xattrs.find(name);
	if (it == node->xattrs.end())
		return make_error(ENODATA);
	node->xattrs.erase(it);
	node->attr.ctime = now();
	return {};
}

// ---------------------------------------------------------------------
// fallocate, SEEK_DATA / SEEK_HOLE

Result<MemoryMetadataStore::Inode *> MemoryMetadataStore::find_file(uint64_t ino)
{
	Inode *node = find(ino);
	if (!node)
		return make_error(ENOENT, "no inode " + std::to_string(ino));
	if (is_dir(node->attr))
		return make_error(EISDIR);
	if (!S_ISREG(node->attr.mode))
		return make_error(ENODEV, "not a regular file");
	return node;
}

void MemoryMetadataStore::zero_range(Inode *node, uint64_t offset, uint64_t end)
{
	auto it = node->data.lower_bound(offset / kDataBlock);
	while (it != node->data.end() && it->first * kDataBlock < end) {
		const uint64_t bstart = it->first * kDataBlock;
		const uint64_t from = std::max(offset, bstart) - bstart;
		const uint64_t to = std::min(end, bstart + kDataBlock) - bstart;
		if (from == 0 && to == kDataBlock) {
			it = node->data.erase(it);	// a whole block: a hole again
			continue;
		}
		std::fill(it->second.begin() + static_cast<ptrdiff_t>(from),
			  it->second.begin() + static_cast<ptrdiff_t>(to), std::byte{0});
		++it;
	}
}

Result<InodeAttr> MemoryMetadataStore::fallocate(uint64_t ino, uint32_t mode, uint64_t offset,
						 uint64_t length)
{
	const uint32_t kind = mode & ~kFallocKeepSize;
	if (kind != 0 && kind != kFallocPunchHole && kind != kFallocZeroRange)
		return make_error(EOPNOTSUPP, "fallocate mode not supported");
	if (kind == kFallocPunchHole && !(mode & kFallocKeepSize))
		return make_error(EOPNOTSUPP, "PUNCH_HOLE needs KEEP_SIZE");
	if (length == 0)
		return make_error(EINVAL, "zero length");
	const uint64_t max = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
	if (offset > max || length > max - offset)
		return make_error(EFBIG);
	const uint64_t end = offset + length;
	std::unique_lock lock(mu_);
	auto nodep = find_file(ino);
	if (!nodep)
		return nodep.error();
	Inode *node = *nodep;
	const uint64_t size = node->attr.size;
	if (kind == kFallocPunchHole || kind == kFallocZeroRange) {
		// memory holes read as zeros: zeroing is punching here
		if (offset < size)
			zero_range(node, offset, std::min(end, size));
		update_blocks(node);
		node->attr.mtime = now();
	}
	// mode 0 and ZERO_RANGE without KEEP_SIZE grow the file; this store
	// allocates on write, so "allocated" space is a hole that reads zeros
	if (!(mode & kFallocKeepSize) && end > size)
		node->attr.size = end;
	node->attr.ctime = now();
	return node->attr;
}

Result<uint64_t> MemoryMetadataStore::seek_data_hole(uint64_t ino, uint64_t offset, int whence)
{
	if (whence != kSeekData && whence != kSeekHole)
		return make_error(EINVAL, "whence is neither SEEK_DATA nor SEEK_HOLE");
	std::shared_lock lock(mu_);
	Inode *node = find(ino);
	if (!node)
		return make_error(ENOENT, "no inode " + std::to_string(ino));
	if (!S_ISREG(node->attr.mode))
		return make_error(EINVAL, "not a regular file");
	const uint64_t size = node->attr.size;
	if (offset >= size)
		return make_error(ENXIO);
	uint64_t b = offset / kDataBlock;
	if (whence == kSeekData) {
		auto it = node->data.lower_bound(b);
		if (it == node->data.end() || it->first * kDataBlock >= size)
			return make_error(ENXIO);
		return std::max(offset, it->first * kDataBlock);
	}
	// SEEK_HOLE: the first block at or after b that is not stored
	for (auto it = node->data.find(b); it != node->data.end() && it->first == b; ++it)
		b++;
	return std::min(size, std::max(offset, b * kDataBlock));
}

}  // namespace weft

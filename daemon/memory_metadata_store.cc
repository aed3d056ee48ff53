#include "memory_metadata_store.h"

#include <sys/stat.h>

#include <ctime>
#include <mutex>

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

}  // namespace

MemoryMetadataStore::MemoryMetadataStore()
{
	Inode root;
	root.attr.ino = kRootIno;
	root.attr.mode = S_IFDIR | 0755;
	root.attr.nlink = 2;
	root.attr.atime = root.attr.mtime = root.attr.ctime = now();
	root.parent = kRootIno;
	inodes_.emplace(kRootIno, std::move(root));
}

MemoryMetadataStore::Inode *MemoryMetadataStore::find(uint64_t ino)
{
	auto it = inodes_.find(ino);
	return it == inodes_.end() ? nullptr : &it->second;
}

Result<uint64_t> MemoryMetadataStore::root_of(std::string_view fs_name)
{
	if (fs_name != kDefaultFs)
		return make_error(ENOENT, "no file system '" + std::string(fs_name) + "'");
	return kRootIno;
}

std::vector<FsSummary> MemoryMetadataStore::filesystems()
{
	std::shared_lock lock(mu_);
	FsSummary fs;
	fs.name = kDefaultFs;
	fs.root = kRootIno;
	fs.files = inodes_.size();
	for (const auto &[ino, inode] : inodes_)
		if (!is_dir(inode.attr))
			fs.used_bytes += inode.attr.size;
	return {fs};
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

Result<InodeAttr> MemoryMetadataStore::make_node(uint64_t parent, std::string_view name,
						 uint32_t mode, uint32_t uid, uint32_t gid)
{
	std::unique_lock lock(mu_);
	Inode *dir = find(parent);
	if (!dir)
		return make_error(ENOENT, "no inode " + std::to_string(parent));
	if (!is_dir(dir->attr))
		return make_error(ENOTDIR);
	if (name == "." || name == ".." || dir->by_name.count(std::string(name)))
		return make_error(EEXIST);

	Inode node;
	node.attr.ino = next_ino_++;
	node.attr.mode = mode;
	node.attr.nlink = S_ISDIR(mode) ? 2 : 1;
	node.attr.uid = uid;
	node.attr.gid = gid;
	node.attr.atime = node.attr.mtime = node.attr.ctime = now();
	node.parent = parent;
	const uint64_t cookie = dir->next_cookie++;
	dir->entries.emplace(cookie, Child{std::string(name), node.attr.ino});
	dir->by_name.emplace(std::string(name), cookie);
	dir->attr.mtime = dir->attr.ctime = node.attr.ctime;
	if (S_ISDIR(mode))
		dir->attr.nlink++;
	InodeAttr attr = node.attr;
	inodes_.emplace(attr.ino, std::move(node));
	return attr;
}

Status MemoryMetadataStore::remove(uint64_t parent, std::string_view name)
{
	std::unique_lock lock(mu_);
	Inode *dir = find(parent);
	if (!dir)
		return make_error(ENOENT, "no inode " + std::to_string(parent));
	if (!is_dir(dir->attr))
		return make_error(ENOTDIR);
	auto it = dir->by_name.find(std::string(name));
	if (it == dir->by_name.end())
		return make_error(ENOENT);
	const uint64_t cookie = it->second;
	const uint64_t ino = dir->entries.at(cookie).ino;
	Inode *child = find(ino);
	if (is_dir(child->attr) && !child->entries.empty())
		return make_error(ENOTEMPTY);
	if (is_dir(child->attr))
		dir->attr.nlink--;
	dir->by_name.erase(it);
	dir->entries.erase(cookie);
	dir->attr.mtime = dir->attr.ctime = now();
	inodes_.erase(ino);
	return {};
}

}  // namespace weft

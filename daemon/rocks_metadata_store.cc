#include "rocks_metadata_store.h"

#include <rocksdb/iterator.h>
#include <rocksdb/options.h>
#include <rocksdb/write_batch.h>
#include <sys/stat.h>

#include <algorithm>
#include <ctime>
#include <mutex>
#include <optional>
#include <set>

#include "log.h"
#include "namespace_format.h"

namespace weft {

using namespace nsdb;

// One namespace change: inode records read through it, changed in place,
// written with every other key change in one WriteBatch by commit().
class RocksMetadataStore::Txn {
public:
	Txn(rocksdb::DB &db, storage::RecordCache<Inode> &cache) : db_(db), cache_(cache) {}

	Result<Inode *> get(uint64_t ino)
	{
		if (auto it = slots_.find(ino); it != slots_.end()) {
			if (it->second.erased)
				return no_inode(ino);
			return &it->second.node;
		}
		std::optional<Inode> n = cache_.find(ino);
		if (!n) {
			const uint64_t token = cache_.fill_token();
			std::string v;
			rocksdb::Status s = db_.Get(rocksdb::ReadOptions(), key(kInodeKey, ino), &v);
			if (s.IsNotFound())
				return no_inode(ino);
			if (!s.ok())
				return db_error(s, "read inode");
			auto decoded = decode_inode(ino, v);
			if (!decoded)
				return decoded.error();
			n = *decoded;
			cache_.fill(ino, *n, token);
		}
		Slot &slot = slots_[ino];
		slot.node = *n;
		slot.existed = true;
		slot.old_size = n->attr.size;
		slot.old_fs = n->fs;
		return &slot.node;
	}
	Result<Inode *> dir(uint64_t ino)
	{
		auto d = get(ino);
		if (d && !is_dir((*d)->attr))
			return make_error(ENOTDIR);
		return d;
	}
	Inode &add(const Inode &node)
	{
		Slot &slot = slots_[node.attr.ino];
		slot.node = node;
		return slot.node;
	}
	// Deletes the inode and everything hanging off it (not its data).
	// Its xattrs one key at a time, not as a range: RocksDB 7.8 works
	// through every range tombstone of the memtable on each read, so one
	// per removed inode made every later operation slower (10,000 unlinks:
	// 7 ms per operation at the end instead of 60 us).
	// Keys only some inodes have are deleted where they can exist (each
	// delete is a memtable insert and a tombstone): a symlink's target,
	// and the orphan mark unless the caller knows there is none; its
	// xattrs unless the caller knows it has none (untouched_).
	Status erase(uint64_t ino, bool may_be_orphan = true, bool may_have_xattrs = true)
	{
		Slot &slot = slots_[ino];
		const bool known = slot.existed && !slot.erased;
		slot.erased = true;
		wb.Delete(key(kInodeKey, ino));
		if (!known || S_ISLNK(slot.node.attr.mode))
			wb.Delete(key(kLinkKey, ino));
		if (may_be_orphan)
			wb.Delete(key(kOrphanKey, ino));
		wb.Delete(key(kTruncKey, ino));
		if (!may_have_xattrs)
			return {};
		PrefixScan xattrs(db_, key(kXattrKey, ino));
		for (; xattrs.valid(); xattrs.next())
			wb.Delete(rocksdb::Slice(xattrs.key().data(), xattrs.key().size()));
		return xattrs.status();
	}
	Result<std::optional<Entry>> entry(uint64_t dir, std::string_view name)
	{
		std::string v;
		rocksdb::Status s = db_.Get(rocksdb::ReadOptions(), key(kNameKey, dir, name), &v);
		if (s.IsNotFound())
			return std::optional<Entry>();
		if (!s.ok())
			return db_error(s, "read entry");
		if (v.size() != 20)
			return make_error(EUCLEAN, "corrupt entry in directory " + std::to_string(dir));
		return std::optional<Entry>(Entry{le64(v, 0), le64(v, 8), le32(v, 16)});
	}
	void put_entry(uint64_t dir, std::string_view name, const Entry &e)
	{
		wb.Put(key(kNameKey, dir, name), encode_entry(e));
		wb.Put(cookie_key(dir, e.cookie), encode_cookie_value(e.ino, e.type, name));
	}
	void del_entry(uint64_t dir, std::string_view name, uint64_t cookie)
	{
		wb.Delete(key(kNameKey, dir, name));
		wb.Delete(cookie_key(dir, cookie));
	}
	Result<bool> dir_empty(uint64_t dir)
	{
		PrefixScan scan(db_, key(kCookieKey, dir));
		bool empty = !scan.valid();
		WEFT_RETURN_IF_ERROR(scan.status());
		return empty;
	}

	rocksdb::WriteBatch wb;
	std::vector<uint64_t> to_free;	// inodes whose data goes after the commit

private:
	friend class RocksMetadataStore;
	struct Slot {
		Inode node;
		bool existed = false, erased = false;
		uint64_t old_size = 0, old_fs = 0;
	};
	rocksdb::DB &db_;
	storage::RecordCache<Inode> &cache_;
	std::map<uint64_t, Slot> slots_;
};

RocksMetadataStore::RocksMetadataStore(Token, RocksStoreOptions options,
				       std::unique_ptr<rocksdb::DB> db)
	: options_(std::move(options)), db_(std::move(db)), writer_(*db_), data_(*options_.chunks)
{
}


Result<std::unique_ptr<RocksMetadataStore>> RocksMetadataStore::open(const RocksStoreOptions &o)
{
	if (o.chunks == nullptr)
		return make_error(EINVAL, "the namespace needs a chunk store");
	if (o.shard > kMaxShard)
		return make_error(EINVAL, "shard " + std::to_string(o.shard) + " above " +
						  std::to_string(kMaxShard));
	auto db = open_db(o.dir, false);
	if (!db)
		return db.error();
	auto store = std::make_unique<RocksMetadataStore>(Token{}, o, std::move(*db));
	WEFT_RETURN_IF_ERROR(store->load());
	WEFT_RETURN_IF_ERROR(store->reconcile());
	if (store->roots_.empty()) {
		auto root = store->add_filesystem(kDefaultFs);
		if (!root)
			return root.error();
	}
	return store;
}

Status RocksMetadataStore::load()
{
	std::string v;
	rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), kFormatKey, &v);
	if (s.IsNotFound()) {
		rocksdb::WriteOptions wo;
		wo.sync = true;
		WEFT_RETURN_IF_ERROR(writer_.put(wo, kFormatKey, "1", "namespace format"));
	} else if (!s.ok()) {
		return db_error(s, "namespace format");
	} else if (v != "1") {
		return make_error(EPROTONOSUPPORT, "namespace format '" + v + "' is not 1");
	}
	s = db_->Get(rocksdb::ReadOptions(), kCounterKey, &v);
	if (s.ok() && v.size() == 8)
		next_ino_ = ino_limit_ = le64(v, 0);
	else if (s.IsNotFound())
		next_ino_ = ino_limit_ = 1;
	else
		return make_error(EUCLEAN, "namespace inode counter unreadable");

	for (PrefixScan f(*db_, std::string(1, kFsKey)); f.valid(); f.next()) {
		if (f.value().size() != 8)
			return make_error(EUCLEAN, "corrupt file system record");
		roots_.emplace(std::string(f.tail()), le64(f.value(), 0));
	}
	for (PrefixScan i(*db_, std::string(1, kInodeKey)); i.valid(); i.next()) {
		auto n = decode_inode(get_be<uint64_t>(i.tail().data()), i.value());
		if (!n)
			return n.error();
		Usage &u = usage_[n->fs];
		u.files++;
		if (!is_dir(n->attr))
			u.bytes += n->attr.size;
	}
	return {};
}

// Finishes what a crash (or stop) left: open-but-unlinked inodes and
// truncates whose data was not yet freed, and chunks whose inode is gone
// (an unlink commits before its data is freed).
Status RocksMetadataStore::reconcile()
{
	std::vector<uint64_t> orphans, truncs;
	for (PrefixScan o(*db_, std::string(1, kOrphanKey)); o.valid(); o.next())
		orphans.push_back(get_be<uint64_t>(o.tail().data()));
	for (PrefixScan t(*db_, std::string(1, kTruncKey)); t.valid(); t.next())
		truncs.push_back(get_be<uint64_t>(t.tail().data()));
	for (uint64_t ino : orphans) {
		Txn txn(*db_, inodes_);
		if (txn.get(ino))
			WEFT_RETURN_IF_ERROR(txn.erase(ino));
		txn.wb.Delete(key(kOrphanKey, ino));
		WEFT_RETURN_IF_ERROR(commit(txn));
		WEFT_LOG(kInfo) << "namespace: reclaimed orphan inode " << ino;
	}
	for (uint64_t ino : truncs) {
		Txn txn(*db_, inodes_);
		auto node = txn.get(ino);
		if (node) {
			int64_t delta = 0;
			WEFT_RETURN_IF_ERROR(data_.zero(ino, (*node)->attr.size, data_.max_file_size(), &delta));
			InodeAttr &a = (*node)->attr;
			a.blocks = static_cast<uint64_t>(std::max<int64_t>(
				0, static_cast<int64_t>(a.blocks) + delta));
		}
		txn.wb.Delete(key(kTruncKey, ino));
		WEFT_RETURN_IF_ERROR(commit(txn));
	}
	// One seek per inode that has chunks: the first chunk at or after lo.
	std::vector<uint64_t> gone;
	for (uint64_t lo = 0;;) {
		auto ids = options_.chunks->chunk_ids(lo, UINT64_MAX, 1);
		if (!ids)
			return ids.error();
		if (ids->empty())
			break;
		const uint64_t ino = FileData::ino_of(ids->front());
		Txn txn(*db_, inodes_);
		auto node = txn.get(ino);
		if (!node || !S_ISREG((*node)->attr.mode))
			gone.push_back(ino);
		if (ino >= FileData::kMaxIno)
			break;
		lo = FileData::chunk_id(ino + 1, 0);
	}
	for (uint64_t ino : gone) {
		WEFT_RETURN_IF_ERROR(data_.free_all(ino));
		WEFT_LOG(kInfo) << "namespace: freed the chunks of deleted inode " << ino;
	}
	return {};
}

Status RocksMetadataStore::commit(Txn &txn)
{
	for (auto &[ino, slot] : txn.slots_)
		if (!slot.erased)
			txn.wb.Put(key(kInodeKey, ino), encode_inode(slot.node));
	// Unsynced: in the WAL (page cache) before this returns, so a killed
	// weftd loses nothing; sync() makes it durable against power loss.
	Status written = writer_.write(rocksdb::WriteOptions(), txn.wb, "namespace commit");
	for (auto &[ino, slot] : txn.slots_)
		inodes_.committed(ino, slot.erased ? nullptr : &slot.node, written.ok());
	WEFT_RETURN_IF_ERROR(written);
	for (auto &[ino, slot] : txn.slots_) {
		if (slot.existed) {
			Usage &u = usage_[slot.old_fs];
			u.files--;
			if (!is_dir(slot.node.attr))
				u.bytes -= std::min(u.bytes, slot.old_size);
		}
		if (!slot.erased) {
			Usage &u = usage_[slot.node.fs];
			u.files++;
			if (!is_dir(slot.node.attr))
				u.bytes += slot.node.attr.size;
		}
	}
	return {};
}

void RocksMetadataStore::free_data(const std::vector<uint64_t> &inos)
{
	for (uint64_t ino : inos) {
		std::unique_lock lock(data_lock(ino));
		Status st = data_.free_all(ino);
		if (!st.ok())	// the chunks stay; the next open frees them
			WEFT_LOG(kWarn) << "freeing the data of inode " << ino << ": " << st.error().message;
	}
}

Result<uint64_t> RocksMetadataStore::next_ino_locked()
{
	if (next_ino_ == ino_limit_) {
		const uint64_t limit = ino_limit_ + kInoRange;
		if (limit >= (uint64_t{1} << kShardShift))
			return make_error(ENOSPC, "inode numbers of this shard are used up");
		// Its own batch, before any number of the range is used: the WAL
		// replays in order, so no inode can outlive the counter's bump.
		std::string v;
		append_le<uint64_t>(v, limit);
		WEFT_RETURN_IF_ERROR(writer_.put(rocksdb::WriteOptions(), kCounterKey, v, "inode counter"));
		ino_limit_ = limit;
	}
	return uint64_t{options_.shard} << kShardShift | next_ino_++;
}

uint32_t RocksMetadataStore::replicas_for(uint64_t fs_root)
{
	std::string name;
	{
		std::shared_lock lock(ns_mu_);
		for (const auto &[n, root] : roots_)
			if (root == fs_root)
				name = n;
	}
	if (!options_.replication || name.empty())
		return 1;
	return std::max(options_.replication(name), 1u);
}

// ---- file system capacity (MetadataStore::set_capacity_source) ----
// Checked before the change commits, without a reservation: writers to
// different files of one file system at the same moment may pass the
// capacity by up to one request each.
uint64_t RocksMetadataStore::capacity_room(uint64_t fs_root, uint64_t growth)
{
	if (growth == 0)
		return 0;
	std::string name;
	{
		std::shared_lock lock(ns_mu_);
		for (const auto &[n, root] : roots_)
			if (root == fs_root)
				name = n;
	}
	// Asked without ns_mu_: the catalog takes a lock of its own.
	const uint64_t limit = name.empty() ? 0 : capacity_limit(name);
	if (limit == 0)
		return growth;
	std::shared_lock lock(ns_mu_);
	auto it = usage_.find(fs_root);
	const uint64_t used = it == usage_.end() ? 0 : it->second.bytes;
	return used >= limit ? 0 : std::min(growth, limit - used);
}

Status RocksMetadataStore::rename_filesystem(std::string_view old_name, std::string_view new_name)
{
	std::unique_lock lock(ns_mu_);
	auto it = roots_.find(old_name);
	if (it == roots_.end())
		return make_error(ENOENT, "no file system '" + std::string(old_name) + "'");
	if (old_name == new_name)
		return {};
	if (roots_.find(new_name) != roots_.end())
		return make_error(EEXIST, "a namespace named '" + std::string(new_name) + "' exists");
	const uint64_t root = it->second;
	Txn txn(*db_, inodes_);
	std::string v;
	append_le<uint64_t>(v, root);
	txn.wb.Delete(std::string(1, kFsKey) + std::string(old_name));
	txn.wb.Put(std::string(1, kFsKey) + std::string(new_name), v);
	WEFT_RETURN_IF_ERROR(commit(txn));
	roots_.erase(it);
	roots_.emplace(std::string(new_name), root);
	return {};
}
// ---- end of file system capacity ----

Result<uint64_t> RocksMetadataStore::root_of(std::string_view fs_name)
{
	std::shared_lock lock(ns_mu_);
	auto it = roots_.find(fs_name);
	if (it == roots_.end())
		return make_error(ENOENT, "no file system '" + std::string(fs_name) + "'");
	return it->second;
}

Result<uint64_t> RocksMetadataStore::add_filesystem(std::string_view fs_name)
{
	std::unique_lock lock(ns_mu_);
	if (auto it = roots_.find(fs_name); it != roots_.end())
		return it->second;
	auto ino = next_ino_locked();
	if (!ino)
		return ino.error();
	Txn txn(*db_, inodes_);
	Inode root;
	root.attr.ino = *ino;
	root.attr.mode = S_IFDIR | 0755;
	root.attr.nlink = 2;
	root.attr.atime = root.attr.mtime = root.attr.ctime = now();
	root.parent = *ino;
	root.fs = *ino;
	txn.add(root);
	std::string v;
	append_le<uint64_t>(v, *ino);
	txn.wb.Put(std::string(1, kFsKey) + std::string(fs_name), v);
	WEFT_RETURN_IF_ERROR(commit(txn));
	roots_.emplace(std::string(fs_name), *ino);
	return *ino;
}

std::vector<FsSummary> RocksMetadataStore::filesystems()
{
	std::shared_lock lock(ns_mu_);
	std::vector<FsSummary> out;
	for (const auto &[name, root] : roots_) {
		FsSummary fs;
		fs.name = name;
		fs.root = root;
		if (auto it = usage_.find(root); it != usage_.end()) {
			fs.files = it->second.files;
			fs.used_bytes = it->second.bytes;
		}
		out.push_back(std::move(fs));
	}
	return out;
}

Result<InodeAttr> RocksMetadataStore::getattr(uint64_t ino)
{
	auto n = snapshot(ino);
	if (!n)
		return n.error();
	return n->attr;
}

Result<InodeAttr> RocksMetadataStore::lookup(uint64_t parent, std::string_view name)
{
	std::shared_lock lock(ns_mu_);
	Txn txn(*db_, inodes_);
	auto dir = txn.dir(parent);
	if (!dir)
		return dir.error();
	if (name == ".")
		return (*dir)->attr;
	if (name == "..") {
		auto up = txn.get((*dir)->parent);
		if (!up)
			return up.error();
		return (*up)->attr;
	}
	auto e = txn.entry(parent, name);
	if (!e)
		return e.error();
	if (!*e)
		return make_error(ENOENT);
	auto child = txn.get((*e)->ino);
	if (!child)
		return child.error();
	return (*child)->attr;
}

Status RocksMetadataStore::read_dir(uint64_t ino, uint64_t after, const DirEmitter &emit)
{
	std::shared_lock lock(ns_mu_);
	Txn txn(*db_, inodes_);
	auto dir = txn.dir(ino);
	if (!dir)
		return dir.error();
	if (after < kCookieDot && !emit(DirEntry{".", ino, dirent_type(S_IFDIR), kCookieDot}))
		return {};
	if (after < kCookieDotDot &&
	    !emit(DirEntry{"..", (*dir)->parent, dirent_type(S_IFDIR), kCookieDotDot}))
		return {};
	if (after == UINT64_MAX)
		return {};
	PrefixScan scan(*db_, key(kCookieKey, ino), cookie_key(ino, std::max(after, kCookieDotDot) + 1));
	for (; scan.valid(); scan.next()) {
		std::string_view v = scan.value();
		if (v.size() < 12 || scan.tail().size() != 8)
			return make_error(EUCLEAN, "corrupt entry in directory " + std::to_string(ino));
		DirEntry e{v.substr(12), le64(v, 0), le32(v, 8), get_be<uint64_t>(scan.tail().data())};
		if (!emit(e))
			break;
	}
	return scan.status();
}

// A new node's xattrs (NewNode::xattrs) into its creation's batch.
void RocksMetadataStore::put_new_xattrs(Txn &txn, uint64_t ino, const NewNode &spec)
{
	for (const NewXattr &x : spec.xattrs)
		txn.wb.Put(key(kXattrKey, ino, x.name), rocksdb::Slice(x.value.data(), x.value.size()));
}

Result<InodeAttr> RocksMetadataStore::create(uint64_t parent, std::string_view name,
					     const NewNode &spec)
{
	std::unique_lock lock(ns_mu_);
	Txn txn(*db_, inodes_);
	auto dirp = txn.dir(parent);
	if (!dirp)
		return dirp.error();
	Inode *dir = *dirp;
	if (dir->attr.nlink == 0)
		return make_error(ENOENT, "directory was removed");
	if (name == "." || name == "..")
		return make_error(EEXIST);
	auto existing = txn.entry(parent, name);
	if (!existing)
		return existing.error();
	if (*existing)
		return make_error(EEXIST);
	auto ino = next_ino_locked();
	if (!ino)
		return ino.error();
	Inode node;
	node.attr.ino = *ino;
	node.attr.mode = spec.mode;
	node.attr.nlink = S_ISDIR(spec.mode) ? 2 : 1;
	node.attr.uid = spec.uid;
	node.attr.gid = spec.gid;
	node.attr.rdev = (S_ISCHR(spec.mode) || S_ISBLK(spec.mode)) ? spec.rdev : 0;
	node.attr.atime = node.attr.mtime = node.attr.ctime = now();
	node.parent = parent;
	node.fs = dir->fs;
	if (S_ISLNK(spec.mode)) {
		node.attr.size = spec.target.size();
		txn.wb.Put(key(kLinkKey, *ino), rocksdb::Slice(spec.target.data(), spec.target.size()));
	}
	const uint64_t cookie = dir->next_cookie++;
	txn.put_entry(parent, name, Entry{cookie, *ino, dirent_type(spec.mode)});
	dir->attr.mtime = dir->attr.ctime = node.attr.ctime;
	if (S_ISDIR(spec.mode))
		dir->attr.nlink++;
	txn.add(node);
	put_new_xattrs(txn, *ino, spec);	// inherited ACLs: the same batch
	WEFT_RETURN_IF_ERROR(commit(txn));
	note_created(*ino, spec);
	return node.attr;
}

Result<InodeAttr> RocksMetadataStore::create_unlinked(uint64_t dir, const NewNode &spec)
{
	std::unique_lock lock(ns_mu_);
	Txn txn(*db_, inodes_);
	auto dirp = txn.dir(dir);
	if (!dirp)
		return dirp.error();
	if (!S_ISREG(spec.mode))
		return make_error(EINVAL, "only regular files are made unlinked");
	auto ino = next_ino_locked();
	if (!ino)
		return ino.error();
	Inode node;
	node.attr.ino = *ino;
	node.attr.mode = spec.mode;
	node.attr.nlink = 0;
	node.attr.uid = spec.uid;
	node.attr.gid = spec.gid;
	node.attr.atime = node.attr.mtime = node.attr.ctime = now();
	node.parent = dir;
	node.fs = (*dirp)->fs;
	txn.add(node);
	put_new_xattrs(txn, *ino, spec);
	// Alive only while open: a restart reclaims it.
	txn.wb.Put(key(kOrphanKey, *ino), "");
	WEFT_RETURN_IF_ERROR(commit(txn));
	note_created(*ino, spec);
	return node.attr;
}

void RocksMetadataStore::note_created(uint64_t ino, const NewNode &spec)
{
	if (spec.open)
		opens_[ino]++;
	if (!spec.xattrs.empty())
		return;
	std::lock_guard lock(untouched_mu_);
	// A bound on the memory: past it, removals scan as after a restart.
	if (untouched_.size() < kMaxUntouched)
		untouched_.insert(ino);
}

void RocksMetadataStore::touch(uint64_t ino)
{
	std::lock_guard lock(untouched_mu_);
	untouched_.erase(ino);
}

bool RocksMetadataStore::take_untouched(uint64_t ino)
{
	std::lock_guard lock(untouched_mu_);
	return untouched_.erase(ino) > 0;
}

Status RocksMetadataStore::erase_node(Txn &txn, uint64_t ino, const Inode &node,
				      bool may_be_orphan)
{
	const bool regular = S_ISREG(node.attr.mode);
	const bool untouched = take_untouched(ino);
	WEFT_RETURN_IF_ERROR(txn.erase(ino, may_be_orphan, !untouched));
	if (regular && !untouched)
		txn.to_free.push_back(ino);
	return {};
}

Status RocksMetadataStore::drop_link(Txn &txn, uint64_t ino)
{
	auto np = txn.get(ino);
	if (!np)
		return np.error();
	Inode *node = *np;
	if (is_dir(node->attr))
		return erase_node(txn, ino, *node, true);
	const bool had_links = node->attr.nlink > 0;
	if (had_links)
		node->attr.nlink--;
	node->attr.ctime = now();
	if (node->attr.nlink > 0)
		return {};
	auto open = opens_.find(ino);
	if (open != opens_.end() && open->second > 0) {
		txn.wb.Put(key(kOrphanKey, ino), "");	// freed at release or next open
		return {};
	}
	// Had it a link until now, it has no orphan mark (link() drops the
	// mark with the first name).
	return erase_node(txn, ino, *node, !had_links);
}

Status RocksMetadataStore::remove_entry(uint64_t parent, std::string_view name, Kind kind)
{
	std::vector<uint64_t> to_free;
	{
		std::unique_lock lock(ns_mu_);
		Txn txn(*db_, inodes_);
		auto dirp = txn.dir(parent);
		if (!dirp)
			return dirp.error();
		Inode *dir = *dirp;
		if (name == "." || name == "..")
			return make_error(kind == Kind::kDir ? (name == "." ? EINVAL : ENOTEMPTY) : EISDIR);
		auto e = txn.entry(parent, name);
		if (!e)
			return e.error();
		if (!*e)
			return make_error(ENOENT);
		auto childp = txn.get((*e)->ino);
		if (!childp)
			return childp.error();
		const bool child_dir = is_dir((*childp)->attr);
		if (kind == Kind::kNotDir && child_dir)
			return make_error(EISDIR);
		if (kind == Kind::kDir && !child_dir)
			return make_error(ENOTDIR);
		if (child_dir) {
			auto empty = txn.dir_empty((*e)->ino);
			if (!empty)
				return empty.error();
			if (!*empty)
				return make_error(ENOTEMPTY);
			dir->attr.nlink--;
		}
		txn.del_entry(parent, name, (*e)->cookie);
		dir->attr.mtime = dir->attr.ctime = now();
		WEFT_RETURN_IF_ERROR(drop_link(txn, (*e)->ino));
		WEFT_RETURN_IF_ERROR(commit(txn));
		to_free = std::move(txn.to_free);
	}
	free_data(to_free);
	return {};
}

Status RocksMetadataStore::remove(uint64_t parent, std::string_view name)
{
	return remove_entry(parent, name, Kind::kAny);
}

Status RocksMetadataStore::unlink(uint64_t parent, std::string_view name)
{
	return remove_entry(parent, name, Kind::kNotDir);
}

Status RocksMetadataStore::rmdir(uint64_t parent, std::string_view name)
{
	return remove_entry(parent, name, Kind::kDir);
}

Status RocksMetadataStore::rename(uint64_t olddir, std::string_view oldname, uint64_t newdir,
				  std::string_view newname, uint32_t flags)
{
	if ((flags & ~(kRenameNoReplace | kRenameExchange | kRenameWhiteout)) ||
	    (flags & kRenameNoReplace && flags & kRenameExchange) ||
	    (flags & kRenameWhiteout && flags & kRenameExchange))
		return make_error(EINVAL, "bad rename flags");
	std::vector<uint64_t> to_free;
	{
		std::unique_lock lock(ns_mu_);
		Txn txn(*db_, inodes_);
		auto odp = txn.dir(olddir);
		if (!odp)
			return odp.error();
		auto ndp = txn.dir(newdir);
		if (!ndp)
			return ndp.error();
		Inode *od = *odp, *nd = *ndp;
		if (oldname == "." || oldname == ".." || newname == "." || newname == "..")
			return make_error(EINVAL);
		auto oe = txn.entry(olddir, oldname);
		if (!oe)
			return oe.error();
		if (!*oe)
			return make_error(ENOENT);
		auto ne = txn.entry(newdir, newname);
		if (!ne)
			return ne.error();
		auto srcp = txn.get((*oe)->ino);
		if (!srcp)
			return srcp.error();
		Inode *src = *srcp;
		Inode *dst = nullptr;
		if (*ne) {
			auto d = txn.get((*ne)->ino);
			if (!d)
				return d.error();
			dst = *d;
		}
		if ((flags & kRenameExchange) && !dst)
			return make_error(ENOENT);
		if ((flags & kRenameNoReplace) && dst)
			return make_error(EEXIST);
		if (dst == src) {
			if (flags & kRenameWhiteout)
				return make_error(EINVAL, "whiteout rename onto another name of itself");
			return {};	// two names of one inode: nothing to do
		}
		if ((flags & kRenameWhiteout) && od->attr.nlink == 0)
			return make_error(ENOENT, "directory was removed");

		// a directory must not move under itself
		auto under = [&](uint64_t dir, uint64_t ancestor) -> Result<bool> {
			for (uint64_t d = dir;;) {
				if (d == ancestor)
					return true;
				auto n = txn.get(d);
				if (!n)
					return n.error();
				if ((*n)->parent == d)
					return false;
				d = (*n)->parent;
			}
		};
		if (is_dir(src->attr) && olddir != newdir) {
			auto u = under(newdir, src->attr.ino);
			if (!u)
				return u.error();
			if (*u)
				return make_error(EINVAL, "directory into its own subtree");
		}
		const Timestamp t = now();

		if (flags & kRenameExchange) {
			if (is_dir(dst->attr) && olddir != newdir) {
				auto u = under(olddir, dst->attr.ino);
				if (!u)
					return u.error();
				if (*u)
					return make_error(EINVAL, "directory into its own subtree");
			}
			txn.put_entry(olddir, oldname, Entry{(*oe)->cookie, dst->attr.ino, dirent_type(dst->attr.mode)});
			txn.put_entry(newdir, newname, Entry{(*ne)->cookie, src->attr.ino, dirent_type(src->attr.mode)});
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
			WEFT_RETURN_IF_ERROR(commit(txn));
			return {};
		}

		if (dst) {
			if (is_dir(src->attr) && !is_dir(dst->attr))
				return make_error(ENOTDIR);
			if (!is_dir(src->attr) && is_dir(dst->attr))
				return make_error(EISDIR);
			if (is_dir(dst->attr)) {
				auto empty = txn.dir_empty(dst->attr.ino);
				if (!empty)
					return empty.error();
				if (!*empty)
					return make_error(ENOTEMPTY);
				nd->attr.nlink--;
			}
			txn.del_entry(newdir, newname, (*ne)->cookie);
			WEFT_RETURN_IF_ERROR(drop_link(txn, dst->attr.ino));
		}
		txn.del_entry(olddir, oldname, (*oe)->cookie);
		// A new cookie: the entry is new in newdir (also when newdir is
		// olddir: a listing in progress may see it again, never miss it).
		const uint64_t cookie = nd->next_cookie++;
		txn.put_entry(newdir, newname, Entry{cookie, src->attr.ino, dirent_type(src->attr.mode)});
		if (is_dir(src->attr) && olddir != newdir) {
			od->attr.nlink--;
			nd->attr.nlink++;
			src->parent = newdir;
		}
		if (flags & kRenameWhiteout) {
			auto ino = next_ino_locked();
			if (!ino)
				return ino.error();
			Inode wh;
			wh.attr.ino = *ino;
			wh.attr.mode = S_IFCHR;
			wh.attr.nlink = 1;
			wh.attr.uid = src->attr.uid;
			wh.attr.gid = src->attr.gid;
			wh.attr.atime = wh.attr.mtime = wh.attr.ctime = t;
			wh.parent = olddir;
			wh.fs = od->fs;
			txn.put_entry(olddir, oldname,
				      Entry{od->next_cookie++, *ino, dirent_type(S_IFCHR)});
			txn.add(wh);
		}
		src->attr.ctime = t;
		od->attr.mtime = od->attr.ctime = nd->attr.mtime = nd->attr.ctime = t;
		WEFT_RETURN_IF_ERROR(commit(txn));
		to_free = std::move(txn.to_free);
	}
	free_data(to_free);
	return {};
}

Result<InodeAttr> RocksMetadataStore::link(uint64_t ino, uint64_t newparent,
					   std::string_view newname)
{
	std::unique_lock lock(ns_mu_);
	Txn txn(*db_, inodes_);
	auto np = txn.get(ino);
	if (!np)
		return np.error();
	Inode *node = *np;
	if (is_dir(node->attr))
		return make_error(EPERM, "hard link to a directory");
	auto dirp = txn.dir(newparent);
	if (!dirp)
		return dirp.error();
	Inode *dir = *dirp;
	if (newname == "." || newname == "..")
		return make_error(EEXIST);
	auto e = txn.entry(newparent, newname);
	if (!e)
		return e.error();
	if (*e)
		return make_error(EEXIST);
	if (node->attr.nlink >= kLinkMax)
		return make_error(EMLINK);
	if (node->attr.nlink == 0)
		txn.wb.Delete(key(kOrphanKey, ino));	// an O_TMPFILE gets its name
	txn.put_entry(newparent, newname, Entry{dir->next_cookie++, ino, dirent_type(node->attr.mode)});
	node->attr.nlink++;
	node->attr.ctime = dir->attr.mtime = dir->attr.ctime = now();
	WEFT_RETURN_IF_ERROR(commit(txn));
	return node->attr;
}

Result<std::string> RocksMetadataStore::readlink(uint64_t ino)
{
	std::shared_lock lock(ns_mu_);
	Txn txn(*db_, inodes_);
	auto n = txn.get(ino);
	if (!n)
		return n.error();
	if (!S_ISLNK((*n)->attr.mode))
		return make_error(EINVAL, "not a symlink");
	std::string target;
	rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), key(kLinkKey, ino), &target);
	if (!s.ok())
		return db_error(s, "read symlink " + std::to_string(ino));
	return target;
}

Result<InodeAttr> RocksMetadataStore::setattr(uint64_t ino, const SetAttr &c)
{
	std::unique_lock data_lock_held(data_lock(ino), std::defer_lock);
	int64_t delta = 0;
	bool shrink = false;
	if (c.valid & SetAttr::kSize) {
		touch(ino);	// before any chunk can exist: an unlink scans from now on
		// The data lock keeps every other size change out until we are done.
		data_lock_held.lock();
		InodeAttr a;
		uint64_t fs_root = 0;
		{
			std::shared_lock lock(ns_mu_);
			Txn txn(*db_, inodes_);
			auto n = txn.get(ino);
			if (!n)
				return n.error();
			a = (*n)->attr;
			fs_root = (*n)->fs;
		}
		if (is_dir(a))
			return make_error(EISDIR);
		if (!S_ISREG(a.mode))
			return make_error(EINVAL, "truncate of a special file");
		if (c.size > data_.max_file_size())
			return make_error(EFBIG);
		if (c.size > a.size && capacity_room(fs_root, c.size - a.size) < c.size - a.size)
			return make_error(ENOSPC, "past the file system's capacity");
		shrink = c.size < a.size;
		// Growing: what lies past the old end must read as zeros.
		if (c.size > a.size)
			WEFT_RETURN_IF_ERROR(data_.zero(ino, a.size, c.size, &delta));
	}
	InodeAttr out;
	{
		std::unique_lock lock(ns_mu_);
		Txn txn(*db_, inodes_);
		auto n = txn.get(ino);
		if (!n)
			return n.error();
		InodeAttr &a = (*n)->attr;
		if (c.valid & SetAttr::kMode)
			a.mode = (a.mode & S_IFMT) | (c.mode & 07777);
		if (c.valid & SetAttr::kUid)
			a.uid = c.uid;
		if (c.valid & SetAttr::kGid)
			a.gid = c.gid;
		if (c.valid & SetAttr::kSize) {
			a.size = c.size;
			a.blocks = static_cast<uint64_t>(std::max<int64_t>(0, static_cast<int64_t>(a.blocks) + delta));
			// The data past the new end goes after this commit; a crash
			// in between finishes it at the next open.
			if (shrink) {
				std::string v;
				append_le<uint64_t>(v, c.size);
				txn.wb.Put(key(kTruncKey, ino), v);
			}
			if (!(c.valid & SetAttr::kMtime))
				a.mtime = now();
		}
		if (c.valid & SetAttr::kAtime)
			a.atime = c.atime;
		if (c.valid & SetAttr::kMtime)
			a.mtime = c.mtime;
		a.ctime = (c.valid & SetAttr::kCtime) ? c.ctime : now();
		WEFT_RETURN_IF_ERROR(commit(txn));
		out = a;
	}
	if (!shrink)
		return out;
	delta = 0;
	Status zeroed = data_.zero(ino, c.size, data_.max_file_size(), &delta);
	std::unique_lock lock(ns_mu_);
	Txn txn(*db_, inodes_);
	auto n = txn.get(ino);
	if (!n)
		return n.error();
	InodeAttr &a = (*n)->attr;
	a.blocks = static_cast<uint64_t>(std::max<int64_t>(0, static_cast<int64_t>(a.blocks) + delta));
	if (zeroed.ok())
		txn.wb.Delete(key(kTruncKey, ino));
	WEFT_RETURN_IF_ERROR(commit(txn));
	if (!zeroed.ok())
		return zeroed.error();
	return a;
}

Result<uint64_t> RocksMetadataStore::open(uint64_t ino)
{
	std::unique_lock lock(ns_mu_);
	Txn txn(*db_, inodes_);
	auto n = txn.get(ino);
	if (!n)
		return n.error();
	opens_[ino]++;
	return ino;
}

Status RocksMetadataStore::release(uint64_t ino)
{
	std::vector<uint64_t> to_free;
	{
		std::unique_lock lock(ns_mu_);
		Txn txn(*db_, inodes_);
		auto n = txn.get(ino);
		if (!n)
			return n.error();
		auto it = opens_.find(ino);
		if (it != opens_.end() && --it->second == 0)
			opens_.erase(it);
		if (opens_.count(ino) || (*n)->attr.nlink > 0 || is_dir((*n)->attr))
			return {};
		WEFT_RETURN_IF_ERROR(erase_node(txn, ino, **n, true));
		WEFT_RETURN_IF_ERROR(commit(txn));
		to_free = std::move(txn.to_free);
	}
	free_data(to_free);
	return {};
}

Result<Inode> RocksMetadataStore::snapshot(uint64_t ino)
{
	std::shared_lock lock(ns_mu_);
	Txn txn(*db_, inodes_);
	auto n = txn.get(ino);
	if (!n)
		return n.error();
	return **n;
}

Result<size_t> RocksMetadataStore::read(uint64_t ino, uint64_t offset, std::span<std::byte> out)
{
	std::shared_lock data_held(data_lock(ino));
	auto got = snapshot(ino);
	if (!got)
		return got.error();
	const InodeAttr a = got->attr;
	if (is_dir(a))
		return make_error(EISDIR);
	if (!S_ISREG(a.mode))
		return make_error(EINVAL);
	if (offset >= a.size)
		return size_t{0};
	const size_t len = static_cast<size_t>(std::min<uint64_t>(out.size(), a.size - offset));
	WEFT_RETURN_IF_ERROR(data_.read(ino, offset, out.first(len)));
	return len;
}

Result<size_t> RocksMetadataStore::write(uint64_t ino, uint64_t offset,
					 std::span<const std::byte> data)
{
	touch(ino);	// before any chunk can exist: an unlink scans from now on
	std::unique_lock data_held(data_lock(ino));
	auto got = snapshot(ino);
	if (!got)
		return got.error();
	const Inode node = std::move(*got);
	if (is_dir(node.attr))
		return make_error(EISDIR);
	if (!S_ISREG(node.attr.mode))
		return make_error(EINVAL);
	const uint64_t max = data_.max_file_size();
	if (offset > max || data.size() > max - offset)
		return make_error(EFBIG, "past the maximum file size");
	if (data.empty())
		return size_t{0};
	// Capacity: a file system's used bytes are its files' sizes.  What
	// fits is written (a short write); nothing fits: ENOSPC.
	if (const uint64_t end = offset + data.size(); end > node.attr.size) {
		const uint64_t growth = end - node.attr.size;
		const uint64_t room = capacity_room(node.fs, growth);
		if (room < growth) {
			if (node.attr.size + room <= offset)
				return make_error(ENOSPC, "past the file system's capacity");
			data = data.first(static_cast<size_t>(node.attr.size + room - offset));
		}
	}
	int64_t delta = 0;
	Status gap;
	if (offset > node.attr.size)
		gap = data_.zero(ino, node.attr.size, offset, &delta);
	Result<size_t> n = gap.ok() ? data_.write(ino, offset, data, replicas_for(node.fs), &delta)
				    : Result<size_t>(gap.error());
	if (!n && delta == 0)
		return n;
	std::unique_lock lock(ns_mu_);
	Txn txn(*db_, inodes_);
	auto np = txn.get(ino);
	if (!np) {
		// Unlinked and released meanwhile: its data must not outlive it.
		lock.unlock();
		(void)data_.free_all(ino);
		return np.error();
	}
	InodeAttr &a = (*np)->attr;
	a.blocks = static_cast<uint64_t>(std::max<int64_t>(
		0, static_cast<int64_t>(a.blocks) + delta));
	if (n) {
		a.size = std::max<uint64_t>(a.size, offset + *n);
		a.mtime = a.ctime = now();
	}
	WEFT_RETURN_IF_ERROR(commit(txn));
	return n;
}

Status RocksMetadataStore::sync(uint64_t ino, bool)
{
	if (auto n = snapshot(ino); !n)
		return n.error();
	// Data is durable when ChunkStore acknowledges it; the namespace
	// commits (size, times; also for fdatasync: the size may have grown)
	// become durable with the WAL's fsync: a synced write of a marker
	// syncs the WAL up to it, so every earlier commit.  Not FlushWAL(true):
	// in RocksDB 7.8 its SyncWAL races concurrent unsynced writes and
	// trips an assertion (sync_without_flush_called_).
	rocksdb::WriteOptions synced;
	synced.sync = true;
	return writer_.put(synced, kSyncMarkerKey, rocksdb::Slice(), "sync namespace");
}

Status RocksMetadataStore::remove_filesystem(std::string_view fs_name)
{
	std::vector<uint64_t> to_free;
	{
		std::unique_lock lock(ns_mu_);
		auto it = roots_.find(fs_name);
		if (it == roots_.end())
			return make_error(ENOENT, "no file system '" + std::string(fs_name) + "'");
		const uint64_t root = it->second;
		Txn txn(*db_, inodes_);
		std::vector<uint64_t> todo{root};
		std::set<uint64_t> seen{root};
		while (!todo.empty()) {
			const uint64_t ino = todo.back();
			todo.pop_back();
			auto n = txn.get(ino);
			if (!n)
				continue;
			const uint32_t mode = (*n)->attr.mode;
			WEFT_RETURN_IF_ERROR(txn.erase(ino));
			if (S_ISREG(mode))
				to_free.push_back(ino);
			if (!S_ISDIR(mode))
				continue;
			PrefixScan scan(*db_, key(kCookieKey, ino));
			for (; scan.valid(); scan.next())
				if (scan.value().size() >= 12 && seen.insert(le64(scan.value(), 0)).second)
					todo.push_back(le64(scan.value(), 0));
			WEFT_RETURN_IF_ERROR(scan.status());
			txn.wb.DeleteRange(key(kCookieKey, ino), key(kCookieKey, ino + 1));
			txn.wb.DeleteRange(key(kNameKey, ino), key(kNameKey, ino + 1));
		}
		txn.wb.Delete(std::string(1, kFsKey) + std::string(fs_name));
		WEFT_RETURN_IF_ERROR(commit(txn));
		roots_.erase(it);
		usage_.erase(root);
	}
	free_data(to_free);
	return {};
}

Result<std::optional<std::string>> RocksMetadataStore::read_xattr(uint64_t ino,
								   std::string_view name)
{
	std::string v;
	rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), key(kXattrKey, ino, name), &v);
	if (s.IsNotFound())
		return std::optional<std::string>();
	if (!s.ok())
		return db_error(s, "read xattr");
	return std::optional<std::string>(std::move(v));
}

Result<std::string> RocksMetadataStore::getxattr(uint64_t ino, std::string_view name)
{
	std::shared_lock lock(ns_mu_);
	Txn txn(*db_, inodes_);
	auto n = txn.get(ino);
	if (!n)
		return n.error();
	auto v = read_xattr(ino, name);
	if (!v)
		return v.error();
	if (!*v)
		return make_error(ENODATA);
	return std::move(**v);
}

Status RocksMetadataStore::setxattr(uint64_t ino, std::string_view name, std::string_view value,
				    uint32_t flags)
{
	touch(ino);
	// Linux's XATTR_NAME_MAX and XATTR_SIZE_MAX, as a local file system.
	if (name.empty() || name.size() > 255)
		return make_error(ERANGE, "xattr name length out of range");
	if (value.size() > 65536)
		return make_error(E2BIG, "xattr value too large");
	if ((flags & ~(kXattrCreate | kXattrReplace)) ||
	    ((flags & kXattrCreate) && (flags & kXattrReplace)))
		return make_error(EINVAL, "bad setxattr flags");
	std::unique_lock lock(ns_mu_);
	Txn txn(*db_, inodes_);
	auto n = txn.get(ino);
	if (!n)
		return n.error();
	auto old = read_xattr(ino, name);
	if (!old)
		return old.error();
	if ((flags & kXattrCreate) && *old)
		return make_error(EEXIST);
	if ((flags & kXattrReplace) && !*old)
		return make_error(ENODATA);
	txn.wb.Put(key(kXattrKey, ino, name), rocksdb::Slice(value.data(), value.size()));
	(*n)->attr.ctime = now();
	return commit(txn);
}

Result<std::vector<std::string>> RocksMetadataStore::listxattr(uint64_t ino)
{
	std::shared_lock lock(ns_mu_);
	Txn txn(*db_, inodes_);
	auto n = txn.get(ino);
	if (!n)
		return n.error();
	std::vector<std::string> names;
	PrefixScan scan(*db_, key(kXattrKey, ino));
	for (; scan.valid(); scan.next())
		names.emplace_back(scan.tail());
	WEFT_RETURN_IF_ERROR(scan.status());
	return names;
}

Status RocksMetadataStore::removexattr(uint64_t ino, std::string_view name)
{
	std::unique_lock lock(ns_mu_);
	Txn txn(*db_, inodes_);
	auto n = txn.get(ino);
	if (!n)
		return n.error();
	auto old = read_xattr(ino, name);
	if (!old)
		return old.error();
	if (!*old)
		return make_error(ENODATA);
	txn.wb.Delete(key(kXattrKey, ino, name));
	(*n)->attr.ctime = now();
	return commit(txn);
}

Result<InodeAttr> RocksMetadataStore::fallocate(uint64_t ino, uint32_t mode, uint64_t offset,
						uint64_t length)
{
	touch(ino);	// before any chunk can exist: an unlink scans from now on
	const bool keep = mode & kFallocKeepSize;
	const uint32_t kind = mode & ~kFallocKeepSize;
	if (kind != 0 && kind != kFallocPunchHole && kind != kFallocZeroRange)
		return make_error(EOPNOTSUPP, "fallocate mode " + std::to_string(mode));
	if (kind == kFallocPunchHole && !keep)
		return make_error(EOPNOTSUPP, "PUNCH_HOLE needs KEEP_SIZE");
	if (length == 0)
		return make_error(EINVAL, "fallocate of no bytes");
	const uint64_t max = data_.max_file_size();
	if (offset > max || length > max - offset)
		return make_error(EFBIG, "past the maximum file size");
	const uint64_t end = offset + length;

	std::unique_lock data_held(data_lock(ino));
	auto got = snapshot(ino);
	if (!got)
		return got.error();
	const Inode node = std::move(*got);
	if (is_dir(node.attr))
		return make_error(EISDIR);
	if (!S_ISREG(node.attr.mode))
		return make_error(ENODEV, "fallocate of a special file");
	const uint64_t size = node.attr.size;
	if (kind != kFallocPunchHole && end > size &&
	    capacity_room(node.fs, end - size) < end - size)
		return make_error(ENOSPC, "past the file system's capacity");
	int64_t delta = 0;
	Status st;
	if (kind == kFallocPunchHole) {
		st = data_.zero(ino, offset, end, &delta);
	} else if (kind == kFallocZeroRange) {
		st = data_.zero(ino, keep ? offset : std::min(offset, size), end, &delta);
	} else {
		if (!keep && offset > size)
			st = data_.zero(ino, size, offset, &delta);	// the gap reads as zeros
		if (st.ok())
			st = data_.allocate(ino, offset, end, replicas_for(node.fs), &delta);
	}
	std::unique_lock lock(ns_mu_);
	Txn txn(*db_, inodes_);
	auto np = txn.get(ino);
	if (!np)
		return np.error();
	InodeAttr &a = (*np)->attr;
	a.blocks = static_cast<uint64_t>(std::max<int64_t>(
		0, static_cast<int64_t>(a.blocks) + delta));
	if (st.ok()) {
		if (!keep && end > a.size)
			a.size = end;
		a.ctime = now();
		if (kind != 0)
			a.mtime = a.ctime;
	}
	WEFT_RETURN_IF_ERROR(commit(txn));
	if (!st.ok())
		return st.error();
	return a;
}

Result<uint64_t> RocksMetadataStore::seek_data_hole(uint64_t ino, uint64_t offset, int whence)
{
	if (whence != kSeekData && whence != kSeekHole)
		return make_error(EINVAL);
	std::shared_lock data_held(data_lock(ino));
	auto got = snapshot(ino);
	if (!got)
		return got.error();
	const InodeAttr a = got->attr;
	if (!S_ISREG(a.mode))
		return make_error(EINVAL, "not a regular file");
	return data_.seek(ino, offset, a.size, whence == kSeekData);
}

}  // namespace weft

// The namespace database's format (docs/on-disk.md, "Namespace"): key
// prefixes, the inode and entry records, and small helpers shared by
// RocksMetadataStore and its offline check.
#ifndef WEFT_DAEMON_NAMESPACE_FORMAT_H
#define WEFT_DAEMON_NAMESPACE_FORMAT_H

#include <rocksdb/cache.h>
#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/iterator.h>
#include <rocksdb/options.h>
#include <rocksdb/table.h>
#include <sys/stat.h>

#include <ctime>
#include <memory>
#include <string>
#include <string_view>

#include "rocks_metadata_store.h"
#include "storage/byte_order.h"
#include "storage/rocks_writer.h"

namespace weft::nsdb {

using storage::append_be;
using storage::append_le;
using storage::get_be;
using storage::get_le;


// Key prefixes of the namespace database (docs/on-disk.md, "Namespace").
inline constexpr char kFsKey = 'F';       // F name                  -> le64 root
inline constexpr char kInodeKey = 'I';    // I be64 ino              -> inode record
inline constexpr char kNameKey = 'E';     // E be64 dir name         -> le64 cookie, le64 ino, u32 type
inline constexpr char kCookieKey = 'K';   // K be64 dir be64 cookie  -> le64 ino, u32 type, name
inline constexpr char kLinkKey = 'L';     // L be64 ino              -> symlink target
inline constexpr char kXattrKey = 'X';    // X be64 ino name         -> value
inline constexpr char kOrphanKey = 'O';   // O be64 ino              -> ""
inline constexpr char kTruncKey = 'T';    // T be64 ino              -> le64 size (data past it to free)
inline const std::string kCounterKey = "Mnext_ino";	// le64: every counter below it was handed out
inline const std::string kSyncMarkerKey = "Msync";	// "": written synced by fsync, never read
inline const std::string kFormatKey = "Mformat";	// "1"
inline constexpr uint8_t kInodeVersion = 1;
inline constexpr uint32_t kLinkMax = 65000;

inline std::string key(char prefix, uint64_t id)
{
	std::string k(1, prefix);
	append_be<uint64_t>(k, id);
	return k;
}

inline std::string key(char prefix, uint64_t id, std::string_view tail)
{
	std::string k = key(prefix, id);
	k.append(tail);
	return k;
}

inline std::string cookie_key(uint64_t dir, uint64_t cookie)
{
	std::string k = key(kCookieKey, dir);
	append_be<uint64_t>(k, cookie);
	return k;
}

inline uint64_t le64(std::string_view v, size_t at)
{
	return get_le<uint64_t>(reinterpret_cast<const std::byte *>(v.data() + at));
}

inline uint32_t le32(std::string_view v, size_t at)
{
	return get_le<uint32_t>(reinterpret_cast<const std::byte *>(v.data() + at));
}

inline Timestamp now()
{
	timespec ts{};
	clock_gettime(CLOCK_REALTIME, &ts);
	return Timestamp{ts.tv_sec, static_cast<uint32_t>(ts.tv_nsec)};
}

inline uint32_t dirent_type(uint32_t mode) { return (mode & S_IFMT) >> 12; }
inline bool is_dir(const InodeAttr &a) { return S_ISDIR(a.mode); }

inline Error db_error(const rocksdb::Status &s, const std::string &what)
{
	return make_error(s.IsNoSpace() ? ENOSPC : EIO, what + ": " + s.ToString());
}

inline Error no_inode(uint64_t ino) { return make_error(ENOENT, "no inode " + std::to_string(ino)); }

using Inode = RocksMetadataStore::Inode;

inline std::string encode_inode(const Inode &n)
{
	std::string v;
	v.push_back(static_cast<char>(kInodeVersion));
	const InodeAttr &a = n.attr;
	append_le<uint64_t>(v, a.size);
	append_le<uint64_t>(v, a.blocks);
	for (const Timestamp *t : {&a.atime, &a.mtime, &a.ctime}) {
		append_le<uint64_t>(v, static_cast<uint64_t>(t->sec));
		append_le<uint32_t>(v, t->nsec);
	}
	for (uint32_t x : {a.mode, a.nlink, a.uid, a.gid, a.rdev, a.generation})
		append_le<uint32_t>(v, x);
	append_le<uint64_t>(v, n.parent);
	append_le<uint64_t>(v, n.next_cookie);
	append_le<uint64_t>(v, n.fs);
	return v;
}

inline constexpr size_t kInodeBytes = 1 + 8 + 8 + 3 * 12 + 6 * 4 + 3 * 8;

inline Result<Inode> decode_inode(uint64_t ino, std::string_view v)
{
	if (v.size() != kInodeBytes || static_cast<uint8_t>(v[0]) != kInodeVersion)
		return make_error(EUCLEAN, "corrupt inode record " + std::to_string(ino));
	Inode n;
	InodeAttr &a = n.attr;
	a.ino = ino;
	size_t at = 1;
	a.size = le64(v, at), at += 8;
	a.blocks = le64(v, at), at += 8;
	for (Timestamp *t : {&a.atime, &a.mtime, &a.ctime}) {
		t->sec = static_cast<int64_t>(le64(v, at));
		t->nsec = le32(v, at + 8);
		at += 12;
	}
	for (uint32_t *x : {&a.mode, &a.nlink, &a.uid, &a.gid, &a.rdev, &a.generation})
		*x = le32(v, at), at += 4;
	n.parent = le64(v, at), at += 8;
	n.next_cookie = le64(v, at), at += 8;
	n.fs = le64(v, at);
	return n;
}

struct Entry {
	uint64_t cookie = 0, ino = 0;
	uint32_t type = 0;
};

inline std::string encode_entry(const Entry &e)
{
	std::string v;
	append_le<uint64_t>(v, e.cookie);
	append_le<uint64_t>(v, e.ino);
	append_le<uint32_t>(v, e.type);
	return v;
}

inline std::string encode_cookie_value(uint64_t ino, uint32_t type, std::string_view name)
{
	std::string v;
	append_le<uint64_t>(v, ino);
	append_le<uint32_t>(v, type);
	v.append(name);
	return v;
}

inline std::string_view sv(const rocksdb::Slice &s) { return {s.data(), s.size()}; }

// An iterator over the keys that start with prefix.
class PrefixScan {
public:
	PrefixScan(rocksdb::DB &db, std::string prefix, std::string start = {})
		: prefix_(std::move(prefix)), it_(db.NewIterator(rocksdb::ReadOptions()))
	{
		it_->Seek(start.empty() ? prefix_ : start);
	}
	bool valid() const { return it_->Valid() && it_->key().starts_with(prefix_); }
	void next() { it_->Next(); }
	std::string_view key() const { return sv(it_->key()); }
	std::string_view tail() const { return key().substr(prefix_.size()); }
	std::string_view value() const { return sv(it_->value()); }
	Status status() const
	{
		if (!it_->status().ok())
			return db_error(it_->status(), "namespace scan");
		return {};
	}

private:
	std::string prefix_;
	std::unique_ptr<rocksdb::Iterator> it_;
};


inline constexpr double kBloomBitsPerKey = 10;	// ~1% false positives
inline constexpr size_t kBlockCacheBytes = size_t{64} << 20;

inline Result<std::unique_ptr<rocksdb::DB>> open_db(const std::string &dir, bool read_only)
{
	rocksdb::Options o;
	o.create_if_missing = !read_only;
	o.max_open_files = 256;
	o.info_log = storage::discarding_rocks_logger();  // rocks_writer.h: why
	// Once the namespace outgrows the memtable, most reads are point
	// lookups in SST files, many of them for keys that do not exist (a
	// create's name, an xattr a file does not have): a bloom filter per
	// file answers those without reading a block, and a block cache larger
	// than RocksDB's default keeps a big directory's blocks.  300,000 files,
	// reopened (RocksStoreBench.DISABLED_LargeNamespaceReads): lookup of a
	// name 13 -> 7 us, of a missing name 2.1 -> 0.7 us.
	rocksdb::BlockBasedTableOptions table;
	table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(kBloomBitsPerKey));
	table.block_cache = rocksdb::NewLRUCache(kBlockCacheBytes);
	o.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
	rocksdb::DB *raw = nullptr;
	rocksdb::Status s = read_only ? rocksdb::DB::OpenForReadOnly(o, dir, &raw)
				      : rocksdb::DB::Open(o, dir, &raw);
	if (!s.ok())
		return make_error(s.ToString().find("lock") != std::string::npos ? EBUSY : EIO,
				  "open namespace " + dir + ": " + s.ToString());
	return std::unique_ptr<rocksdb::DB>(raw);
}

}  // namespace weft::nsdb

#endif

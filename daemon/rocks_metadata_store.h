// RocksMetadataStore: the namespace in RocksDB, file data in the storage
// engine's chunks (FileData over ChunkStore); both survive restarts.
//
// Every namespace operation is one atomic WriteBatch.  Commits go to the
// WAL unsynced (a kill -9 of weftd loses nothing: the WAL is in the page
// cache); sync() makes them durable with a synced write of a marker (the
// WAL is fsync'd up to it).  File data is durable when ChunkStore
// acknowledges it.  Key layout, inode numbers and
// crash rules: docs/on-disk.md, "Namespace".
//
// Locking: ns_mu_ guards namespace records (shared for reads, exclusive
// for changes; never held across chunk I/O); a striped per-inode lock
// serialises data operations on one file (write, truncate, fallocate,
// freeing).  Order: inode stripe, then ns_mu_.
#ifndef WEFT_DAEMON_ROCKS_METADATA_STORE_H
#define WEFT_DAEMON_ROCKS_METADATA_STORE_H

#include <rocksdb/db.h>

#include <array>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "file_data.h"
#include "storage/rocks_writer.h"
#include "metadata_store.h"
#include "storage/chunk_store.h"
#include "storage/record_cache.h"

namespace weft {

struct RocksStoreOptions {
	std::string dir;	// the namespace database (DATA_DIR/namespace)
	storage::ChunkStore *chunks = nullptr;	// file data; must outlive the store
	// Replication of a file system's new chunks (the catalog's); null: 1.
	std::function<uint32_t(std::string_view fs_name)> replication;
	// Node / shard number carried in the high bits of every inode number.
	uint32_t shard = 0;
};

class RocksMetadataStore : public MetadataStore {
public:
	static constexpr const char *kDefaultFs = "default";
	// Inode numbers: shard << kShardShift | per-shard counter (>= 1).
	static constexpr unsigned kShardShift = 32;
	static constexpr uint32_t kMaxShard = 255;
	// The persisted counter is bumped this far ahead at a time.
	static constexpr uint64_t kInoRange = 1024;
	// Inode records kept decoded in memory (storage/record_cache.h).
	static constexpr size_t kCachedInodes = 1 << 16;
	static constexpr size_t kMaxUntouched = 1 << 18;	// about 8 MiB

	// Opens (creating) the namespace with "default" in it, and reconciles
	// what a crash left: orphans and interrupted truncates are finished,
	// chunks of inodes that no longer exist are freed.
	static Result<std::unique_ptr<RocksMetadataStore>> open(const RocksStoreOptions &options);
	// Offline fsck of a stopped node: one line per problem (empty: clean).
	static Result<std::vector<std::string>> check(const std::string &dir,
						      storage::ChunkStore &chunks);

	Result<uint64_t> root_of(std::string_view fs_name) override;
	Result<uint64_t> add_filesystem(std::string_view fs_name) override;
	std::vector<FsSummary> filesystems() override;
	Result<InodeAttr> getattr(uint64_t ino) override;
	Result<InodeAttr> lookup(uint64_t parent, std::string_view name) override;
	Status read_dir(uint64_t dir, uint64_t after, const DirEmitter &emit) override;
	Result<InodeAttr> create(uint64_t parent, std::string_view name,
				 const NewNode &node) override;
	Result<InodeAttr> create_unlinked(uint64_t dir, const NewNode &node) override;
	Status remove(uint64_t parent, std::string_view name) override;
	Status unlink(uint64_t parent, std::string_view name) override;
	Status rmdir(uint64_t parent, std::string_view name) override;
	Status rename(uint64_t olddir, std::string_view oldname, uint64_t newdir,
		      std::string_view newname, uint32_t flags) override;
	Result<InodeAttr> link(uint64_t ino, uint64_t newparent, std::string_view newname) override;
	Result<std::string> readlink(uint64_t ino) override;
	Result<InodeAttr> setattr(uint64_t ino, const SetAttr &change) override;
	Result<uint64_t> open(uint64_t ino) override;
	Status release(uint64_t ino) override;
	Result<size_t> read(uint64_t ino, uint64_t offset, std::span<std::byte> out) override;
	Result<size_t> write(uint64_t ino, uint64_t offset, std::span<const std::byte> data) override;
	Status sync(uint64_t ino, bool datasync) override;
	Status remove_filesystem(std::string_view fs_name) override;
	Status rename_filesystem(std::string_view old_name, std::string_view new_name) override;
	Result<std::string> getxattr(uint64_t ino, std::string_view name) override;
	Status setxattr(uint64_t ino, std::string_view name, std::string_view value,
			uint32_t flags) override;
	Result<std::vector<std::string>> listxattr(uint64_t ino) override;
	Status removexattr(uint64_t ino, std::string_view name) override;
	Result<InodeAttr> fallocate(uint64_t ino, uint32_t mode, uint64_t offset,
				    uint64_t length) override;
	Result<uint64_t> seek_data_hole(uint64_t ino, uint64_t offset, int whence) override;

	uint64_t max_file_size() const { return data_.max_file_size(); }

	// A persisted inode: its attributes and what the namespace needs.
	struct Inode {
		InodeAttr attr;
		uint64_t parent = 0;	// directories: for ".."
		uint64_t next_cookie = kFirstEntryCookie;	// directories
		uint64_t fs = 0;	// root inode of its file system
	};

	class Txn;
	struct Token {};
	RocksMetadataStore(Token, RocksStoreOptions options, std::unique_ptr<rocksdb::DB> db);

private:
	enum class Kind { kAny, kNotDir, kDir };
	struct Usage {
		uint64_t files = 0, bytes = 0;
	};

	Status load();
	Status reconcile();
	Result<uint64_t> next_ino_locked();
	// A copy of the inode as committed, read under the shared namespace
	// lock (for data operations, which must not hold it across chunk I/O).
	Result<Inode> snapshot(uint64_t ino);
	Status remove_entry(uint64_t parent, std::string_view name, Kind kind);
	// One link less in txn; queues the inode's data for freeing when it
	// goes.  Caller holds ns_mu_.
	Status drop_link(Txn &txn, uint64_t ino);
	// Deletes node ino in txn and queues a regular file's data in
	// txn.to_free; an untouched one (untouched_) with neither scan.
	Status erase_node(Txn &txn, uint64_t ino, const Inode &node, bool may_be_orphan);
	void put_new_xattrs(Txn &txn, uint64_t ino, const NewNode &spec);
	// ino's xattr name as committed; nullopt if it has none.  Caller holds
	// ns_mu_ (and has checked that ino exists).
	Result<std::optional<std::string>> read_xattr(uint64_t ino, std::string_view name);
	Status commit(Txn &txn);
	// Frees the data of inodes a committed change deleted.
	void free_data(const std::vector<uint64_t> &inos);
	uint32_t replicas_for(uint64_t fs_root);
	// How many of growth more bytes the file system may take before its
	// capacity (set_capacity_source); growth when it has none.
	uint64_t capacity_room(uint64_t fs_root, uint64_t growth);
	Status resize(uint64_t ino, uint64_t size, Inode &node, int64_t &chunk_delta);
	std::shared_mutex &data_lock(uint64_t ino) { return data_mu_[ino % data_mu_.size()]; }

	const RocksStoreOptions options_;
	const std::unique_ptr<rocksdb::DB> db_;
	storage::RocksWriter writer_;	// every write goes through it
	FileData data_;
	std::array<std::shared_mutex, 64> data_mu_;

	std::shared_mutex ns_mu_;
	uint64_t next_ino_ = 0, ino_limit_ = 0;	// [next, limit) handed out freely
	std::map<std::string, uint64_t, std::less<>> roots_;	// fs name -> root
	std::map<uint64_t, Usage> usage_;	// by fs root
	std::unordered_map<uint64_t, uint32_t> opens_;
	// Inodes made by this weftd without xattrs that no write, truncate,
	// fallocate or setxattr has reached since: removing one needs no scan
	// for its xattrs or its chunks (each a RocksDB iterator; a fifth of an
	// unlink of an empty file).  Only in memory: after a restart every
	// inode is scanned, so a crash cannot leave a chunk behind unseen.  An
	// inode leaves the set before any of those operations starts on it.
	std::mutex untouched_mu_;
	std::unordered_set<uint64_t> untouched_;
	// After a creation's commit: its open (NewNode::open), and untouched_.
	void note_created(uint64_t ino, const NewNode &spec);
	void touch(uint64_t ino);
	bool take_untouched(uint64_t ino);	// was it untouched? (and forget it)
	// Decoded inode records (storage/record_cache.h); about 150 bytes each.
	storage::RecordCache<Inode> inodes_{kCachedInodes};
};

}  // namespace weft

#endif

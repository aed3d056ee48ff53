// MetaStore: the storage engine's state in RocksDB.
//
// Every change is one Batch committed atomically (a chunk record together
// with the extents it owns, an intent, a drive state and the epoch), synced
// to the WAL when the caller promises durability.  Key layout in
// docs/on-disk.md.
#ifndef WEFT_STORAGE_META_STORE_H
#define WEFT_STORAGE_META_STORE_H

#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "block_allocator.h"
#include "chunk_record.h"
#include "record_cache.h"
#include "rocks_writer.h"
#include "status.h"

namespace weft::storage {

class MetaStore {
public:
	class Batch {
	public:
		void put_chunk(uint64_t chunk_id, const ChunkRecord &rec);
		void delete_chunk(uint64_t chunk_id);
		void put_extent(uint32_t drive, Extent extent);
		void delete_extent(uint32_t drive, Extent extent);
		void put_intent(uint64_t chunk_id, const WriteIntent &intent);
		void delete_intent(uint64_t chunk_id);
		void put_deferred(uint64_t seq, const DeferredWrite &w);
		void delete_deferred(uint64_t seq);
		void put_drive(const DriveRecord &drive);
		void delete_drive(uint32_t drive_id);
		void put_epoch(uint64_t epoch);
		void put_config(const std::string &name, const std::string &value);
		bool empty() const { return wb_.Count() == 0; }

	private:
		friend class MetaStore;
		rocksdb::WriteBatch wb_;
		// The chunk records it puts (or deletes: nullopt), for the cache.
		std::vector<std::pair<uint64_t, std::optional<ChunkRecord>>> chunks_;
	};
	// Chunk records kept decoded (record_cache.h): about 1.3 KiB each for
	// a 1 MiB chunk, so 8 GiB of recently used data costs about 11 MiB.
	static constexpr size_t kCachedChunks = 8192;

	// Creates the database under dir if it does not exist.
	static Result<std::unique_ptr<MetaStore>> open(const std::string &dir);

	// sync: the batch is in the fsync'd WAL before this returns.
	Status commit(Batch &batch, bool sync);

	Result<std::optional<ChunkRecord>> get_chunk(uint64_t chunk_id);
	Result<std::optional<std::string>> get_config(const std::string &name);
	Result<uint64_t> get_epoch();

	// Visitors stop at the first error they return.
	Status for_each_chunk(const std::function<Status(uint64_t, const ChunkRecord &)> &fn);
	// The ids of the chunks in [lo, hi), in order (keys only: no decoding).
	Status for_each_chunk_id(uint64_t lo, uint64_t hi,
				 const std::function<Status(uint64_t)> &fn);
	Status for_each_extent(const std::function<Status(uint32_t drive, Extent)> &fn);
	Status for_each_intent(const std::function<Status(uint64_t, const WriteIntent &)> &fn);
	// In sequence order.
	Status for_each_deferred(const std::function<Status(uint64_t seq, const DeferredWrite &)> &fn);
	Status for_each_drive(const std::function<Status(const DriveRecord &)> &fn);

	// Test hook: the next commit fails with this errno (0: none).
	void fail_next_commit(int err) { fail_next_commit_ = err; }

private:
	struct Token {};

public:
	MetaStore(Token, std::unique_ptr<rocksdb::DB> db) : db_(std::move(db)), writer_(*db_) {}

private:
	Status scan(char prefix, const std::function<Status(std::string_view key,
							    std::string_view value)> &fn);

	std::unique_ptr<rocksdb::DB> db_;
	RocksWriter writer_;	// every write goes through it
	RecordCache<ChunkRecord> chunks_{kCachedChunks};
	std::atomic<int> fail_next_commit_{0};
};

}  // namespace weft::storage

#endif

// ChunkStore: replicated, checksummed chunks on the drives of one node.
//
// A chunk is chunk_blocks blocks of 4 KiB; each replica lives on one drive,
// chosen by placement (placement.h), as runs of blocks allocated when they
// are first written (space grows with the data, 4 KiB at a time).  A write goes to
// every live, up-to-date replica and is acknowledged only when each of them
// has it durably (data write + fdatasync through io_uring, then a synced
// RocksDB commit).  A read verifies every block's crc32c; a bad block is
// read from another replica, rewritten on the bad one and counted, and bad
// data is never returned.
//
// Write protocol (crash-safe at every step, see docs/on-disk.md):
//   1. only when overwriting written blocks: commit {intent with the new
//      crcs}
//   2. allocate (in memory) the blocks of the range not mapped yet, write
//      data to every live replica, fdatasync each
//   3. commit {chunk record with new crcs/generation and runs, the new
//      runs' extents, delete intent}
// open() resolves leftover intents: each block rolls forward if any replica
// holds the new data, else stays old; replicas are made to agree.
//
// Small overwrites (at most deferred_max_blocks blocks, all written before)
// take a cheaper path with the same promise, as Ceph BlueStore's deferred
// writes do: one synced commit {the data itself, chunk record with the new
// crcs}, then the data in place on every replica without a flush.  A
// background flusher fdatasyncs the drives and then drops the records
// whose data the flush covered; open() replays the ones left (a block only
// while the record still holds that data's crc).  One sync per write
// instead of three.
//
// Thread-safe.  Operations on different chunks run in parallel (a striped
// lock per chunk id: shared for reads and scrub, exclusive for writes,
// removal and rebuild); drive state, allocators and the cluster map sit
// behind one short-held state lock that is never held across I/O; RocksDB
// groups concurrent synced commits.  Lock order: chunk stripe, then state.
#ifndef WEFT_STORAGE_CHUNK_STORE_H
#define WEFT_STORAGE_CHUNK_STORE_H

#include <array>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <optional>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "aligned_buffer.h"
#include "buffer_pool.h"
#include "block_allocator.h"
#include "crc32c.h"
#include "deferred_tracker.h"
#include "drive.h"
#include "meta_store.h"
#include "placement.h"
#include "status.h"

namespace weft::storage {

// Where a test may "crash" a write (the store then refuses everything until
// it is destroyed and reopened).
enum class CrashPoint {
	kAfterIntent,     // step 1 committed, no data written (overwrites only)
	kAfterFirstData,  // data durable on the first replica only
	kAfterAllData,    // data durable on all replicas, record not updated
	kAfterCommit,     // step 3 committed
	kAfterDeferredCommit,  // deferred write: record (with data) committed, none in place
};

struct StoreOptions {
	std::string meta_dir;  // RocksDB directory
	Uuid cluster;
	uint32_t chunk_blocks = 256;  // 1 MiB chunks
	uint32_t replicas = 1;
	uint32_t pg_count = 65536;
	uint32_t buffers = 16;  // chunk-sized I/O buffers: concurrent operations
	bool sync = true;  // synced metadata commits: the durability promise
	// Overwrites of at most this many written blocks are deferred writes
	// (see the top of this file); 0: none.
	uint32_t deferred_max_blocks = 16;
	// A flush of the drives after this many deferred writes, or 50 ms after
	// the first unflushed one.
	uint32_t deferred_flush_batch = 64;
	// Test hook: false leaves deferred records alone (no background flush,
	// none at close) so the next open replays them.
	bool flush_deferred = true;
	IoUringDrive::Options io;
	// Test hook: return true to stop the write at that point.
	std::function<bool(CrashPoint)> crash_at;
};

struct StoreCounters {
	uint64_t checksum_errors = 0;       // bad blocks found (read or scrub)
	uint64_t repaired_blocks = 0;       // rewritten from a good replica
	uint64_t unrecoverable_blocks = 0;  // no good replica: EIO returned
	uint64_t drive_failures = 0;        // drives marked failed
	uint64_t degraded_writes = 0;       // acknowledged with a replica missing
	uint64_t recovered_intents = 0;     // interrupted writes resolved at open
	uint64_t deferred_writes = 0;       // writes that took the deferred path
	uint64_t replayed_blocks = 0;       // deferred blocks rewritten at open
	uint64_t deferred_flushes = 0;      // flushes that dropped deferred records
};

struct RedundancyReport {
	uint64_t healthy = 0;      // replicas >= replication factor
	uint64_t degraded = 0;     // some but fewer
	uint64_t unavailable = 0;  // no readable replica
	bool rebuilding = false;
	uint64_t rebuild_remaining = 0;  // chunks the running rebuild has left
};

// One drive as management sees it.
struct DriveStatus {
	DriveRecord record;  // id, host, state, weight, uuid, path
	bool open = false;   // false: missing or swapped (and so failed)
	uint64_t total_blocks = 0;  // 0 when not open
	uint64_t free_blocks = 0;
};

struct ScrubReport {
	uint64_t chunks = 0;
	uint64_t blocks_checked = 0;
	uint64_t bad_blocks = 0;
	uint64_t repaired_blocks = 0;
};

struct RebuildProgress {
	std::atomic<uint64_t> chunks_total{0};
	std::atomic<uint64_t> chunks_done{0};
	std::atomic<uint64_t> bytes_copied{0};
};

class ChunkStore {
public:
	// Reopens the recorded drives (a missing one is marked failed) and
	// resolves writes a crash interrupted.
	static Result<std::unique_ptr<ChunkStore>> open(const StoreOptions &options);
	~ChunkStore();
	ChunkStore(const ChunkStore &) = delete;
	ChunkStore &operator=(const ChunkStore &) = delete;

	// Formats (if format) and adds a drive on host host_id, weighted by its
	// capacity; returns its id.
	Result<uint32_t> add_drive(const std::string &path, uint32_t host_id, bool format = true,
				   bool force = false);
	// Takes a drive out of service: its replicas become degraded.
	Status fail_drive(uint32_t drive_id);
	// Forgets a drive that holds no extents (EBUSY otherwise) and releases
	// it; ENOENT if unknown.  A new epoch, persisted.
	Status remove_drive(uint32_t drive_id);
	// Every recorded drive, by id.
	std::vector<DriveStatus> drive_status();

	// *space (if given) of write, allocate, discard and remove: how many
	// blocks the chunk's space changed by (per replica: the blocks mapped
	// on each of its drives), for st_blocks.

	// data: whole blocks, first_block + blocks <= chunk_blocks.  A chunk
	// that does not exist yet is created with `replicas` replicas (0: the
	// store's default, StoreOptions::replicas); ENOSPC when no drive set
	// has room for it.  Blocks written for the first time get their space
	// now.
	Status write(uint64_t chunk_id, uint32_t first_block, std::span<const std::byte> data,
		     uint32_t replicas = 0, int64_t *space = nullptr);
	// Reserves the whole chunk (space for every block on `replicas`
	// drives; blocks not written read as zeros), creating it if it does
	// not exist.  ENOSPC as write.
	Status allocate(uint64_t chunk_id, uint32_t replicas = 0, int64_t *space = nullptr);
	// Marks blocks [first_block, first_block + count) unwritten: they read
	// as zeros again, and their space is freed on every replica.  No data
	// I/O.  ENOENT if the chunk does not exist.
	Status discard(uint64_t chunk_id, uint32_t first_block, uint32_t count,
		       int64_t *space = nullptr);
	// Ids of the existing chunks in [lo, hi), in order; at most limit.
	Result<std::vector<uint64_t>> chunk_ids(uint64_t lo, uint64_t hi, size_t limit = SIZE_MAX);
	// Never-written blocks (and chunks) read as zeros.
	Status read(uint64_t chunk_id, uint32_t first_block, std::span<std::byte> out);
	// Frees every chunk of ids that exists (a file's, when it goes): one
	// commit per kRemoveBatch chunks instead of one each -- a synced
	// commit per chunk made deleting a 1 GiB file cost a thousand fsyncs.
	// A batch holds the stripes of its chunks until its commit: at most
	// half of them, so other I/O is never stopped altogether.
	// space: blocks given back (negative, as remove()'s).
	Status remove_all(std::span<const uint64_t> ids, int64_t *space = nullptr);
	static constexpr size_t kRemoveBatch = 32;

	// Flushes the drives and drops the deferred records the flush made
	// redundant (the background flusher calls it; so does close).
	Status flush_deferred();

	Result<ScrubReport> scrub();
	// Re-creates missing and stale replicas on live drives, at most
	// bytes_per_sec (0: unthrottled).  Progress is visible while it runs.
	// Setting *cancel stops it between chunks (ECANCELED): a throttled
	// rebuild must not hold up a daemon's shutdown.
	Status rebuild(uint64_t bytes_per_sec = 0, const std::atomic<bool> *cancel = nullptr);
	Result<RedundancyReport> redundancy();
	// fsck: every extent owned by exactly one replica and vice versa, no
	// overlaps, no pending intents, allocators agree with the records.
	// Quiesces the store (takes every chunk stripe) while it runs.
	Status check();

	// The chunk's record (replicas, generation, checksums); nullopt if the
	// chunk does not exist.  For tools (and tests) that inspect placement.
	Result<std::optional<ChunkRecord>> chunk_record(uint64_t chunk_id);
	StoreCounters counters();
	const RebuildProgress &rebuild_progress() const { return progress_; }
	ClusterMap cluster_map();
	uint32_t block_size() const { return kChecksumBlockSize; }
	uint32_t chunk_blocks() const { return options_.chunk_blocks; }
	uint64_t free_blocks(uint32_t drive_id);
	// For tests and tools: the drive (nullptr if missing or unknown).
	Drive *drive(uint32_t drive_id);

private:
	struct DriveSlot {
		DriveRecord record;
		std::unique_ptr<Drive> drive;  // null when it could not be opened
		std::unique_ptr<BlockAllocator> allocator;
	};
	struct AtomicCounters {
		std::atomic<uint64_t> checksum_errors{0}, repaired_blocks{0},
			unrecoverable_blocks{0}, drive_failures{0}, degraded_writes{0},
			recovered_intents{0}, deferred_writes{0}, replayed_blocks{0},
			deferred_flushes{0};
	};
	static constexpr size_t kStripes = 64;
	struct Token {};
	// Space a remap took now (given back if its commit fails) and space it
	// gives up once its commit succeeded, as (drive, extent).
	struct Remap {
		std::vector<std::pair<uint32_t, Extent>> allocated, freed;
	};

public:
	ChunkStore(Token, StoreOptions options, std::unique_ptr<MetaStore> meta);

private:
	std::shared_mutex &stripe(uint64_t chunk_id) { return stripes_[chunk_id % kStripes]; }
	Status load();
	Status recover_intent(uint64_t chunk_id, const WriteIntent &intent);
	// One replica a write's data goes to.
	struct WriteTarget {
		size_t replica;  // index in the chunk record
		Drive *drive;
		std::vector<IoOp> ops;
		IoBatch batch;
		bool ok = false;
	};
	struct Landing {
		size_t written = 0;      // targets that have the data
		bool host_full = false;  // one refused for lack of room (not failed)
		bool crashed = false;    // a test crash point stopped the write
	};
	// Writes (and flushes, if flush) the blocks to every target at once; a
	// target whose write fails otherwise than for room marks its drive
	// failed.  buf must outlive the call (the ring points into it).
	Landing write_targets(const ChunkRecord &rec, std::deque<WriteTarget> &targets,
			      uint32_t first_block, uint32_t count, std::byte *buf, bool flush);
	// Rewrites in place the blocks of w whose crc the chunk record still
	// holds (open, before intents are resolved).
	Status replay_deferred(const DeferredWrite &w);
	// write() of a small overwrite; caller holds the chunk stripe.
	Status write_deferred(uint64_t chunk_id, ChunkRecord rec, uint32_t first_block,
			      std::span<const std::byte> data, const std::vector<uint32_t> &crcs);
	// Ends a deferred write in the tracker and wakes the flusher for the
	// first write of a batch and for a full batch.
	void end_deferred(uint64_t seq);
	void start_flusher();
	void run_flusher();
	// *_locked: the caller holds state_mu_; the others take it.
	bool live_locked(uint32_t drive_id) const;
	bool live(uint32_t drive_id);
	// The drive if it is live, else nullptr.
	Drive *live_drive(uint32_t drive_id);
	Status mark_failed(uint32_t drive_id);
	Status mark_failed_locked(uint32_t drive_id);
	bool crash(CrashPoint point);
	Status usable() const;
	// Reads the mapped blocks of [first, first+count) of replica r into buf
	// (block first at buf; unmapped blocks are left alone; nothing is
	// verified).  Marks the drive failed on I/O error.
	Status read_replica(const Replica &r, uint32_t first, uint32_t count, std::byte *buf);
	// Writes (and flushes) the mapped blocks of [first, first+count).
	Status write_replica(const Replica &r, uint32_t first, uint32_t count, const std::byte *buf);
	// The I/O for the mapped blocks of [first, first+count) of r on d, one
	// op per run.
	static std::vector<IoOp> replica_ops(const Replica &r, const Drive &d, IoOp::Kind kind,
					     uint32_t first, uint32_t count, std::byte *buf);
	// Gives r exactly the chunk blocks in want: blocks it lacks are
	// allocated on its drive (next to its runs when possible), blocks it
	// has beyond want are listed to free.  r is untouched on error
	// (ENOSPC).  Caller holds state_mu_.
	Status remap_locked(Replica &r, const std::vector<bool> &want, Remap &out);
	// The A-key changes from a replica's old runs to its new ones.
	static void stage_runs(MetaStore::Batch &b, uint32_t drive, const std::vector<Run> &old_runs,
			       const std::vector<Run> &new_runs);
	static bool out_of_space(const Status &s);
	// Fills out with verified contents of the range, repairing bad copies.
	// buf: a chunk-sized I/O buffer.
	Status read_verified(uint64_t chunk_id, const ChunkRecord &rec, uint32_t first,
			     uint32_t count, std::byte *out, std::byte *buf);
	// A new chunk's record with `replicas` replicas placed on drives with
	// at least `blocks` free blocks; nothing is allocated yet (write and
	// allocate map the blocks they need).  Caller holds the chunk stripe.
	Result<ChunkRecord> new_chunk(uint64_t chunk_id, uint32_t replicas, uint64_t blocks);
	// A drive for a new replica of rec with `blocks` free; caller holds
	// state_mu_.
	Result<uint32_t> new_replica_for_locked(uint64_t chunk_id, const ChunkRecord &rec,
						uint64_t blocks);
	void free_extents(const std::vector<std::pair<uint32_t, Extent>> &extents);
	// Adds the deletion of chunk_id (record rec) and of the extents it owns
	// to b, and those extents to `extents` (freed once b is committed).
	void stage_removal(MetaStore::Batch &b, uint64_t chunk_id, const ChunkRecord &rec,
			   std::vector<std::pair<uint32_t, Extent>> &extents);

	const StoreOptions options_;
	const std::unique_ptr<MetaStore> meta_;
	BufferPool buffers_;  // registered with every drive's ring
	std::array<std::shared_mutex, kStripes> stripes_;

	std::mutex state_mu_;
	ClusterMap map_;
	// A slot is erased only by remove_drive(), and only when no extent
	// (so no replica and no I/O) refers to its drive.
	std::map<uint32_t, DriveSlot> drives_;

	AtomicCounters counters_;
	RebuildProgress progress_;
	std::atomic<bool> rebuilding_{false};
	std::atomic<bool> crashed_{false};

	DeferredTracker deferred_;
	// Held across a flush of the drives, taken before state_mu_:
	// remove_drive() waits for it, so the flusher's drives stay open.
	std::mutex flush_mu_;
	std::mutex flusher_mu_;
	std::condition_variable flusher_cv_;
	bool flusher_stop_ = false;
	std::thread flusher_;
};

}  // namespace weft::storage

#endif

#include "chunk_store.h"

#include <algorithm>
#include <bitset>
#include <chrono>
#include <cstring>
#include <deque>
#include <set>
#include <thread>

#include "crc32c.h"

namespace weft::storage {
namespace {

constexpr uint32_t kBlock = kChecksumBlockSize;
constexpr int kMetaFormat = 3;  // docs/on-disk.md

uint32_t block_crc(const std::byte *p)
{
	return crc32c({p, kBlock});
}

}  // namespace

ChunkStore::ChunkStore(Token, StoreOptions options, std::unique_ptr<MetaStore> meta)
	: options_(std::move(options)), meta_(std::move(meta)),
	  buffers_(std::max(options_.buffers, 1u), size_t{options_.chunk_blocks} * kBlock)
{
}

ChunkStore::~ChunkStore()
{
	if (flusher_.joinable()) {
		{
			std::lock_guard lock(flusher_mu_);
			flusher_stop_ = true;
		}
		flusher_cv_.notify_all();
		flusher_.join();
	}
	// A clean close leaves no deferred record behind (a crashed store, or
	// one told not to flush, leaves them for the next open to replay).
	if (options_.flush_deferred)
		(void)flush_deferred();
}

Result<std::unique_ptr<ChunkStore>> ChunkStore::open(const StoreOptions &options)
{
	if (options.chunk_blocks == 0 || options.pg_count == 0 || options.replicas == 0)
		return make_error(EINVAL, "chunk size, placement groups and replicas must be positive");
	if (options.cluster.is_nil())
		return make_error(EINVAL, "the store needs a cluster id");
	auto meta = MetaStore::open(options.meta_dir);
	if (!meta)
		return meta.error();
	auto store = std::make_unique<ChunkStore>(Token{}, options, std::move(*meta));
	WEFT_RETURN_IF_ERROR(store->load());
	if (options.flush_deferred)
		store->start_flusher();
	return store;
}

Status ChunkStore::load()
{
	// The geometry is fixed at creation: chunk records depend on it.
	auto saved = meta_->get_config("geometry");
	if (!saved)
		return saved.error();
	std::string geometry = options_.cluster.to_string() + " " +
			       std::to_string(options_.chunk_blocks) + " " +
			       std::to_string(options_.pg_count);
	if (!*saved) {
		MetaStore::Batch b;
		b.put_config("geometry", geometry);
		WEFT_RETURN_IF_ERROR(meta_->commit(b, true));
	} else if (**saved != geometry) {
		return make_error(EINVAL, "store was created as '" + **saved +
						  "' (cluster chunk_blocks pg_count), not '" +
						  geometry + "'");
	}

	// The metadata format: 1 (no key) mapped each replica as one whole-chunk
	// extent; 2 maps runs; 3 adds deferred writes (J keys), which a weftd
	// that reads 2 would not replay.  A version 1 store is read as it is
	// (its records decode into one run each); older stores are marked 3,
	// since their new records are.
	auto format = meta_->get_config("format");
	if (!format)
		return format.error();
	if (*format && **format != "2" && **format != std::to_string(kMetaFormat))
		return make_error(EPROTONOSUPPORT, "engine metadata format " + **format +
							   " is not supported by this weftd (it reads 1 to " +
							   std::to_string(kMetaFormat) + ")");
	if (!*format || **format != std::to_string(kMetaFormat)) {
		MetaStore::Batch b;
		b.put_config("format", std::to_string(kMetaFormat));
		WEFT_RETURN_IF_ERROR(meta_->commit(b, true));
	}

	std::map<uint32_t, DriveInfo> infos;
	std::vector<uint32_t> missing;
	WEFT_RETURN_IF_ERROR(meta_->for_each_drive([&](const DriveRecord &rec) -> Status {
		DriveSlot slot;
		slot.record = rec;
		Drive::OpenOptions oo;
		oo.cluster = options_.cluster;
		oo.io = options_.io;
		auto d = Drive::open(rec.path, oo);
		if (d && (*d)->superblock().drive_uuid == rec.uuid) {
			slot.drive = std::move(*d);
			WEFT_RETURN_IF_ERROR(slot.drive->io().register_buffer(buffers_.arena()));
			slot.allocator = std::make_unique<BlockAllocator>(slot.drive->block_count());
		} else {
			// A drive that disappeared (or was swapped) counts as failed;
			// its extents stay reserved in a placeholder allocator (its
			// size is unknown) until rebuild moves them.
			slot.allocator = std::make_unique<BlockAllocator>(UINT64_MAX / 2);
			missing.push_back(rec.info.id);
		}
		infos[rec.info.id] = slot.record.info;
		drives_.emplace(rec.info.id, std::move(slot));
		return {};
	}));
	auto epoch = meta_->get_epoch();
	if (!epoch)
		return epoch.error();
	map_.restore(*epoch, infos);
	for (uint32_t id : missing)
		WEFT_RETURN_IF_ERROR(mark_failed_locked(id));  // a new epoch, persisted

	WEFT_RETURN_IF_ERROR(meta_->for_each_extent([&](uint32_t drive, Extent e) -> Status {
		auto it = drives_.find(drive);
		if (it == drives_.end())
			return make_error(EUCLEAN, "extent on unknown drive " + std::to_string(drive));
		Status s = it->second.allocator->mark_allocated(e);
		if (!s.ok())
			return make_error(EUCLEAN, "drive " + std::to_string(drive) + " extent " +
							   std::to_string(e.start) + "+" +
							   std::to_string(e.count) + ": " + s.error().message);
		return {};
	}));

	// Deferred writes before intents: an intent's write came after them
	// (writes to a chunk are serialised), and resolving it reads the
	// blocks they may not have made durable in place.
	std::vector<std::pair<uint64_t, DeferredWrite>> deferred;
	WEFT_RETURN_IF_ERROR(meta_->for_each_deferred([&](uint64_t seq, const DeferredWrite &w) -> Status {
		deferred.emplace_back(seq, w);
		return {};
	}));
	if (!deferred.empty()) {
		MetaStore::Batch b;
		for (const auto &[seq, w] : deferred) {
			WEFT_RETURN_IF_ERROR(replay_deferred(w));
			b.delete_deferred(seq);
		}
		WEFT_RETURN_IF_ERROR(meta_->commit(b, true));
	}
	deferred_.reset(deferred.empty() ? 1 : deferred.back().first + 1);

	std::vector<std::pair<uint64_t, WriteIntent>> intents;
	WEFT_RETURN_IF_ERROR(meta_->for_each_intent([&](uint64_t id, const WriteIntent &w) -> Status {
		intents.emplace_back(id, w);
		return {};
	}));
	for (const auto &[id, w] : intents)
		WEFT_RETURN_IF_ERROR(recover_intent(id, w));
	return {};
}

bool ChunkStore::live_locked(uint32_t drive_id) const
{
	auto it = drives_.find(drive_id);
	return it != drives_.end() && it->second.drive && !it->second.drive->io().failed() &&
	       it->second.record.info.state == DriveState::kUp;
}

bool ChunkStore::live(uint32_t drive_id)
{
	std::lock_guard lock(state_mu_);
	return live_locked(drive_id);
}

Drive *ChunkStore::live_drive(uint32_t drive_id)
{
	std::lock_guard lock(state_mu_);
	return live_locked(drive_id) ? drives_.at(drive_id).drive.get() : nullptr;
}

void ChunkStore::free_extents(const std::vector<std::pair<uint32_t, Extent>> &extents)
{
	std::lock_guard lock(state_mu_);
	for (const auto &[drive, e] : extents)
		(void)drives_.at(drive).allocator->free(e);
}

Status ChunkStore::mark_failed(uint32_t drive_id)
{
	std::lock_guard lock(state_mu_);
	return mark_failed_locked(drive_id);
}

Status ChunkStore::mark_failed_locked(uint32_t drive_id)
{
	auto it = drives_.find(drive_id);
	if (it == drives_.end())
		return make_error(ENOENT, "no drive " + std::to_string(drive_id));
	if (it->second.drive)
		it->second.drive->io().set_failed();
	if (it->second.record.info.state != DriveState::kUp)
		return {};
	counters_.drive_failures++;
	it->second.record.info.state = DriveState::kFailed;
	WEFT_RETURN_IF_ERROR(map_.set_state(drive_id, DriveState::kFailed));
	MetaStore::Batch b;
	b.put_drive(it->second.record);
	b.put_epoch(map_.epoch());
	return meta_->commit(b, options_.sync);
}

bool ChunkStore::crash(CrashPoint point)
{
	if (options_.crash_at && options_.crash_at(point))
		crashed_ = true;
	return crashed_;
}

Status ChunkStore::usable() const
{
	if (crashed_)
		return make_error(ESHUTDOWN, "store stopped at an injected crash point; reopen it");
	return {};
}

Result<uint32_t> ChunkStore::add_drive(const std::string &path, uint32_t host_id, bool format,
				       bool force)
{
	std::lock_guard lock(state_mu_);
	WEFT_RETURN_IF_ERROR(usable());
	uint32_t id = drives_.empty() ? 1 : drives_.rbegin()->first + 1;
	if (format) {
		FormatOptions fo;
		fo.cluster = options_.cluster;
		fo.drive_id = id;
		fo.block_size = kBlock;
		fo.force = force;
		auto sb = format_drive(path, fo);
		if (!sb)
			return sb.error();
	}
	Drive::OpenOptions oo;
	oo.cluster = options_.cluster;
	oo.io = options_.io;
	auto d = Drive::open(path, oo);
	if (!d)
		return d.error();
	if ((*d)->block_size() != kBlock)
		return make_error(EINVAL, path + ": block size must be 4096");
	for (const auto &[other, slot] : drives_)
		if (slot.record.uuid == (*d)->superblock().drive_uuid)
			return make_error(EEXIST, path + " is already drive " + std::to_string(other));
	WEFT_RETURN_IF_ERROR((*d)->io().register_buffer(buffers_.arena()));
	id = (*d)->id() != 0 && drives_.count((*d)->id()) == 0 ? (*d)->id() : id;

	DriveSlot slot;
	// Placement weight: capacity in GiB, so bigger drives take more chunks.
	double gib = static_cast<double>((*d)->block_count()) * kBlock / (1ull << 30);
	slot.record.info = DriveInfo{id, host_id, DriveState::kUp, std::max(gib, 1.0 / 1024)};
	slot.record.uuid = (*d)->superblock().drive_uuid;
	slot.record.path = path;
	slot.allocator = std::make_unique<BlockAllocator>((*d)->block_count());
	slot.drive = std::move(*d);
	ClusterMap next = map_;
	WEFT_RETURN_IF_ERROR(next.add_drive(slot.record.info));
	MetaStore::Batch b;
	b.put_drive(slot.record);
	b.put_epoch(next.epoch());
	WEFT_RETURN_IF_ERROR(meta_->commit(b, true));
	map_ = next;
	drives_.emplace(id, std::move(slot));
	return id;
}

Status ChunkStore::fail_drive(uint32_t drive_id)
{
	return mark_failed(drive_id);
}

Status ChunkStore::remove_drive(uint32_t drive_id)
{
	std::lock_guard flush(flush_mu_);  // no flush is using the drive
	std::lock_guard lock(state_mu_);
	WEFT_RETURN_IF_ERROR(usable());
	auto it = drives_.find(drive_id);
	if (it == drives_.end())
		return make_error(ENOENT, "no drive " + std::to_string(drive_id));
	// Extents are allocated under state_mu_, so a drive whose allocator is
	// all free has no replica and no write in flight can be aiming at it.
	const BlockAllocator &a = *it->second.allocator;
	if (a.free_blocks() != a.total_blocks())
		return make_error(EBUSY, "drive " + std::to_string(drive_id) +
						 " holds data: fail it and rebuild before removing it");
	ClusterMap next = map_;
	WEFT_RETURN_IF_ERROR(next.remove_drive(drive_id));
	MetaStore::Batch b;
	b.delete_drive(drive_id);
	b.put_epoch(next.epoch());
	WEFT_RETURN_IF_ERROR(meta_->commit(b, true));
	map_ = next;
	drives_.erase(it);  // closes the drive: O_EXCL / flock released
	return {};
}

std::vector<DriveStatus> ChunkStore::drive_status()
{
	std::lock_guard lock(state_mu_);
	std::vector<DriveStatus> out;
	for (const auto &[id, slot] : drives_) {
		DriveStatus s;
		s.record = slot.record;
		s.open = slot.drive != nullptr;
		if (s.open) {
			s.total_blocks = slot.allocator->total_blocks();
			s.free_blocks = slot.allocator->free_blocks();
			if (slot.drive->io().failed())
				s.record.info.state = DriveState::kFailed;
		}
		out.push_back(std::move(s));
	}
	return out;
}

// A drive file whose own file system is full (sparse drive files) says
// ENOSPC or EDQUOT: the drive is healthy, the write simply did not fit.
bool ChunkStore::out_of_space(const Status &s)
{
	return !s.ok() && (s.error().code == ENOSPC || s.error().code == EDQUOT);
}

std::vector<IoOp> ChunkStore::replica_ops(const Replica &r, const Drive &d, IoOp::Kind kind,
					  uint32_t first, uint32_t count, std::byte *buf)
{
	std::vector<IoOp> ops;
	const uint32_t end = first + count;
	for (const Run &run : r.runs) {
		uint32_t lo = std::max(first, run.block), hi = std::min(end, run.end());
		if (lo >= hi)
			continue;
		ops.push_back(IoOp{kind, d.block_offset(run.start + (lo - run.block)),
				   buf + size_t{lo - first} * kBlock, (hi - lo) * kBlock});
	}
	return ops;
}

Status ChunkStore::read_replica(const Replica &r, uint32_t first, uint32_t count, std::byte *buf)
{
	Drive *d = live_drive(r.drive);
	if (d == nullptr)
		return make_error(EIO, "drive " + std::to_string(r.drive) + " is not live");
	std::vector<IoOp> ops = replica_ops(r, *d, IoOp::Kind::kRead, first, count, buf);
	if (ops.empty())
		return {};
	Status s = d->io().run(ops);
	if (!s.ok())
		(void)mark_failed(r.drive);
	return s;
}

Status ChunkStore::write_replica(const Replica &r, uint32_t first, uint32_t count,
				 const std::byte *buf)
{
	Drive *d = live_drive(r.drive);
	if (d == nullptr)
		return make_error(EIO, "drive " + std::to_string(r.drive) + " is not live");
	std::vector<IoOp> ops = replica_ops(r, *d, IoOp::Kind::kWrite, first, count,
					    const_cast<std::byte *>(buf));
	if (ops.empty())
		return {};
	Status s = d->io().run(ops, true);
	if (!s.ok() && !out_of_space(s))
		(void)mark_failed(r.drive);
	return s;
}

Status ChunkStore::remap_locked(Replica &r, const std::vector<bool> &want, Remap &out)
{
	const uint32_t blocks = static_cast<uint32_t>(want.size());
	auto in = [&](uint32_t b) { return b < blocks && want[b]; };
	// The parts of r's runs that stay, and those that go.
	std::vector<Run> runs;
	std::vector<Extent> freed;
	std::vector<bool> have(blocks, false);
	for (const Run &run : r.runs) {
		for (uint32_t b = run.block; b < run.end();) {
			const bool keep = in(b);
			uint32_t e = b;
			while (e < run.end() && in(e) == keep)
				e++;
			Run part{b, e - b, run.start + (b - run.block)};
			if (keep) {
				runs.push_back(part);
				for (uint32_t x = b; x < e; x++)
					have[x] = true;
			} else {
				freed.push_back({part.start, part.count});
			}
			b = e;
		}
	}
	bool missing = false;
	for (uint32_t b = 0; b < blocks && !missing; b++)
		missing = want[b] && !have[b];
	if (!missing && freed.empty())
		return {};
	auto slot = drives_.find(r.drive);
	if (slot == drives_.end())
		return make_error(ENOENT, "no drive " + std::to_string(r.drive));
	BlockAllocator &alloc = *slot->second.allocator;
	std::vector<Extent> taken;
	for (uint32_t b = 0; b < blocks;) {
		if (!want[b] || have[b]) {
			b++;
			continue;
		}
		uint32_t e = b;
		while (e < blocks && want[e] && !have[e])
			e++;
		// Right after the run that ends where this range starts, or right
		// before the one that starts where it ends: the chunk stays one
		// extent on the drive as it fills.  A chunk with no space yet
		// starts a free chunk-sized slot, leaving it room to grow.
		uint64_t hint = UINT64_MAX;
		for (const Run &x : runs) {
			if (x.end() == b)
				hint = x.start + x.count;
			else if (x.block == e && hint == UINT64_MAX && x.start >= e - b)
				hint = x.start - (e - b);
		}
		if (hint == UINT64_MAX && runs.empty())
			hint = alloc.free_aligned(options_.chunk_blocks);
		auto got = alloc.allocate_near(hint, e - b);
		if (!got) {
			for (Extent x : taken)
				(void)alloc.free(x);
			return got.error();
		}
		uint32_t cb = b;
		for (Extent x : *got) {
			taken.push_back(x);
			runs.push_back(Run{cb, static_cast<uint32_t>(x.count), x.start});
			cb += static_cast<uint32_t>(x.count);
		}
		b = e;
	}
	std::sort(runs.begin(), runs.end(),
		  [](const Run &a, const Run &b) { return a.block < b.block; });
	std::vector<Run> merged;
	for (const Run &x : runs) {
		if (!merged.empty() && merged.back().end() == x.block &&
		    merged.back().start + merged.back().count == x.start)
			merged.back().count += x.count;
		else
			merged.push_back(x);
	}
	r.runs = std::move(merged);
	for (Extent x : taken)
		out.allocated.emplace_back(r.drive, x);
	for (Extent x : freed)
		out.freed.emplace_back(r.drive, x);
	return {};
}

void ChunkStore::stage_runs(MetaStore::Batch &b, uint32_t drive, const std::vector<Run> &old_runs,
			    const std::vector<Run> &new_runs)
{
	// Deletes first: a run that kept its start but changed its length is
	// a delete and a put of the same key, and the put must win.
	for (const Run &o : old_runs)
		if (std::find(new_runs.begin(), new_runs.end(), o) == new_runs.end())
			b.delete_extent(drive, Extent{o.start, o.count});
	for (const Run &n : new_runs)
		if (std::find(old_runs.begin(), old_runs.end(), n) == old_runs.end())
			b.put_extent(drive, Extent{n.start, n.count});
}

Result<ChunkRecord> ChunkStore::new_chunk(uint64_t chunk_id, uint32_t replicas, uint64_t blocks)
{
	// Replicas on up drives with room, falling back to failed drives
	// (stale from birth, rebuilt later) when too few.
	if (replicas == 0)
		replicas = options_.replicas;
	ChunkRecord rec;
	rec.blocks = options_.chunk_blocks;
	rec.crcs.assign(rec.blocks, 0);
	rec.written.assign(rec.blocks, false);
	uint32_t pg = placement_group(chunk_id, options_.pg_count);
	std::lock_guard state(state_mu_);
	auto full = [&](uint32_t id) { return drives_.at(id).allocator->free_blocks() < blocks; };
	auto chosen = place(map_, pg, replicas,
			    [&](uint32_t id) { return !live_locked(id) || full(id); });
	if (!chosen && chosen.error().code == ENOSPC)
		chosen = place(map_, pg, replicas, full);
	if (!chosen)
		return chosen.error();
	for (uint32_t drive : *chosen)
		rec.replicas.push_back(
			Replica{drive, live_locked(drive) ? 0 : Replica::kStaleFromBirth, {}});
	return rec;
}

Status ChunkStore::allocate(uint64_t chunk_id, uint32_t replicas, int64_t *space)
{
	if (space)
		*space = 0;
	WEFT_RETURN_IF_ERROR(usable());
	std::unique_lock chunk_lock(stripe(chunk_id));
	auto got = meta_->get_chunk(chunk_id);
	if (!got)
		return got.error();
	ChunkRecord rec;
	if (*got) {
		rec = std::move(**got);
	} else {
		auto fresh = new_chunk(chunk_id, replicas, options_.chunk_blocks);
		if (!fresh)
			return fresh.error();
		rec = std::move(*fresh);
	}
	const uint64_t before = rec.mapped_blocks();
	if (*got && before == rec.blocks)
		return {};
	// Every current replica on a live drive gets the whole chunk; one
	// that cannot (its drive failed) falls behind by a generation, as
	// with a write, so current replicas always map the same blocks.
	const std::vector<bool> want(rec.blocks, true);
	MetaStore::Batch b;
	Remap remap;
	bool skipped = false;
	size_t mapped = 0;
	{
		std::lock_guard state(state_mu_);
		for (Replica &r : rec.replicas) {
			if (!rec.current(r))
				continue;
			if (!live_locked(r.drive)) {
				skipped = true;
				continue;
			}
			std::vector<Run> old = r.runs;
			Status s = remap_locked(r, want, remap);
			if (!s.ok()) {
				for (const auto &[d, x] : remap.allocated)
					(void)drives_.at(d).allocator->free(x);
				return s;
			}
			stage_runs(b, r.drive, old, r.runs);
			mapped++;
		}
	}
	if (mapped == 0)
		return make_error(EIO, "chunk " + std::to_string(chunk_id) + ": no live replica");
	if (skipped) {
		rec.generation++;
		for (Replica &r : rec.replicas)
			if (r.generation + 1 == rec.generation && live(r.drive))
				r.generation = rec.generation;
	}
	b.put_chunk(chunk_id, rec);
	Status s = meta_->commit(b, options_.sync);
	if (!s.ok()) {
		free_extents(remap.allocated);
		return s;
	}
	if (space)
		*space = static_cast<int64_t>(rec.blocks - before);
	return {};
}

Status ChunkStore::discard(uint64_t chunk_id, uint32_t first_block, uint32_t count, int64_t *space)
{
	if (space)
		*space = 0;
	WEFT_RETURN_IF_ERROR(usable());
	if (first_block > options_.chunk_blocks || count > options_.chunk_blocks - first_block)
		return make_error(EINVAL, "discard beyond the end of the chunk");
	std::unique_lock chunk_lock(stripe(chunk_id));
	auto got = meta_->get_chunk(chunk_id);
	if (!got)
		return got.error();
	if (!*got)
		return make_error(ENOENT, "no chunk " + std::to_string(chunk_id));
	ChunkRecord rec = std::move(**got);
	const uint64_t before = rec.mapped_blocks();
	bool changed = false;
	for (uint32_t b = first_block; b < first_block + count; b++) {
		changed |= rec.written[b];
		rec.written[b] = false;
		rec.crcs[b] = 0;
	}
	// The range's space goes on every replica (stale ones too), so
	// current replicas keep mapping the same blocks.  Unwritten blocks are
	// never read, so no data moves and the generations stay valid.
	MetaStore::Batch b;
	Remap remap;
	{
		std::lock_guard state(state_mu_);
		for (Replica &r : rec.replicas) {
			std::vector<bool> want = r.mapped(rec.blocks);
			std::fill(want.begin() + first_block, want.begin() + first_block + count, false);
			std::vector<Run> old = r.runs;
			WEFT_RETURN_IF_ERROR(remap_locked(r, want, remap));  // frees only: cannot fail
			stage_runs(b, r.drive, old, r.runs);
		}
	}
	if (!changed && remap.freed.empty())
		return {};
	b.put_chunk(chunk_id, rec);
	WEFT_RETURN_IF_ERROR(meta_->commit(b, options_.sync));
	free_extents(remap.freed);
	if (space)
		*space = static_cast<int64_t>(rec.mapped_blocks()) - static_cast<int64_t>(before);
	return {};
}

Result<std::vector<uint64_t>> ChunkStore::chunk_ids(uint64_t lo, uint64_t hi, size_t limit)
{
	std::vector<uint64_t> ids;
	if (limit == 0)
		return ids;
	Status st = meta_->for_each_chunk_id(lo, hi, [&](uint64_t id) -> Status {
		ids.push_back(id);
		if (ids.size() == limit)
			return make_error(ECANCELED);	// enough: stop the scan
		return {};
	});
	if (!st.ok() && st.error().code != ECANCELED)
		return st.error();
	return ids;
}

Status ChunkStore::write(uint64_t chunk_id, uint32_t first_block, std::span<const std::byte> data,
			 uint32_t replicas, int64_t *space)
{
	if (space)
		*space = 0;
	WEFT_RETURN_IF_ERROR(usable());
	if (data.empty() || data.size() % kBlock != 0)
		return make_error(EINVAL, "writes are whole 4 KiB blocks");
	uint32_t count = static_cast<uint32_t>(data.size() / kBlock);
	if (first_block >= options_.chunk_blocks || count > options_.chunk_blocks - first_block)
		return make_error(EINVAL, "write beyond the end of the chunk");
	std::unique_lock chunk_lock(stripe(chunk_id));

	auto got = meta_->get_chunk(chunk_id);
	if (!got)
		return got.error();
	// intent_batch: step 1; done: step 3.
	MetaStore::Batch intent_batch, done;
	ChunkRecord rec;
	if (*got) {
		rec = std::move(**got);
	} else {
		auto fresh = new_chunk(chunk_id, replicas, count);
		if (!fresh)
			return fresh.error();
		rec = std::move(*fresh);
	}
	const uint64_t before = rec.mapped_blocks();

	std::vector<uint32_t> crcs(count);
	block_checksums(data, crcs);
	// Step 1 is needed only when the write overwrites blocks that hold data:
	// unwritten blocks (and blocks whose space is allocated by this write,
	// not yet on disk) are never read, so a crash that leaves new data in
	// them without step 3 changes nothing.
	bool overwrite = std::any_of(rec.written.begin() + first_block,
				     rec.written.begin() + first_block + count,
				     [](bool w) { return w; });
	if (count <= options_.deferred_max_blocks &&
	    std::all_of(rec.written.begin() + first_block, rec.written.begin() + first_block + count,
			[](bool w) { return w; }))
		return write_deferred(chunk_id, std::move(rec), first_block, data, crcs);

	// The range gets space on every replica the data goes to (current,
	// on a live drive); in memory now, on disk with step 3.
	BufferPool::Lease buf = buffers_.acquire();
	std::deque<WriteTarget> targets;  // never moves: the ring points into its batches
	std::vector<bool> want = rec.mapped();
	std::fill(want.begin() + first_block, want.begin() + first_block + count, true);
	const uint64_t after = static_cast<uint64_t>(std::count(want.begin(), want.end(), true));
	Remap remap;
	{
		std::lock_guard state(state_mu_);
		for (size_t i = 0; i < rec.replicas.size(); i++) {
			Replica &r = rec.replicas[i];
			if (!rec.current(r) || !live_locked(r.drive))
				continue;
			std::vector<Run> old = r.runs;
			Status s = remap_locked(r, want, remap);
			if (!s.ok()) {
				for (const auto &[d, x] : remap.allocated)
					(void)drives_.at(d).allocator->free(x);
				return s;
			}
			stage_runs(done, r.drive, old, r.runs);
			WriteTarget &t = targets.emplace_back();
			t.replica = i;
			t.drive = drives_.at(r.drive).drive.get();
		}
	}
	if (overwrite) {
		intent_batch.put_intent(chunk_id, WriteIntent{first_block, crcs});
		Status s = meta_->commit(intent_batch, options_.sync);
		if (!s.ok()) {
			free_extents(remap.allocated);
			return s;
		}
		if (crash(CrashPoint::kAfterIntent))
			return usable();
	}

	// Step 2: the data, to every live up-to-date replica at once.
	std::memcpy(buf.data(), data.data(), data.size());
	const Landing landed = write_targets(rec, targets, first_block, count, buf.data(), true);
	if (landed.crashed)
		return usable();
	const size_t written = landed.written;
	const bool host_full = landed.host_full;

	// Step 3: the new checksums and generation, which replicas have them,
	// and the space of the blocks written for the first time.
	if (written == 0) {
		// Nothing landed anywhere readable: the old contents stand.
		free_extents(remap.allocated);
		if (overwrite) {
			MetaStore::Batch undo;
			undo.delete_intent(chunk_id);
			(void)meta_->commit(undo, options_.sync);
		}
		if (host_full)
			return make_error(ENOSPC, "chunk " + std::to_string(chunk_id) +
							  ": the file system under the drive file is full");
		return make_error(EIO, "chunk " + std::to_string(chunk_id) + ": no live replica");
	}
	// A replica whose write failed keeps its new runs (their A keys are in
	// this batch) and falls behind: rebuild rewrites it.
	rec.generation++;
	for (const WriteTarget &t : targets)
		if (t.ok)
			rec.replicas[t.replica].generation = rec.generation;
	for (uint32_t i = 0; i < count; i++) {
		rec.crcs[first_block + i] = crcs[i];
		rec.written[first_block + i] = true;
	}
	done.put_chunk(chunk_id, rec);
	if (overwrite)
		done.delete_intent(chunk_id);
	Status s = meta_->commit(done, options_.sync);
	if (!s.ok()) {
		if (overwrite)
			crashed_ = true;  // the intent stays; the next open resolves it
		else
			free_extents(remap.allocated);
		return s;
	}
	if (written < rec.replicas.size())
		counters_.degraded_writes++;
	if (space)
		*space = static_cast<int64_t>(after) - static_cast<int64_t>(before);
	(void)crash(CrashPoint::kAfterCommit);
	return {};
}

ChunkStore::Landing ChunkStore::write_targets(const ChunkRecord &rec,
					      std::deque<WriteTarget> &targets, uint32_t first_block,
					      uint32_t count, std::byte *buf, bool flush)
{
	Landing out;
	for (WriteTarget &t : targets) {
		t.ops = replica_ops(rec.replicas[t.replica], *t.drive, IoOp::Kind::kWrite, first_block,
				    count, buf);
		t.batch.ops = t.ops;
		t.batch.flush = flush;
	}
	for (WriteTarget &t : targets)
		t.drive->io().start(t.batch);
	for (size_t i = 0; i < targets.size(); i++) {
		WriteTarget &t = targets[i];
		Status io = t.drive->io().finish(t.batch);
		t.ok = io.ok();
		if (!t.ok) {
			if (out_of_space(io))
				out.host_full = true;
			else
				(void)mark_failed(t.drive->id());
			continue;
		}
		if (++out.written == 1 && targets.size() > 1 && crash(CrashPoint::kAfterFirstData)) {
			// The other replicas' writes were submitted: they may land,
			// as in a real crash, but their ops must outlive the I/O.
			for (size_t j = i + 1; j < targets.size(); j++)
				(void)targets[j].drive->io().finish(targets[j].batch);
			out.crashed = true;
			return out;
		}
	}
	out.crashed = crash(CrashPoint::kAfterAllData);
	return out;
}

Status ChunkStore::write_deferred(uint64_t chunk_id, ChunkRecord rec, uint32_t first_block,
				  std::span<const std::byte> data, const std::vector<uint32_t> &crcs)
{
	const uint32_t count = static_cast<uint32_t>(crcs.size());
	const ChunkRecord old = rec;
	// Every block is written, so every current replica maps the range:
	// no space to allocate, nothing the drive file's file system could
	// refuse for lack of room.
	std::deque<WriteTarget> targets;  // never moves: the ring points into its batches
	{
		std::lock_guard state(state_mu_);
		for (size_t i = 0; i < rec.replicas.size(); i++) {
			const Replica &r = rec.replicas[i];
			if (!rec.current(r) || !live_locked(r.drive))
				continue;
			WriteTarget &t = targets.emplace_back();
			t.replica = i;
			t.drive = drives_.at(r.drive).drive.get();
		}
	}
	if (targets.empty())
		return make_error(EIO, "chunk " + std::to_string(chunk_id) + ": no live replica");
	rec.generation++;
	for (const WriteTarget &t : targets)
		rec.replicas[t.replica].generation = rec.generation;
	std::copy(crcs.begin(), crcs.end(), rec.crcs.begin() + first_block);

	// The one synced commit: from here the write survives a crash (open
	// replays it) even before a byte is in place.
	const uint64_t seq = deferred_.begin();
	{
		MetaStore::Batch b;
		b.put_deferred(seq, DeferredWrite{chunk_id, first_block,
						  std::string(reinterpret_cast<const char *>(data.data()),
							      data.size())});
		b.put_chunk(chunk_id, rec);
		Status s = meta_->commit(b, options_.sync);
		if (!s.ok()) {
			end_deferred(seq);
			return s;
		}
	}
	// A crash leaves the number in flight: no flush may drop the record.
	if (crash(CrashPoint::kAfterDeferredCommit))
		return usable();

	BufferPool::Lease buf = buffers_.acquire();
	std::memcpy(buf.data(), data.data(), data.size());
	const Landing landed = write_targets(rec, targets, first_block, count, buf.data(), false);
	if (landed.crashed)
		return usable();
	const size_t written = landed.written;
	const bool host_full = landed.host_full;

	if (written < targets.size()) {
		// Nowhere in place: undo the write.  Somewhere: the replicas that
		// missed it fall behind (rebuild rewrites them).
		MetaStore::Batch fix;
		if (written == 0) {
			fix.put_chunk(chunk_id, old);
			fix.delete_deferred(seq);
		} else {
			for (const WriteTarget &t : targets)
				if (!t.ok)
					rec.replicas[t.replica].generation =
						old.replicas[t.replica].generation;
			fix.put_chunk(chunk_id, rec);
		}
		Status s = meta_->commit(fix, options_.sync);
		if (!s.ok()) {
			crashed_ = true;  // the record stays; the next open replays it
			return s;
		}
		if (written == 0) {
			end_deferred(seq);
			if (host_full)
				return make_error(ENOSPC, "chunk " + std::to_string(chunk_id) +
								  ": the file system under the drive file is full");
			return make_error(EIO, "chunk " + std::to_string(chunk_id) + ": no live replica");
		}
	}
	end_deferred(seq);
	counters_.deferred_writes++;
	if (written < rec.replicas.size())
		counters_.degraded_writes++;
	(void)crash(CrashPoint::kAfterCommit);
	return {};
}

Status ChunkStore::replay_deferred(const DeferredWrite &w)
{
	auto got = meta_->get_chunk(w.chunk_id);
	if (!got)
		return got.error();
	if (!*got)
		return {};  // removed since
	const ChunkRecord &rec = **got;
	const auto *data = reinterpret_cast<const std::byte *>(w.data.data());
	const uint32_t count = static_cast<uint32_t>(w.data.size() / kBlock);
	if (w.first_block > rec.blocks || count > rec.blocks - w.first_block)
		return make_error(EUCLEAN, "deferred write beyond the end of chunk " +
						   std::to_string(w.chunk_id));
	AlignedBuffer block(kBlock);
	for (uint32_t i = 0; i < count; i++) {
		const uint32_t b = w.first_block + i;
		std::memcpy(block.data(), data + size_t{i} * kBlock, kBlock);
		// A later write (or a discard) of the block wins.
		if (!rec.written[b] || rec.crcs[b] != block_crc(block.data()))
			continue;
		for (const Replica &r : rec.replicas) {
			if (!rec.current(r) || r.locate(b) < 0 || !live(r.drive))
				continue;
			if (write_replica(r, b, 1, block.data()).ok())
				counters_.replayed_blocks++;
		}
	}
	return {};
}

Status ChunkStore::flush_deferred()
{
	std::lock_guard flush(flush_mu_);
	WEFT_RETURN_IF_ERROR(usable());
	std::optional<DeferredTracker::Range> range = deferred_.flushable();
	if (!range)
		return {};
	std::vector<std::pair<uint32_t, Drive *>> drives;
	{
		std::lock_guard state(state_mu_);
		for (const auto &[id, slot] : drives_)
			if (live_locked(id))
				drives.emplace_back(id, slot.drive.get());
	}
	// A drive whose flush fails is failed: its replicas fall behind and
	// the others hold the data, so the records may go either way.
	for (const auto &[id, d] : drives)
		if (!d->io().flush().ok())
			(void)mark_failed(id);
	// Unsynced: if the deletion is lost, the next open replays the records
	// again, which rewrites the same bytes.  Point deletions, not a range
	// tombstone: RocksDB 7 re-fragments a memtable's range tombstones on
	// every read, and there would be one per flush.
	MetaStore::Batch b;
	for (uint64_t seq = range->first; seq <= range->last; seq++)
		b.delete_deferred(seq);
	WEFT_RETURN_IF_ERROR(meta_->commit(b, false));
	deferred_.flushed(range->last);
	counters_.deferred_flushes++;
	return {};
}

void ChunkStore::end_deferred(uint64_t seq)
{
	const uint64_t unflushed = deferred_.end(seq);
	if (unflushed == 1 || unflushed >= options_.deferred_flush_batch) {
		// Under the flusher's lock, which it holds while it checks: the
		// wake-up cannot fall between its check and its sleep.
		std::lock_guard lock(flusher_mu_);
		flusher_cv_.notify_one();
	}
}

void ChunkStore::start_flusher()
{
	flusher_ = std::thread([this] { run_flusher(); });
}

void ChunkStore::run_flusher()
{
	stop_rocks_perf_counting();
	// Sleeps until a deferred write ends (an idle store never wakes it),
	// then gives the batch 50 ms to fill.
	std::unique_lock lock(flusher_mu_);
	for (;;) {
		flusher_cv_.wait(lock, [this] { return flusher_stop_ || deferred_.unflushed() > 0; });
		if (flusher_stop_)
			break;
		flusher_cv_.wait_for(lock, std::chrono::milliseconds(50), [this] {
			return flusher_stop_ || deferred_.unflushed() >= options_.deferred_flush_batch;
		});
		if (flusher_stop_)
			break;
		lock.unlock();
		(void)flush_deferred();
		lock.lock();
	}
}

Status ChunkStore::read_verified(uint64_t chunk_id, const ChunkRecord &rec, uint32_t first,
				 uint32_t count, std::byte *out, std::byte *buf)
{
	std::vector<uint32_t> pending;
	for (uint32_t b = first; b < first + count; b++) {
		if (rec.written[b])
			pending.push_back(b);
		else
			std::memset(out + size_t{b - first} * kBlock, 0, kBlock);
	}
	// Blocks found bad, per replica index, to rewrite once good data is known.
	std::map<size_t, std::vector<uint32_t>> bad;
	for (size_t i = 0; i < rec.replicas.size() && !pending.empty(); i++) {
		const Replica &r = rec.replicas[i];
		if (!rec.current(r))
			continue;
		uint32_t lo = pending.front(), hi = pending.back() + 1;
		if (!read_replica(r, lo, hi - lo, buf).ok())
			continue;
		std::vector<uint32_t> still;
		for (uint32_t b : pending) {
			const std::byte *p = buf + size_t{b - lo} * kBlock;
			if (block_crc(p) == rec.crcs[b]) {
				std::memcpy(out + size_t{b - first} * kBlock, p, kBlock);
			} else {
				counters_.checksum_errors++;
				bad[i].push_back(b);
				still.push_back(b);
			}
		}
		pending = std::move(still);
	}
	// Repair what we now have good copies of.
	for (const auto &[i, blocks] : bad) {
		for (uint32_t b : blocks) {
			if (std::find(pending.begin(), pending.end(), b) != pending.end())
				continue;
			std::memcpy(buf, out + size_t{b - first} * kBlock, kBlock);
			if (write_replica(rec.replicas[i], b, 1, buf).ok())
				counters_.repaired_blocks++;
		}
	}
	if (!pending.empty()) {
		counters_.unrecoverable_blocks += pending.size();
		return make_error(EIO, "chunk " + std::to_string(chunk_id) + " block " +
					       std::to_string(pending.front()) +
					       ": no replica with good data");
	}
	return {};
}

Status ChunkStore::read(uint64_t chunk_id, uint32_t first_block, std::span<std::byte> out)
{
	WEFT_RETURN_IF_ERROR(usable());
	if (out.empty() || out.size() % kBlock != 0)
		return make_error(EINVAL, "reads are whole 4 KiB blocks");
	uint32_t count = static_cast<uint32_t>(out.size() / kBlock);
	if (first_block >= options_.chunk_blocks || count > options_.chunk_blocks - first_block)
		return make_error(EINVAL, "read beyond the end of the chunk");
	// Shared: readers run together; a concurrent repair of the same block by
	// two readers writes the same good data twice.
	std::shared_lock chunk_lock(stripe(chunk_id));
	auto rec = meta_->get_chunk(chunk_id);
	if (!rec)
		return rec.error();
	if (!*rec) {
		std::memset(out.data(), 0, out.size());
		return {};
	}
	BufferPool::Lease buf = buffers_.acquire();
	return read_verified(chunk_id, **rec, first_block, count, out.data(), buf.data());
}

void ChunkStore::stage_removal(MetaStore::Batch &b, uint64_t chunk_id, const ChunkRecord &rec,
			       std::vector<std::pair<uint32_t, Extent>> &extents)
{
	b.delete_chunk(chunk_id);
	for (const Replica &r : rec.replicas) {
		for (const Run &run : r.runs) {
			b.delete_extent(r.drive, Extent{run.start, run.count});
			extents.emplace_back(r.drive, Extent{run.start, run.count});
		}
	}
}

Status ChunkStore::remove_all(std::span<const uint64_t> ids, int64_t *space)
{
	static_assert(kRemoveBatch <= kStripes / 2, "a batch must leave stripes to other I/O");
	if (space)
		*space = 0;
	WEFT_RETURN_IF_ERROR(usable());
	for (size_t at = 0; at < ids.size(); at += kRemoveBatch) {
		const auto group = ids.subspan(at, std::min(kRemoveBatch, ids.size() - at));
		// Every stripe the group needs, in index order.  Every other
		// path holds one stripe at a time, so this order cannot deadlock;
		// held until the commit, so no repair or rebuild changes a record
		// between its read here and its deletion.
		std::bitset<kStripes> need;
		for (uint64_t id : group)
			need.set(id % kStripes);
		std::vector<std::unique_lock<std::shared_mutex>> held;
		for (size_t i = 0; i < kStripes; i++)
			if (need[i])
				held.emplace_back(stripes_[i]);
		MetaStore::Batch b;
		std::vector<std::pair<uint32_t, Extent>> extents;
		uint64_t blocks = 0;
		for (uint64_t id : group) {
			auto rec = meta_->get_chunk(id);
			if (!rec)
				return rec.error();
			if (!*rec)
				continue;
			stage_removal(b, id, **rec, extents);
			blocks += (*rec)->mapped_blocks();
		}
		if (b.empty())
			continue;
		WEFT_RETURN_IF_ERROR(meta_->commit(b, options_.sync));
		free_extents(extents);
		if (space)
			*space -= static_cast<int64_t>(blocks);
	}
	return {};
}

Status ChunkStore::recover_intent(uint64_t chunk_id, const WriteIntent &intent)
{
	auto got = meta_->get_chunk(chunk_id);
	if (!got)
		return got.error();
	MetaStore::Batch b;
	b.delete_intent(chunk_id);
	if (!*got)
		return meta_->commit(b, true);
	ChunkRecord rec = std::move(**got);
	uint32_t count = static_cast<uint32_t>(intent.crcs.size());
	if (intent.first_block + count > rec.blocks)
		return make_error(EUCLEAN, "intent beyond the end of chunk " + std::to_string(chunk_id));
	AlignedBuffer block(kBlock), winner(kBlock);
	for (uint32_t i = 0; i < count; i++) {
		uint32_t b_idx = intent.first_block + i;
		// Which copy wins: new data anywhere rolls the block forward.
		std::vector<size_t> has_old, has_neither;
		bool rolled_forward = false, have_old = false;
		for (size_t r = 0; r < rec.replicas.size(); r++) {
			const Replica &rep = rec.replicas[r];
			// A block without space on the record's replicas was never
			// written: the write that was giving it space did not commit.
			if (!rec.current(rep) || rep.locate(b_idx) < 0 ||
			    !read_replica(rep, b_idx, 1, block.data()).ok())
				continue;
			uint32_t crc = block_crc(block.data());
			if (crc == intent.crcs[i]) {
				if (!rolled_forward)
					std::memcpy(winner.data(), block.data(), kBlock);
				rolled_forward = true;
			} else if (rec.written[b_idx] && crc == rec.crcs[b_idx]) {
				has_old.push_back(r);
				if (!have_old && !rolled_forward)
					std::memcpy(winner.data(), block.data(), kBlock);
				have_old = true;
			} else {
				has_neither.push_back(r);
			}
		}
		std::vector<size_t> fix = has_neither;
		if (rolled_forward) {
			fix.insert(fix.end(), has_old.begin(), has_old.end());
			rec.crcs[b_idx] = intent.crcs[i];
			rec.written[b_idx] = true;
		} else if (!have_old) {
			// Never written before and the new data landed nowhere: the
			// block stays unwritten (reads as zeros).
			fix.clear();
		}
		for (size_t r : fix)
			(void)write_replica(rec.replicas[r], b_idx, 1, winner.data());
	}
	// Replicas whose drive failed meanwhile are left behind: stale.
	rec.generation++;
	for (Replica &rep : rec.replicas)
		if (rep.generation + 1 == rec.generation && live(rep.drive))
			rep.generation = rec.generation;
	b.put_chunk(chunk_id, rec);
	counters_.recovered_intents++;
	return meta_->commit(b, true);
}

Result<ScrubReport> ChunkStore::scrub()
{
	WEFT_RETURN_IF_ERROR(usable());
	std::vector<uint64_t> ids;
	WEFT_RETURN_IF_ERROR(meta_->for_each_chunk([&](uint64_t id, const ChunkRecord &) -> Status {
		ids.push_back(id);
		return {};
	}));
	ScrubReport report;
	AlignedBuffer good(kBlock);
	for (uint64_t id : ids) {
		// One chunk at a time; I/O to other chunks goes on meanwhile.  The
		// buffer is taken after the stripe, like every operation, so a
		// writer holding the stripe never waits for our buffer.
		std::shared_lock chunk_lock(stripe(id));
		BufferPool::Lease buf = buffers_.acquire();
		WEFT_RETURN_IF_ERROR(usable());
		auto got = meta_->get_chunk(id);
		if (!got)
			return got.error();
		if (!*got)
			continue;  // removed since the listing
		const ChunkRecord &rec = **got;
		report.chunks++;
		for (size_t i = 0; i < rec.replicas.size(); i++) {
			const Replica &r = rec.replicas[i];
			// The whole extent in one read; then block by block.
			if (!rec.current(r) || !read_replica(r, 0, rec.blocks, buf.data()).ok())
				continue;
			for (uint32_t b = 0; b < rec.blocks; b++) {
				if (!rec.written[b])
					continue;
				report.blocks_checked++;
				if (block_crc(buf.data() + size_t{b} * kBlock) == rec.crcs[b])
					continue;
				report.bad_blocks++;
				counters_.checksum_errors++;
				bool fixed = false;
				for (size_t j = 0; j < rec.replicas.size() && !fixed; j++) {
					const Replica &o = rec.replicas[j];
					if (j == i || !rec.current(o) ||
					    !read_replica(o, b, 1, good.data()).ok() ||
					    block_crc(good.data()) != rec.crcs[b])
						continue;
					fixed = write_replica(r, b, 1, good.data()).ok();
				}
				if (fixed) {
					report.repaired_blocks++;
					counters_.repaired_blocks++;
				} else {
					counters_.unrecoverable_blocks++;
				}
			}
		}
	}
	return report;
}

Result<uint32_t> ChunkStore::new_replica_for_locked(uint64_t chunk_id, const ChunkRecord &rec,
						    uint64_t blocks)
{
	std::set<uint32_t> holders, good_hosts, up_hosts;
	for (const Replica &r : rec.replicas) {
		holders.insert(r.drive);
		if (rec.current(r) && live_locked(r.drive))
			good_hosts.insert(drives_.at(r.drive).record.info.host_id);
	}
	for (const auto &[id, slot] : drives_)
		if (live_locked(id))
			up_hosts.insert(slot.record.info.host_id);
	bool spread_hosts = up_hosts.size() > good_hosts.size();
	auto skip = [&](uint32_t id) {
		const DriveSlot &slot = drives_.at(id);
		return !live_locked(id) || holders.count(id) != 0 ||
		       slot.allocator->free_blocks() < blocks ||
		       (spread_hosts && good_hosts.count(slot.record.info.host_id) != 0);
	};
	auto chosen = place(map_, placement_group(chunk_id, options_.pg_count), 1, skip);
	if (!chosen)
		return chosen.error();
	return chosen->front();
}

Status ChunkStore::rebuild(uint64_t bytes_per_sec, const std::atomic<bool> *cancel)
{
	auto cancelled = [cancel] { return cancel && cancel->load(); };
	WEFT_RETURN_IF_ERROR(usable());
	std::vector<uint64_t> ids;
	WEFT_RETURN_IF_ERROR(meta_->for_each_chunk([&](uint64_t id, const ChunkRecord &rec) -> Status {
		for (const Replica &r : rec.replicas)
			if (!rec.current(r) || !live(r.drive)) {
				ids.push_back(id);
				break;
			}
		return {};
	}));
	progress_.chunks_total = ids.size();
	progress_.chunks_done = 0;
	progress_.bytes_copied = 0;
	rebuilding_ = true;
	auto started = std::chrono::steady_clock::now();
	AlignedBuffer data(size_t{options_.chunk_blocks} * kBlock);
	Status result;
	for (uint64_t id : ids) {
		if (cancelled()) {
			result = make_error(ECANCELED, "rebuild stopped");
			break;
		}
		std::unique_lock chunk_lock(stripe(id));
		std::optional<BufferPool::Lease> buf(buffers_.acquire());
		auto got = meta_->get_chunk(id);
		if (!got || !*got) {
			progress_.chunks_done++;
			continue;
		}
		ChunkRecord rec = std::move(**got);
		// Whole chunk, verified (and repaired) from the good replicas.
		Status s = read_verified(id, rec, 0, rec.blocks, data.data(), buf->data());
		if (!s.ok()) {
			result = s;
			progress_.chunks_done++;
			continue;
		}
		// The rebuilt copy maps what the current replicas map.
		const std::vector<bool> want = rec.mapped();
		const uint64_t want_blocks = rec.mapped_blocks();
		MetaStore::Batch b;
		std::vector<std::pair<uint32_t, Extent>> to_free, allocated;
		bool changed = false;
		for (Replica &r : rec.replicas) {
			if (rec.current(r) && live(r.drive))
				continue;
			Replica target = r;
			Remap remap;
			{
				std::lock_guard state(state_mu_);
				if (!live_locked(r.drive)) {
					// Lost with its drive: a new home, by placement.
					auto drive = new_replica_for_locked(id, rec, want_blocks);
					if (!drive) {
						result = drive.error();
						continue;
					}
					target = Replica{*drive, 0, {}};
				}
				Status m = remap_locked(target, want, remap);
				if (!m.ok()) {
					result = m;
					continue;
				}
			}
			std::memcpy(buf->data(), data.data(), data.size());
			if (!write_replica(target, 0, rec.blocks, buf->data()).ok()) {
				free_extents(remap.allocated);
				result = make_error(EIO, "rebuild write failed");
				continue;
			}
			progress_.bytes_copied += want_blocks * kBlock;
			if (target.drive != r.drive) {
				stage_runs(b, r.drive, r.runs, {});
				stage_runs(b, target.drive, {}, target.runs);
				for (const Run &run : r.runs)
					to_free.emplace_back(r.drive, Extent{run.start, run.count});
			} else {
				stage_runs(b, r.drive, r.runs, target.runs);
			}
			allocated.insert(allocated.end(), remap.allocated.begin(), remap.allocated.end());
			to_free.insert(to_free.end(), remap.freed.begin(), remap.freed.end());
			target.generation = rec.generation;
			r = target;
			changed = true;
		}
		if (changed) {
			b.put_chunk(id, rec);
			Status c = meta_->commit(b, options_.sync);
			if (!c.ok()) {
				free_extents(allocated);
				result = c;
			} else {
				free_extents(to_free);
			}
		}
		progress_.chunks_done++;
		buf.reset();
		chunk_lock.unlock();
		if (bytes_per_sec > 0) {
			// Throttle: never ahead of bytes_per_sec since the start.
			auto due = started + std::chrono::duration<double>(
						     static_cast<double>(progress_.bytes_copied) /
						     static_cast<double>(bytes_per_sec));
			while (std::chrono::steady_clock::now() < due && !cancelled()) {
				auto left = std::chrono::duration_cast<std::chrono::nanoseconds>(
					due - std::chrono::steady_clock::now());
				std::this_thread::sleep_for(
					std::min<std::chrono::nanoseconds>(left, std::chrono::milliseconds(50)));
			}
		}
	}
	rebuilding_ = false;
	return result;
}

Result<RedundancyReport> ChunkStore::redundancy()
{
	RedundancyReport report;
	report.rebuilding = rebuilding_;
	if (report.rebuilding)
		report.rebuild_remaining = progress_.chunks_total - progress_.chunks_done;
	std::map<uint32_t, bool> up;
	{
		std::lock_guard state(state_mu_);
		for (const auto &[id, slot] : drives_)
			up[id] = live_locked(id);
	}
	WEFT_RETURN_IF_ERROR(meta_->for_each_chunk([&](uint64_t, const ChunkRecord &rec) -> Status {
		uint32_t good = 0;
		for (const Replica &r : rec.replicas)
			good += rec.current(r) && up[r.drive];
		// Each chunk's own replica count is its target (file systems
		// differ in replication).
		if (good == 0)
			report.unavailable++;
		else if (good < rec.replicas.size())
			report.degraded++;
		else
			report.healthy++;
		return {};
	}));
	return report;
}

Status ChunkStore::check()
{
	// Quiesce: every chunk stripe, then the state.
	std::vector<std::unique_lock<std::shared_mutex>> quiet;
	for (std::shared_mutex &m : stripes_)
		quiet.emplace_back(m);
	std::lock_guard state(state_mu_);
	std::map<std::pair<uint32_t, uint64_t>, uint64_t> extents;  // (drive, start) -> count
	WEFT_RETURN_IF_ERROR(meta_->for_each_extent([&](uint32_t drive, Extent e) -> Status {
		extents[{drive, e.start}] = e.count;
		return {};
	}));
	bool intents = false;
	WEFT_RETURN_IF_ERROR(meta_->for_each_intent([&](uint64_t, const WriteIntent &) -> Status {
		intents = true;
		return {};
	}));
	if (intents)
		return make_error(EUCLEAN, "unresolved write intents");
	std::map<uint32_t, BlockAllocator> used;
	uint64_t owned = 0;
	WEFT_RETURN_IF_ERROR(meta_->for_each_chunk([&](uint64_t id, const ChunkRecord &rec) -> Status {
		std::string name = "chunk " + std::to_string(id);
		if (rec.crcs.size() != rec.blocks || rec.replicas.empty())
			return make_error(EUCLEAN, name + ": malformed record");
		const std::vector<bool> mapped = rec.mapped();
		for (uint32_t b = 0; b < rec.blocks; b++)
			if (rec.written[b] && !mapped[b])
				return make_error(EUCLEAN, name + ": written block " + std::to_string(b) +
								   " has no space");
		for (const Replica &r : rec.replicas) {
			if (rec.current(r) && r.mapped(rec.blocks) != mapped)
				return make_error(EUCLEAN, name + ": current replicas map different blocks");
			if (r.runs.empty())
				continue;
			auto slot = drives_.find(r.drive);
			if (slot == drives_.end())
				return make_error(EUCLEAN, name + ": unknown drive");
			auto [u, fresh] = used.try_emplace(r.drive, slot->second.allocator->total_blocks());
			for (const Run &run : r.runs) {
				auto it = extents.find({r.drive, run.start});
				if (it == extents.end() || it->second != run.count)
					return make_error(EUCLEAN, name + ": replica on drive " +
									   std::to_string(r.drive) +
									   " has no allocation record");
				Status s = u->second.mark_allocated(Extent{run.start, run.count});
				if (!s.ok())
					return make_error(EUCLEAN, name + ": doubly allocated blocks on drive " +
									   std::to_string(r.drive));
				owned++;
			}
		}
		return {};
	}));
	if (owned != extents.size())
		return make_error(EUCLEAN, std::to_string(extents.size() - owned) +
						   " allocated extents belong to no chunk (leaked)");
	for (const auto &[id, slot] : drives_) {
		auto u = used.find(id);
		uint64_t expect = u == used.end() ? slot.allocator->total_blocks() : u->second.free_blocks();
		if (slot.allocator->free_blocks() != expect)
			return make_error(EUCLEAN, "drive " + std::to_string(id) +
							   ": in-memory allocator disagrees with the records");
	}
	return {};
}

Result<std::optional<ChunkRecord>> ChunkStore::chunk_record(uint64_t chunk_id)
{
	std::shared_lock chunk_lock(stripe(chunk_id));
	return meta_->get_chunk(chunk_id);
}

StoreCounters ChunkStore::counters()
{
	StoreCounters c;
	c.checksum_errors = counters_.checksum_errors;
	c.repaired_blocks = counters_.repaired_blocks;
	c.unrecoverable_blocks = counters_.unrecoverable_blocks;
	c.drive_failures = counters_.drive_failures;
	c.degraded_writes = counters_.degraded_writes;
	c.recovered_intents = counters_.recovered_intents;
	c.deferred_writes = counters_.deferred_writes;
	c.replayed_blocks = counters_.replayed_blocks;
	c.deferred_flushes = counters_.deferred_flushes;
	return c;
}

ClusterMap ChunkStore::cluster_map()
{
	std::lock_guard lock(state_mu_);
	return map_;
}

uint64_t ChunkStore::free_blocks(uint32_t drive_id)
{
	std::lock_guard lock(state_mu_);
	auto it = drives_.find(drive_id);
	return it == drives_.end() ? 0 : it->second.allocator->free_blocks();
}

Drive *ChunkStore::drive(uint32_t drive_id)
{
	std::lock_guard lock(state_mu_);
	auto it = drives_.find(drive_id);
	return it == drives_.end() ? nullptr : it->second.drive.get();
}

}  // namespace weft::storage

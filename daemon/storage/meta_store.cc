#include "meta_store.h"

#include <rocksdb/iterator.h>
#include <rocksdb/options.h>

#include "byte_order.h"

namespace weft::storage {
namespace {

// One-letter prefixes keep each record kind in its own sorted range.
constexpr char kChunkPrefix = 'C';
constexpr char kExtentPrefix = 'A';
constexpr char kIntentPrefix = 'I';
constexpr char kDeferredPrefix = 'J';
constexpr char kDrivePrefix = 'D';
constexpr char kConfigPrefix = 'M';
const std::string kEpochKey = "Mepoch";

std::string chunk_key(char prefix, uint64_t chunk_id)
{
	std::string k(1, prefix);
	append_be<uint64_t>(k, chunk_id);
	return k;
}

std::string extent_key(uint32_t drive, uint64_t start)
{
	std::string k(1, kExtentPrefix);
	append_be<uint32_t>(k, drive);
	append_be<uint64_t>(k, start);
	return k;
}

std::string drive_key(uint32_t drive)
{
	std::string k(1, kDrivePrefix);
	append_be<uint32_t>(k, drive);
	return k;
}

Error db_error(const rocksdb::Status &s, const std::string &what)
{
	return make_error(s.IsNoSpace() ? ENOSPC : EIO, what + ": " + s.ToString());
}

}  // namespace

void MetaStore::Batch::put_chunk(uint64_t chunk_id, const ChunkRecord &rec)
{
	wb_.Put(chunk_key(kChunkPrefix, chunk_id), rec.encode());
	chunks_.emplace_back(chunk_id, rec);
}

void MetaStore::Batch::delete_chunk(uint64_t chunk_id)
{
	wb_.Delete(chunk_key(kChunkPrefix, chunk_id));
	chunks_.emplace_back(chunk_id, std::nullopt);
}

void MetaStore::Batch::put_extent(uint32_t drive, Extent extent)
{
	std::string v;
	append_le<uint64_t>(v, extent.count);
	wb_.Put(extent_key(drive, extent.start), v);
}

void MetaStore::Batch::delete_extent(uint32_t drive, Extent extent)
{
	wb_.Delete(extent_key(drive, extent.start));
}

void MetaStore::Batch::put_intent(uint64_t chunk_id, const WriteIntent &intent)
{
	wb_.Put(chunk_key(kIntentPrefix, chunk_id), intent.encode());
}

void MetaStore::Batch::delete_intent(uint64_t chunk_id)
{
	wb_.Delete(chunk_key(kIntentPrefix, chunk_id));
}

void MetaStore::Batch::put_deferred(uint64_t seq, const DeferredWrite &w)
{
	wb_.Put(chunk_key(kDeferredPrefix, seq), w.encode());
}

void MetaStore::Batch::delete_deferred(uint64_t seq)
{
	wb_.Delete(chunk_key(kDeferredPrefix, seq));
}

void MetaStore::Batch::put_drive(const DriveRecord &drive)
{
	wb_.Put(drive_key(drive.info.id), drive.encode());
}

void MetaStore::Batch::delete_drive(uint32_t drive_id)
{
	wb_.Delete(drive_key(drive_id));
}

void MetaStore::Batch::put_epoch(uint64_t epoch)
{
	std::string v;
	append_le<uint64_t>(v, epoch);
	wb_.Put(kEpochKey, v);
}

void MetaStore::Batch::put_config(const std::string &name, const std::string &value)
{
	wb_.Put(std::string(1, kConfigPrefix) + "config/" + name, value);
}

Result<std::unique_ptr<MetaStore>> MetaStore::open(const std::string &dir)
{
	rocksdb::Options options;
	options.create_if_missing = true;
	// Small values, point lookups: keep the footprint of an embedded node low.
	options.max_open_files = 256;
	options.info_log = discarding_rocks_logger();  // rocks_writer.h: why
	rocksdb::DB *raw = nullptr;
	rocksdb::Status s = rocksdb::DB::Open(options, dir, &raw);
	if (!s.ok())
		return make_error(s.IsIOError() && s.ToString().find("lock") != std::string::npos ? EBUSY : EIO,
				  "open metadata store " + dir + ": " + s.ToString());
	return std::make_unique<MetaStore>(Token{}, std::unique_ptr<rocksdb::DB>(raw));
}

Status MetaStore::commit(Batch &batch, bool sync)
{
	if (int err = fail_next_commit_.exchange(0); err != 0)
		return make_error(err, "injected commit failure");
	rocksdb::WriteOptions wo;
	wo.sync = sync;
	Status written = writer_.write(wo, batch.wb_, "metadata commit");
	for (auto &[id, rec] : batch.chunks_)
		chunks_.committed(id, rec ? &*rec : nullptr, written.ok());
	return written;
}

Result<std::optional<ChunkRecord>> MetaStore::get_chunk(uint64_t chunk_id)
{
	if (std::optional<ChunkRecord> cached = chunks_.find(chunk_id))
		return cached;
	const uint64_t token = chunks_.fill_token();
	std::string v;
	rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), chunk_key(kChunkPrefix, chunk_id), &v);
	if (s.IsNotFound())
		return std::optional<ChunkRecord>();
	if (!s.ok())
		return db_error(s, "read chunk record");
	auto rec = ChunkRecord::decode(v);
	if (!rec)
		return rec.error();
	chunks_.fill(chunk_id, *rec, token);
	return std::optional<ChunkRecord>(std::move(*rec));
}

Result<std::optional<std::string>> MetaStore::get_config(const std::string &name)
{
	std::string v;
	rocksdb::Status s = db_->Get(rocksdb::ReadOptions(),
				     std::string(1, kConfigPrefix) + "config/" + name, &v);
	if (s.IsNotFound())
		return std::optional<std::string>();
	if (!s.ok())
		return db_error(s, "read config " + name);
	return std::optional<std::string>(std::move(v));
}

Result<uint64_t> MetaStore::get_epoch()
{
	std::string v;
	rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), kEpochKey, &v);
	if (s.IsNotFound())
		return uint64_t{0};
	if (!s.ok())
		return db_error(s, "read epoch");
	if (v.size() != 8)
		return make_error(EUCLEAN, "corrupt epoch");
	return get_le<uint64_t>(reinterpret_cast<const std::byte *>(v.data()));
}

Status MetaStore::scan(char prefix,
		       const std::function<Status(std::string_view, std::string_view)> &fn)
{
	std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
	std::string start(1, prefix);
	for (it->Seek(start); it->Valid() && it->key().starts_with(start); it->Next())
		WEFT_RETURN_IF_ERROR(fn(std::string_view(it->key().data(), it->key().size()),
					std::string_view(it->value().data(), it->value().size())));
	if (!it->status().ok())
		return db_error(it->status(), "scan metadata");
	return {};
}

Status MetaStore::for_each_chunk(const std::function<Status(uint64_t, const ChunkRecord &)> &fn)
{
	return scan(kChunkPrefix, [&](std::string_view key, std::string_view value) -> Status {
		if (key.size() != 9)
			return make_error(EUCLEAN, "corrupt chunk key");
		auto rec = ChunkRecord::decode(value);
		if (!rec)
			return rec.error();
		return fn(get_be<uint64_t>(key.data() + 1), *rec);
	});
}

Status MetaStore::for_each_chunk_id(uint64_t lo, uint64_t hi,
				    const std::function<Status(uint64_t)> &fn)
{
	if (lo >= hi)
		return {};
	std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
	const std::string start = chunk_key(kChunkPrefix, lo);
	for (it->Seek(start); it->Valid(); it->Next()) {
		rocksdb::Slice k = it->key();
		if (k.size() != 9 || k[0] != kChunkPrefix)
			break;
		uint64_t id = get_be<uint64_t>(k.data() + 1);
		if (id >= hi)
			break;
		WEFT_RETURN_IF_ERROR(fn(id));
	}
	if (!it->status().ok())
		return db_error(it->status(), "scan chunk ids");
	return {};
}

Status MetaStore::for_each_extent(const std::function<Status(uint32_t, Extent)> &fn)
{
	return scan(kExtentPrefix, [&](std::string_view key, std::string_view value) -> Status {
		if (key.size() != 13 || value.size() != 8)
			return make_error(EUCLEAN, "corrupt extent record");
		Extent e{get_be<uint64_t>(key.data() + 5),
			 get_le<uint64_t>(reinterpret_cast<const std::byte *>(value.data()))};
		return fn(get_be<uint32_t>(key.data() + 1), e);
	});
}

Status MetaStore::for_each_intent(const std::function<Status(uint64_t, const WriteIntent &)> &fn)
{
	return scan(kIntentPrefix, [&](std::string_view key, std::string_view value) -> Status {
		if (key.size() != 9)
			return make_error(EUCLEAN, "corrupt intent key");
		auto intent = WriteIntent::decode(value);
		if (!intent)
			return intent.error();
		return fn(get_be<uint64_t>(key.data() + 1), *intent);
	});
}

Status MetaStore::for_each_deferred(
	const std::function<Status(uint64_t, const DeferredWrite &)> &fn)
{
	return scan(kDeferredPrefix, [&](std::string_view key, std::string_view value) -> Status {
		if (key.size() != 9)
			return make_error(EUCLEAN, "corrupt deferred write key");
		auto w = DeferredWrite::decode(value);
		if (!w)
			return w.error();
		return fn(get_be<uint64_t>(key.data() + 1), *w);
	});
}

Status MetaStore::for_each_drive(const std::function<Status(const DriveRecord &)> &fn)
{
	return scan(kDrivePrefix, [&](std::string_view, std::string_view value) -> Status {
		auto d = DriveRecord::decode(value);
		if (!d)
			return d.error();
		return fn(*d);
	});
}

}  // namespace weft::storage

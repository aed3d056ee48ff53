#include "storage/chunk_store.h"

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <chrono>
#include <thread>
#include <cstring>

#include "storage/byte_order.h"
#include "temp_dir.h"

#include <rocksdb/db.h>
#include <functional>

#include <fcntl.h>
#include <unistd.h>

namespace weft::storage {
namespace {

using testing::pattern;
using testing::TempDir;

constexpr uint64_t kMiB = 1 << 20;
constexpr uint32_t kChunkBlocks = 16;  // 64 KiB chunks keep the tests fast
constexpr size_t kChunkBytes = kChunkBlocks * 4096;

std::vector<std::byte> raw_read(const std::string &path, uint64_t offset, size_t len)
{
	std::vector<std::byte> out(len);
	int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
	EXPECT_GE(fd, 0);
	EXPECT_EQ(::pread(fd, out.data(), len, static_cast<off_t>(offset)), static_cast<ssize_t>(len));
	::close(fd);
	return out;
}

class ChunkStoreTest : public ::testing::Test {
protected:
	StoreOptions options(uint32_t replicas)
	{
		StoreOptions o;
		o.meta_dir = dir_.path() + "/meta";
		o.cluster = cluster_;
		o.chunk_blocks = kChunkBlocks;
		o.replicas = replicas;
		o.pg_count = 256;
		return o;
	}

	std::unique_ptr<ChunkStore> open(uint32_t replicas)
	{
		auto s = ChunkStore::open(options(replicas));
		EXPECT_TRUE(s.ok()) << s.error().message;
		return s.ok() ? std::move(*s) : nullptr;
	}

	// A store with `drives` drives of `size` bytes on separate hosts.
	std::unique_ptr<ChunkStore> make(uint32_t replicas, uint32_t drives, uint64_t size = 32 * kMiB)
	{
		auto s = open(replicas);
		for (uint32_t i = 0; i < drives; i++) {
			auto id = s->add_drive(dir_.make_file("drive" + std::to_string(i), size), i);
			EXPECT_TRUE(id.ok()) << id.error().message;
		}
		return s;
	}

	ChunkRecord record(ChunkStore &s, uint64_t chunk)
	{
		auto rec = s.chunk_record(chunk);
		EXPECT_TRUE(rec.ok() && rec->has_value());
		return rec.ok() && rec->has_value() ? **rec : ChunkRecord{};
	}

	// Drives are added in order, so drive id i+1 is file drive<i>.
	std::string path_of(uint32_t drive) { return dir_.path() + "/drive" + std::to_string(drive - 1); }

	uint64_t block_offset(ChunkStore &s, const Replica &r, uint32_t block)
	{
		int64_t b = r.locate(block);
		EXPECT_GE(b, 0) << "block " << block << " has no space";
		return s.drive(r.drive)->block_offset(static_cast<uint64_t>(b));
	}

	TempDir dir_;
	Uuid cluster_ = Uuid::generate();
};

TEST_F(ChunkStoreTest, ReplicasPerChunkFromTheCaller)
{
	// The store's default is 1; a caller (a file system with replication
	// 2 or 3) asks for more per chunk.
	auto s = make(1, 3);
	auto data = pattern(kChunkBytes, 3);
	ASSERT_TRUE(s->write(1, 0, data).ok());
	ASSERT_TRUE(s->write(2, 0, data, 2).ok());
	ASSERT_TRUE(s->write(3, 0, data, 3).ok());
	EXPECT_EQ(record(*s, 1).replicas.size(), 1u);
	EXPECT_EQ(record(*s, 2).replicas.size(), 2u);
	EXPECT_EQ(record(*s, 3).replicas.size(), 3u);
	// Once it exists, the chunk keeps its replicas whatever a later write asks.
	ASSERT_TRUE(s->write(2, 0, data, 1).ok());
	EXPECT_EQ(record(*s, 2).replicas.size(), 2u);
	EXPECT_EQ(s->write(4, 0, data, 4).error().code, EINVAL);  // more than the drives
	auto red = s->redundancy();
	ASSERT_TRUE(red.ok());
	EXPECT_EQ(red->healthy, 3u);
	EXPECT_EQ(red->degraded, 0u);
	ASSERT_TRUE(s->check().ok());
}

TEST_F(ChunkStoreTest, AllocateDiscardAndListChunkIds)
{
	auto s = make(1, 1);
	const uint64_t free0 = s->free_blocks(1);
	ASSERT_TRUE(s->allocate(10, 1).ok());
	EXPECT_EQ(s->free_blocks(1), free0 - kChunkBlocks);
	ASSERT_TRUE(s->allocate(10, 1).ok());  // idempotent
	EXPECT_EQ(s->free_blocks(1), free0 - kChunkBlocks);
	std::vector<std::byte> out(kChunkBytes);
	ASSERT_TRUE(s->read(10, 0, out).ok());
	EXPECT_TRUE(std::all_of(out.begin(), out.end(), [](std::byte b) { return b == std::byte{0}; }));

	auto data = pattern(kChunkBytes, 4);
	ASSERT_TRUE(s->write(11, 0, data).ok());
	ASSERT_TRUE(s->discard(11, 4, kChunkBlocks - 4).ok());
	ASSERT_TRUE(s->read(11, 0, out).ok());
	EXPECT_EQ(0, std::memcmp(out.data(), data.data(), 4 * 4096));
	EXPECT_TRUE(std::all_of(out.begin() + 4 * 4096, out.end(), [](std::byte b) { return b == std::byte{0}; }));
	EXPECT_EQ(s->discard(12, 0, 1).error().code, ENOENT);
	EXPECT_EQ(s->discard(11, 0, kChunkBlocks + 1).error().code, EINVAL);

	ASSERT_TRUE(s->write(30, 0, data).ok());
	auto ids = s->chunk_ids(10, 30);
	ASSERT_TRUE(ids.ok());
	EXPECT_EQ(*ids, (std::vector<uint64_t>{10, 11}));
	ids = s->chunk_ids(0, UINT64_MAX);
	ASSERT_TRUE(ids.ok());
	EXPECT_EQ(*ids, (std::vector<uint64_t>{10, 11, 30}));
	ASSERT_TRUE(s->check().ok());
}

// Space grows with the data, 4 KiB at a time, and shrinks with discard.
TEST_F(ChunkStoreTest, SpaceGrowsWithTheDataAndIsFreedByDiscard)
{
	auto s = make(2, 2);
	const uint64_t free1 = s->free_blocks(1), free2 = s->free_blocks(2);
	auto data = pattern(kChunkBytes, 30);
	auto blocks = [&](uint32_t first, uint32_t n) {
		return std::span<const std::byte>(data).subspan(first * 4096, n * 4096);
	};
	int64_t space = -1;
	ASSERT_TRUE(s->write(1, 0, blocks(0, 1), 0, &space).ok());
	EXPECT_EQ(space, 1);
	EXPECT_EQ(s->free_blocks(1), free1 - 1);  // 4 KiB per replica, not a chunk
	EXPECT_EQ(s->free_blocks(2), free2 - 1);
	ASSERT_TRUE(s->write(1, 1, blocks(1, 2), 0, &space).ok());
	EXPECT_EQ(space, 2);
	// Growing at the end stays one run (one extent) on each drive.
	for (const Replica &r : record(*s, 1).replicas)
		EXPECT_EQ(r.runs.size(), 1u);
	ASSERT_TRUE(s->write(1, 10, blocks(10, 1), 0, &space).ok());
	EXPECT_EQ(space, 1);
	EXPECT_EQ(record(*s, 1).mapped_blocks(), 4u);
	// An overwrite of mapped blocks takes no space.
	ASSERT_TRUE(s->write(1, 0, blocks(0, 3), 0, &space).ok());
	EXPECT_EQ(space, 0);
	ASSERT_TRUE(s->check().ok()) << s->check().error().message;

	// Unwritten blocks in between read as zeros, written ones as written.
	std::vector<std::byte> out(kChunkBytes), expect(kChunkBytes);
	std::memcpy(expect.data(), data.data(), 3 * 4096);
	std::memcpy(expect.data() + 10 * 4096, data.data() + 10 * 4096, 4096);
	ASSERT_TRUE(s->read(1, 0, out).ok());
	EXPECT_EQ(out, expect);

	// Overwrite and growth in one write (an intent, and new space).
	ASSERT_TRUE(s->write(1, 0, data, 0, &space).ok());
	EXPECT_EQ(space, kChunkBlocks - 4);
	EXPECT_EQ(s->free_blocks(1), free1 - kChunkBlocks);
	s.reset();
	s = open(2);
	ASSERT_TRUE(s->check().ok()) << s->check().error().message;
	ASSERT_TRUE(s->read(1, 0, out).ok());
	EXPECT_EQ(out, data);

	// Discard frees the range on both replicas; allocate reserves it again.
	ASSERT_TRUE(s->discard(1, 4, 5, &space).ok());
	EXPECT_EQ(space, -5);
	EXPECT_EQ(s->free_blocks(1), free1 - kChunkBlocks + 5);
	EXPECT_EQ(s->free_blocks(2), free2 - kChunkBlocks + 5);
	ASSERT_TRUE(s->check().ok()) << s->check().error().message;
	ASSERT_TRUE(s->read(1, 0, out).ok());
	expect = data;
	std::fill(expect.begin() + 4 * 4096, expect.begin() + 9 * 4096, std::byte{0});
	EXPECT_EQ(out, expect);
	ASSERT_TRUE(s->allocate(1, 0, &space).ok());
	EXPECT_EQ(space, 5);
	ASSERT_TRUE(s->allocate(1, 0, &space).ok());
	EXPECT_EQ(space, 0);
	ASSERT_TRUE(s->read(1, 0, out).ok());
	EXPECT_EQ(out, expect);  // reserved, still reading as zeros
	ASSERT_TRUE(s->check().ok()) << s->check().error().message;
	ASSERT_TRUE(s->remove_all(std::vector<uint64_t>{1}, &space).ok());
	EXPECT_EQ(space, -static_cast<int64_t>(kChunkBlocks));
	EXPECT_EQ(s->free_blocks(1), free1);
	EXPECT_EQ(s->free_blocks(2), free2);
	ASSERT_TRUE(s->check().ok()) << s->check().error().message;
}

// A file's chunks go together: more than one batch of them (with ids that
// do not exist among them), on two replicas; all the space comes back, the
// records are gone, and the store checks clean.
TEST_F(ChunkStoreTest, RemoveAllFreesEveryChunkInBatches)
{
	auto s = make(2, 2);
	const uint64_t free1 = s->free_blocks(1), free2 = s->free_blocks(2);
	auto data = pattern(4096 * 3, 41);
	std::vector<uint64_t> ids;
	const uint64_t n = ChunkStore::kRemoveBatch * 2 + 5;
	int64_t mapped = 0;
	for (uint64_t c = 0; c < n; c++) {
		const uint32_t first = static_cast<uint32_t>(c % (kChunkBlocks - 3));
		const size_t blocks = 1 + c % 3;
		ASSERT_TRUE(s->write(100 + c, first, std::span<const std::byte>(data).first(4096 * blocks)).ok());
		mapped += static_cast<int64_t>(blocks);
		ids.push_back(100 + c);
		ids.push_back(100000 + c);	// never written: skipped
	}
	EXPECT_LT(s->free_blocks(1), free1);
	int64_t space = 0;
	ASSERT_TRUE(s->remove_all(ids, &space).ok());
	EXPECT_EQ(space, -mapped);
	EXPECT_EQ(s->free_blocks(1), free1);
	EXPECT_EQ(s->free_blocks(2), free2);
	auto left = s->chunk_ids(0, UINT64_MAX);
	ASSERT_TRUE(left.ok());
	EXPECT_TRUE(left->empty()) << left->size() << " chunks left";
	ASSERT_TRUE(s->check().ok()) << s->check().error().message;
	std::vector<std::byte> out(4096);
	ASSERT_TRUE(s->read(100, 0, out).ok());
	EXPECT_EQ(out, std::vector<std::byte>(4096));	// gone: reads as zeros
	EXPECT_TRUE(s->remove_all({}).ok());
}

// Chunks growing side by side each start in a free chunk-sized slot, so
// each stays one extent per drive while there is room.
TEST_F(ChunkStoreTest, InterleavedGrowthKeepsChunksContiguous)
{
	auto s = make(1, 1);
	auto data = pattern(4096, 31);
	for (uint32_t b = 0; b < kChunkBlocks; b++)
		for (uint64_t c = 1; c <= 3; c++)
			ASSERT_TRUE(s->write(c, b, data).ok());
	for (uint64_t c = 1; c <= 3; c++)
		EXPECT_EQ(record(*s, c).replicas[0].runs.size(), 1u) << "chunk " << c;
	ASSERT_TRUE(s->check().ok());
}

// A rebuilt replica gets exactly the space the good ones have.
TEST_F(ChunkStoreTest, RebuildCopiesOnlyTheSpaceInUse)
{
	auto s = make(2, 3);
	auto data = pattern(3 * 4096, 32);
	ASSERT_TRUE(s->write(1, 5, data).ok());
	ChunkRecord before = record(*s, 1);
	std::map<uint32_t, uint64_t> free_before;
	for (uint32_t d = 1; d <= 3; d++)
		free_before[d] = s->free_blocks(d);
	ASSERT_TRUE(s->fail_drive(before.replicas[0].drive).ok());
	ASSERT_TRUE(s->rebuild().ok());
	ChunkRecord after = record(*s, 1);
	EXPECT_NE(after.replicas[0].drive, before.replicas[0].drive);
	for (const Replica &r : after.replicas) {
		EXPECT_TRUE(after.current(r));
		EXPECT_EQ(r.mapped(kChunkBlocks), after.mapped());
		EXPECT_EQ(r.mapped_blocks(), 3u);
	}
	// 3 blocks on the new drive, the failed drive's 3 given back.
	EXPECT_EQ(s->free_blocks(after.replicas[0].drive), free_before[after.replicas[0].drive] - 3);
	EXPECT_EQ(s->free_blocks(before.replicas[0].drive), free_before[before.replicas[0].drive] + 3);
	std::vector<std::byte> out(3 * 4096);
	ASSERT_TRUE(s->fail_drive(after.replicas[1].drive).ok());
	ASSERT_TRUE(s->read(1, 5, out).ok());  // from the rebuilt copy alone
	EXPECT_EQ(out, data);
	ASSERT_TRUE(s->check().ok()) << s->check().error().message;
}

// A store written by the previous format (metadata format 1: no format key,
// version 1 chunk records with one whole-chunk extent per replica) opens
// and reads as it is; a newer format is refused by name.
TEST_F(ChunkStoreTest, PreviousFormatIsReadNewerIsRefused)
{
	auto data = pattern(kChunkBytes, 33);
	uint64_t start = 0;
	{
		auto s = make(1, 1);
		ASSERT_TRUE(s->write(7, 0, data).ok());
		ChunkRecord rec = record(*s, 7);
		ASSERT_EQ(rec.replicas[0].runs.size(), 1u);
		start = rec.replicas[0].runs[0].start;
	}
	auto raw = [&](const std::function<void(rocksdb::DB &)> &fn) {
		rocksdb::DB *db = nullptr;
		ASSERT_TRUE(rocksdb::DB::Open(rocksdb::Options(), dir_.path() + "/meta", &db).ok());
		fn(*db);
		delete db;
	};
	raw([&](rocksdb::DB &db) {
		std::string v1, key = "C";
		append_be<uint64_t>(key, 7);
		append_le<uint8_t>(v1, 1);
		append_le<uint32_t>(v1, kChunkBlocks);
		append_le<uint64_t>(v1, 1);  // generation
		append_le<uint8_t>(v1, 1);
		append_le<uint32_t>(v1, 1);  // drive 1
		append_le<uint64_t>(v1, start);
		append_le<uint64_t>(v1, 1);
		append_le<uint8_t>(v1, 0xff);
		append_le<uint8_t>(v1, 0xff);
		std::vector<uint32_t> crcs(kChunkBlocks);
		block_checksums(data, crcs);
		for (uint32_t c : crcs)
			append_le<uint32_t>(v1, c);
		ASSERT_TRUE(db.Put(rocksdb::WriteOptions(), key, v1).ok());
		ASSERT_TRUE(db.Delete(rocksdb::WriteOptions(), "Mconfig/format").ok());
	});
	{
		auto s = open(1);
		ASSERT_TRUE(s->check().ok()) << s->check().error().message;
		std::vector<std::byte> out(kChunkBytes);
		ASSERT_TRUE(s->read(7, 0, out).ok());
		EXPECT_EQ(out, data);
		int64_t space = 0;
		ASSERT_TRUE(s->discard(7, 8, 8, &space).ok());  // rewritten as version 2
		EXPECT_EQ(space, -8);
		ASSERT_TRUE(s->check().ok()) << s->check().error().message;
	}
	raw([&](rocksdb::DB &db) {
		std::string v;
		ASSERT_TRUE(db.Get(rocksdb::ReadOptions(), "Mconfig/format", &v).ok());
		EXPECT_EQ(v, "3");
		ASSERT_TRUE(db.Put(rocksdb::WriteOptions(), "Mconfig/format", "4").ok());
	});
	auto refused = ChunkStore::open(options(1));
	ASSERT_FALSE(refused.ok());
	EXPECT_EQ(refused.error().code, EPROTONOSUPPORT);
	EXPECT_NE(refused.error().message.find("format 4"), std::string::npos)
		<< refused.error().message;
}

TEST_F(ChunkStoreTest, WriteThenReadBackWholeAndPartial)
{
	auto s = make(2, 3);
	auto data = pattern(kChunkBytes, 1);
	ASSERT_TRUE(s->write(7, 0, data).ok());
	std::vector<std::byte> out(kChunkBytes);
	ASSERT_TRUE(s->read(7, 0, out).ok());
	EXPECT_EQ(out, data);

	auto patch = pattern(3 * 4096, 2);
	ASSERT_TRUE(s->write(7, 5, patch).ok());
	std::memcpy(data.data() + 5 * 4096, patch.data(), patch.size());
	ASSERT_TRUE(s->read(7, 0, out).ok());
	EXPECT_EQ(out, data);
	std::vector<std::byte> part(2 * 4096);
	ASSERT_TRUE(s->read(7, 6, part).ok());
	EXPECT_EQ(0, std::memcmp(part.data(), data.data() + 6 * 4096, part.size()));

	// Unwritten blocks and chunks read as zeros.
	ASSERT_TRUE(s->write(8, 2, patch).ok());
	ASSERT_TRUE(s->read(8, 0, out).ok());
	EXPECT_TRUE(std::all_of(out.begin(), out.begin() + 2 * 4096, [](std::byte b) { return b == std::byte{0}; }));
	EXPECT_EQ(0, std::memcmp(out.data() + 2 * 4096, patch.data(), patch.size()));
	ASSERT_TRUE(s->read(999, 0, out).ok());
	EXPECT_TRUE(std::all_of(out.begin(), out.end(), [](std::byte b) { return b == std::byte{0}; }));

	EXPECT_EQ(s->write(7, kChunkBlocks - 1, patch).error().code, EINVAL);
	EXPECT_EQ(s->write(7, 0, std::span(data).first(100)).error().code, EINVAL);
	ASSERT_TRUE(s->check().ok()) << s->check().error().message;
}

TEST_F(ChunkStoreTest, DataAndMetadataSurviveReopen)
{
	auto data = pattern(kChunkBytes, 3);
	{
		auto s = make(2, 2);
		for (uint64_t c = 0; c < 20; c++)
			ASSERT_TRUE(s->write(c, 0, data).ok());
		ASSERT_TRUE(s->remove_all(std::vector<uint64_t>{3}).ok());
	}
	auto s = open(2);
	ASSERT_TRUE(s->check().ok()) << s->check().error().message;
	std::vector<std::byte> out(kChunkBytes);
	ASSERT_TRUE(s->read(19, 0, out).ok());
	EXPECT_EQ(out, data);
	auto red = s->redundancy();
	EXPECT_EQ(red->healthy, 19u);
	EXPECT_EQ(s->cluster_map().drives().size(), 2u);
}

TEST_F(ChunkStoreTest, ReplicasLandOnDistinctDrivesAndBlocksAreNotShared)
{
	auto s = make(3, 4);
	auto data = pattern(kChunkBytes, 4);
	for (uint64_t c = 0; c < 50; c++)
		ASSERT_TRUE(s->write(c, 0, data).ok());
	uint64_t used = 0;
	for (uint32_t d = 1; d <= 4; d++)
		used += s->drive(d)->block_count() - s->free_blocks(d);
	EXPECT_EQ(used, 50u * 3 * kChunkBlocks);
	ASSERT_TRUE(s->check().ok());
}

// Damages two bytes at offset of each drive file, behind weft's back.
void corrupt(const std::vector<std::string> &paths, uint64_t offset)
{
	for (const std::string &p : paths)
		testing::poke(p, offset, {std::byte{0xAB}, std::byte{0xCD}});
}

TEST_F(ChunkStoreTest, CorruptionOnTheReadReplicaIsRepairedFromAnotherAndCounted)
{
	auto s = make(2, 3);
	auto data = pattern(kChunkBytes, 5);
	ASSERT_TRUE(s->write(1, 0, data).ok());
	ChunkRecord rec = record(*s, 1);
	ASSERT_EQ(rec.replicas.size(), 2u);
	// Reads start at the first replica: damage its copy of block 3.
	const Replica &first = rec.replicas[0];
	uint64_t off = block_offset(*s, first, 3);
	corrupt({path_of(first.drive)}, off + 17);

	std::vector<std::byte> out(kChunkBytes);
	ASSERT_TRUE(s->read(1, 0, out).ok());
	EXPECT_EQ(out, data);  // never the bad bytes
	StoreCounters c = s->counters();
	EXPECT_EQ(c.checksum_errors, 1u);
	EXPECT_EQ(c.repaired_blocks, 1u);
	EXPECT_EQ(c.unrecoverable_blocks, 0u);
	// Repaired on the drive itself, not just masked.
	EXPECT_EQ(raw_read(path_of(first.drive), off, 4096),
		  std::vector<std::byte>(data.begin() + 3 * 4096, data.begin() + 4 * 4096));
	auto scrub = s->scrub();
	ASSERT_TRUE(scrub.ok());
	EXPECT_EQ(scrub->bad_blocks, 0u);
	EXPECT_EQ(scrub->blocks_checked, 2u * kChunkBlocks);
}

TEST_F(ChunkStoreTest, ScrubFindsAndRepairsCorruptionReadsDoNotTouch)
{
	auto s = make(2, 2);
	auto data = pattern(kChunkBytes, 6);
	ASSERT_TRUE(s->write(1, 0, data).ok());
	ChunkRecord rec = record(*s, 1);
	// The second replica is never read while the first is good.
	const Replica &second = rec.replicas[1];
	uint64_t off = block_offset(*s, second, kChunkBlocks - 1);
	corrupt({path_of(second.drive)}, off);
	std::vector<std::byte> out(kChunkBytes);
	ASSERT_TRUE(s->read(1, 0, out).ok());
	EXPECT_EQ(s->counters().checksum_errors, 0u);

	auto scrub = s->scrub();
	ASSERT_TRUE(scrub.ok());
	EXPECT_EQ(scrub->chunks, 1u);
	EXPECT_EQ(scrub->bad_blocks, 1u);
	EXPECT_EQ(scrub->repaired_blocks, 1u);
	EXPECT_EQ(s->counters().repaired_blocks, 1u);
	EXPECT_EQ(raw_read(path_of(second.drive), off, 4096),
		  std::vector<std::byte>(data.end() - 4096, data.end()));
	EXPECT_EQ(s->scrub()->bad_blocks, 0u);
}

TEST_F(ChunkStoreTest, ABlockBadOnEveryReplicaIsAnErrorNeverBadData)
{
	auto s = make(2, 2);
	auto data = pattern(kChunkBytes, 7);
	ASSERT_TRUE(s->write(1, 0, data).ok());
	ChunkRecord rec = record(*s, 1);
	for (const Replica &r : rec.replicas)
		corrupt({path_of(r.drive)}, block_offset(*s, r, 2));
	std::vector<std::byte> out(kChunkBytes);
	Status r = s->read(1, 0, out);
	ASSERT_FALSE(r.ok());
	EXPECT_EQ(r.error().code, EIO);
	EXPECT_EQ(s->counters().unrecoverable_blocks, 1u);
	// The other blocks are still readable.
	std::vector<std::byte> tail(4 * 4096);
	ASSERT_TRUE(s->read(1, 3, tail).ok());
	EXPECT_EQ(0, std::memcmp(tail.data(), data.data() + 3 * 4096, tail.size()));
	// Rewriting the block heals it.
	ASSERT_TRUE(s->write(1, 2, std::span(data).subspan(2 * 4096, 4096)).ok());
	ASSERT_TRUE(s->read(1, 0, out).ok());
	EXPECT_EQ(out, data);
}

TEST_F(ChunkStoreTest, AFailedDriveLeavesReadsAndWritesToTheOthers)
{
	auto s = make(2, 3);
	auto data = pattern(kChunkBytes, 7);
	for (uint64_t c = 0; c < 12; c++)
		ASSERT_TRUE(s->write(c, 0, data).ok());
	// Drive 2 starts returning EIO on everything.
	s->drive(2)->io().set_fault_hook([](const IoOp &) { return EIO; });
	std::vector<std::byte> out(kChunkBytes);
	for (uint64_t c = 0; c < 12; c++) {
		ASSERT_TRUE(s->read(c, 0, out).ok()) << "chunk " << c;
		EXPECT_EQ(out, data);
	}
	auto next = pattern(kChunkBytes, 8);
	for (uint64_t c = 0; c < 24; c++)
		ASSERT_TRUE(s->write(c, 0, next).ok()) << "chunk " << c;
	for (uint64_t c = 0; c < 24; c++) {
		ASSERT_TRUE(s->read(c, 0, out).ok());
		EXPECT_EQ(out, next);
	}
	EXPECT_EQ(s->cluster_map().find(2)->state, DriveState::kFailed);
	EXPECT_EQ(s->counters().drive_failures, 1u);
	auto red = s->redundancy();
	EXPECT_GT(red->degraded, 0u);
	EXPECT_EQ(red->unavailable, 0u);
	EXPECT_EQ(red->healthy + red->degraded, 24u);

	// Rebuild re-creates the missing replicas on the remaining drives.
	ASSERT_TRUE(s->rebuild().ok());
	const RebuildProgress &p = s->rebuild_progress();
	EXPECT_EQ(p.chunks_done.load(), p.chunks_total.load());
	EXPECT_GT(p.bytes_copied.load(), 0u);
	red = s->redundancy();
	EXPECT_EQ(red->healthy, 24u);
	EXPECT_EQ(red->degraded, 0u);
	ASSERT_TRUE(s->check().ok()) << s->check().error().message;
	for (uint64_t c = 0; c < 24; c++) {
		ASSERT_TRUE(s->read(c, 0, out).ok());
		EXPECT_EQ(out, next);
	}
}

TEST_F(ChunkStoreTest, ADriveThatDisappearedIsFailedAtOpenAndRebuilt)
{
	auto data = pattern(kChunkBytes, 12);
	{
		auto s = make(2, 3);
		for (uint64_t c = 0; c < 10; c++)
			ASSERT_TRUE(s->write(c, 0, data).ok());
	}
	ASSERT_EQ(::unlink(path_of(3).c_str()), 0);
	auto s = open(2);
	ASSERT_NE(s, nullptr);
	EXPECT_EQ(s->cluster_map().find(3)->state, DriveState::kFailed);
	EXPECT_EQ(s->counters().drive_failures, 1u);
	uint64_t epoch = s->cluster_map().epoch();
	EXPECT_EQ(epoch, 4u);  // three drives added, one failed
	std::vector<std::byte> out(kChunkBytes);
	for (uint64_t c = 0; c < 10; c++) {
		ASSERT_TRUE(s->read(c, 0, out).ok());
		EXPECT_EQ(out, data);
	}
	ASSERT_TRUE(s->rebuild(64 * kMiB).ok());
	EXPECT_EQ(s->redundancy()->healthy, 10u);
	for (uint64_t c = 0; c < 10; c++)
		for (const Replica &r : record(*s, c).replicas)
			EXPECT_NE(r.drive, 3u);
	ASSERT_TRUE(s->check().ok()) << s->check().error().message;
}

TEST_F(ChunkStoreTest, RebuildIsThrottled)
{
	auto s = make(2, 3);
	auto data = pattern(kChunkBytes, 13);
	for (uint64_t c = 0; c < 16; c++)
		ASSERT_TRUE(s->write(c, 0, data).ok());
	ASSERT_TRUE(s->fail_drive(1).ok());
	uint64_t degraded = s->redundancy()->degraded;
	ASSERT_GT(degraded, 4u);
	// degraded chunks x 64 KiB at 2 MiB/s: at least that long.
	auto start = std::chrono::steady_clock::now();
	ASSERT_TRUE(s->rebuild(2 * kMiB).ok());
	double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
	double floor = double(degraded * kChunkBytes) / (2 * kMiB);
	EXPECT_GE(took, floor * 0.9);
	EXPECT_LT(took, floor + 1.0);
	EXPECT_EQ(s->rebuild_progress().chunks_done.load(), degraded);
	EXPECT_EQ(s->redundancy()->healthy, 16u);
}

TEST_F(ChunkStoreTest, RebuildAndScrubRunAlongsideWritesAndReads)
{
	auto s = make(2, 4);
	auto v1 = pattern(kChunkBytes, 14), v2 = pattern(kChunkBytes, 15);
	for (uint64_t c = 0; c < 32; c++)
		ASSERT_TRUE(s->write(c, 0, v1).ok());
	ASSERT_TRUE(s->fail_drive(2).ok());
	std::atomic<bool> saw_rebuilding{false};
	std::thread rebuild([&] { EXPECT_TRUE(s->rebuild(8 * kMiB).ok()); });
	std::vector<std::byte> out(kChunkBytes);
	for (uint64_t c = 0; c < 32; c++) {
		auto red = s->redundancy();
		if (red->rebuilding && red->rebuild_remaining > 0)
			saw_rebuilding = true;
		ASSERT_TRUE(s->write(c, 0, v2).ok());
		ASSERT_TRUE(s->read(c, 0, out).ok());
		EXPECT_EQ(out, v2);
	}
	rebuild.join();
	ASSERT_TRUE(s->rebuild().ok());  // anything written degraded meanwhile
	EXPECT_TRUE(saw_rebuilding);
	auto red = s->redundancy();
	EXPECT_EQ(red->healthy, 32u);
	EXPECT_FALSE(red->rebuilding);
	auto scrub = s->scrub();
	ASSERT_TRUE(scrub.ok());
	EXPECT_EQ(scrub->bad_blocks, 0u);
	EXPECT_EQ(scrub->blocks_checked, 32u * 2 * kChunkBlocks);
	for (uint64_t c = 0; c < 32; c++) {
		ASSERT_TRUE(s->read(c, 0, out).ok());
		EXPECT_EQ(out, v2);
	}
	ASSERT_TRUE(s->check().ok()) << s->check().error().message;
}

TEST_F(ChunkStoreTest, ConcurrentWritersAndReadersOnSharedAndPrivateChunks)
{
	StoreOptions o = options(2);
	o.buffers = 3;  // fewer buffers than threads: some wait for one
	auto opened = ChunkStore::open(o);
	ASSERT_TRUE(opened.ok());
	auto &s = *opened;
	for (uint32_t i = 0; i < 3; i++)
		ASSERT_TRUE(s->add_drive(dir_.make_file("drive" + std::to_string(i), 32 * kMiB), i).ok());
	constexpr int kThreads = 6, kRounds = 30;
	constexpr uint64_t kShared = 4;  // chunks 0..3: every thread writes its own block
	std::atomic<int> failures{0};
	auto block = [](int t, uint64_t chunk, int round) {
		return pattern(4096, static_cast<uint32_t>(t * 100000 + chunk * 1000 + round));
	};
	std::vector<std::thread> threads;
	for (int t = 0; t < kThreads; t++) {
		threads.emplace_back([&, t] {
			uint64_t own = 100 + t;
			auto own_data = pattern(kChunkBytes, 500 + t);
			std::vector<std::byte> out(kChunkBytes), one(4096);
			for (int round = 0; round < kRounds; round++) {
				uint64_t shared = round % kShared;
				auto mine = block(t, shared, round);
				if (!s->write(shared, t, mine).ok())
					failures++;
				if (!s->read(shared, t, one).ok() || one != mine)
					failures++;
				if (!s->write(own, 0, own_data).ok() || !s->read(own, 0, out).ok() ||
				    out != own_data)
					failures++;
				if (round % 10 == 9 && !s->scrub().ok())
					failures++;
			}
		});
	}
	for (auto &th : threads)
		th.join();
	EXPECT_EQ(failures, 0);
	// Each shared chunk holds every thread's last block for it.
	std::vector<std::byte> one(4096);
	for (uint64_t c = 0; c < kShared; c++) {
		int last = kRounds - 1 - int((kRounds - 1 - c) % kShared);
		for (int t = 0; t < kThreads; t++) {
			ASSERT_TRUE(s->read(c, t, one).ok());
			EXPECT_EQ(one, block(t, c, last)) << "chunk " << c << " block " << t;
		}
	}
	EXPECT_EQ(s->counters().checksum_errors, 0u);
	ASSERT_TRUE(s->check().ok()) << s->check().error().message;
	EXPECT_EQ(s->redundancy()->healthy, kShared + kThreads);
}

TEST_F(ChunkStoreTest, AllReplicasFailedIsAnErrorNotBadData)
{
	auto s = make(1, 1);
	auto data = pattern(kChunkBytes, 9);
	ASSERT_TRUE(s->write(1, 0, data).ok());
	ASSERT_TRUE(s->fail_drive(1).ok());
	std::vector<std::byte> out(kChunkBytes);
	EXPECT_EQ(s->read(1, 0, out).error().code, EIO);
	EXPECT_EQ(s->write(1, 0, data).error().code, EIO);
	EXPECT_EQ(s->redundancy()->unavailable, 1u);
}

TEST_F(ChunkStoreTest, EnospcIsCleanAndRecoversWhenSpaceIsFreed)
{
	// 17 MiB drive: 16 MiB of data blocks = 256 chunks of 64 KiB.
	auto s = make(1, 1, 17 * kMiB);
	auto data = pattern(kChunkBytes, 10);
	uint64_t written = 0;
	Status last;
	for (uint64_t c = 0; c < 1000; c++) {
		last = s->write(c, 0, data);
		if (!last.ok())
			break;
		written++;
	}
	ASSERT_FALSE(last.ok());
	EXPECT_EQ(last.error().code, ENOSPC);
	EXPECT_EQ(written, 256u);
	ASSERT_TRUE(s->check().ok()) << s->check().error().message;
	// Existing chunks are still fully writable and readable.
	ASSERT_TRUE(s->write(0, 0, data).ok());
	ASSERT_TRUE(s->remove_all(std::vector<uint64_t>{10}).ok());
	ASSERT_TRUE(s->write(5000, 0, data).ok());
	EXPECT_EQ(s->write(5001, 0, data).error().code, ENOSPC);
	std::vector<std::byte> out(kChunkBytes);
	ASSERT_TRUE(s->read(5000, 0, out).ok());
	EXPECT_EQ(out, data);
	ASSERT_TRUE(s->check().ok());
}

TEST_F(ChunkStoreTest, ReplicationFactorAboveTheDriveCountIsRefused)
{
	auto s = make(3, 2);
	auto data = pattern(kChunkBytes, 11);
	Status r = s->write(1, 0, data);
	ASSERT_FALSE(r.ok());
	EXPECT_EQ(r.error().code, EINVAL);
	ASSERT_TRUE(s->check().ok());
}

TEST_F(ChunkStoreTest, AddDriveRefusesADriveOfAnotherCluster)
{
	auto s = make(1, 1);
	std::string foreign = dir_.make_file("foreign", 32 * kMiB);
	FormatOptions fo;
	fo.cluster = Uuid::generate();
	ASSERT_TRUE(format_drive(foreign, fo).ok());
	auto r = s->add_drive(foreign, 5);
	ASSERT_FALSE(r.ok());
	EXPECT_EQ(r.error().code, EEXIST);
	auto forced = s->add_drive(foreign, 5, true, true);
	ASSERT_TRUE(forced.ok()) << forced.error().message;
	EXPECT_EQ(s->cluster_map().drives().size(), 2u);
}

std::string crash_point_name(const ::testing::TestParamInfo<CrashPoint> &info)
{
	switch (info.param) {
	case CrashPoint::kAfterIntent:
		return "AfterIntent";
	case CrashPoint::kAfterFirstData:
		return "AfterFirstData";
	case CrashPoint::kAfterAllData:
		return "AfterAllData";
	case CrashPoint::kAfterCommit:
		return "AfterCommit";
	case CrashPoint::kAfterDeferredCommit:
		return "AfterDeferredCommit";
	}
	return "Unknown";
}

// Kill a write at every step; after reopen the metadata is consistent, an
// acknowledged write is all there, an interrupted one is all old or all new.
class CrashPointTest : public ChunkStoreTest, public ::testing::WithParamInterface<CrashPoint> {};

TEST_P(CrashPointTest, ReopenIsConsistentAndLosesNothingAcknowledged)
{
	CrashPoint point = GetParam();
	auto v1 = pattern(kChunkBytes, 20), v2 = pattern(kChunkBytes, 21);
	{
		auto s = make(2, 2);
		ASSERT_TRUE(s->write(1, 0, v1).ok());  // acknowledged
	}
	StoreOptions o = options(2);
	o.deferred_max_blocks = 0;  // the intent protocol (DeferredCrashTest: the other)
	o.crash_at = [point](CrashPoint p) { return p == point; };
	{
		auto s = ChunkStore::open(o);
		ASSERT_TRUE(s.ok());
		Status w1 = (*s)->write(1, 4, std::span(v2).subspan(4 * 4096, 8 * 4096));
		Status w2 = (*s)->write(2, 0, v2);  // a new chunk, if still running
		EXPECT_EQ(w1.ok(), point == CrashPoint::kAfterCommit);
		EXPECT_FALSE(w2.ok());
	}
	auto s = open(2);
	ASSERT_TRUE(s->check().ok()) << s->check().error().message;
	std::vector<std::byte> out(kChunkBytes);
	ASSERT_TRUE(s->read(1, 0, out).ok());
	bool is_old = out == v1;
	std::vector<std::byte> expect_new = v1;
	std::memcpy(expect_new.data() + 4 * 4096, v2.data() + 4 * 4096, 8 * 4096);
	bool is_new = out == expect_new;
	EXPECT_TRUE(is_old || is_new);
	if (point == CrashPoint::kAfterCommit || point == CrashPoint::kAfterAllData ||
	    point == CrashPoint::kAfterFirstData) {
		EXPECT_TRUE(is_new);  // durable somewhere: rolled forward
	}
	if (point == CrashPoint::kAfterIntent) {
		EXPECT_TRUE(is_old);
	}
	// Both replicas agree afterwards.
	auto scrub = s->scrub();
	ASSERT_TRUE(scrub.ok());
	EXPECT_EQ(scrub->bad_blocks, 0u);
	EXPECT_EQ(s->redundancy()->healthy, 1u);
	// And the store keeps working.
	ASSERT_TRUE(s->write(2, 0, v2).ok());
	ASSERT_TRUE(s->read(2, 0, out).ok());
	EXPECT_EQ(out, v2);
	ASSERT_TRUE(s->check().ok());
}

// A new chunk (or unwritten blocks) needs no intent: a crash before step 3
// leaves no chunk, no allocation and nothing to recover.
TEST_P(CrashPointTest, ANewChunkInterruptedLeavesNothingBehind)
{
	CrashPoint point = GetParam();
	auto v = pattern(kChunkBytes, 22);
	uint64_t free_before = 0;
	{
		auto s = make(2, 2);
		free_before = s->free_blocks(1) + s->free_blocks(2);
	}
	StoreOptions o = options(2);
	o.deferred_max_blocks = 0;  // the intent protocol (DeferredCrashTest: the other)
	o.crash_at = [point](CrashPoint p) { return p == point; };
	{
		auto s = ChunkStore::open(o);
		ASSERT_TRUE(s.ok());
		Status w = (*s)->write(9, 0, v);
		// No intent for a new chunk, so that point is never reached.
		bool completes = point == CrashPoint::kAfterCommit || point == CrashPoint::kAfterIntent;
		EXPECT_EQ(w.ok(), completes);
	}
	auto s = open(2);
	ASSERT_TRUE(s->check().ok()) << s->check().error().message;
	auto rec = s->chunk_record(9);
	ASSERT_TRUE(rec.ok());
	std::vector<std::byte> out(kChunkBytes);
	ASSERT_TRUE(s->read(9, 0, out).ok());
	if (point == CrashPoint::kAfterCommit || point == CrashPoint::kAfterIntent) {
		EXPECT_TRUE(rec->has_value());
		EXPECT_EQ(out, v);
	} else {
		EXPECT_FALSE(rec->has_value());
		EXPECT_EQ(s->free_blocks(1) + s->free_blocks(2), free_before);
		EXPECT_TRUE(std::all_of(out.begin(), out.end(), [](std::byte b) { return b == std::byte{0}; }));
	}
}

// A write that grows a chunk (blocks 4..9 get space) and overwrites two of
// its written blocks (2, 3: an intent), killed at every step.  The new
// space is committed only with step 3: before that nothing is allocated on
// disk, the grown blocks read as zeros, and no block leaks.  The
// overwritten blocks follow the intent rules (old, or rolled forward once
// the data was durable somewhere).
TEST_P(CrashPointTest, AGrowingWriteInterruptedLeaksNothing)
{
	CrashPoint point = GetParam();
	auto v1 = pattern(kChunkBytes, 23), v2 = pattern(kChunkBytes, 24);
	uint64_t free_before = 0;
	{
		auto s = make(2, 2);
		ASSERT_TRUE(s->write(1, 0, std::span(v1).first(4 * 4096)).ok());
		free_before = s->free_blocks(1) + s->free_blocks(2);
	}
	StoreOptions o = options(2);
	o.deferred_max_blocks = 0;  // the intent protocol (DeferredCrashTest: the other)
	o.crash_at = [point](CrashPoint p) { return p == point; };
	{
		auto s = ChunkStore::open(o);
		ASSERT_TRUE(s.ok());
		Status w = (*s)->write(1, 2, std::span(v2).subspan(2 * 4096, 8 * 4096));
		EXPECT_EQ(w.ok(), point == CrashPoint::kAfterCommit);
	}
	auto s = open(2);
	ASSERT_TRUE(s->check().ok()) << s->check().error().message;
	std::vector<std::byte> out(kChunkBytes);
	ASSERT_TRUE(s->read(1, 0, out).ok());
	std::vector<std::byte> expect(kChunkBytes);
	std::memcpy(expect.data(), v1.data(), 4 * 4096);
	if (point != CrashPoint::kAfterIntent)  // durable somewhere: rolled forward
		std::memcpy(expect.data() + 2 * 4096, v2.data() + 2 * 4096, 2 * 4096);
	if (point == CrashPoint::kAfterCommit) {
		std::memcpy(expect.data() + 4 * 4096, v2.data() + 4 * 4096, 6 * 4096);
		EXPECT_EQ(s->free_blocks(1) + s->free_blocks(2), free_before - 2 * 6);
	} else {
		EXPECT_EQ(s->free_blocks(1) + s->free_blocks(2), free_before);
		EXPECT_EQ(record(*s, 1).mapped_blocks(), 4u);
	}
	EXPECT_EQ(out, expect);
	auto scrub = s->scrub();
	ASSERT_TRUE(scrub.ok());
	EXPECT_EQ(scrub->bad_blocks, 0u);
	EXPECT_EQ(s->redundancy()->healthy, 1u);
	// The store keeps working and the chunk grows again.
	ASSERT_TRUE(s->write(1, 0, v2).ok());
	ASSERT_TRUE(s->read(1, 0, out).ok());
	EXPECT_EQ(out, v2);
	EXPECT_EQ(s->free_blocks(1) + s->free_blocks(2), free_before - 2 * (kChunkBlocks - 4));
	ASSERT_TRUE(s->check().ok()) << s->check().error().message;
}

// Pure growth of an existing chunk (no intent: the blocks were never
// written), killed at every step it reaches.
TEST_P(CrashPointTest, GrowthWithoutAnIntentInterruptedLeaksNothing)
{
	CrashPoint point = GetParam();
	auto v = pattern(kChunkBytes, 25);
	uint64_t free_before = 0;
	{
		auto s = make(2, 2);
		ASSERT_TRUE(s->write(3, 0, std::span(v).first(4096)).ok());
		free_before = s->free_blocks(1) + s->free_blocks(2);
	}
	StoreOptions o = options(2);
	o.deferred_max_blocks = 0;  // the intent protocol (DeferredCrashTest: the other)
	o.crash_at = [point](CrashPoint p) { return p == point; };
	bool completes = point == CrashPoint::kAfterCommit || point == CrashPoint::kAfterIntent;
	{
		auto s = ChunkStore::open(o);
		ASSERT_TRUE(s.ok());
		Status w = (*s)->write(3, 8, std::span(v).subspan(8 * 4096, 4 * 4096));
		EXPECT_EQ(w.ok(), completes);
	}
	auto s = open(2);
	ASSERT_TRUE(s->check().ok()) << s->check().error().message;
	std::vector<std::byte> out(kChunkBytes), expect(kChunkBytes);
	std::memcpy(expect.data(), v.data(), 4096);
	if (completes)
		std::memcpy(expect.data() + 8 * 4096, v.data() + 8 * 4096, 4 * 4096);
	ASSERT_TRUE(s->read(3, 0, out).ok());
	EXPECT_EQ(out, expect);
	EXPECT_EQ(s->free_blocks(1) + s->free_blocks(2), free_before - (completes ? 2 * 4 : 0));
}

INSTANTIATE_TEST_SUITE_P(EveryStep, CrashPointTest,
			 ::testing::Values(CrashPoint::kAfterIntent, CrashPoint::kAfterFirstData,
					   CrashPoint::kAfterAllData, CrashPoint::kAfterCommit),
			 crash_point_name);

// A small overwrite takes the deferred path (one synced commit carrying the
// data, then the data in place unflushed), killed at every step it has:
// the committed record is replayed at the next open, so the write is there
// whether or not it was acknowledged, on both replicas.
class DeferredCrashTest : public ChunkStoreTest, public ::testing::WithParamInterface<CrashPoint> {};

TEST_P(DeferredCrashTest, TheCommittedWriteIsReplayedAtOpen)
{
	CrashPoint point = GetParam();
	auto v1 = pattern(kChunkBytes, 40), v2 = pattern(kChunkBytes, 41);
	std::vector<std::pair<std::string, uint64_t>> block4;  // (drive file, offset)
	{
		auto s = make(2, 2);
		ASSERT_TRUE(s->write(1, 0, v1).ok());
		for (const Replica &r : record(*s, 1).replicas)
			block4.emplace_back(path_of(r.drive), block_offset(*s, r, 4));
	}
	StoreOptions o = options(2);
	o.crash_at = [point](CrashPoint p) { return p == point; };
	{
		auto s = ChunkStore::open(o);
		ASSERT_TRUE(s.ok());
		Status w = (*s)->write(1, 4, std::span(v2).subspan(4 * 4096, 8 * 4096));
		EXPECT_EQ(w.ok(), point == CrashPoint::kAfterCommit);
		EXPECT_EQ((*s)->counters().deferred_writes, point == CrashPoint::kAfterCommit ? 1u : 0u);
	}
	if (point == CrashPoint::kAfterDeferredCommit) {
		// Nothing in place yet: only the replay can bring the data.
		for (const auto &[path, offset] : block4) {
			auto raw = raw_read(path, offset, 4096);
			EXPECT_EQ(std::memcmp(raw.data(), v1.data() + 4 * 4096, 4096), 0) << path;
		}
	}
	auto s = open(2);
	EXPECT_EQ(s->counters().replayed_blocks, 2u * 8);
	ASSERT_TRUE(s->check().ok()) << s->check().error().message;
	std::vector<std::byte> out(kChunkBytes), expect = v1;
	std::memcpy(expect.data() + 4 * 4096, v2.data() + 4 * 4096, 8 * 4096);
	ASSERT_TRUE(s->read(1, 0, out).ok());
	EXPECT_EQ(out, expect);
	for (const auto &[path, offset] : block4) {
		auto raw = raw_read(path, offset, 4096);
		EXPECT_EQ(std::memcmp(raw.data(), v2.data() + 4 * 4096, 4096), 0) << path;
	}
	auto scrub = s->scrub();
	ASSERT_TRUE(scrub.ok());
	EXPECT_EQ(scrub->bad_blocks, 0u);
	EXPECT_EQ(s->redundancy()->healthy, 1u);
	EXPECT_EQ(s->counters().checksum_errors, 0u);
}

INSTANTIATE_TEST_SUITE_P(EveryStep, DeferredCrashTest,
			 ::testing::Values(CrashPoint::kAfterDeferredCommit, CrashPoint::kAfterFirstData,
					   CrashPoint::kAfterAllData, CrashPoint::kAfterCommit),
			 crash_point_name);

// Records left at close (no flush) are replayed block by block only while
// the chunk record still holds their data: a later write or a discard of
// the block wins, and a block whose in-place copy was lost is restored.
TEST_F(ChunkStoreTest, DeferredReplayYieldsToLaterWritesAndDiscards)
{
	auto v1 = pattern(kChunkBytes, 42), v2 = pattern(kChunkBytes, 43);
	auto a = pattern(4096, 44), b = pattern(4096, 45), c = pattern(4096, 46);
	std::string drive;
	uint64_t c_offset = 0;
	{
		StoreOptions o = options(1);
		o.flush_deferred = false;
		o.deferred_max_blocks = 4;  // whole-chunk writes take the intent path
		auto opened = ChunkStore::open(o);
		ASSERT_TRUE(opened.ok());
		auto &s = *opened;
		ASSERT_TRUE(s->add_drive(dir_.make_file("drive0", 32 * kMiB), 0).ok());
		for (uint64_t chunk = 1; chunk <= 3; chunk++)
			ASSERT_TRUE(s->write(chunk, 0, v1).ok());
		ASSERT_TRUE(s->write(1, 2, a).ok());   // deferred...
		ASSERT_TRUE(s->write(1, 0, v2).ok());  // ...then overwritten (intent path)
		ASSERT_TRUE(s->write(2, 3, b).ok());   // deferred...
		ASSERT_TRUE(s->discard(2, 3, 1).ok()); // ...then discarded
		ASSERT_TRUE(s->write(3, 5, c).ok());   // deferred, the last word
		EXPECT_EQ(s->counters().deferred_writes, 3u);
		ChunkRecord rec3 = record(*s, 3);
		const Replica &r = rec3.replicas[0];
		drive = path_of(r.drive);
		c_offset = block_offset(*s, r, 5);
	}
	// Lose chunk 3 block 5's in place copy, as a power cut before the
	// flush would.
	{
		int fd = ::open(drive.c_str(), O_WRONLY | O_CLOEXEC);
		ASSERT_GE(fd, 0);
		ASSERT_EQ(::pwrite(fd, v1.data() + 5 * 4096, 4096, static_cast<off_t>(c_offset)), 4096);
		::close(fd);
	}
	auto s = open(1);
	EXPECT_EQ(s->counters().replayed_blocks, 1u);
	ASSERT_TRUE(s->check().ok()) << s->check().error().message;
	std::vector<std::byte> out(kChunkBytes);
	ASSERT_TRUE(s->read(1, 0, out).ok());
	EXPECT_EQ(out, v2);
	std::vector<std::byte> expect = v1;
	std::memset(expect.data() + 3 * 4096, 0, 4096);
	ASSERT_TRUE(s->read(2, 0, out).ok());
	EXPECT_EQ(out, expect);
	expect = v1;
	std::memcpy(expect.data() + 5 * 4096, c.data(), 4096);
	ASSERT_TRUE(s->read(3, 0, out).ok());
	EXPECT_EQ(out, expect);
	EXPECT_EQ(s->counters().checksum_errors, 0u);
}

// A flush drops the records it made redundant: the next open has nothing
// to replay.  Explicit here, then by the background flusher.
TEST_F(ChunkStoreTest, FlushedDeferredWritesAreNotReplayed)
{
	auto v = pattern(kChunkBytes, 47), one = pattern(4096, 48);
	{
		StoreOptions o = options(1);
		o.flush_deferred = false;
		auto opened = ChunkStore::open(o);
		ASSERT_TRUE(opened.ok());
		auto &s = *opened;
		ASSERT_TRUE(s->add_drive(dir_.make_file("drive0", 32 * kMiB), 0).ok());
		ASSERT_TRUE(s->write(1, 0, v).ok());
		ASSERT_TRUE(s->write(1, 7, one).ok());
		EXPECT_EQ(s->counters().deferred_writes, 1u);  // the block (the chunk was new)
		ASSERT_TRUE(s->flush_deferred().ok());
		EXPECT_EQ(s->counters().deferred_flushes, 1u);
	}
	std::atomic<bool> stop{false};
	std::vector<std::byte> out0(4096);
	{
		StoreOptions o = options(1);
		o.crash_at = [&stop](CrashPoint p) { return stop && p == CrashPoint::kAfterCommit; };
		auto opened = ChunkStore::open(o);
		ASSERT_TRUE(opened.ok());
		auto &s = *opened;
		EXPECT_EQ(s->counters().replayed_blocks, 0u);
		ASSERT_TRUE(s->write(1, 9, one).ok());
		// The background flusher runs within 50 ms of a deferred write.
		for (int i = 0; i < 1000 && s->counters().deferred_flushes == 0; i++)
			std::this_thread::sleep_for(std::chrono::milliseconds(10));
		EXPECT_EQ(s->counters().deferred_flushes, 1u);
		stop = true;  // "crash" after this write: the close flushes nothing
		EXPECT_TRUE(s->write(2, 0, v).ok());
		EXPECT_FALSE(s->read(1, 0, std::span(out0)).ok());
	}
	auto s = open(1);
	EXPECT_EQ(s->counters().replayed_blocks, 0u);
	std::vector<std::byte> out(kChunkBytes), expect = v;
	std::memcpy(expect.data() + 7 * 4096, one.data(), 4096);
	std::memcpy(expect.data() + 9 * 4096, one.data(), 4096);
	ASSERT_TRUE(s->read(1, 0, out).ok());
	EXPECT_EQ(out, expect);
	ASSERT_TRUE(s->check().ok()) << s->check().error().message;
}

}  // namespace
}  // namespace weft::storage

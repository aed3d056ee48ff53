#include "storage/chunk_store.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <cstring>

#include "temp_dir.h"

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
		return s.drive(r.drive)->block_offset(r.start_block + block);
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
		ASSERT_TRUE(s->remove(3).ok());
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
	ASSERT_TRUE(s->remove(10).ok());
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

INSTANTIATE_TEST_SUITE_P(EveryStep, CrashPointTest,
			 ::testing::Values(CrashPoint::kAfterIntent, CrashPoint::kAfterFirstData,
					   CrashPoint::kAfterAllData, CrashPoint::kAfterCommit),
			 [](const auto &info) {
				 switch (info.param) {
				 case CrashPoint::kAfterIntent:
					 return "AfterIntent";
				 case CrashPoint::kAfterFirstData:
					 return "AfterFirstData";
				 case CrashPoint::kAfterAllData:
					 return "AfterAllData";
				 case CrashPoint::kAfterCommit:
					 return "AfterCommit";
				 }
				 return "Unknown";
			 });

}  // namespace
}  // namespace weft::storage

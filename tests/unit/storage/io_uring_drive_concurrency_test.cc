// IoUringDrive under concurrency: every batch leases a ring of its own from
// the drive's pool; completions must reach their own caller only, the pool
// must reuse rings, and a failing drive must fail every op issued after it
// failed without leaving any caller waiting.
#include <fcntl.h>
#include <unistd.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <random>
#include <thread>
#include <vector>

#include "storage/aligned_buffer.h"
#include "storage/io_uring_drive.h"
#include "temp_dir.h"

namespace weft::storage {
namespace {

constexpr uint64_t kSize = 16 << 20;
constexpr uint32_t kBlock = 4096;

std::unique_ptr<IoUringDrive> open_file(const std::string &path, uint64_t size, unsigned depth)
{
	UniqueFd fd(::open(path.c_str(), O_RDWR | O_DIRECT | O_CLOEXEC));
	EXPECT_TRUE(fd.valid());
	auto d = IoUringDrive::create(std::move(fd), size, {depth});
	EXPECT_TRUE(d.ok());
	return d.ok() ? std::move(*d) : nullptr;
}

// Each thread writes its own region in batches of 1..12 ops through rings of
// 4 entries, then reads it back in shuffled batches and compares bytes:
// once from plain memory and, after the arena is registered with every ring
// made so far, from registered memory.
TEST(IoUringDriveConcurrency, EveryCallerGetsItsOwnCompletions)
{
	testing::TempDir dir;
	auto drive = open_file(dir.make_file("d", kSize), kSize, 4);
	ASSERT_TRUE(drive);
	constexpr unsigned kThreads = 24, kRounds = 12, kMaxOps = 12;
	constexpr size_t kRegion = kMaxOps * kBlock;
	AlignedBuffer arena(kThreads * kRegion);
	std::atomic<unsigned> failures{0}, batches{0};
	auto phase = [&](bool registered) {
		std::vector<std::thread> pool;
		for (unsigned t = 0; t < kThreads; t++) {
			pool.emplace_back([&, t] {
				std::mt19937 rng(t * 7 + registered);
				AlignedBuffer plain(kRegion);
				std::byte *mine = registered ? arena.data() + t * kRegion : plain.data();
				for (unsigned round = 0; round < kRounds; round++) {
					unsigned n = 1 + rng() % kMaxOps;
					auto data = testing::pattern(n * kBlock, t * 1000 + round + 500 * registered);
					std::memcpy(mine, data.data(), data.size());
					std::vector<IoOp> ops(n);
					for (unsigned i = 0; i < n; i++)
						ops[i] = {IoOp::Kind::kWrite, t * kRegion + i * kBlock,
							  mine + i * kBlock, kBlock};
					if (!drive->run(ops, round % 4 == 0).ok())
						failures++;
					for (const IoOp &op : ops)
						failures += op.result != int(kBlock);
					std::memset(mine, 0, n * kBlock);
					std::shuffle(ops.begin(), ops.end(), rng);
					for (IoOp &op : ops)
						op.kind = IoOp::Kind::kRead;
					if (!drive->run(ops).ok())
						failures++;
					for (const IoOp &op : ops)
						failures += op.result != int(kBlock);
					failures += std::memcmp(mine, data.data(), data.size()) != 0;
					batches += 2;
				}
			});
		}
		for (auto &th : pool)
			th.join();
	};
	phase(false);
	// Rings are reused: a thread holds one batch at a time, so there are
	// never more rings than threads.
	size_t rings = drive->rings();
	EXPECT_GE(rings, 1u);
	EXPECT_LE(rings, kThreads);
	ASSERT_TRUE(drive->register_buffer(arena.span()).ok());
	phase(true);
	EXPECT_LE(drive->rings(), kThreads);
	EXPECT_EQ(failures, 0u);
	EXPECT_EQ(batches, 2u * 2 * kThreads * kRounds);
	EXPECT_FALSE(drive->failed());
}

// One thread with several batches open on one drive at once: each has its
// own ring, so they neither wait for each other nor mix up completions, in
// whatever order they are finished.  A batch refused before reaching the
// device takes no ring.
TEST(IoUringDriveConcurrency, OneCallerHoldsSeveralBatchesOpen)
{
	testing::TempDir dir;
	auto drive = open_file(dir.make_file("d", kSize), kSize, 2);
	ASSERT_TRUE(drive);
	constexpr unsigned kBatches = 5, kOps = 3;
	AlignedBuffer buf(kBatches * kOps * kBlock);
	auto data = testing::pattern(buf.size(), 42);
	std::memcpy(buf.data(), data.data(), data.size());
	IoOp write{IoOp::Kind::kWrite, 0, buf.data(), static_cast<uint32_t>(buf.size())};
	ASSERT_TRUE(drive->run({&write, 1}).ok());
	std::memset(buf.data(), 0, buf.size());

	std::vector<std::vector<IoOp>> ops(kBatches);
	std::vector<IoBatch> batches(kBatches);
	for (unsigned b = 0; b < kBatches; b++) {
		for (unsigned i = 0; i < kOps; i++) {
			uint64_t at = (uint64_t{b} * kOps + i) * kBlock;
			ops[b].push_back({IoOp::Kind::kRead, at, buf.data() + at, kBlock});
		}
		batches[b].ops = ops[b];
		drive->start(batches[b]);
	}
	IoOp beyond{IoOp::Kind::kRead, kSize, buf.data(), kBlock};
	IoBatch refused;
	refused.ops = {&beyond, 1};
	drive->start(refused);
	EXPECT_GE(drive->rings(), kBatches);
	for (unsigned b = kBatches; b-- > 0;) {
		ASSERT_TRUE(drive->finish(batches[b]).ok()) << b;
		for (const IoOp &op : ops[b])
			EXPECT_EQ(op.result, int(kBlock));
	}
	EXPECT_EQ(drive->finish(refused).error().code, EINVAL);
	EXPECT_EQ(std::memcmp(buf.data(), data.data(), data.size()), 0);
	EXPECT_FALSE(drive->failed());
}

// Threads read while the drive fails under them (an injected error on one
// op): no caller hangs, the failing batch reports the error, every op
// issued after the failure fails with EIO without reaching the device, and
// every op that did succeed read the right bytes.
TEST(IoUringDriveConcurrency, AFailureMidRunFailsEveryLaterOp)
{
	testing::TempDir dir;
	auto drive = open_file(dir.make_file("d", kSize), kSize, 4);
	ASSERT_TRUE(drive);
	constexpr unsigned kThreads = 16, kBlocks = 64;
	AlignedBuffer src(kBlocks * kBlock);
	auto data = testing::pattern(src.size(), 7);
	std::memcpy(src.data(), data.data(), data.size());
	IoOp write{IoOp::Kind::kWrite, 0, src.data(), static_cast<uint32_t>(src.size())};
	ASSERT_TRUE(drive->run({&write, 1}).ok());

	std::atomic<unsigned> issued{0}, failed_batches{0}, bad{0};
	constexpr unsigned kFailAt = 400;
	drive->set_fault_hook([&](const IoOp &) { return ++issued == kFailAt ? EIO : 0; });
	std::vector<std::thread> pool;
	for (unsigned t = 0; t < kThreads; t++) {
		pool.emplace_back([&, t] {
			AlignedBuffer buf(3 * kBlock);
			std::mt19937 rng(t);
			// Until this thread has seen the drive fail, then a few
			// more: those must all fail at once.
			for (unsigned after = 0; after < 5;) {
				IoOp ops[3];
				for (unsigned i = 0; i < 3; i++)
					ops[i] = {IoOp::Kind::kRead, (rng() % kBlocks) * kBlock,
						  buf.data() + i * kBlock, kBlock};
				bool was_failed = drive->failed();
				Status s = drive->run(ops);
				for (const IoOp &op : ops) {
					if (op.result == int(kBlock)) {
						bad += was_failed;  // reached a failed drive
						bad += std::memcmp(op.buf, data.data() + op.offset, kBlock) != 0;
					} else {
						bad += op.result != -EIO;
						bad += s.ok();
					}
				}
				if (!s.ok()) {
					bad += s.error().code != EIO;
					failed_batches++;
				}
				if (was_failed)
					after++;
			}
		});
	}
	for (auto &th : pool)
		th.join();
	EXPECT_EQ(bad, 0u);
	EXPECT_TRUE(drive->failed());
	EXPECT_EQ(drive->io_errors(), 1u);  // the injected one; the rest were refused
	EXPECT_GE(failed_batches, kThreads * 5u);
}

// A batch started and never finished (its owner gave up): destroying the
// drive waits until the kernel is done with the batch's memory.  The
// "drive" is a pipe, so the read stays in flight until the test writes.
TEST(IoUringDriveConcurrency, DestroyingTheDriveWaitsForAnAbandonedBatch)
{
	int p[2];
	ASSERT_EQ(::pipe2(p, O_CLOEXEC), 0);
	UniqueFd writer(p[1]);
	auto drive = IoUringDrive::create(UniqueFd(p[0]), 1 << 20, {8});
	ASSERT_TRUE(drive.ok());
	AlignedBuffer buf(kBlock);
	std::memset(buf.data(), 0, kBlock);
	IoOp op{IoOp::Kind::kRead, 0, buf.data(), kBlock};
	IoBatch abandoned;
	abandoned.ops = {&op, 1};
	(*drive)->start(abandoned);

	std::atomic<bool> gone{false};
	std::thread closer([&] {
		drive->reset();
		gone = true;
	});
	std::this_thread::sleep_for(std::chrono::milliseconds(200));
	EXPECT_FALSE(gone);  // still waiting for the read
	auto data = testing::pattern(kBlock, 9);
	ASSERT_EQ(::write(writer.get(), data.data(), kBlock), ssize_t{kBlock});
	closer.join();
	EXPECT_TRUE(gone);
	EXPECT_EQ(std::memcmp(buf.data(), data.data(), kBlock), 0);
}

}  // namespace
}  // namespace weft::storage

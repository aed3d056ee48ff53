#include "storage/io_uring_drive.h"

#include <fcntl.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <thread>
#include <vector>

#include "storage/aligned_buffer.h"
#include "temp_dir.h"

namespace weft::storage {
namespace {

constexpr uint64_t kSize = 8 << 20;

std::unique_ptr<IoUringDrive> open_file(const testing::TempDir &dir, unsigned depth = 8)
{
	std::string path = dir.make_file("raw", kSize);
	UniqueFd fd(::open(path.c_str(), O_RDWR | O_DIRECT | O_CLOEXEC));
	EXPECT_TRUE(fd.valid());
	auto d = IoUringDrive::create(std::move(fd), kSize, {depth});
	EXPECT_TRUE(d.ok());
	return std::move(*d);
}

TEST(IoUringDrive, BatchOfWritesAndReadsWithRegisteredBuffers)
{
	testing::TempDir dir;
	auto drive = open_file(dir, 8);  // 64 ops through a ring of 8
	constexpr size_t kOps = 64;
	AlignedBuffer arena(kOps * 4096);
	ASSERT_TRUE(drive->register_buffer(arena.span()).ok());
	auto data = testing::pattern(arena.size(), 1);
	std::memcpy(arena.data(), data.data(), data.size());
	std::vector<IoOp> ops(kOps);
	for (size_t i = 0; i < kOps; i++)
		ops[i] = {IoOp::Kind::kWrite, (kOps - 1 - i) * 4096, arena.data() + i * 4096, 4096};
	ASSERT_TRUE(drive->run(ops, true).ok());
	for (const IoOp &op : ops)
		EXPECT_EQ(op.result, 4096);

	std::memset(arena.data(), 0, arena.size());
	for (size_t i = 0; i < kOps; i++)
		ops[i] = {IoOp::Kind::kRead, (kOps - 1 - i) * 4096, arena.data() + i * 4096, 4096};
	ASSERT_TRUE(drive->run(ops).ok());
	EXPECT_EQ(std::memcmp(arena.data(), data.data(), data.size()), 0);

	// Unregistered (but aligned) memory works too.
	AlignedBuffer plain(4096);
	IoOp op{IoOp::Kind::kRead, (kOps - 1) * 4096, plain.data(), 4096};
	ASSERT_TRUE(drive->run({&op, 1}).ok());
	EXPECT_EQ(std::memcmp(plain.data(), data.data(), 4096), 0);
	EXPECT_FALSE(drive->failed());
}

TEST(IoUringDrive, AnIoErrorIsAValueAndFailsTheDrive)
{
	testing::TempDir dir;
	auto drive = open_file(dir);
	AlignedBuffer buf(2 * 4096);
	drive->set_fault_hook([](const IoOp &op) { return op.offset == 4096 ? EIO : 0; });
	IoOp ops[2] = {{IoOp::Kind::kWrite, 0, buf.data(), 4096},
		       {IoOp::Kind::kWrite, 4096, buf.data() + 4096, 4096}};
	Status s = drive->run(ops, true);
	ASSERT_FALSE(s.ok());
	EXPECT_EQ(s.error().code, EIO);
	EXPECT_EQ(ops[1].result, -EIO);
	EXPECT_TRUE(drive->failed());
	EXPECT_EQ(drive->io_errors(), 1u);
	// Once failed, nothing reaches the device.
	drive->set_fault_hook({});
	IoOp again{IoOp::Kind::kRead, 0, buf.data(), 4096};
	EXPECT_EQ(drive->run({&again, 1}).error().code, EIO);
	EXPECT_EQ(again.result, -EIO);
	EXPECT_FALSE(drive->flush().ok());
}

TEST(IoUringDrive, KernelErrorsAndShortTransfersFailTheDrive)
{
	testing::TempDir dir;
	std::string path = dir.make_file("ro", kSize);
	AlignedBuffer buf(4096);
	{
		// The kernel refuses a write to a read-only fd: EBADF as a value.
		UniqueFd fd(::open(path.c_str(), O_RDONLY | O_DIRECT | O_CLOEXEC));
		auto drive = IoUringDrive::create(std::move(fd), kSize, {});
		ASSERT_TRUE(drive.ok());
		IoOp op{IoOp::Kind::kWrite, 0, buf.data(), 4096};
		Status s = (*drive)->run({&op, 1});
		ASSERT_FALSE(s.ok());
		EXPECT_EQ(s.error().code, EBADF);
		EXPECT_EQ(op.result, -EBADF);
		EXPECT_TRUE((*drive)->failed());
	}
	{
		// A device that is shorter than it claims (a truncated file):
		// the read comes back short, which is an error too.
		UniqueFd fd(::open(path.c_str(), O_RDWR | O_DIRECT | O_CLOEXEC));
		auto drive = IoUringDrive::create(std::move(fd), 2 * kSize, {});
		ASSERT_TRUE(drive.ok());
		IoOp op{IoOp::Kind::kRead, kSize, buf.data(), 4096};
		EXPECT_EQ((*drive)->run({&op, 1}).error().code, EIO);
		EXPECT_EQ(op.result, 0);
		EXPECT_TRUE((*drive)->failed());
	}
	{
		// Out of range is refused before it reaches the kernel, and is a
		// caller bug, not a drive failure.
		UniqueFd fd(::open(path.c_str(), O_RDWR | O_DIRECT | O_CLOEXEC));
		auto drive = IoUringDrive::create(std::move(fd), kSize, {});
		IoOp beyond{IoOp::Kind::kRead, kSize, buf.data(), 4096};
		EXPECT_EQ((*drive)->run({&beyond, 1}).error().code, EINVAL);
		EXPECT_FALSE((*drive)->failed());
	}
}

// Flushes from many threads at once all complete; a failed one fails its
// caller and the drive.
TEST(IoUringDrive, ConcurrentFlushes)
{
	testing::TempDir dir;
	auto drive = open_file(dir);
	std::atomic<unsigned> flushes{0};
	drive->set_fault_hook([&](const IoOp &op) {
		flushes += op.kind == IoOp::Kind::kFlush;
		return 0;
	});
	constexpr unsigned kThreads = 16, kEach = 10;
	std::atomic<unsigned> ok{0};
	std::vector<std::thread> pool;
	for (unsigned t = 0; t < kThreads; t++)
		pool.emplace_back([&] {
			for (unsigned i = 0; i < kEach; i++)
				ok += drive->flush().ok();
		});
	for (auto &th : pool)
		th.join();
	EXPECT_EQ(ok, kThreads * kEach);
	EXPECT_EQ(flushes, kThreads * kEach);

	drive->set_fault_hook([](const IoOp &op) { return op.kind == IoOp::Kind::kFlush ? EIO : 0; });
	EXPECT_EQ(drive->flush().error().code, EIO);
	EXPECT_TRUE(drive->failed());
}

TEST(IoUringDrive, ThreadsShareOneRingWithoutLosingCompletions)
{
	testing::TempDir dir;
	auto drive = open_file(dir, 4);  // far fewer slots than ops in flight
	constexpr int kThreads = 6, kRounds = 40, kOpsPerBatch = 5;
	AlignedBuffer arena(kThreads * kOpsPerBatch * 4096);
	ASSERT_TRUE(drive->register_buffer(arena.span()).ok());
	std::vector<std::thread> threads;
	std::atomic<int> failures{0};
	for (int t = 0; t < kThreads; t++) {
		threads.emplace_back([&, t] {
			std::byte *mine = arena.data() + t * kOpsPerBatch * 4096;
			for (int round = 0; round < kRounds; round++) {
				auto data = testing::pattern(kOpsPerBatch * 4096, t * 1000 + round);
				std::memcpy(mine, data.data(), data.size());
				IoOp ops[kOpsPerBatch];
				for (int i = 0; i < kOpsPerBatch; i++)
					ops[i] = {IoOp::Kind::kWrite, uint64_t(t * kOpsPerBatch + i) * 4096,
						  mine + i * 4096, 4096};
				if (!drive->run(ops, round % 8 == 0).ok())
					failures++;
				std::memset(mine, 0, data.size());
				for (IoOp &op : ops)
					op.kind = IoOp::Kind::kRead;
				if (!drive->run(ops).ok() || std::memcmp(mine, data.data(), data.size()) != 0)
					failures++;
			}
		});
	}
	for (auto &th : threads)
		th.join();
	EXPECT_EQ(failures, 0);
	EXPECT_FALSE(drive->failed());
}

}  // namespace
}  // namespace weft::storage

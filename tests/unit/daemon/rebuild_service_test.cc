// RebuildService against a real ChunkStore on drive files: a failed drive's
// replicas come back on the others without anyone asking.
#include "rebuild_service.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "../storage/temp_dir.h"

namespace weft {
namespace {

using storage::testing::pattern;
using storage::testing::TempDir;

constexpr uint32_t kChunkBlocks = 16;
constexpr size_t kChunkBytes = kChunkBlocks * 4096;

class RebuildServiceTest : public ::testing::Test {
protected:
	std::unique_ptr<storage::ChunkStore> make(uint32_t drives)
	{
		storage::StoreOptions o;
		o.meta_dir = dir_.path() + "/meta";
		o.cluster = storage::Uuid::generate();
		o.chunk_blocks = kChunkBlocks;
		o.replicas = 2;
		o.pg_count = 256;
		auto s = storage::ChunkStore::open(o);
		if (!s.ok()) {
			ADD_FAILURE() << s.error().message;
			return nullptr;
		}
		for (uint32_t i = 0; i < drives; i++) {
			auto id = (*s)->add_drive(dir_.make_file("drive" + std::to_string(i), 32 << 20), i);
			EXPECT_TRUE(id.ok()) << id.error().message;
		}
		return std::move(*s);
	}

	// Polls until pred holds or 30 s pass (an outcome, not a timing).
	template <typename Pred>
	static bool eventually(Pred pred)
	{
		auto end = std::chrono::steady_clock::now() + std::chrono::seconds(30);
		while (std::chrono::steady_clock::now() < end) {
			if (pred())
				return true;
			std::this_thread::sleep_for(std::chrono::milliseconds(20));
		}
		return pred();
	}

	TempDir dir_;
};

TEST_F(RebuildServiceTest, AFailedDrivesReplicasAreRecreatedOnTheOthers)
{
	auto store = make(3);
	ASSERT_NE(store, nullptr);
	auto data = pattern(kChunkBytes, 7);
	for (uint64_t c = 0; c < 12; c++)
		ASSERT_TRUE(store->write(c, 0, data).ok());
	RebuildService service(*store, RebuildOptions{0, std::chrono::milliseconds(10)});
	ASSERT_TRUE(store->fail_drive(1).ok());
	ASSERT_TRUE(eventually([&] { return service.runs().succeeded == 1; }))
		<< "started " << service.runs().started << " failed " << service.runs().failed;
	auto red = store->redundancy();
	ASSERT_TRUE(red.ok());
	EXPECT_EQ(red->healthy, 12u);
	EXPECT_EQ(red->degraded, 0u);
	std::vector<std::byte> out(kChunkBytes);
	for (uint64_t c = 0; c < 12; c++) {
		ASSERT_TRUE(store->read(c, 0, out).ok());
		EXPECT_EQ(out, data);
		auto rec = store->chunk_record(c);
		ASSERT_TRUE(rec.ok() && rec->has_value());
		for (const auto &r : (*rec)->replicas)
			EXPECT_NE(r.drive, 1u);
	}
	EXPECT_TRUE(store->check().ok());
}

// With two drives and two replicas there is nowhere to rebuild to: one
// attempt, then quiet until a drive is added -- which completes it.
TEST_F(RebuildServiceTest, WaitsForADriveInsteadOfRetryingInALoop)
{
	auto store = make(2);
	ASSERT_NE(store, nullptr);
	auto data = pattern(kChunkBytes, 8);
	for (uint64_t c = 0; c < 6; c++)
		ASSERT_TRUE(store->write(c, 0, data).ok());
	RebuildService service(*store, RebuildOptions{0, std::chrono::milliseconds(10)});
	ASSERT_TRUE(store->fail_drive(2).ok());
	ASSERT_TRUE(eventually([&] { return service.runs().failed >= 1; }));
	std::this_thread::sleep_for(std::chrono::milliseconds(200));
	EXPECT_EQ(service.runs().started, 1u);
	EXPECT_GT(store->redundancy()->degraded, 0u);

	auto id = store->add_drive(dir_.make_file("spare", 32 << 20), 7);
	ASSERT_TRUE(id.ok()) << id.error().message;
	ASSERT_TRUE(eventually([&] { return service.runs().succeeded == 1; }));
	EXPECT_EQ(store->redundancy()->healthy, 6u);
}

// A throttled rebuild does not hold up the service's destruction (weftd's
// SIGTERM): it stops between chunks.
TEST_F(RebuildServiceTest, StopsARunningThrottledRebuild)
{
	auto store = make(3);
	ASSERT_NE(store, nullptr);
	auto data = pattern(kChunkBytes, 10);
	for (uint64_t c = 0; c < 40; c++)
		ASSERT_TRUE(store->write(c, 0, data).ok());
	auto service = std::make_unique<RebuildService>(
		*store, RebuildOptions{kChunkBytes, std::chrono::milliseconds(10)});  // a chunk a second
	ASSERT_TRUE(store->fail_drive(1).ok());
	ASSERT_TRUE(eventually([&] { return store->rebuild_progress().chunks_done.load() >= 1; }));
	service.reset();  // must return long before the ~25 s the rebuild needs
	EXPECT_LT(store->rebuild_progress().chunks_done.load(), store->rebuild_progress().chunks_total.load());
	EXPECT_TRUE(store->check().ok());
}

// Nothing degraded: the service never starts a rebuild.
TEST_F(RebuildServiceTest, IdleWhileHealthy)
{
	auto store = make(3);
	ASSERT_NE(store, nullptr);
	ASSERT_TRUE(store->write(0, 0, pattern(kChunkBytes, 9)).ok());
	RebuildService service(*store, RebuildOptions{0, std::chrono::milliseconds(10)});
	std::this_thread::sleep_for(std::chrono::milliseconds(200));
	EXPECT_EQ(service.runs().started, 0u);
}

}  // namespace
}  // namespace weft

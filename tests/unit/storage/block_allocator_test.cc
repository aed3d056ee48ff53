#include "storage/block_allocator.h"

#include <gtest/gtest.h>

#include <random>
#include <vector>

namespace weft::storage {
namespace {

TEST(BlockAllocator, AllocatesUntilFullThenEnospcAsAValue)
{
	BlockAllocator a(1000);
	std::vector<Extent> got;
	for (int i = 0; i < 10; i++) {
		auto e = a.allocate(100);
		ASSERT_TRUE(e.ok());
		got.push_back(*e);
	}
	EXPECT_EQ(a.free_blocks(), 0u);
	auto full = a.allocate(1);
	ASSERT_FALSE(full.ok());
	EXPECT_EQ(full.error().code, ENOSPC);
	// Freed space is reused.
	ASSERT_TRUE(a.free(got[4]).ok());
	auto again = a.allocate(100);
	ASSERT_TRUE(again.ok());
	EXPECT_EQ(*again, got[4]);
}

TEST(BlockAllocator, AllocateNearGrowsInPlaceThenFitsThenTakesPieces)
{
	BlockAllocator a(100);
	ASSERT_TRUE(a.mark_allocated({10, 5}).ok());
	ASSERT_TRUE(a.mark_allocated({40, 10}).ok());
	// From the hint on, as far as it is free: 15..39 is free.
	auto got = a.allocate_near(15, 4);
	ASSERT_TRUE(got.ok());
	EXPECT_EQ(*got, (std::vector<Extent>{{15, 4}}));
	// Hint 19, 30 blocks: 19..39 (21), then the rest in the first run long
	// enough (0..9).
	got = a.allocate_near(19, 30);
	ASSERT_TRUE(got.ok());
	EXPECT_EQ(*got, (std::vector<Extent>{{19, 21}, {0, 9}}));
	// No hint: first fit (9 is too short).
	got = a.allocate_near(UINT64_MAX, 3);
	ASSERT_TRUE(got.ok());
	EXPECT_EQ(*got, (std::vector<Extent>{{50, 3}}));
	// Free: 9 (1), 53..99 (47).  48 blocks: no run is long enough, so
	// first-fit pieces.
	EXPECT_EQ(a.free_blocks(), 48u);
	got = a.allocate_near(UINT64_MAX, 48);
	ASSERT_TRUE(got.ok());
	EXPECT_EQ(*got, (std::vector<Extent>{{9, 1}, {53, 47}}));
	EXPECT_EQ(a.free_blocks(), 0u);
	// Nothing taken when there is not enough.
	ASSERT_TRUE(a.free({53, 2}).ok());
	auto full = a.allocate_near(UINT64_MAX, 3);
	ASSERT_FALSE(full.ok());
	EXPECT_EQ(full.error().code, ENOSPC);
	EXPECT_EQ(a.free_blocks(), 2u);
}

TEST(BlockAllocator, FreeAlignedFindsAWholeFreeSlot)
{
	BlockAllocator a(64);
	EXPECT_EQ(a.free_aligned(16), 0u);
	ASSERT_TRUE(a.mark_allocated({0, 1}).ok());
	EXPECT_EQ(a.free_aligned(16), 16u);
	ASSERT_TRUE(a.mark_allocated({20, 1}).ok());
	EXPECT_EQ(a.free_aligned(16), 32u);
	ASSERT_TRUE(a.mark_allocated({63, 1}).ok());
	ASSERT_TRUE(a.mark_allocated({40, 1}).ok());
	EXPECT_EQ(a.free_aligned(16), UINT64_MAX);
}

TEST(BlockAllocator, NeverHandsOutABlockTwice)
{
	BlockAllocator a(4096);
	std::vector<int> owner(4096, -1);
	std::vector<Extent> live;
	std::mt19937 rng(42);
	for (int step = 0; step < 5000; step++) {
		if (!live.empty() && (rng() % 3 == 0 || a.free_blocks() < 64)) {
			size_t i = rng() % live.size();
			ASSERT_TRUE(a.free(live[i]).ok());
			for (uint64_t b = live[i].start; b < live[i].end(); b++)
				owner[b] = -1;
			live.erase(live.begin() + static_cast<long>(i));
			continue;
		}
		auto e = a.allocate(1 + rng() % 64);
		if (!e.ok()) {
			EXPECT_EQ(e.error().code, ENOSPC);
			continue;
		}
		for (uint64_t b = e->start; b < e->end(); b++) {
			ASSERT_EQ(owner[b], -1) << "block " << b << " allocated twice";
			owner[b] = step;
		}
		live.push_back(*e);
	}
	uint64_t used = 0;
	for (const Extent &e : live)
		used += e.count;
	EXPECT_EQ(a.free_blocks(), 4096 - used);
	for (const Extent &e : live)
		ASSERT_TRUE(a.free(e).ok());
	EXPECT_EQ(a.largest_free(), 4096u);  // fully coalesced
}

TEST(BlockAllocator, DoubleFreeAndOverlappingClaimsAreRefused)
{
	BlockAllocator a(100);
	auto e = a.allocate(10);
	ASSERT_TRUE(e.ok());
	ASSERT_TRUE(a.free(*e).ok());
	EXPECT_EQ(a.free(*e).error().code, EINVAL);
	EXPECT_EQ(a.free(Extent{95, 10}).error().code, EINVAL);

	ASSERT_TRUE(a.mark_allocated({20, 10}).ok());
	EXPECT_EQ(a.mark_allocated({25, 10}).error().code, EEXIST);
	EXPECT_EQ(a.mark_allocated({15, 10}).error().code, EEXIST);
	EXPECT_EQ(a.free_blocks(), 90u);
	EXPECT_EQ(a.free(Extent{19, 2}).error().code, EINVAL);  // half free, half not
	ASSERT_TRUE(a.free({20, 10}).ok());
	EXPECT_EQ(a.largest_free(), 100u);
}

}  // namespace
}  // namespace weft::storage

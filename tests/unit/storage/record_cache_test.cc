// RecordCache: write-through records, fills that lose to a change made
// while they read, and the bound.
#include "storage/record_cache.h"

#include <gtest/gtest.h>

#include <string>

namespace weft::storage {
namespace {

TEST(RecordCacheTest, FindsWhatWasPutAndForgetsWhatWasErased)
{
	RecordCache<std::string> cache(8);
	EXPECT_FALSE(cache.find(1).has_value());
	cache.put(1, "one");
	ASSERT_TRUE(cache.find(1).has_value());
	EXPECT_EQ(*cache.find(1), "one");
	cache.put(1, "uno");
	EXPECT_EQ(*cache.find(1), "uno");
	cache.erase(1);
	EXPECT_FALSE(cache.find(1).has_value());
}

// After a commit: what it wrote is kept; what it deleted, and anything a
// failed commit touched, is forgotten.
TEST(RecordCacheTest, CommittedKeepsWritesAndForgetsDeletesAndFailures)
{
	RecordCache<std::string> cache(8);
	const std::string one = "one";
	cache.committed(1, &one, true);
	EXPECT_EQ(*cache.find(1), "one");
	cache.committed(1, nullptr, true);
	EXPECT_FALSE(cache.find(1).has_value());
	cache.put(2, "old");
	const std::string next = "new";
	cache.committed(2, &next, false);
	EXPECT_FALSE(cache.find(2).has_value());
}

TEST(RecordCacheTest, AFillRacingAChangeIsDropped)
{
	RecordCache<std::string> cache(8);
	const uint64_t token = cache.fill_token();
	// A commit lands between the reader's database read and its fill.
	cache.put(2, "new");
	cache.fill(2, "old", token);
	EXPECT_EQ(*cache.find(2), "new");

	const uint64_t token2 = cache.fill_token();
	cache.erase(3);	// a deletion in between: the fill of 3 must not resurrect it
	cache.fill(3, "deleted", token2);
	EXPECT_FALSE(cache.find(3).has_value());

	const uint64_t token3 = cache.fill_token();
	cache.fill(4, "four", token3);	// nothing changed: kept
	EXPECT_EQ(*cache.find(4), "four");
}

TEST(RecordCacheTest, StaysWithinItsCapacity)
{
	RecordCache<int> cache(4);
	for (int i = 0; i < 100; i++)
		cache.put(static_cast<uint64_t>(i), i);
	EXPECT_EQ(cache.size(), 4u);
	EXPECT_EQ(*cache.find(99), 99);	// the newest is always kept
	cache.put(99, -1);	// replacing does not evict
	EXPECT_EQ(cache.size(), 4u);
	EXPECT_EQ(*cache.find(99), -1);
}

}  // namespace
}  // namespace weft::storage

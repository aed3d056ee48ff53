#include "storage/meta_store.h"

#include <gtest/gtest.h>

#include "temp_dir.h"

namespace weft::storage {
namespace {

ChunkRecord sample(uint32_t blocks = 16)
{
	ChunkRecord rec;
	rec.blocks = blocks;
	rec.generation = 5;
	rec.replicas = {{1, 100, 5}, {2, 200, 4}};
	rec.crcs.resize(blocks);
	rec.written.resize(blocks);
	for (uint32_t i = 0; i < blocks; i++) {
		rec.crcs[i] = i * 0x01010101u;
		rec.written[i] = i % 3 == 0;
	}
	return rec;
}

TEST(ChunkRecord, RoundTripsAndRejectsTruncation)
{
	ChunkRecord rec = sample(13);
	std::string enc = rec.encode();
	auto back = ChunkRecord::decode(enc);
	ASSERT_TRUE(back.ok());
	EXPECT_EQ(back->generation, 5u);
	EXPECT_EQ(back->crcs, rec.crcs);
	EXPECT_EQ(back->written, rec.written);
	ASSERT_EQ(back->replicas.size(), 2u);
	EXPECT_EQ(back->replicas[1].start_block, 200u);
	EXPECT_FALSE(back->current(back->replicas[1]));
	EXPECT_EQ(ChunkRecord::decode(enc.substr(0, enc.size() - 1)).error().code, EUCLEAN);
	EXPECT_EQ(ChunkRecord::decode(enc + "x").error().code, EUCLEAN);
}

TEST(MetaStore, OneBatchIsAppliedAtomicallyAndSurvivesReopen)
{
	testing::TempDir dir;
	{
		auto db = MetaStore::open(dir.path() + "/meta");
		ASSERT_TRUE(db.ok()) << db.error().message;
		MetaStore::Batch b;
		b.put_chunk(42, sample());
		b.put_extent(1, {100, 16});
		b.put_extent(2, {200, 16});
		b.put_epoch(9);
		ASSERT_TRUE((*db)->commit(b, true).ok());

		// A failed commit applies none of its batch.
		MetaStore::Batch failing;
		failing.delete_chunk(42);
		failing.delete_extent(1, {100, 16});
		(*db)->fail_next_commit(EIO);
		EXPECT_FALSE((*db)->commit(failing, true).ok());
	}
	auto db = MetaStore::open(dir.path() + "/meta");
	ASSERT_TRUE(db.ok());
	auto rec = (*db)->get_chunk(42);
	ASSERT_TRUE(rec.ok() && rec->has_value());
	EXPECT_EQ((*rec)->replicas.size(), 2u);
	EXPECT_FALSE((*db)->get_chunk(43)->has_value());
	std::vector<std::pair<uint32_t, Extent>> extents;
	ASSERT_TRUE((*db)->for_each_extent([&](uint32_t d, Extent e) -> Status {
		extents.emplace_back(d, e);
		return {};
	}).ok());
	ASSERT_EQ(extents.size(), 2u);
	EXPECT_EQ(extents[0].first, 1u);
	EXPECT_EQ(extents[1].second, (Extent{200, 16}));
	EXPECT_EQ(*(*db)->get_epoch(), 9u);
}

TEST(MetaStore, ASecondOpenerOfTheSameDirectoryIsRefused)
{
	testing::TempDir dir;
	auto first = MetaStore::open(dir.path() + "/meta");
	ASSERT_TRUE(first.ok());
	auto second = MetaStore::open(dir.path() + "/meta");
	ASSERT_FALSE(second.ok());
}

}  // namespace
}  // namespace weft::storage

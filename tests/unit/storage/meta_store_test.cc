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
	rec.replicas = {{1, 5, {{0, 4, 100}, {6, 3, 300}}}, {2, 4, {{0, blocks, 200}}}};
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
	EXPECT_EQ(back->replicas[0].runs, rec.replicas[0].runs);
	EXPECT_EQ(back->replicas[1].runs, (std::vector<storage::Run>{{0, 13, 200}}));
	EXPECT_EQ(back->replicas[0].locate(7), 301);
	EXPECT_EQ(back->replicas[0].locate(5), -1);
	EXPECT_EQ(back->replicas[0].mapped_blocks(), 7u);
	EXPECT_EQ(back->mapped_blocks(), 7u);  // the current replica's
	EXPECT_FALSE(back->current(back->replicas[1]));
	EXPECT_EQ(ChunkRecord::decode(enc.substr(0, enc.size() - 1)).error().code, EUCLEAN);
	EXPECT_EQ(ChunkRecord::decode(enc + "x").error().code, EUCLEAN);

	// Runs that overlap or leave the chunk are corrupt.
	ChunkRecord bad = sample(13);
	bad.replicas[0].runs = {{0, 4, 100}, {3, 2, 500}};
	EXPECT_EQ(ChunkRecord::decode(bad.encode()).error().code, EUCLEAN);
	bad.replicas[0].runs = {{12, 2, 100}};
	EXPECT_EQ(ChunkRecord::decode(bad.encode()).error().code, EUCLEAN);
}

// Format version 1 (one whole-chunk extent per replica) is still read; a
// newer version is refused by name.
TEST(ChunkRecord, ReadsVersion1AndRefusesNewerVersions)
{
	std::string v1;
	v1.push_back(1);                       // version
	v1.append("\x03\0\0\0", 4);          // 3 blocks
	v1.append("\x07\0\0\0\0\0\0\0", 8);  // generation 7
	v1.push_back(1);                       // one replica
	v1.append("\x02\0\0\0", 4);          // drive 2
	v1.append("\x00\x01\0\0\0\0\0\0", 8);  // start block 256
	v1.append("\x07\0\0\0\0\0\0\0", 8);  // generation 7
	v1.push_back(0x05);                    // blocks 0 and 2 written
	v1.append("\x11\0\0\0\0\0\0\0\x33\0\0\0", 12);
	auto rec = ChunkRecord::decode(v1);
	ASSERT_TRUE(rec.ok()) << rec.error().message;
	ASSERT_EQ(rec->replicas.size(), 1u);
	EXPECT_EQ(rec->replicas[0].drive, 2u);
	EXPECT_EQ(rec->replicas[0].runs, (std::vector<storage::Run>{{0, 3, 256}}));
	EXPECT_EQ(rec->written, (std::vector<bool>{true, false, true}));
	EXPECT_EQ(rec->crcs, (std::vector<uint32_t>{0x11, 0, 0x33}));
	EXPECT_TRUE(rec->current(rec->replicas[0]));
	// Re-encoded as version 2, it decodes to the same record.
	auto again = ChunkRecord::decode(rec->encode());
	ASSERT_TRUE(again.ok());
	EXPECT_EQ(again->replicas[0].runs, rec->replicas[0].runs);
	EXPECT_EQ(static_cast<uint8_t>(rec->encode()[0]), 2);

	std::string v3 = sample().encode();
	v3[0] = 3;
	auto newer = ChunkRecord::decode(v3);
	ASSERT_FALSE(newer.ok());
	EXPECT_EQ(newer.error().code, EPROTONOSUPPORT);
	EXPECT_NE(newer.error().message.find("version 3"), std::string::npos) << newer.error().message;
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

#include "storage/superblock.h"

#include <gtest/gtest.h>

#include <vector>

namespace weft::storage {
namespace {

Superblock sample()
{
	Superblock sb;
	sb.size_bytes = 64ull << 20;
	sb.cluster = Uuid::generate();
	sb.drive_uuid = Uuid::generate();
	sb.drive_id = 7;
	sb.created_unix = 1700000000;
	return sb;
}

TEST(Superblock, RoundTrips)
{
	Superblock sb = sample();
	std::vector<std::byte> buf(Superblock::kSize);
	sb.encode(buf);
	auto back = Superblock::decode(buf);
	ASSERT_TRUE(back.ok()) << back.error().message;
	EXPECT_EQ(back->cluster, sb.cluster);
	EXPECT_EQ(back->drive_uuid, sb.drive_uuid);
	EXPECT_EQ(back->drive_id, 7u);
	EXPECT_EQ(back->size_bytes, sb.size_bytes);
	EXPECT_EQ(back->block_size, 4096u);
	EXPECT_EQ(back->block_count(), (sb.size_bytes - Superblock::kDataOffset) / 4096);
}

TEST(Superblock, RejectsForeignDamagedAndFutureHeaders)
{
	std::vector<std::byte> buf(Superblock::kSize);
	EXPECT_EQ(Superblock::decode(buf).error().code, EUCLEAN);

	sample().encode(buf);
	buf[100] ^= std::byte{0x40};
	EXPECT_EQ(Superblock::decode(buf).error().code, EBADMSG);

	Superblock future = sample();
	future.format_version = 99;
	future.encode(buf);
	EXPECT_EQ(Superblock::decode(buf).error().code, EPROTONOSUPPORT);
}

TEST(Uuid, FormatsAndParses)
{
	Uuid u = Uuid::generate();
	auto back = Uuid::parse(u.to_string());
	ASSERT_TRUE(back.has_value());
	EXPECT_EQ(*back, u);
	EXPECT_EQ(u.to_string()[14], '4');
	EXPECT_FALSE(Uuid::parse("not-a-uuid").has_value());
	EXPECT_NE(Uuid::generate(), Uuid::generate());
}

}  // namespace
}  // namespace weft::storage

#include "storage/crc32c.h"

#include <gtest/gtest.h>

#include <string_view>
#include <vector>

namespace weft::storage {
namespace {

std::span<const std::byte> bytes(std::string_view s)
{
	return {reinterpret_cast<const std::byte *>(s.data()), s.size()};
}

// RFC 3720 (iSCSI) appendix B.4 vectors and the classic check value.
TEST(Crc32c, KnownVectors)
{
	EXPECT_EQ(crc32c(bytes("123456789")), 0xE3069283u);
	std::vector<std::byte> v(32, std::byte{0});
	EXPECT_EQ(crc32c(v), 0x8A9136AAu);
	std::fill(v.begin(), v.end(), std::byte{0xff});
	EXPECT_EQ(crc32c(v), 0x62A8AB43u);
	for (size_t i = 0; i < v.size(); i++)
		v[i] = std::byte(i);
	EXPECT_EQ(crc32c(v), 0x46DD794Eu);
	for (size_t i = 0; i < v.size(); i++)
		v[i] = std::byte(31 - i);
	EXPECT_EQ(crc32c(v), 0x113FDB5Cu);
	EXPECT_EQ(crc32c({}), 0u);
}

TEST(Crc32c, PerBlockChecksumsMatchWholeBlockCrcAndSeeOneBitFlip)
{
	std::vector<std::byte> data(3 * kChecksumBlockSize);
	for (size_t i = 0; i < data.size(); i++)
		data[i] = std::byte(i * 7);
	std::vector<uint32_t> crcs(3);
	block_checksums(data, crcs);
	for (size_t b = 0; b < 3; b++)
		EXPECT_EQ(crcs[b], crc32c(std::span(data).subspan(b * kChecksumBlockSize,
								  kChecksumBlockSize)));
	data[kChecksumBlockSize + 100] ^= std::byte{1};
	std::vector<uint32_t> after(3);
	block_checksums(data, after);
	EXPECT_EQ(after[0], crcs[0]);
	EXPECT_NE(after[1], crcs[1]);
	EXPECT_EQ(after[2], crcs[2]);
}

}  // namespace
}  // namespace weft::storage

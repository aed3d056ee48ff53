#include <gtest/gtest.h>

#include <weft_ring.h>

// The dirent size macro is what both sides use to walk READDIR output.
TEST(UapiLayout, DirentSizeIsEightByteAligned)
{
	EXPECT_EQ(WEFT_DIRENT_SIZE(0), 24u);
	EXPECT_EQ(WEFT_DIRENT_SIZE(1), 32u);
	EXPECT_EQ(WEFT_DIRENT_SIZE(8), 32u);
	EXPECT_EQ(WEFT_DIRENT_SIZE(9), 40u);
}

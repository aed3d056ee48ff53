#include <cstddef>

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

// Issue 4 payloads: the same layout the kernel asserts in kmod/xattr.c and
// kmod/file.c; offsets a field drift would move.
TEST(UapiLayout, XattrFallocateSeekPayloads)
{
	static_assert(sizeof(weft_xattr_out) == 8);
	static_assert(sizeof(weft_setxattr_in) == 16);
	static_assert(offsetof(weft_setxattr_in, flags) == 8);
	static_assert(sizeof(weft_fallocate_in) == 24);
	static_assert(offsetof(weft_fallocate_in, length) == 8);
	static_assert(offsetof(weft_fallocate_in, mode) == 16);
	static_assert(sizeof(weft_lseek_out) == 8);
	// the value size limit must fit a slot at the ring's largest I/O size
	EXPECT_LE(WEFT_XATTR_SIZE_MAX + sizeof(weft_setxattr_in) + WEFT_XATTR_NAME_MAX,
		  WEFT_MAX_IO_SIZE);
	EXPECT_EQ(WEFT_RENAME_WHITEOUT, 4u);
}

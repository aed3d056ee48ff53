// The ring ABI as C++ sees it: the same sizes and offsets the kernel
// asserts in kmod/, so a layout drift fails the build on both sides.
#include <cstddef>

#include <weft_ring.h>

static_assert(sizeof(weft_attach) == 96);
static_assert(sizeof(weft_enter) == 32);
static_assert(sizeof(weft_region_header) == 64);
static_assert(sizeof(weft_queue_ctl) == 6 * 64);
static_assert(offsetof(weft_queue_ctl, sq_tail) == 64);
static_assert(offsetof(weft_queue_ctl, cq_head) == 128);
static_assert(offsetof(weft_queue_ctl, cq_tail) == 192);
static_assert(offsetof(weft_queue_ctl, flags) == 256);
static_assert(sizeof(weft_sqe) == 128);
static_assert(offsetof(weft_sqe, u) == 64);
static_assert(sizeof(weft_cqe) == 32);
static_assert(sizeof(weft_attr) == 88);
static_assert(sizeof(weft_attr_out) == 96);
static_assert(sizeof(weft_entry_out) == 112);
static_assert(sizeof(weft_mount_out) == 128);
static_assert(sizeof(weft_statfs_out) == 56);
static_assert(sizeof(weft_dirent) == 24);
static_assert(sizeof(weft_notify) == 288);
static_assert(sizeof(weft_create_in) == 24);
static_assert(sizeof(weft_create_acls) == 16);
static_assert(sizeof(weft_create_out) == 128);
static_assert(offsetof(weft_create_out, fh) == 112);
static_assert(sizeof(weft_rename_in) == 24);
static_assert(sizeof(weft_link_in) == 16);
static_assert(sizeof(weft_setattr_in) == 64);
static_assert(offsetof(weft_setattr_in, size) == 16);
static_assert(offsetof(weft_setattr_in, atime_nsec) == 48);
static_assert(sizeof(weft_open_out) == 16);
static_assert(sizeof(weft_write_out) == 8);
static_assert(sizeof(weft_xattr_out) == 8);
static_assert(sizeof(weft_setxattr_in) == 16);
static_assert(sizeof(weft_fallocate_in) == 24);
static_assert(offsetof(weft_fallocate_in, mode) == 16);
static_assert(sizeof(weft_lseek_out) == 8);
static_assert(WEFT_XATTR_SIZE_MAX == 65536 && WEFT_XATTR_NAME_MAX == 255);
static_assert(WEFT_RENAME_WHITEOUT == 4 && WEFT_SEEK_DATA == 3 && WEFT_SEEK_HOLE == 4);
static_assert(WEFT_FALLOC_KEEP_SIZE == 1 && WEFT_FALLOC_PUNCH_HOLE == 2 &&
	      WEFT_FALLOC_ZERO_RANGE == 0x10);

// SPDX-License-Identifier: GPL-2.0
/* 6.7+: i_atime/i_mtime are private; use inode_set_mtime_to_ts() & co. */
#include <linux/fs.h>

void weft_test(struct inode *inode, struct timespec64 ts)
{
	inode_set_mtime_to_ts(inode, ts);
	inode_set_atime_to_ts(inode, inode_get_mtime(inode));
}

// SPDX-License-Identifier: GPL-2.0
/* 6.6+ (and some stable backports): i_ctime behind inode_set_ctime_to_ts(). */
#include <linux/fs.h>

void weft_test(struct inode *inode, struct timespec64 ts)
{
	inode_set_ctime_to_ts(inode, ts);
}

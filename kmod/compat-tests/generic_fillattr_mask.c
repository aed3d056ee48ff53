// SPDX-License-Identifier: GPL-2.0
/* 6.6+: generic_fillattr() takes the statx request mask. */
#include <linux/fs.h>
#include <linux/stat.h>

void weft_test(struct mnt_idmap *idmap, struct inode *inode, struct kstat *stat)
{
	generic_fillattr(idmap, STATX_BASIC_STATS, inode, stat);
}

// SPDX-License-Identifier: GPL-2.0
/* 6.3+: inode operations take struct mnt_idmap instead of user_namespace. */
#include <linux/fs.h>

static int t_setattr(struct mnt_idmap *idmap, struct dentry *d, struct iattr *a)
{
	return 0;
}

const struct inode_operations weft_test_iops = { .setattr = t_setattr };

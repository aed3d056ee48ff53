// SPDX-License-Identifier: GPL-2.0
/*
 * 6.2+: permission checks read ACLs through ->get_inode_acl(inode, type,
 * rcu); ->get_acl and ->set_acl take a dentry.  Before, ->get_acl took the
 * inode and the posix_acl_*_xattr_handler went into sb->s_xattr.
 */
#include <linux/fs.h>

static struct posix_acl *t_get(struct inode *inode, int type, bool rcu)
{
	return NULL;
}

const struct inode_operations weft_test_iops = { .get_inode_acl = t_get };

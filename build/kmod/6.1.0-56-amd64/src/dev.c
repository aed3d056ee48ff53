// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/weft: the daemon's side of the ring.  Only CAP_SYS_ADMIN may open it.
 */
#include <linux/capability.h>
#include <linux/module.h>

#include "weft.h"

static int weft_dev_open(struct inode *inode, struct file *file)
{
	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	return 0;
}

static const struct file_operations weft_dev_fops = {
	.owner		= THIS_MODULE,
	.open		= weft_dev_open,
	.llseek		= noop_llseek,
};

struct miscdevice weft_miscdev = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= WEFT_DEV_NAME,
	.fops	= &weft_dev_fops,
	.mode	= 0600,
};

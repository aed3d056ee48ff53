// SPDX-License-Identifier: GPL-2.0
/*
 * weft.ko: module init and exit.  Registration order is inode cache, device,
 * netlink family, file system type; teardown is the reverse, then channels
 * still waiting in a grace period (no daemon, no mount) are freed.
 */
#include <linux/module.h>

#include "weft.h"

static int __init weft_init(void)
{
	int err;

	err = weft_fs_init();
	if (err)
		return err;
	err = misc_register(&weft_miscdev);
	if (err)
		goto out_fs;
	err = weft_netlink_init();
	if (err)
		goto out_misc;
	err = register_filesystem(&weft_fs_type);
	if (err)
		goto out_netlink;
	pr_info("weft: version %s, ring ABI %u\n", WEFT_MODULE_VERSION, WEFT_ABI_VERSION);
	return 0;

out_netlink:
	weft_netlink_exit();
out_misc:
	misc_deregister(&weft_miscdev);
out_fs:
	weft_fs_exit();
	return err;
}

static void __exit weft_exit(void)
{
	unregister_filesystem(&weft_fs_type);
	weft_netlink_exit();
	misc_deregister(&weft_miscdev);
	weft_chan_exit();	/* channels left waiting in their grace period */
	weft_fs_exit();
}

module_init(weft_init);
module_exit(weft_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Weft distributed parallel file system client");
MODULE_VERSION(WEFT_MODULE_VERSION);
MODULE_ALIAS_FS("weft");

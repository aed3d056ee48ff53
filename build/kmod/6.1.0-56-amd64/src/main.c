// SPDX-License-Identifier: GPL-2.0
/*
 * weft.ko: module init and exit.  Registration order is device, netlink
 * family, file system type; teardown is the reverse.
 */
#include <linux/module.h>

#include "weft.h"

static int __init weft_init(void)
{
	int err;

	err = misc_register(&weft_miscdev);
	if (err)
		return err;
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
	return err;
}

static void __exit weft_exit(void)
{
	unregister_filesystem(&weft_fs_type);
	weft_netlink_exit();
	misc_deregister(&weft_miscdev);
}

module_init(weft_init);
module_exit(weft_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Weft distributed parallel file system client");
MODULE_VERSION(WEFT_MODULE_VERSION);
MODULE_ALIAS_FS("weft");

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * weft.ko internal interfaces.  One file per concern, as in fs/fuse:
 *   main.c     module init/exit
 *   dev.c      /dev/weft: attach, mmap, enter (the daemon's side of the ring)
 *   netlink.c  the `weft` generic-netlink family
 *   inode.c    file system type, super block, inodes
 */
#ifndef _WEFT_H
#define _WEFT_H

#include <linux/fs.h>
#include <linux/miscdevice.h>

#include "compat.h"
#include "weft_ring.h"
#include "weft_netlink.h"

#ifndef WEFT_MODULE_VERSION
#define WEFT_MODULE_VERSION "unknown"
#endif

/* dev.c */
extern struct miscdevice weft_miscdev;

/* inode.c */
extern struct file_system_type weft_fs_type;

/* netlink.c */
int weft_netlink_init(void);
void weft_netlink_exit(void);

#endif /* _WEFT_H */

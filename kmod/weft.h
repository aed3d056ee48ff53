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

/*
 * Channel registry (chan.c), for the control plane (netlink.c).  A channel
 * is one daemon attachment name; it outlives its daemon by the grace period.
 */
struct weft_chan_info {
	char name[WEFT_NAME_MAX];
	const char *state;		/* "attached", "waiting" (in grace), "dead" */
	u32 nr_queues, queue_depth, max_io_size;
	u32 timeout_ms, grace_ms, mounts;
	u64 submitted, completed, rejected, timedout;
};

struct weft_mount_info {
	char channel[WEFT_NAME_MAX];
	char fsname[WEFT_FSNAME_MAX];
	char options[256];
};

/* Call fn for each channel / mount until it returns non-zero; returns that. */
int weft_chan_list(int (*fn)(const struct weft_chan_info *info, void *arg), void *arg);
int weft_mount_list(int (*fn)(const struct weft_mount_info *info, void *arg), void *arg);
/* Set per-request timeout and/or grace period; NULL leaves one unchanged. */
int weft_chan_set(const char *name, const u32 *timeout_ms, const u32 *grace_ms);
/*
 * Relay a JSON management request to the daemon attached as name (NULL: the
 * only attached daemon) as WEFT_OP_MGMT; on success *out is a kvmalloc'ed
 * reply of *out_len bytes (not NUL terminated) that the caller kvfree()s.
 */
int weft_chan_mgmt(const char *name, const char *json, size_t len,
		   char **out, size_t *out_len);

/* netlink.c */
int weft_netlink_init(void);
void weft_netlink_exit(void);

#endif /* _WEFT_H */

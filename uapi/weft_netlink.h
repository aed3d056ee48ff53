/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * The `weft` generic-netlink family: how the `weft` CLI talks to weft.ko.
 *
 * Kernel-local commands are answered by the module itself.  WEFT_CMD_MGMT
 * carries a JSON request that the module relays to the attached weftd over
 * the ring (WEFT_OP_MGMT) and answers with weftd's JSON reply.
 */
#ifndef _UAPI_LINUX_WEFT_NETLINK_H
#define _UAPI_LINUX_WEFT_NETLINK_H

#define WEFT_GENL_NAME		"weft"
#define WEFT_GENL_VERSION	1

/* largest JSON document relayed either way */
#define WEFT_MGMT_MAX		(60u << 10)	/* fits a u16 netlink attribute length */

enum weft_genl_cmd {
	WEFT_CMD_UNSPEC,
	WEFT_CMD_VERSION,	/* -> MODULE_VERSION, ABI_VERSION */
	WEFT_CMD_CHANNEL_LIST,	/* dump: one CHANNEL nest per attached daemon */
	WEFT_CMD_MOUNT_LIST,	/* dump: one MOUNT nest per mount */
	WEFT_CMD_SET,		/* admin: CHANNEL_NAME + TIMEOUT_MS / GRACE_MS */
	WEFT_CMD_MGMT,		/* admin: CHANNEL_NAME? + JSON -> JSON */
	__WEFT_CMD_MAX
};
#define WEFT_CMD_MAX (__WEFT_CMD_MAX - 1)

enum weft_genl_attr {
	WEFT_A_UNSPEC,
	WEFT_A_MODULE_VERSION,	/* string */
	WEFT_A_ABI_VERSION,	/* u32 */
	WEFT_A_CHANNEL,		/* nest of WEFT_A_CH_* */
	WEFT_A_CHANNEL_NAME,	/* string, < WEFT_NAME_MAX */
	WEFT_A_TIMEOUT_MS,	/* u32: per-request timeout */
	WEFT_A_GRACE_MS,	/* u32: daemon restart grace period */
	WEFT_A_JSON,		/* string, <= WEFT_MGMT_MAX */
	WEFT_A_MOUNT,		/* nest of WEFT_A_MNT_* */
	__WEFT_A_MAX
};
#define WEFT_A_MAX (__WEFT_A_MAX - 1)

enum weft_genl_channel_attr {
	WEFT_A_CH_UNSPEC,
	WEFT_A_CH_NAME,		/* string */
	WEFT_A_CH_STATE,	/* string: attached, waiting, dead */
	WEFT_A_CH_QUEUES,	/* u32 */
	WEFT_A_CH_DEPTH,	/* u32 */
	WEFT_A_CH_MAX_IO,	/* u32 */
	WEFT_A_CH_TIMEOUT_MS,	/* u32 */
	WEFT_A_CH_GRACE_MS,	/* u32 */
	WEFT_A_CH_MOUNTS,	/* u32 */
	WEFT_A_CH_SUBMITTED,	/* u64 */
	WEFT_A_CH_COMPLETED,	/* u64 */
	WEFT_A_CH_REJECTED,	/* u64: bad completions */
	WEFT_A_CH_TIMEDOUT,	/* u64 */
	WEFT_A_CH_PAD,
	__WEFT_A_CH_MAX
};
#define WEFT_A_CH_MAX (__WEFT_A_CH_MAX - 1)

enum weft_genl_mount_attr {
	WEFT_A_MNT_UNSPEC,
	WEFT_A_MNT_CHANNEL,	/* string */
	WEFT_A_MNT_FSNAME,	/* string */
	WEFT_A_MNT_OPTIONS,	/* string */
	__WEFT_A_MNT_MAX
};
#define WEFT_A_MNT_MAX (__WEFT_A_MNT_MAX - 1)

#endif /* _UAPI_LINUX_WEFT_NETLINK_H */

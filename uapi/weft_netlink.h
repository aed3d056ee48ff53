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

/* accepted ranges of WEFT_A_TIMEOUT_MS and WEFT_A_GRACE_MS (WEFT_CMD_SET) */
#define WEFT_SET_TIMEOUT_MIN_MS	1u
#define WEFT_SET_TIMEOUT_MAX_MS	(24u * 3600 * 1000)	/* one day */
#define WEFT_SET_GRACE_MAX_MS	(24u * 3600 * 1000)	/* one day; 0 = no grace */

/*
 * Conventions:
 *  - Every request attribute is strictly validated (unknown attributes and
 *    reply-only attributes are refused); errors carry an extack message.
 *  - WEFT_CMD_SET and WEFT_CMD_MGMT need CAP_NET_ADMIN (GENL_ADMIN_PERM).
 *  - CHANNEL_LIST, MOUNT_LIST and OP_STATS are dumps (NLM_F_DUMP): one
 *    message per channel / mount / opcode, each holding one WEFT_A_CHANNEL /
 *    WEFT_A_MOUNT / WEFT_A_OP_STATS nest.
 *  - JSON strings are NUL terminated in both directions.
 */

enum weft_genl_cmd {
	WEFT_CMD_UNSPEC,
	WEFT_CMD_VERSION,	/* do: -> MODULE_VERSION, ABI_VERSION */
	WEFT_CMD_CHANNEL_LIST,	/* dump: one CHANNEL nest per channel (daemon name) */
	WEFT_CMD_MOUNT_LIST,	/* dump: one MOUNT nest per mount */
	WEFT_CMD_SET,		/* do, admin: CHANNEL_NAME + TIMEOUT_MS and/or GRACE_MS */
	WEFT_CMD_MGMT,		/* do, admin: CHANNEL_NAME? + JSON -> JSON */
	WEFT_CMD_OP_STATS,	/* dump: one OP_STATS nest per opcode that has requests */
	WEFT_CMD_QUEUE_STATS,	/* dump: one QUEUE_STATS nest per queue of every channel */
	__WEFT_CMD_MAX
};
#define WEFT_CMD_MAX (__WEFT_CMD_MAX - 1)

enum weft_genl_attr {
	WEFT_A_UNSPEC,
	WEFT_A_MODULE_VERSION,	/* string (reply only) */
	WEFT_A_ABI_VERSION,	/* u32 (reply only) */
	WEFT_A_CHANNEL,		/* nest of WEFT_A_CH_* (reply only) */
	WEFT_A_CHANNEL_NAME,	/* string, < WEFT_NAME_MAX */
	WEFT_A_TIMEOUT_MS,	/* u32: per-request timeout, WEFT_SET_TIMEOUT_{MIN,MAX}_MS */
	WEFT_A_GRACE_MS,	/* u32: daemon restart grace period, <= WEFT_SET_GRACE_MAX_MS */
	WEFT_A_JSON,		/* string, <= WEFT_MGMT_MAX bytes before the NUL */
	WEFT_A_MOUNT,		/* nest of WEFT_A_MNT_* (reply only) */
	WEFT_A_OP_STATS,	/* nest of WEFT_A_OPS_* (reply only) */
	WEFT_A_QUEUE_STATS,	/* nest of WEFT_A_QS_* (reply only) */
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
	WEFT_A_CH_PAD,		/* alignment padding for the u64s */
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

/*
 * WEFT_CMD_OP_STATS: requests of every channel, per ring opcode
 * (enum weft_opcode), counted by the module when the caller's request ends
 * (answered, refused, timed out or killed), since the module was loaded.
 * Latency is what the caller saw, waiting for a free slot included.
 */
#define WEFT_STATS_BUCKETS	40	/* log2 ns buckets: 2^39 ns is 9 minutes */

enum weft_genl_op_stats_attr {
	WEFT_A_OPS_UNSPEC,
	WEFT_A_OPS_OPCODE,	/* u32: enum weft_opcode */
	WEFT_A_OPS_COUNT,	/* u64: requests */
	WEFT_A_OPS_ERRORS,	/* u64: requests that ended with an error */
	WEFT_A_OPS_TOTAL_NS,	/* u64: sum of latencies */
	WEFT_A_OPS_HIST,	/* binary: u64[WEFT_STATS_BUCKETS], bucket b counts
				 * latencies in [2^b, 2^(b+1)) ns (the last: and above) */
	WEFT_A_OPS_SINCE_NS,	/* u64: ns since the counters started */
	WEFT_A_OPS_PAD,
	WEFT_A_OPS_BYTES,	/* u64: data bytes moved by requests that succeeded:
				 * READ the bytes returned, WRITE the bytes sent;
				 * 0 for other opcodes */
	__WEFT_A_OPS_MAX
};
#define WEFT_A_OPS_MAX (__WEFT_A_OPS_MAX - 1)

/*
 * WEFT_CMD_QUEUE_STATS: how each queue's round trips went since its
 * channel was created.  A caller either found its completion while it
 * busy-polled (the daemon was awake on another CPU) or slept until the
 * daemon woke it; a daemon thread waiting in ENTER either found a request
 * while it spun or slept, and then a submission had to wake it.
 */
enum weft_genl_queue_stats_attr {
	WEFT_A_QS_UNSPEC,
	WEFT_A_QS_CHANNEL,	/* string: the channel (daemon name) */
	WEFT_A_QS_QUEUE,	/* u32: queue index */
	WEFT_A_QS_IN_FLIGHT,	/* u32: slots taken now */
	WEFT_A_QS_POLLED,	/* u64: completions found while the caller polled */
	WEFT_A_QS_SLEPT,	/* u64: callers that slept for their completion */
	WEFT_A_QS_DAEMON_WOKEN,	/* u64: submissions that woke a sleeping daemon */
	WEFT_A_QS_SPIN_FOUND,	/* u64: ENTER spins that found a request */
	WEFT_A_QS_SPIN_MISSED,	/* u64: ENTER spins that ended in a sleep */
	WEFT_A_QS_PAD,
	__WEFT_A_QS_MAX
};
#define WEFT_A_QS_MAX (__WEFT_A_QS_MAX - 1)

#endif /* _UAPI_LINUX_WEFT_NETLINK_H */

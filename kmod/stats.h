/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Per-operation request statistics (stats.c): a count, an error count, the
 * total and a log2 histogram of the latency seen by the caller, per opcode,
 * in per-CPU counters.  Read by WEFT_CMD_OP_STATS (netlink.c).
 */
#ifndef WEFT_STATS_H
#define WEFT_STATS_H

#include <linux/types.h>

#include "weft_netlink.h"

struct weft_op_stats {
	u64 count;
	u64 errors;	/* result < 0 */
	u64 total_ns;
	u64 bytes;	/* see WEFT_A_OPS_BYTES */
	u64 hist[WEFT_STATS_BUCKETS];	/* see WEFT_A_OPS_HIST */
};

int weft_stats_init(void);
void weft_stats_exit(void);
struct weft_req;

/*
 * One finished request: under its opcode, its result (0 or -errno), the
 * latency in ns, and for a successful READ / WRITE its data bytes (the
 * reply's out_len / the payload's in_len).
 */
void weft_stats_account(const struct weft_req *req, int result, u64 ns);
/* the sum over all CPUs; false for an opcode out of range */
bool weft_stats_read(u32 opcode, struct weft_op_stats *out);
/* ns since counting started (module load) */
u64 weft_stats_since_ns(void);

#endif

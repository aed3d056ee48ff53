// SPDX-License-Identifier: GPL-2.0
/*
 * Per-operation request statistics.  Every request that weft_req_send()
 * finishes -- answered, refused, timed out or killed -- is counted under its
 * opcode with the latency its caller saw (slot wait included): per-CPU
 * counters, so the hot path takes no lock and shares no cache line.  The data
 * bytes of successful READs and WRITEs are summed too (throughput).
 * Readers sum the CPUs; a sum read while requests finish may mix a count
 * from before and a bucket from after one request, which the CLI tolerates.
 *
 * Latency bucket b holds [2^b, 2^(b+1)) ns (bucket 0 also holds 0 ns; the
 * last one everything above).
 */
#include <linux/kernel.h>
#include <linux/log2.h>
#include <linux/percpu.h>
#include <linux/ktime.h>
#include <linux/errno.h>

#include "weft.h"
#include "stats.h"

struct weft_stats_cpu {
	struct weft_op_stats ops[WEFT_OP_MAX];
};

static struct weft_stats_cpu __percpu *weft_stats;
static u64 weft_stats_start_ns;

int weft_stats_init(void)
{
	weft_stats = alloc_percpu(struct weft_stats_cpu);
	if (!weft_stats)
		return -ENOMEM;
	weft_stats_start_ns = ktime_get_ns();
	return 0;
}

/* module exit: no request can be in flight (mounts and daemons hold the module) */
void weft_stats_exit(void)
{
	free_percpu(weft_stats);
	weft_stats = NULL;
}

void weft_stats_account(const struct weft_req *req, int result, u64 ns)
{
	u32 opcode = req->sqe.opcode;
	unsigned int b;
	u32 bytes = 0;

	if (opcode >= WEFT_OP_MAX || !weft_stats)
		return;
	b = ns ? ilog2(ns) : 0;
	if (b >= WEFT_STATS_BUCKETS)
		b = WEFT_STATS_BUCKETS - 1;
	this_cpu_inc(weft_stats->ops[opcode].count);
	if (result < 0)
		this_cpu_inc(weft_stats->ops[opcode].errors);
	else if (opcode == WEFT_OP_READ)
		bytes = req->out_len;
	else if (opcode == WEFT_OP_WRITE)
		bytes = req->in_len;
	if (bytes)
		this_cpu_add(weft_stats->ops[opcode].bytes, bytes);
	this_cpu_add(weft_stats->ops[opcode].total_ns, ns);
	this_cpu_inc(weft_stats->ops[opcode].hist[b]);
}

bool weft_stats_read(u32 opcode, struct weft_op_stats *out)
{
	int cpu, b;

	memset(out, 0, sizeof(*out));
	if (opcode >= WEFT_OP_MAX || !weft_stats)
		return false;
	for_each_possible_cpu(cpu) {
		const struct weft_op_stats *s = &per_cpu_ptr(weft_stats, cpu)->ops[opcode];

		out->count += READ_ONCE(s->count);
		out->errors += READ_ONCE(s->errors);
		out->total_ns += READ_ONCE(s->total_ns);
		out->bytes += READ_ONCE(s->bytes);
		for (b = 0; b < WEFT_STATS_BUCKETS; b++)
			out->hist[b] += READ_ONCE(s->hist[b]);
	}
	return true;
}

u64 weft_stats_since_ns(void)
{
	return ktime_get_ns() - weft_stats_start_ns;
}

// Dispatcher: turns one SQE into one CQE.  It checks the lengths the
// kernel gave against the slot size, routes by opcode to the registered
// handler, and maps the handler's Result onto the CQE (result, out_len).
// Opcodes known to the ABI but without a handler answer -ENOSYS; values
// outside the ABI answer -EOPNOTSUPP.
//
// It also counts every request it routes (DispatchStats): the daemon's side
// of `weft stats`, next to the module's own counters (kmod/stats.c).
#ifndef WEFT_DAEMON_DISPATCHER_H
#define WEFT_DAEMON_DISPATCHER_H

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <span>
#include <vector>

#include <weft_netlink.h>
#include <weft_ring.h>

#include "request.h"

namespace weft {

// One opcode's requests as weftd saw them: latency is the handler's time
// (what the daemon adds to a request; the module's figure includes the ring).
struct OpCounters {
	uint32_t opcode = 0;
	uint64_t count = 0;
	uint64_t errors = 0;	// answered with an errno
	uint64_t bytes = 0;	// READ: bytes returned; WRITE: bytes taken
	uint64_t total_ns = 0;
	// hist[b]: latencies in [2^b, 2^(b+1)) ns (bucket 0 also 0 ns; the last
	// one everything above) -- the module's buckets (WEFT_A_OPS_HIST)
	std::array<uint64_t, WEFT_STATS_BUCKETS> hist{};
};

// Lock-free per-opcode counters, updated from every queue thread.  A
// snapshot taken while requests finish may mix counters from before and
// after one request (as the module's do); the CLI tolerates it.
class DispatchStats {
public:
	void record(uint32_t opcode, bool error, uint64_t bytes, uint64_t ns);
	// Opcodes with at least one request, in opcode order.
	std::vector<OpCounters> snapshot() const;
	// ns since counting started (the dispatcher's construction)
	uint64_t since_ns() const;

	// log2 bucket of a latency, clamped to the last bucket
	static unsigned bucket(uint64_t ns);

private:
	struct Op {
		std::atomic<uint64_t> count{0}, errors{0}, bytes{0}, total_ns{0};
		std::array<std::atomic<uint64_t>, WEFT_STATS_BUCKETS> hist{};
	};
	std::array<Op, WEFT_OP_MAX> ops_;
	const std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

class Dispatcher {
public:
	void add(uint32_t opcode, Handler handler);

	// slot is the request's whole data buffer (max_io_size bytes).
	// Safe to call from many queue threads at once once set up.
	weft_cqe dispatch(const weft_sqe &sqe, std::span<std::byte> slot) const;

	const DispatchStats &stats() const { return stats_; }

private:
	std::array<Handler, WEFT_OP_MAX> handlers_;
	mutable DispatchStats stats_;	// counting does not change what dispatch does
};

// The errno the kernel accepts in a CQE: 1..WEFT_MAX_ERRNO, else EIO.
int32_t completion_result(const Error &error);

}  // namespace weft

#endif

#include "dispatcher.h"

#include <bit>
#include <exception>
#include <utility>

#include "log.h"

namespace weft {

int32_t completion_result(const Error &error)
{
	if (error.code <= 0 || error.code > WEFT_MAX_ERRNO)
		return -EIO;
	return -error.code;
}

unsigned DispatchStats::bucket(uint64_t ns)
{
	const unsigned b = ns ? static_cast<unsigned>(std::bit_width(ns)) - 1 : 0;
	return b < WEFT_STATS_BUCKETS ? b : WEFT_STATS_BUCKETS - 1;
}

void DispatchStats::record(uint32_t opcode, bool error, uint64_t bytes, uint64_t ns)
{
	if (opcode >= ops_.size())
		return;
	Op &o = ops_[opcode];
	constexpr auto relaxed = std::memory_order_relaxed;
	o.count.fetch_add(1, relaxed);
	if (error)
		o.errors.fetch_add(1, relaxed);
	if (bytes)
		o.bytes.fetch_add(bytes, relaxed);
	o.total_ns.fetch_add(ns, relaxed);
	o.hist[bucket(ns)].fetch_add(1, relaxed);
}

std::vector<OpCounters> DispatchStats::snapshot() const
{
	constexpr auto relaxed = std::memory_order_relaxed;
	std::vector<OpCounters> out;
	for (uint32_t op = 0; op < ops_.size(); op++) {
		const Op &o = ops_[op];
		OpCounters c;
		c.opcode = op;
		c.count = o.count.load(relaxed);
		if (c.count == 0)
			continue;
		c.errors = o.errors.load(relaxed);
		c.bytes = o.bytes.load(relaxed);
		c.total_ns = o.total_ns.load(relaxed);
		for (size_t b = 0; b < c.hist.size(); b++)
			c.hist[b] = o.hist[b].load(relaxed);
		out.push_back(c);
	}
	return out;
}

uint64_t DispatchStats::since_ns() const
{
	return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
					     std::chrono::steady_clock::now() - start_)
					     .count());
}

void Dispatcher::add(uint32_t opcode, Handler handler)
{
	if (opcode < handlers_.size())
		handlers_[opcode] = std::move(handler);
}

weft_cqe Dispatcher::dispatch(const weft_sqe &sqe, std::span<std::byte> slot) const
{
	weft_cqe cqe{};
	cqe.tag = sqe.tag;
	cqe.gen = sqe.gen;

	Reply reply = make_error(EOPNOTSUPP);
	if (sqe.opcode == WEFT_OP_INVALID || sqe.opcode >= handlers_.size()) {
		reply = make_error(EOPNOTSUPP, "unknown opcode");
	} else if (sqe.in_len > slot.size() || sqe.out_max > slot.size()) {
		reply = make_error(EINVAL, "in_len/out_max exceed the slot");
	} else if (!handlers_[sqe.opcode]) {
		reply = make_error(ENOSYS, "opcode not implemented");
	} else {
		Request req{sqe, slot.first(sqe.in_len), slot.first(sqe.out_max)};
		const auto start = std::chrono::steady_clock::now();
		// Handlers return errors as values; this catch is for what the
		// libraries under them may throw (bad_alloc, json), so one request
		// fails with EIO instead of the whole daemon terminating.
		try {
			reply = handlers_[sqe.opcode](req);
		} catch (const std::exception &e) {
			WEFT_LOG(kError) << "op " << sqe.opcode << ": " << e.what();
			reply = make_error(EIO, e.what());
		}
		if (reply && *reply > sqe.out_max)
			reply = make_error(EIO, "handler overran out_max");
		const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
			std::chrono::steady_clock::now() - start).count();
		uint64_t bytes = 0;
		if (reply && sqe.opcode == WEFT_OP_READ)
			bytes = *reply;
		else if (reply && sqe.opcode == WEFT_OP_WRITE)
			bytes = sqe.in_len;
		stats_.record(sqe.opcode, !reply, bytes, ns > 0 ? static_cast<uint64_t>(ns) : 0);
	}

	if (reply) {
		cqe.out_len = *reply;
	} else {
		cqe.result = completion_result(reply.error());
		WEFT_LOG(kDebug) << "op " << sqe.opcode << " node " << sqe.nodeid
				 << " -> " << cqe.result << " " << reply.error().message;
	}
	return cqe;
}

}  // namespace weft

// The daemon's ends of one queue's rings.  Indices are free-running u32
// counters (they wrap at 2^32); an entry lives at index & (depth - 1).
//   SubmissionRing: we consume; kernel publishes sq_tail, we release sq_head.
//   CompletionRing: we produce; we publish cq_tail, kernel releases cq_head.
// The kernel zeroes nothing for us: both start from the indices they find,
// so a daemon re-attaching within the grace period picks up where the
// previous one stopped.
#ifndef WEFT_DAEMON_QUEUE_RINGS_H
#define WEFT_DAEMON_QUEUE_RINGS_H

#include <atomic>
#include <cstdint>
#include <vector>

#include <weft_ring.h>

#include "region_layout.h"
#include "result.h"

namespace weft {

class SubmissionRing {
public:
	explicit SubmissionRing(const QueueView &q);

	// Entries the kernel has published and we have not taken.
	uint32_t ready() const;
	// The same with a seq_cst load: orders after our seq_cst store of
	// WEFT_QCTL_SLEEPING (the kernel's side is store sq_tail; smp_mb();
	// load flags), so either we see the entry or the kernel sees the flag.
	uint32_t ready_after_sleeping_set() const;

	// Copies up to max published entries into out (appended) and hands
	// their SQ entries back to the kernel with one release store of
	// sq_head.  EPROTO if the kernel's tail is more than depth ahead.
	Result<uint32_t> take(std::vector<weft_sqe> &out, uint32_t max);

private:
	weft_queue_ctl *ctl_;
	const weft_sqe *sq_;
	uint32_t mask_;
	uint32_t head_;		// our copy of sq_head: only we write it
};

class CompletionRing {
public:
	explicit CompletionRing(const QueueView &q);

	// Free CQ entries (the kernel reaps on every ENTER).
	uint32_t room() const;
	// Writes one entry at the private tail; invisible until publish().
	void put(const weft_cqe &cqe);
	// Unpublished entries.
	uint32_t unpublished() const { return tail_ - published_; }
	// One release store of cq_tail makes every put() entry visible.
	void publish();

private:
	weft_queue_ctl *ctl_;
	weft_cqe *cq_;
	uint32_t mask_;
	uint32_t depth_;
	uint32_t tail_;		// next entry to fill
	uint32_t published_;	// last value stored to cq_tail
};

}  // namespace weft

#endif

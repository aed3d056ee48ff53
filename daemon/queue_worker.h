// QueueWorker: the loop one thread runs for one queue.
//
//   loop {
//     take every published SQE (copy out, release sq_head)
//     dispatch each, put its CQE; publish cq_tail (release) once per batch
//     set SLEEPING; ENTER(WAIT) commits the CQ and sleeps; clear SLEEPING
//   }
//
// It returns an error when the kernel marks the queue WEFT_QKF_DEAD or an
// ENTER fails with anything but EINTR/EAGAIN/ETIMEDOUT.
// On stop it drains: requests already published are answered, and a last
// ENTER without WAIT hands their completions to the kernel.
#ifndef WEFT_DAEMON_QUEUE_WORKER_H
#define WEFT_DAEMON_QUEUE_WORKER_H

#include <atomic>
#include <cstdint>
#include <vector>

#include "dispatcher.h"
#include "queue_rings.h"
#include "region_layout.h"
#include "ring_transport.h"

namespace weft {

struct WorkerOptions {
	uint32_t spin_us = 0;		// kernel busy-poll before sleeping, at most
	uint32_t timeout_ms = 1000;	// max sleep: bounds how late a stop is seen
};

struct WorkerStats {
	std::atomic<uint64_t> requests{0};
	std::atomic<uint64_t> batches{0};
	std::atomic<uint64_t> enters{0};
	std::atomic<uint64_t> bad_tags{0};	// SQEs with tag >= depth: dropped
	std::atomic<uint64_t> rejected{0};	// CQEs the kernel said it rejected
};

// How long the next ENTER busy-polls: the full spin_us while requests keep
// arriving within it, halved after each wait that outlasted it (so an idle
// or slow-paced queue stops burning a CPU), full again as soon as one
// arrives within spin_us.  The kernel also lets callers poll for their
// completions only as long as the daemon's last spin, and ends a spin as
// soon as another task wants the CPU.
//
// Once backed off, every kProbeEvery-th wait spins fully again: a wait that
// sleeps lasts at least a wake-up, and where a wake-up costs more than
// spin_us (an emulated CPU: hundreds of microseconds) no sleeping wait can
// ever look short, so without the probe a busy queue would never win its
// spin back.
class AdaptiveSpin {
public:
	static constexpr uint32_t kProbeEvery = 8;

	explicit AdaptiveSpin(uint32_t max_us) : max_us_(max_us), current_us_(max_us) {}
	// The spin for the next waiting ENTER.
	uint32_t next_us()
	{
		if (current_us_ < max_us_ && ++since_probe_ >= kProbeEvery) {
			since_probe_ = 0;
			return max_us_;
		}
		return current_us_;
	}
	// waited_us: how long the last waiting ENTER took.
	void record(uint64_t waited_us)
	{
		current_us_ = waited_us < max_us_ ? max_us_ : current_us_ / 2;
		if (current_us_ == max_us_)
			since_probe_ = 0;
	}

private:
	const uint32_t max_us_;
	uint32_t current_us_;
	uint32_t since_probe_ = 0;
};

class QueueWorker {
public:
	QueueWorker(uint32_t queue, const QueueView &view, RingTransport &transport,
		    const Dispatcher &dispatcher, const std::atomic<bool> &stopping,
		    WorkerOptions options);

	// Runs until stopping is set (then drains) or the transport fails.
	Status run();

	const WorkerStats &stats() const { return stats_; }

private:
	// Answers every published SQE; returns how many.
	Result<uint32_t> serve_batch();
	// Makes room in the CQ by letting the kernel reap it.
	Status wait_for_cq_room();
	Result<EnterResult> enter(bool wait);
	void set_sleeping(bool sleeping);
	uint32_t kernel_flags() const;

	const uint32_t queue_;
	const QueueView view_;
	RingTransport &transport_;
	const Dispatcher &dispatcher_;
	const std::atomic<bool> &stopping_;
	const WorkerOptions options_;
	SubmissionRing sq_;
	CompletionRing cq_;
	AdaptiveSpin spin_;
	std::vector<weft_sqe> batch_;
	WorkerStats stats_;
};

}  // namespace weft

#endif

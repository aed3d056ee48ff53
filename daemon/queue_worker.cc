#include "queue_worker.h"

#include <chrono>

#include "log.h"

namespace weft {

QueueWorker::QueueWorker(uint32_t queue, const QueueView &view, RingTransport &transport,
			 const Dispatcher &dispatcher, const std::atomic<bool> &stopping,
			 WorkerOptions options)
	: queue_(queue), view_(view), transport_(transport), dispatcher_(dispatcher),
	  stopping_(stopping), options_(options), sq_(view), cq_(view), spin_(options.spin_us)
{
	batch_.reserve(view.depth);
}

void QueueWorker::set_sleeping(bool sleeping)
{
	// seq_cst: the flag must be visible before we look at sq_tail again
	// in the kernel, or the kernel could skip the wake-up we need.
	std::atomic_ref<uint32_t> flags(view_.ctl->flags);
	if (sleeping)
		flags.fetch_or(WEFT_QCTL_SLEEPING, std::memory_order_seq_cst);
	else
		flags.fetch_and(~WEFT_QCTL_SLEEPING, std::memory_order_seq_cst);
}

Result<EnterResult> QueueWorker::enter(bool wait)
{
	EnterArgs args;
	args.queue = queue_;
	args.wait = wait;
	args.spin_us = wait ? spin_.next_us() : 0;
	args.timeout_ms = wait ? options_.timeout_ms : 0;
	if (wait) {
		// Announce the sleep, then look once more: a request published
		// before the kernel could see the flag is caught here instead.
		set_sleeping(true);
		if (sq_.ready_after_sleeping_set() > 0) {
			set_sleeping(false);
			args.wait = false;
			args.spin_us = args.timeout_ms = 0;
			wait = false;
		}
	}
	const auto start = std::chrono::steady_clock::now();
	auto r = transport_.enter(args);
	if (wait) {
		set_sleeping(false);
		spin_.record(std::chrono::duration_cast<std::chrono::microseconds>(
				     std::chrono::steady_clock::now() - start)
				     .count());
	}
	stats_.enters.fetch_add(1, std::memory_order_relaxed);
	if (r && r->rejected) {
		stats_.rejected.fetch_add(r->rejected, std::memory_order_relaxed);
		WEFT_LOG(kWarn) << "queue " << queue_ << ": kernel rejected " << r->rejected
				<< " completions";
	}
	return r;
}

uint32_t QueueWorker::kernel_flags() const
{
	return std::atomic_ref<uint32_t>(view_.ctl->kflags).load(std::memory_order_acquire);
}

Status QueueWorker::wait_for_cq_room()
{
	// The CQ has depth entries and at most depth requests are in flight, so
	// it fills only if the kernel stops reaping; give it a few chances.
	for (int attempt = 0; cq_.room() == 0; attempt++) {
		cq_.publish();
		auto r = enter(false);
		if (!r && r.error().code != EINTR)
			return r.error();
		if (attempt >= 100)
			return make_error(EPROTO, "completion ring stays full");
	}
	return {};
}

Result<uint32_t> QueueWorker::serve_batch()
{
	batch_.clear();
	auto taken = sq_.take(batch_, view_.depth);
	if (!taken)
		return taken.error();
	for (const weft_sqe &sqe : batch_) {
		if (sqe.tag >= view_.depth) {
			// No slot to answer into; the kernel's timeout fails it.
			stats_.bad_tags.fetch_add(1, std::memory_order_relaxed);
			WEFT_LOG(kError) << "queue " << queue_ << ": request with tag " << sqe.tag
					 << " >= depth " << view_.depth << " dropped";
			continue;
		}
		weft_cqe cqe = dispatcher_.dispatch(sqe, view_.slot(sqe.tag));
		if (Status st = wait_for_cq_room(); !st)
			return st.error();
		cq_.put(cqe);
	}
	cq_.publish();
	if (!batch_.empty()) {
		stats_.batches.fetch_add(1, std::memory_order_relaxed);
		stats_.requests.fetch_add(batch_.size(), std::memory_order_relaxed);
	}
	return *taken;
}

Status QueueWorker::run()
{
	WEFT_LOG(kDebug) << "queue " << queue_ << ": serving";
	for (;;) {
		auto served = serve_batch();
		if (!served)
			return served.error();
		if (stopping_.load(std::memory_order_acquire)) {
			// Drain: answer what is already published, then commit.  A few
			// passes at most: under constant load "empty" may never come.
			for (int pass = 0; pass < 4 && sq_.ready() > 0; pass++) {
				if (auto more = serve_batch(); !more)
					return more.error();
			}
			auto r = enter(false);
			if (!r && r.error().code != EINTR)
				return r.error();
			WEFT_LOG(kDebug) << "queue " << queue_ << ": stopped";
			return {};
		}
		// More arrived meanwhile: commit without sleeping and go again.
		// Otherwise one ENTER commits this batch and waits for the next.
		auto r = enter(sq_.ready() == 0);
		if (!r) {
			const int code = r.error().code;
			if (code != EINTR && code != EAGAIN && code != ETIMEDOUT)
				return r.error();
		}
		if (kernel_flags() & WEFT_QKF_DEAD)
			return make_error(ESHUTDOWN, "queue " + std::to_string(queue_) +
							     ": the kernel is tearing the channel down");
	}
}

}  // namespace weft

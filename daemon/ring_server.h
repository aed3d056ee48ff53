// RingServer: attaches through a RingTransport, checks the mapped region,
// and runs one QueueWorker thread per queue until asked to stop.
//
//   RingServer server(transport, options);
//   auto geometry = server.attach(request);   // then build handlers
//   server.start(dispatcher);
//   ... server.request_stop(); server.wait();
#ifndef WEFT_DAEMON_RING_SERVER_H
#define WEFT_DAEMON_RING_SERVER_H

#include <atomic>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include "dispatcher.h"
#include "queue_worker.h"
#include "region_layout.h"
#include "ring_transport.h"

namespace weft {

struct ServerOptions {
	WorkerOptions worker;
	// Sent to each worker thread on request_stop() to break it out of a
	// sleeping ENTER with EINTR; 0 = rely on the ENTER timeout.  The
	// caller must have installed a handler for it (SA_RESTART off).
	int wake_signal = 0;
	// Run queue i's worker on CPU i only: a request is then served on the
	// CPU that submitted it, and handing it over never needs a wake-up of
	// another CPU (an IPI: costly on virtual CPUs, ruinous under TCG).
	// Off: the scheduler places the workers, and a worker that busy-polls
	// on an idle CPU lets one caller's round trips go without any sleep.
	bool pin_workers = false;	// weftd --pin-workers
};

class RingServer {
public:
	RingServer(RingTransport &transport, ServerOptions options)
		: transport_(transport), options_(options) {}
	~RingServer();
	RingServer(const RingServer &) = delete;
	RingServer &operator=(const RingServer &) = delete;

	Result<Attachment> attach(const AttachRequest &req);

	// Starts the queue threads; dispatcher must outlive them.
	Status start(const Dispatcher &dispatcher);

	// Safe from any thread; not async-signal-safe.
	void request_stop();
	// True once any worker has returned (stop requested, or it failed).
	bool any_worker_done() const { return done_.load(std::memory_order_acquire) > 0; }
	bool all_workers_done() const
	{
		return done_.load(std::memory_order_acquire) == static_cast<int>(threads_.size());
	}
	// Joins every worker; returns the first failure.
	Status wait();

	const QueueWorker &worker(size_t q) const { return *workers_[q]; }
	size_t queues() const { return workers_.size(); }

private:
	RingTransport &transport_;
	const ServerOptions options_;
	std::optional<RegionLayout> layout_;
	std::atomic<bool> stopping_{false};
	std::atomic<int> done_{0};
	std::vector<std::unique_ptr<QueueWorker>> workers_;
	std::vector<Status> results_;
	std::vector<std::thread> threads_;
};

}  // namespace weft

#endif

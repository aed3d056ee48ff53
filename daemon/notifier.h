// Notifier: sends cache invalidations (RingTransport::notify) to the
// kernel from a thread of its own.  An invalidation may wait for kernel
// locks (a directory's i_rwsem, a page lock) that a task holds while it
// waits for a reply from weftd; sent from a queue worker it could wait for
// that worker itself.  post() never blocks on the kernel.
#ifndef WEFT_DAEMON_NOTIFIER_H
#define WEFT_DAEMON_NOTIFIER_H

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <thread>

#include "ring_transport.h"

namespace weft {

class Notifier {
public:
	explicit Notifier(RingTransport &transport);
	~Notifier();	// sends what is queued, then stops
	Notifier(const Notifier &) = delete;
	Notifier &operator=(const Notifier &) = delete;

	void post(Invalidation inv);
	// Waits until everything posted so far was sent (tests, shutdown).
	void flush();

	struct Counts {
		uint64_t sent = 0;	// the kernel dropped something
		uint64_t uncached = 0;	// ENOENT: nothing of it was cached
		uint64_t failed = 0;	// any other error (logged)
	};
	Counts counts();

private:
	void run();

	RingTransport &transport_;
	std::mutex mu_;
	std::condition_variable cv_;	// work posted, or stop
	std::condition_variable idle_cv_;	// queue drained
	std::deque<Invalidation> queue_;
	bool busy_ = false;
	bool stop_ = false;
	Counts counts_;
	std::thread thread_;	// last: started once everything above exists
};

}  // namespace weft

#endif

#include "ring_server.h"

#include <pthread.h>
#include <signal.h>

#include "log.h"

namespace weft {

RingServer::~RingServer()
{
	request_stop();
	(void)wait();
}

Result<Attachment> RingServer::attach(const AttachRequest &req)
{
	auto att = transport_.attach(req);
	if (!att)
		return att.error();
	auto layout = RegionLayout::open(att->region, att->region_size, att->geometry);
	if (!layout)
		return layout.error();
	layout_.emplace(std::move(*layout));
	return att;
}

Status RingServer::start(const Dispatcher &dispatcher)
{
	if (!layout_)
		return make_error(EINVAL, "start before attach");
	const uint32_t n = layout_->geometry().nr_queues;
	results_.assign(n, Status{});
	for (uint32_t q = 0; q < n; q++)
		workers_.push_back(std::make_unique<QueueWorker>(
			q, layout_->queue(q), transport_, dispatcher, stopping_,
			options_.worker));
	for (uint32_t q = 0; q < n; q++) {
		threads_.emplace_back([this, q] {
			results_[q] = workers_[q]->run();
			if (!results_[q])
				WEFT_LOG(kError) << "queue " << q << ": "
						 << results_[q].error().message;
			done_.fetch_add(1, std::memory_order_release);
		});
	}
	return {};
}

void RingServer::request_stop()
{
	stopping_.store(true, std::memory_order_release);
	if (options_.wake_signal == 0)
		return;
	for (std::thread &t : threads_)
		if (t.joinable())
			pthread_kill(t.native_handle(), options_.wake_signal);
}

Status RingServer::wait()
{
	for (std::thread &t : threads_)
		if (t.joinable())
			t.join();
	for (const Status &st : results_)
		if (!st)
			return st;
	return {};
}

}  // namespace weft

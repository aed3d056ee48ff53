#include "ring_server.h"

#include <pthread.h>
#include <sched.h>
#include <signal.h>

#include <cstring>
#include <vector>

#include "log.h"
#include "storage/rocks_writer.h"

namespace weft {

namespace {

// Runs the calling thread on the q-th CPU weftd may use (of its affinity
// mask, wrapping): weft.ko submits a CPU's requests to queue CPU % queues,
// so with one queue per CPU each request is served on the CPU that sent it.
void pin_to_queue_cpu(uint32_t q)
{
	cpu_set_t allowed;
	if (sched_getaffinity(0, sizeof(allowed), &allowed) != 0)
		return;
	std::vector<int> cpus;
	for (int cpu = 0; cpu < CPU_SETSIZE; cpu++)
		if (CPU_ISSET(cpu, &allowed))
			cpus.push_back(cpu);
	if (cpus.empty())
		return;
	cpu_set_t one;
	CPU_ZERO(&one);
	CPU_SET(cpus[q % cpus.size()], &one);
	if (int err = pthread_setaffinity_np(pthread_self(), sizeof(one), &one); err != 0)
		WEFT_LOG(kWarn) << "queue " << q << ": cannot pin to CPU " << cpus[q % cpus.size()]
				<< ": " << std::strerror(err);
}

}  // namespace

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
			storage::stop_rocks_perf_counting();
			if (options_.pin_workers)
				pin_to_queue_cpu(q);
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

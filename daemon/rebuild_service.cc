#include "rebuild_service.h"

#include "log.h"
#include "storage/rocks_writer.h"

namespace weft {

RebuildService::RebuildService(storage::ChunkStore &store, RebuildOptions options)
	: store_(store), options_(options), thread_([this] { loop(); })
{
}

RebuildService::~RebuildService()
{
	{
		std::lock_guard lock(mu_);
		stop_ = true;
	}
	cancel_ = true;
	cv_.notify_all();
	thread_.join();
}

RebuildRuns RebuildService::runs()
{
	std::lock_guard lock(mu_);
	return runs_;
}

RebuildService::Trigger RebuildService::current()
{
	return Trigger{store_.counters().drive_failures, store_.cluster_map().epoch()};
}

bool RebuildService::degraded()
{
	auto report = store_.redundancy();
	if (!report.ok()) {
		WEFT_LOG(kWarn) << "rebuild: cannot read redundancy: " << report.error().message;
		return false;
	}
	return report->degraded > 0;
}

void RebuildService::loop()
{
	storage::stop_rocks_perf_counting();
	// An impossible trigger, so the first look always checks redundancy.
	Trigger seen{~uint64_t{0}, ~uint64_t{0}};
	std::unique_lock lock(mu_);
	while (!stop_) {
		lock.unlock();
		Trigger now = current();
		bool attempt = now != seen && degraded();
		seen = now;
		if (attempt) {
			{
				std::lock_guard l(mu_);
				runs_.started++;
			}
			WEFT_LOG(kInfo) << "rebuild: restoring redundancy (epoch " << now.epoch
					<< ", " << now.failures << " drive failure(s))";
			Status st = store_.rebuild(options_.bytes_per_sec, &cancel_);
			const auto &p = store_.rebuild_progress();
			bool healthy = st.ok() && !degraded();
			std::lock_guard l(mu_);
			if (healthy) {
				runs_.succeeded++;
				WEFT_LOG(kInfo) << "rebuild: done, " << p.chunks_done.load()
						<< " chunk(s), " << p.bytes_copied.load()
						<< " bytes copied";
			} else {
				runs_.failed++;
				WEFT_LOG(kWarn) << "rebuild: incomplete ("
						<< (st.ok() ? std::string("chunks still degraded")
							    : st.error().message)
						<< "); waiting for a drive change";
			}
			// The rebuild itself may have moved the epoch: look from here.
			seen = current();
		}
		lock.lock();
		cv_.wait_for(lock, options_.poll, [this] { return stop_; });
	}
}

}  // namespace weft

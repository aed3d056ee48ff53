#include "notifier.h"

#include "log.h"

namespace weft {

Notifier::Notifier(RingTransport &transport)
	: transport_(transport), thread_([this] { run(); })
{
}

Notifier::~Notifier()
{
	{
		std::lock_guard lock(mu_);
		stop_ = true;
	}
	cv_.notify_all();
	thread_.join();
}

void Notifier::post(Invalidation inv)
{
	{
		std::lock_guard lock(mu_);
		queue_.push_back(std::move(inv));
	}
	cv_.notify_one();
}

void Notifier::flush()
{
	std::unique_lock lock(mu_);
	idle_cv_.wait(lock, [this] { return queue_.empty() && !busy_; });
}

Notifier::Counts Notifier::counts()
{
	std::lock_guard lock(mu_);
	return counts_;
}

void Notifier::run()
{
	std::unique_lock lock(mu_);
	for (;;) {
		cv_.wait(lock, [this] { return stop_ || !queue_.empty(); });
		if (queue_.empty()) {
			if (stop_)
				return;
			continue;
		}
		Invalidation inv = std::move(queue_.front());
		queue_.pop_front();
		busy_ = true;
		lock.unlock();
		Status st = transport_.notify(inv);
		lock.lock();
		busy_ = false;
		if (st.ok())
			counts_.sent++;
		else if (st.error().code == ENOENT)
			counts_.uncached++;
		else {
			counts_.failed++;
			WEFT_LOG(kWarn) << "cache invalidation: " << st.error().message;
		}
		if (queue_.empty())
			idle_cv_.notify_all();
	}
}

}  // namespace weft

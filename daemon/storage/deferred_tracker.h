// DeferredTracker: which deferred writes (chunk_record.h: DeferredWrite) a
// flush of the drives would make durable in place.
//
// Writes get increasing sequence numbers when they commit their record and
// end once their data is on the drives.  A flush started now covers every
// write numbered below the oldest one still in flight, so that is how far
// the records may be dropped after it.
#ifndef WEFT_STORAGE_DEFERRED_TRACKER_H
#define WEFT_STORAGE_DEFERRED_TRACKER_H

#include <cstdint>
#include <mutex>
#include <optional>
#include <set>

namespace weft::storage {

class DeferredTracker {
public:
	// Numbers continue after the ones an open found (and replayed).
	void reset(uint64_t next)
	{
		std::lock_guard lock(mu_);
		next_ = next;
		flushed_through_ = next - 1;
	}
	uint64_t begin()
	{
		std::lock_guard lock(mu_);
		in_flight_.insert(next_);
		return next_++;
	}
	// The write's data reached every drive it could (or the write was
	// undone).  Returns how many ended writes wait for a flush.
	uint64_t end(uint64_t seq)
	{
		std::lock_guard lock(mu_);
		in_flight_.erase(seq);
		return ++unflushed_;
	}
	uint64_t unflushed()
	{
		std::lock_guard lock(mu_);
		return unflushed_;
	}
	// The numbers [first, last] whose records may go once a flush that
	// starts now has completed; nullopt when there is nothing new to drop.
	struct Range {
		uint64_t first, last;
	};
	std::optional<Range> flushable()
	{
		std::lock_guard lock(mu_);
		uint64_t last = in_flight_.empty() ? next_ - 1 : *in_flight_.begin() - 1;
		if (last <= flushed_through_)
			return std::nullopt;
		unflushed_ = 0;
		return Range{flushed_through_ + 1, last};
	}
	void flushed(uint64_t limit)
	{
		std::lock_guard lock(mu_);
		if (limit > flushed_through_)
			flushed_through_ = limit;
	}

private:
	std::mutex mu_;
	uint64_t next_ = 1;
	uint64_t flushed_through_ = 0;
	uint64_t unflushed_ = 0;
	std::set<uint64_t> in_flight_;
};

}  // namespace weft::storage

#endif

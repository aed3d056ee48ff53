// BufferPool: a fixed set of equal, aligned I/O buffers carved from one
// arena, so the arena can be registered once with every drive's ring.
// acquire() blocks while all buffers are in use; a Lease gives its buffer
// back when it goes out of scope.
#ifndef WEFT_STORAGE_BUFFER_POOL_H
#define WEFT_STORAGE_BUFFER_POOL_H

#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <utility>
#include <span>
#include <vector>

#include "aligned_buffer.h"

namespace weft::storage {

class BufferPool {
public:
	class Lease {
	public:
		Lease(Lease &&other) noexcept
			: pool_(std::exchange(other.pool_, nullptr)), index_(other.index_)
		{
		}
		Lease &operator=(Lease &&) = delete;
		Lease(const Lease &) = delete;
		~Lease()
		{
			if (pool_ != nullptr)
				pool_->release(index_);
		}
		std::byte *data() const { return pool_->slot(index_); }
		size_t size() const { return pool_->buffer_size_; }

	private:
		friend class BufferPool;
		Lease(BufferPool *pool, size_t index) : pool_(pool), index_(index) {}
		BufferPool *pool_;
		size_t index_;
	};

	BufferPool(size_t count, size_t buffer_size)
		: buffer_size_(buffer_size), arena_(count * buffer_size)
	{
		for (size_t i = count; i-- > 0;)
			free_.push_back(i);
	}

	Lease acquire()
	{
		std::unique_lock lock(mu_);
		available_.wait(lock, [&] { return !free_.empty(); });
		size_t i = free_.back();
		free_.pop_back();
		return Lease(this, i);
	}

	std::span<std::byte> arena() { return arena_.span(); }
	size_t buffer_size() const { return buffer_size_; }

private:
	std::byte *slot(size_t i) { return arena_.data() + i * buffer_size_; }
	void release(size_t i)
	{
		{
			std::lock_guard lock(mu_);
			free_.push_back(i);
		}
		available_.notify_one();
	}

	size_t buffer_size_;
	AlignedBuffer arena_;
	std::mutex mu_;
	std::condition_variable available_;
	std::vector<size_t> free_;
};

}  // namespace weft::storage

#endif

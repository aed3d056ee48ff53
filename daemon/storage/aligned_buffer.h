// AlignedBuffer: a heap buffer aligned for O_DIRECT, freed exactly once.
#ifndef WEFT_STORAGE_ALIGNED_BUFFER_H
#define WEFT_STORAGE_ALIGNED_BUFFER_H

#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <span>

namespace weft::storage {

class AlignedBuffer {
public:
	static constexpr size_t kAlignment = 4096;

	AlignedBuffer() = default;
	// Zero-filled; size is rounded up to the alignment.
	explicit AlignedBuffer(size_t size)
		: size_((size + kAlignment - 1) / kAlignment * kAlignment)
	{
		if (size_ == 0)
			return;
		void *p = std::aligned_alloc(kAlignment, size_);
		if (p == nullptr)
			throw std::bad_alloc();
		std::memset(p, 0, size_);
		data_.reset(static_cast<std::byte *>(p));
	}

	std::byte *data() { return data_.get(); }
	const std::byte *data() const { return data_.get(); }
	size_t size() const { return size_; }
	std::span<std::byte> span() { return {data(), size_}; }
	std::span<const std::byte> span() const { return {data(), size_}; }

private:
	struct Free {
		void operator()(std::byte *p) const { std::free(p); }
	};
	std::unique_ptr<std::byte, Free> data_;
	size_t size_ = 0;
};

}  // namespace weft::storage

#endif

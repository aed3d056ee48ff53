// MappedRegion: owns one mmap()ed range and unmaps it exactly once.
#ifndef WEFT_DAEMON_MAPPED_REGION_H
#define WEFT_DAEMON_MAPPED_REGION_H

#include <sys/mman.h>

#include <cstddef>
#include <utility>

namespace weft {

class MappedRegion {
public:
	MappedRegion() = default;
	MappedRegion(void *base, size_t size) : base_(base), size_(size) {}
	~MappedRegion() { reset(); }

	MappedRegion(MappedRegion &&other) noexcept
		: base_(std::exchange(other.base_, nullptr)),
		  size_(std::exchange(other.size_, 0)) {}
	MappedRegion &operator=(MappedRegion &&other) noexcept
	{
		if (this != &other) {
			reset();
			base_ = std::exchange(other.base_, nullptr);
			size_ = std::exchange(other.size_, 0);
		}
		return *this;
	}
	MappedRegion(const MappedRegion &) = delete;
	MappedRegion &operator=(const MappedRegion &) = delete;

	std::byte *data() const { return static_cast<std::byte *>(base_); }
	size_t size() const { return size_; }
	bool valid() const { return base_ != nullptr; }

	void reset()
	{
		if (base_)
			::munmap(base_, size_);
		base_ = nullptr;
		size_ = 0;
	}

private:
	void *base_ = nullptr;
	size_t size_ = 0;
};

}  // namespace weft

#endif

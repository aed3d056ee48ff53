#include "block_allocator.h"

#include <algorithm>

namespace weft::storage {

BlockAllocator::BlockAllocator(uint64_t total_blocks) : total_(total_blocks), free_count_(total_blocks)
{
	if (total_blocks > 0)
		free_.emplace(0, total_blocks);
}

std::map<uint64_t, uint64_t>::iterator BlockAllocator::free_extent_at(uint64_t b)
{
	auto it = free_.upper_bound(b);
	if (it == free_.begin())
		return free_.end();
	--it;
	return b < it->first + it->second ? it : free_.end();
}

Result<Extent> BlockAllocator::allocate(uint64_t count)
{
	if (count == 0)
		return make_error(EINVAL, "allocation of zero blocks");
	for (auto it = free_.begin(); it != free_.end(); ++it) {
		if (it->second < count)
			continue;
		Extent got{it->first, count};
		uint64_t rest = it->second - count;
		free_.erase(it);
		if (rest > 0)
			free_.emplace(got.end(), rest);
		free_count_ -= count;
		return got;
	}
	return make_error(ENOSPC, "no free run of " + std::to_string(count) + " blocks");
}

Status BlockAllocator::mark_allocated(Extent e)
{
	if (e.count == 0 || e.end() > total_ || e.end() < e.start)
		return make_error(EINVAL, "extent out of range");
	auto it = free_extent_at(e.start);
	if (it == free_.end() || e.end() > it->first + it->second)
		return make_error(EEXIST, "extent overlaps allocated blocks");
	uint64_t start = it->first, count = it->second;
	free_.erase(it);
	if (e.start > start)
		free_.emplace(start, e.start - start);
	if (start + count > e.end())
		free_.emplace(e.end(), start + count - e.end());
	free_count_ -= e.count;
	return {};
}

Status BlockAllocator::free(Extent e)
{
	if (e.count == 0 || e.end() > total_ || e.end() < e.start)
		return make_error(EINVAL, "extent out of range");
	// No free extent may overlap [start, end).
	auto next = free_.lower_bound(e.start);
	if (next != free_.end() && next->first < e.end())
		return make_error(EINVAL, "double free");
	if (next != free_.begin()) {
		auto prev = std::prev(next);
		if (prev->first + prev->second > e.start)
			return make_error(EINVAL, "double free");
	}
	uint64_t start = e.start, count = e.count;
	if (next != free_.end() && next->first == e.end()) {
		count += next->second;
		next = free_.erase(next);
	}
	if (next != free_.begin()) {
		auto prev = std::prev(next);
		if (prev->first + prev->second == start) {
			start = prev->first;
			count += prev->second;
			free_.erase(prev);
		}
	}
	free_.emplace(start, count);
	free_count_ += e.count;
	return {};
}

uint64_t BlockAllocator::largest_free() const
{
	uint64_t best = 0;
	for (const auto &[start, count] : free_)
		best = std::max(best, count);
	return best;
}

}  // namespace weft::storage

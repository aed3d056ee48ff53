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

void BlockAllocator::take(std::map<uint64_t, uint64_t>::iterator it, uint64_t start, uint64_t count)
{
	uint64_t fs = it->first, fc = it->second;
	free_.erase(it);
	if (start > fs)
		free_.emplace(fs, start - fs);
	if (fs + fc > start + count)
		free_.emplace(start + count, fs + fc - start - count);
	free_count_ -= count;
}

Result<std::vector<Extent>> BlockAllocator::allocate_near(uint64_t hint, uint64_t count)
{
	if (count == 0)
		return make_error(EINVAL, "allocation of zero blocks");
	if (count > free_count_)
		return make_error(ENOSPC, "no " + std::to_string(count) + " free blocks");
	std::vector<Extent> got;
	auto it = hint < total_ ? free_extent_at(hint) : free_.end();
	if (it != free_.end()) {
		uint64_t n = std::min(count, it->first + it->second - hint);
		take(it, hint, n);
		got.push_back({hint, n});
		count -= n;
	}
	if (count > 0) {
		auto fit = std::find_if(free_.begin(), free_.end(),
					[&](const auto &f) { return f.second >= count; });
		if (fit != free_.end()) {
			got.push_back({fit->first, count});
			take(fit, fit->first, count);
			count = 0;
		}
	}
	while (count > 0) {
		// Fragmented: first-fit pieces (there are enough free blocks).
		auto f = free_.begin();
		uint64_t n = std::min(count, f->second);
		got.push_back({f->first, n});
		take(f, f->first, n);
		count -= n;
	}
	return got;
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

uint64_t BlockAllocator::free_aligned(uint64_t align) const
{
	if (align == 0)
		return UINT64_MAX;
	for (const auto &[start, count] : free_) {
		uint64_t b = (start + align - 1) / align * align;
		if (b + align <= start + count)
			return b;
	}
	return UINT64_MAX;
}

uint64_t BlockAllocator::largest_free() const
{
	uint64_t best = 0;
	for (const auto &[start, count] : free_)
		best = std::max(best, count);
	return best;
}

}  // namespace weft::storage

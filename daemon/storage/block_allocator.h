// BlockAllocator: which blocks of one drive are free, as extents.
//
// Pure in-memory bookkeeping; the allocated extents are persisted by the
// caller (MetaStore "A" keys) in the same write batch as the chunk record
// that owns them, and replayed with mark_allocated() at open.  So a crash
// can never leak or double-allocate: an extent is allocated on disk
// exactly when a committed chunk record points at it.
#ifndef WEFT_STORAGE_BLOCK_ALLOCATOR_H
#define WEFT_STORAGE_BLOCK_ALLOCATOR_H

#include <cstdint>
#include <map>
#include <vector>

#include "status.h"

namespace weft::storage {

struct Extent {
	uint64_t start = 0;
	uint64_t count = 0;
	uint64_t end() const { return start + count; }
	bool operator==(const Extent &) const = default;
};

class BlockAllocator {
public:
	explicit BlockAllocator(uint64_t total_blocks);

	// count contiguous blocks, first fit; ENOSPC when no free run is that long.
	Result<Extent> allocate(uint64_t count);
	// count blocks in as few extents as it can: first the free blocks from
	// hint on (so a chunk that grows stays contiguous), then the first
	// free run long enough for the rest, else first-fit pieces.  In block
	// order of use; ENOSPC (nothing taken) when fewer than count are free.
	Result<std::vector<Extent>> allocate_near(uint64_t hint, uint64_t count);
	// The first block of the first free, align-aligned run of align blocks,
	// or UINT64_MAX when there is none.
	uint64_t free_aligned(uint64_t align) const;
	// Claims a specific extent (replaying persisted state).  EEXIST if any
	// block of it is already allocated, EINVAL if out of range.
	Status mark_allocated(Extent extent);
	// Returns blocks; EINVAL if any of them is not allocated (a double free).
	Status free(Extent extent);

	uint64_t total_blocks() const { return total_; }
	uint64_t free_blocks() const { return free_count_; }
	// Length of the longest free run (a scan: not for hot paths).
	uint64_t largest_free() const;

private:
	// Takes [start, start + count) out of the free extent it.
	void take(std::map<uint64_t, uint64_t>::iterator it, uint64_t start, uint64_t count);
	// The free extent containing block b, or end().
	std::map<uint64_t, uint64_t>::iterator free_extent_at(uint64_t b);

	uint64_t total_;
	uint64_t free_count_;
	std::map<uint64_t, uint64_t> free_;  // start -> count, never adjacent
};

}  // namespace weft::storage

#endif

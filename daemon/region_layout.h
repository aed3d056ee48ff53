// RegionLayout: finds the per-queue rings and slot buffers inside the
// mapped region, after checking that the region header agrees with what
// attach returned and that every range fits inside the mapping.
#ifndef WEFT_DAEMON_REGION_LAYOUT_H
#define WEFT_DAEMON_REGION_LAYOUT_H

#include <cstddef>
#include <cstdint>
#include <span>

#include <weft_ring.h>

#include "result.h"
#include "ring_transport.h"

namespace weft {

// One queue's shared memory: control indices, SQ, CQ, data buffers.
struct QueueView {
	weft_queue_ctl *ctl = nullptr;
	weft_sqe *sq = nullptr;
	weft_cqe *cq = nullptr;
	std::byte *data = nullptr;
	uint32_t depth = 0;
	uint32_t max_io_size = 0;

	// The data buffer of slot tag (tag < depth).
	std::span<std::byte> slot(uint32_t tag) const
	{
		return {data + static_cast<size_t>(tag) * max_io_size, max_io_size};
	}
};

class RegionLayout {
public:
	// Validates header magic, ABI version, geometry and bounds.
	static Result<RegionLayout> open(std::byte *region, size_t size,
					 const RingGeometry &granted);

	const RingGeometry &geometry() const { return geometry_; }
	QueueView queue(uint32_t q) const;

private:
	RegionLayout(std::byte *region, const weft_region_header &hdr,
		     const RingGeometry &geometry)
		: region_(region), hdr_(hdr), geometry_(geometry) {}

	std::byte *region_;
	weft_region_header hdr_;	// a private copy, read once
	RingGeometry geometry_;
};

}  // namespace weft

#endif

#include "region_layout.h"

#include <cstring>
#include <string>

namespace weft {

namespace {

bool is_power_of_two(uint32_t v) { return v != 0 && (v & (v - 1)) == 0; }

Error layout_error(const std::string &what)
{
	return make_error(EPROTO, "ring region: " + what);
}

}  // namespace

Result<RegionLayout> RegionLayout::open(std::byte *region, size_t size,
					const RingGeometry &granted)
{
	if (region == nullptr || size < WEFT_PAGE_ALIGN)
		return layout_error("mapping too small");
	weft_region_header hdr;
	std::memcpy(&hdr, region, sizeof(hdr));
	if (hdr.magic != WEFT_REGION_MAGIC)
		return layout_error("bad magic");
	if (hdr.abi_version != WEFT_ABI_VERSION)
		return layout_error("ABI version " + std::to_string(hdr.abi_version) +
				    ", weftd speaks " + std::to_string(WEFT_ABI_VERSION));
	RingGeometry geometry{hdr.nr_queues, hdr.queue_depth, hdr.max_io_size};
	if (!(geometry == granted))
		return layout_error("header geometry differs from attach reply");
	if (geometry.nr_queues == 0 || geometry.nr_queues > WEFT_MAX_QUEUES ||
	    !is_power_of_two(geometry.queue_depth) ||
	    geometry.queue_depth > WEFT_MAX_DEPTH ||
	    geometry.max_io_size < WEFT_MIN_IO_SIZE ||
	    geometry.max_io_size > WEFT_MAX_IO_SIZE)
		return layout_error("geometry out of range");

	// 64-bit arithmetic with small operands: no overflow possible.
	const uint64_t depth = geometry.queue_depth;
	const uint64_t sq_end = hdr.sq_offset + depth * sizeof(weft_sqe);
	const uint64_t cq_end = hdr.cq_offset + depth * sizeof(weft_cqe);
	const uint64_t data_end = hdr.data_offset + depth * geometry.max_io_size;
	if (hdr.queue_offset < sizeof(weft_region_header) ||
	    hdr.sq_offset < sizeof(weft_queue_ctl) || hdr.cq_offset < sq_end ||
	    hdr.data_offset < cq_end || hdr.queue_stride < data_end ||
	    hdr.sq_offset % alignof(weft_sqe) || hdr.cq_offset % alignof(weft_cqe) ||
	    hdr.queue_offset % WEFT_CACHELINE || hdr.queue_stride % WEFT_CACHELINE ||
	    hdr.data_offset % 8)
		return layout_error("queue layout overlaps or is misaligned");
	if (hdr.queue_stride > (uint64_t(1) << 40) || hdr.queue_offset > (uint64_t(1) << 40) ||
	    hdr.queue_offset + geometry.nr_queues * hdr.queue_stride > size)
		return layout_error("queues extend past the mapping");
	return RegionLayout(region, hdr, geometry);
}

QueueView RegionLayout::queue(uint32_t q) const
{
	std::byte *base = region_ + hdr_.queue_offset + q * hdr_.queue_stride;
	QueueView v;
	v.ctl = reinterpret_cast<weft_queue_ctl *>(base);
	v.sq = reinterpret_cast<weft_sqe *>(base + hdr_.sq_offset);
	v.cq = reinterpret_cast<weft_cqe *>(base + hdr_.cq_offset);
	v.data = base + hdr_.data_offset;
	v.depth = geometry_.queue_depth;
	v.max_io_size = geometry_.max_io_size;
	return v;
}

}  // namespace weft

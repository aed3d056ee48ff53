#include "file_data.h"

#include <algorithm>
#include <cstring>
#include <vector>

namespace weft {

namespace {
constexpr uint64_t kIndexMask = (uint64_t{1} << FileData::kIndexBits) - 1;
}  // namespace

FileData::FileData(storage::ChunkStore &chunks)
	: chunks_(chunks), chunk_bytes_(uint64_t{chunks.chunk_blocks()} * chunks.block_size())
{
}

Result<size_t> FileData::write(uint64_t ino, uint64_t offset, std::span<const std::byte> data,
			       uint32_t replicas, int64_t *sectors)
{
	size_t done = 0;
	std::vector<std::byte> buf;
	while (done < data.size()) {
		const uint64_t pos = offset + done;
		const uint64_t idx = pos / chunk_bytes_;
		const uint64_t in = pos % chunk_bytes_;
		const size_t len = static_cast<size_t>(std::min<uint64_t>(chunk_bytes_ - in, data.size() - done));
		const uint64_t end = in + len;
		const uint32_t b0 = static_cast<uint32_t>(in / kBlock);
		const uint32_t b1 = static_cast<uint32_t>((end + kBlock - 1) / kBlock);
		const uint64_t id = chunk_id(ino, idx);
		std::span<const std::byte> src = data.subspan(done, len);
		int64_t space = 0;
		Status st;
		if (in % kBlock == 0 && end % kBlock == 0) {
			st = chunks_.write(id, b0, src, replicas, &space);
		} else {
			// Read-modify-write of the partial first and last blocks.
			buf.assign(size_t{b1 - b0} * kBlock, std::byte{0});
			std::span<std::byte> whole(buf);
			if (in % kBlock)
				st = chunks_.read(id, b0, whole.first(kBlock));
			if (st.ok() && end % kBlock && (b1 - 1 != b0 || in % kBlock == 0))
				st = chunks_.read(id, b1 - 1, whole.last(kBlock));
			if (st.ok()) {
				std::memcpy(buf.data() + in % kBlock, src.data(), len);
				st = chunks_.write(id, b0, buf, replicas, &space);
			}
		}
		if (!st.ok()) {
			if (done > 0)
				return done;	// a short write: what landed stays
			return st.error();
		}
		account(sectors, space);
		done += len;
	}
	return done;
}

Status FileData::read(uint64_t ino, uint64_t offset, std::span<std::byte> out)
{
	size_t done = 0;
	std::vector<std::byte> buf;
	while (done < out.size()) {
		const uint64_t pos = offset + done;
		const uint64_t in = pos % chunk_bytes_;
		const size_t len = static_cast<size_t>(std::min<uint64_t>(chunk_bytes_ - in, out.size() - done));
		const uint64_t end = in + len;
		const uint32_t b0 = static_cast<uint32_t>(in / kBlock);
		const uint32_t b1 = static_cast<uint32_t>((end + kBlock - 1) / kBlock);
		const uint64_t id = chunk_id(ino, pos / chunk_bytes_);
		if (in % kBlock == 0 && end % kBlock == 0) {
			WEFT_RETURN_IF_ERROR(chunks_.read(id, b0, out.subspan(done, len)));
		} else {
			buf.resize(size_t{b1 - b0} * kBlock);
			WEFT_RETURN_IF_ERROR(chunks_.read(id, b0, buf));
			std::memcpy(out.data() + done, buf.data() + in % kBlock, len);
		}
		done += len;
	}
	return {};
}

Status FileData::zero_in_block(uint64_t id, uint32_t block, uint32_t from, uint32_t to,
			       int64_t *sectors)
{
	std::vector<std::byte> buf(kBlock);
	WEFT_RETURN_IF_ERROR(chunks_.read(id, block, buf));
	// Already zeros (an unwritten block reads so): nothing to write.
	if (std::all_of(buf.begin() + from, buf.begin() + to, [](std::byte b) { return b == std::byte{0}; }))
		return {};
	std::fill(buf.begin() + from, buf.begin() + to, std::byte{0});
	int64_t space = 0;
	Status st = chunks_.write(id, block, buf, 0, &space);
	account(sectors, space);
	return st;
}

Status FileData::zero(uint64_t ino, uint64_t from, uint64_t to, int64_t *sectors)
{
	to = std::min(to, max_file_size());
	if (from >= to)
		return {};
	auto ids = chunks_.chunk_ids(chunk_id(ino, from / chunk_bytes_),
				     chunk_id(ino, (to - 1) / chunk_bytes_) + 1);
	if (!ids)
		return ids.error();
	std::vector<uint64_t> whole;	// removed together (ChunkStore::remove_all)
	for (uint64_t id : *ids) {
		const uint64_t cs = (id & kIndexMask) * chunk_bytes_;
		const uint64_t s = std::max(from, cs), e = std::min(to, cs + chunk_bytes_);
		if (s == cs && e == cs + chunk_bytes_) {
			whole.push_back(id);
			continue;
		}
		const uint32_t rs = static_cast<uint32_t>(s - cs), re = static_cast<uint32_t>(e - cs);
		const uint32_t kb = static_cast<uint32_t>(kBlock);
		uint32_t whole_lo = rs / kb;
		const uint32_t whole_hi = re / kb;
		if (rs % kb) {
			WEFT_RETURN_IF_ERROR(zero_in_block(id, rs / kb, rs % kb, std::min(re - rs / kb * kb, kb), sectors));
			whole_lo++;
		}
		if (re % kb && whole_hi >= whole_lo)
			WEFT_RETURN_IF_ERROR(zero_in_block(id, whole_hi, 0, re % kb, sectors));
		if (whole_hi > whole_lo) {
			int64_t space = 0;
			Status st = chunks_.discard(id, whole_lo, whole_hi - whole_lo, &space);
			account(sectors, space);
			WEFT_RETURN_IF_ERROR(st);
		}
	}
	int64_t space = 0;
	Status st = chunks_.remove_all(whole, &space);
	account(sectors, space);
	return st;
}

Status FileData::allocate(uint64_t ino, uint64_t from, uint64_t to, uint32_t replicas,
			  int64_t *sectors)
{
	if (from >= to)
		return {};
	for (uint64_t idx = from / chunk_bytes_; idx <= (to - 1) / chunk_bytes_; idx++) {
		int64_t space = 0;
		WEFT_RETURN_IF_ERROR(chunks_.allocate(chunk_id(ino, idx), replicas, &space));
		account(sectors, space);
	}
	return {};
}

Status FileData::free_all(uint64_t ino)
{
	auto ids = chunks_.chunk_ids(chunk_id(ino, 0), chunk_id(ino + 1, 0));
	if (!ids)
		return ids.error();
	return chunks_.remove_all(*ids);
}

Result<uint64_t> FileData::seek(uint64_t ino, uint64_t offset, uint64_t size, bool data)
{
	if (offset >= size)
		return make_error(ENXIO);
	const uint64_t first = offset / chunk_bytes_;
	auto ids = chunks_.chunk_ids(chunk_id(ino, first), chunk_id(ino, (size - 1) / chunk_bytes_) + 1);
	if (!ids)
		return ids.error();
	if (data) {
		if (ids->empty())
			return make_error(ENXIO);
		return std::max(offset, (ids->front() & kIndexMask) * chunk_bytes_);
	}
	uint64_t expect = first;
	for (uint64_t id : *ids) {
		if ((id & kIndexMask) != expect)
			break;
		expect++;
	}
	return std::min(size, std::max(offset, expect * chunk_bytes_));
}

}  // namespace weft

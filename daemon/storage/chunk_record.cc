#include "chunk_record.h"

#include <bit>
#include <cstring>

#include "byte_order.h"
#include "crc32c.h"

namespace weft::storage {
namespace {

// Version 2 maps each replica as runs (space grows with the data); version
// 1 (one whole-chunk extent per replica) is still read.
constexpr uint8_t kChunkRecordVersion = 2;
constexpr uint8_t kIntentVersion = 1;
constexpr uint8_t kDeferredVersion = 1;
constexpr uint8_t kDriveRecordVersion = 1;

// Bounds-checked cursor over a value.
class Reader {
public:
	explicit Reader(std::string_view in) : in_(in) {}

	template <typename T>
	bool get(T &out)
	{
		if (in_.size() - pos_ < sizeof(T))
			return false;
		out = get_le<T>(reinterpret_cast<const std::byte *>(in_.data() + pos_));
		pos_ += sizeof(T);
		return true;
	}
	bool bytes(void *out, size_t n)
	{
		if (in_.size() - pos_ < n)
			return false;
		std::memcpy(out, in_.data() + pos_, n);
		pos_ += n;
		return true;
	}
	bool done() const { return pos_ == in_.size(); }
	size_t remaining() const { return in_.size() - pos_; }

private:
	std::string_view in_;
	size_t pos_ = 0;
};

Error corrupt(const char *what)
{
	return make_error(EUCLEAN, std::string("corrupt ") + what);
}

}  // namespace

int64_t Replica::locate(uint32_t b) const
{
	for (const Run &r : runs)
		if (b >= r.block && b < r.end())
			return static_cast<int64_t>(r.start + (b - r.block));
	return -1;
}

uint64_t Replica::mapped_blocks() const
{
	uint64_t n = 0;
	for (const Run &r : runs)
		n += r.count;
	return n;
}

std::vector<bool> Replica::mapped(uint32_t blocks) const
{
	std::vector<bool> m(blocks, false);
	for (const Run &r : runs)
		for (uint32_t b = r.block; b < r.end() && b < blocks; b++)
			m[b] = true;
	return m;
}

std::vector<bool> ChunkRecord::mapped() const
{
	for (const Replica &r : replicas)
		if (current(r))
			return r.mapped(blocks);
	return std::vector<bool>(blocks, false);
}

uint64_t ChunkRecord::mapped_blocks() const
{
	for (const Replica &r : replicas)
		if (current(r))
			return r.mapped_blocks();
	return 0;
}

std::string ChunkRecord::encode() const
{
	std::string s;
	s.reserve(16 + replicas.size() * 20 + blocks / 8 + 1 + blocks * 4);
	append_le<uint8_t>(s, kChunkRecordVersion);
	append_le<uint32_t>(s, blocks);
	append_le<uint64_t>(s, generation);
	append_le<uint8_t>(s, static_cast<uint8_t>(replicas.size()));
	for (const Replica &r : replicas) {
		append_le<uint32_t>(s, r.drive);
		append_le<uint64_t>(s, r.generation);
		append_le<uint32_t>(s, static_cast<uint32_t>(r.runs.size()));
		for (const Run &run : r.runs) {
			append_le<uint32_t>(s, run.block);
			append_le<uint32_t>(s, run.count);
			append_le<uint64_t>(s, run.start);
		}
	}
	for (uint32_t i = 0; i < blocks; i += 8) {
		uint8_t bits = 0;
		for (uint32_t j = 0; j < 8 && i + j < blocks; j++)
			bits |= static_cast<uint8_t>(written[i + j]) << j;
		append_le<uint8_t>(s, bits);
	}
	for (uint32_t crc : crcs)
		append_le<uint32_t>(s, crc);
	return s;
}

Result<ChunkRecord> ChunkRecord::decode(std::string_view in)
{
	Reader r(in);
	ChunkRecord rec;
	uint8_t version = 0, nreplicas = 0;
	if (!r.get(version))
		return corrupt("chunk record header");
	if (version > kChunkRecordVersion)
		return make_error(EPROTONOSUPPORT,
				  "chunk record version " + std::to_string(version) +
					  " is newer than this weftd (it reads versions 1 and 2)");
	if (version == 0 || !r.get(rec.blocks) || !r.get(rec.generation) || !r.get(nreplicas))
		return corrupt("chunk record header");
	rec.replicas.resize(nreplicas);
	for (Replica &rep : rec.replicas) {
		if (version == 1) {
			// One extent covering the whole chunk.
			uint64_t start = 0;
			if (!r.get(rep.drive) || !r.get(start) || !r.get(rep.generation))
				return corrupt("chunk record replica");
			rep.runs = {Run{0, rec.blocks, start}};
			continue;
		}
		uint32_t nruns = 0;
		if (!r.get(rep.drive) || !r.get(rep.generation) || !r.get(nruns) || nruns > rec.blocks)
			return corrupt("chunk record replica");
		rep.runs.resize(nruns);
		uint32_t next = 0;
		for (Run &run : rep.runs) {
			if (!r.get(run.block) || !r.get(run.count) || !r.get(run.start))
				return corrupt("chunk record run");
			// Sorted, disjoint, inside the chunk.
			if (run.count == 0 || run.block < next || run.block >= rec.blocks ||
			    run.count > rec.blocks - run.block)
				return corrupt("chunk record run");
			next = run.end();
		}
	}
	// What is left is exactly the bitmap and the crcs, checked before
	// anything is sized by a count that may be corrupt.  Decoded in bulk:
	// every read of a chunk decodes its record.
	const size_t bitmap_bytes = (size_t{rec.blocks} + 7) / 8;
	if (r.remaining() != bitmap_bytes + size_t{rec.blocks} * 4)
		return corrupt("chunk record length");
	std::vector<uint8_t> bitmap(bitmap_bytes);
	(void)r.bytes(bitmap.data(), bitmap_bytes);
	rec.written.resize(rec.blocks);
	for (uint32_t b = 0; b < rec.blocks; b++)
		rec.written[b] = (bitmap[b / 8] >> (b % 8)) & 1;
	rec.crcs.resize(rec.blocks);
	(void)r.bytes(rec.crcs.data(), size_t{rec.blocks} * 4);
	if constexpr (std::endian::native == std::endian::big)
		for (uint32_t &crc : rec.crcs)
			crc = get_le<uint32_t>(reinterpret_cast<const std::byte *>(&crc));
	return rec;
}

std::string WriteIntent::encode() const
{
	std::string s;
	append_le<uint8_t>(s, kIntentVersion);
	append_le<uint32_t>(s, first_block);
	append_le<uint32_t>(s, static_cast<uint32_t>(crcs.size()));
	for (uint32_t crc : crcs)
		append_le<uint32_t>(s, crc);
	return s;
}

Result<WriteIntent> WriteIntent::decode(std::string_view in)
{
	Reader r(in);
	WriteIntent w;
	uint8_t version = 0;
	uint32_t n = 0;
	if (!r.get(version) || version != kIntentVersion || !r.get(w.first_block) || !r.get(n) ||
	    n > in.size())
		return corrupt("write intent");
	w.crcs.resize(n);
	for (uint32_t &crc : w.crcs)
		if (!r.get(crc))
			return corrupt("write intent checksums");
	if (!r.done())
		return corrupt("write intent length");
	return w;
}

std::string DeferredWrite::encode() const
{
	std::string s;
	s.reserve(17 + data.size());
	append_le<uint8_t>(s, kDeferredVersion);
	append_le<uint64_t>(s, chunk_id);
	append_le<uint32_t>(s, first_block);
	append_le<uint32_t>(s, static_cast<uint32_t>(data.size() / kChecksumBlockSize));
	s += data;
	return s;
}

Result<DeferredWrite> DeferredWrite::decode(std::string_view in)
{
	Reader r(in);
	DeferredWrite w;
	uint8_t version = 0;
	uint32_t n = 0;
	if (!r.get(version) || version != kDeferredVersion || !r.get(w.chunk_id) ||
	    !r.get(w.first_block) || !r.get(n) || n == 0 ||
	    in.size() - 17 != uint64_t{n} * kChecksumBlockSize)
		return corrupt("deferred write");
	w.data.assign(in.substr(17));
	return w;
}

std::string DriveRecord::encode() const
{
	std::string s;
	append_le<uint8_t>(s, kDriveRecordVersion);
	append_le<uint32_t>(s, info.id);
	append_le<uint32_t>(s, info.host_id);
	append_le<uint8_t>(s, static_cast<uint8_t>(info.state));
	uint64_t weight_bits;
	std::memcpy(&weight_bits, &info.weight, 8);
	append_le<uint64_t>(s, weight_bits);
	s.append(reinterpret_cast<const char *>(uuid.bytes.data()), 16);
	append_le<uint32_t>(s, static_cast<uint32_t>(path.size()));
	s.append(path);
	return s;
}

Result<DriveRecord> DriveRecord::decode(std::string_view in)
{
	Reader r(in);
	DriveRecord d;
	uint8_t version = 0, state = 0;
	uint64_t weight_bits = 0;
	uint32_t len = 0;
	if (!r.get(version) || version != kDriveRecordVersion || !r.get(d.info.id) ||
	    !r.get(d.info.host_id) || !r.get(state) || state > 2 || !r.get(weight_bits) ||
	    !r.bytes(d.uuid.bytes.data(), 16) || !r.get(len) || len > in.size())
		return corrupt("drive record");
	d.info.state = static_cast<DriveState>(state);
	std::memcpy(&d.info.weight, &weight_bits, 8);
	d.path.resize(len);
	if (!r.bytes(d.path.data(), len) || !r.done())
		return corrupt("drive record path");
	return d;
}

}  // namespace weft::storage

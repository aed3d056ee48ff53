// The engine's persistent records (values of the MetaStore keys; byte
// layouts in docs/on-disk.md).
#ifndef WEFT_STORAGE_CHUNK_RECORD_H
#define WEFT_STORAGE_CHUNK_RECORD_H

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "placement.h"
#include "status.h"
#include "uuid.h"

namespace weft::storage {

// A run of a replica: chunk blocks [block, block + count) live at drive
// blocks [start, start + count).  Each run is one allocated extent (one
// MetaStore "A" key).
struct Run {
	uint32_t block = 0;
	uint32_t count = 0;
	uint64_t start = 0;
	uint32_t end() const { return block + count; }
	bool operator==(const Run &) const = default;
};

// One copy of a chunk on one drive.  Space grows with the data: only the
// blocks that were written (or reserved by allocate) are mapped, in runs
// sorted by chunk block, never overlapping, never adjacent in both the
// chunk and the drive (such neighbours are one run).
struct Replica {
	// Allocated on a drive that was already failed when the chunk was born.
	static constexpr uint64_t kStaleFromBirth = UINT64_MAX;

	uint32_t drive = 0;
	// The chunk generation this copy holds; behind the chunk's generation
	// means stale (it missed a write while its drive was failed).
	uint64_t generation = 0;
	std::vector<Run> runs;

	// The drive block holding chunk block b, or -1 when b is not mapped.
	int64_t locate(uint32_t b) const;
	uint64_t mapped_blocks() const;
	// Which chunk blocks are mapped (size blocks).
	std::vector<bool> mapped(uint32_t blocks) const;
};
// Where a chunk lives and what its blocks must checksum to.
struct ChunkRecord {
	uint32_t blocks = 0;
	uint64_t generation = 0;  // +1 per committed write
	std::vector<Replica> replicas;
	std::vector<uint32_t> crcs;  // per block
	std::vector<bool> written;   // never-written blocks read as zeros

	bool current(const Replica &r) const { return r.generation == generation; }
	// The chunk's mapped blocks: those of its first current replica (every
	// current replica maps the same blocks); empty if none is current.
	std::vector<bool> mapped() const;
	uint64_t mapped_blocks() const;
	std::string encode() const;
	static Result<ChunkRecord> decode(std::string_view in);
};

// A write in progress, committed before any data reaches a drive: after a
// crash each block of the range holds either its old or its new contents,
// and recovery can tell which by the checksums.
struct WriteIntent {
	uint32_t first_block = 0;
	std::vector<uint32_t> crcs;  // new checksums of the range

	std::string encode() const;
	static Result<WriteIntent> decode(std::string_view in);
};

// A small overwrite, data included, committed before the data goes to the
// drives in place (without a flush): the WAL sync is the write's only sync.
// Deleted once a flush of every drive made the in-place copies durable; an
// open replays the ones left (a block only while the chunk record still
// holds this data's checksum: a later write or discard wins).
struct DeferredWrite {
	uint64_t chunk_id = 0;
	uint32_t first_block = 0;
	std::string data;  // whole 4 KiB blocks

	std::string encode() const;
	static Result<DeferredWrite> decode(std::string_view in);
};

struct DriveRecord {
	DriveInfo info;
	Uuid uuid;
	std::string path;

	std::string encode() const;
	static Result<DriveRecord> decode(std::string_view in);
};

}  // namespace weft::storage

#endif

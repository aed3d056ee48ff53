// The engine's persistent records (values of the MetaStore keys; byte
// layouts in docs/on-disk.md).
#ifndef WEFT_STORAGE_CHUNK_RECORD_H
#define WEFT_STORAGE_CHUNK_RECORD_H

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "placement.h"
#include "status.h"
#include "uuid.h"

namespace weft::storage {

// One copy of a chunk: a contiguous extent on one drive.
struct Replica {
	// Allocated on a drive that was already failed when the chunk was born.
	static constexpr uint64_t kStaleFromBirth = UINT64_MAX;

	uint32_t drive = 0;
	uint64_t start_block = 0;
	// The chunk generation this copy holds; behind the chunk's generation
	// means stale (it missed a write while its drive was failed).
	uint64_t generation = 0;
};

// Where a chunk lives and what its blocks must checksum to.
struct ChunkRecord {
	uint32_t blocks = 0;
	uint64_t generation = 0;  // +1 per committed write
	std::vector<Replica> replicas;
	std::vector<uint32_t> crcs;  // per block
	std::vector<bool> written;   // never-written blocks read as zeros

	bool current(const Replica &r) const { return r.generation == generation; }
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

struct DriveRecord {
	DriveInfo info;
	Uuid uuid;
	std::string path;

	std::string encode() const;
	static Result<DriveRecord> decode(std::string_view in);
};

}  // namespace weft::storage

#endif

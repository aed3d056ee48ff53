// FileData: a file's bytes as chunks of the storage engine (ChunkStore).
//
// Byte offset o of inode ino lives in chunk id (ino << kIndexBits) |
// (o / chunk_bytes), block (o % chunk_bytes) / 4096 of it.  The split gives
// inode numbers below 2^40 and 2^24 chunks per file: with 1 MiB chunks a
// maximum file size of 16 TiB (EFBIG beyond).  A chunk that does not exist
// is a hole and reads as zeros; a partial block is read, merged and written
// back whole (ChunkStore's unit is the 4 KiB block).
//
// Space accounting: every call that allocates or frees adds the change in
// the file's space to *sectors, in 512-byte units (st_blocks): the blocks
// the engine really holds for the file (per replica: a 100-byte file with 2
// replicas is 8 sectors, 4 KiB on each of two drives).
//
// Stateless apart from the engine: the caller serialises the operations on
// one inode (RocksMetadataStore holds a per-inode lock around them).
#ifndef WEFT_DAEMON_FILE_DATA_H
#define WEFT_DAEMON_FILE_DATA_H

#include <cstddef>
#include <cstdint>
#include <span>

#include "result.h"
#include "storage/chunk_store.h"

namespace weft {

class FileData {
public:
	static constexpr unsigned kIndexBits = 24;
	static constexpr uint64_t kMaxIno = (uint64_t{1} << (64 - kIndexBits)) - 1;
	static constexpr uint64_t kBlock = 4096;

	explicit FileData(storage::ChunkStore &chunks);

	static uint64_t chunk_id(uint64_t ino, uint64_t index) { return ino << kIndexBits | index; }
	static uint64_t ino_of(uint64_t chunk_id) { return chunk_id >> kIndexBits; }
	uint64_t chunk_bytes() const { return chunk_bytes_; }
	uint64_t max_file_size() const { return chunk_bytes_ << kIndexBits; }

	// Writes data at offset (offset + size <= max_file_size()); new chunks
	// get `replicas` replicas.  Returns the bytes written: fewer than asked
	// when a later chunk failed (ENOSPC) after earlier ones succeeded.
	Result<size_t> write(uint64_t ino, uint64_t offset, std::span<const std::byte> data,
			     uint32_t replicas, int64_t *sectors);
	// Reads exactly out.size() bytes at offset (the caller clips to EOF).
	Status read(uint64_t ino, uint64_t offset, std::span<std::byte> out);
	// Makes [from, to) read as zeros: whole chunks are freed, whole blocks
	// discarded (their space freed), partial blocks zeroed in place.
	Status zero(uint64_t ino, uint64_t from, uint64_t to, int64_t *sectors);
	// Reserves every chunk touching [from, to) whole.
	Status allocate(uint64_t ino, uint64_t from, uint64_t to, uint32_t replicas,
			int64_t *sectors);
	// Frees every chunk of ino.
	Status free_all(uint64_t ino);
	// SEEK_DATA / SEEK_HOLE at chunk granularity (offset < size).
	Result<uint64_t> seek(uint64_t ino, uint64_t offset, uint64_t size, bool data);

private:
	// Zeroes bytes [from, to) of one block of an existing chunk.
	Status zero_in_block(uint64_t id, uint32_t block, uint32_t from, uint32_t to,
			     int64_t *sectors);
	// Adds an engine space change (blocks) to *sectors.
	static void account(int64_t *sectors, int64_t blocks) { *sectors += blocks * int64_t{kBlock / 512}; }

	storage::ChunkStore &chunks_;
	const uint64_t chunk_bytes_;
};

}  // namespace weft

#endif

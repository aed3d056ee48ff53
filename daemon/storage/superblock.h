// Superblock: the first 4 KiB of every weft drive, naming the cluster and
// the drive so a drive is never mistaken for another (layout in
// docs/on-disk.md).
#ifndef WEFT_STORAGE_SUPERBLOCK_H
#define WEFT_STORAGE_SUPERBLOCK_H

#include <cstddef>
#include <cstdint>
#include <span>

#include "status.h"
#include "uuid.h"

namespace weft::storage {

struct Superblock {
	static constexpr size_t kSize = 4096;
	static constexpr uint32_t kFormatVersion = 1;
	// Data begins 1 MiB in: aligned for any device, room to grow the header.
	static constexpr uint64_t kDataOffset = 1 << 20;

	uint32_t format_version = kFormatVersion;
	uint32_t block_size = 4096;
	uint64_t size_bytes = 0;  // drive size when formatted
	uint64_t data_offset = kDataOffset;
	Uuid cluster;
	Uuid drive_uuid;
	uint32_t drive_id = 0;
	uint64_t created_unix = 0;

	// Data blocks after the header.
	uint64_t block_count() const
	{
		return size_bytes <= data_offset ? 0 : (size_bytes - data_offset) / block_size;
	}

	// out.size() must be kSize.
	void encode(std::span<std::byte> out) const;
	// EUCLEAN: no weft magic (not a weft drive); EBADMSG: bad checksum;
	// EPROTONOSUPPORT: a format version this build cannot read; EINVAL:
	// impossible geometry.
	static Result<Superblock> decode(std::span<const std::byte> in);
};

}  // namespace weft::storage

#endif

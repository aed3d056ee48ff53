// CRC-32C (Castagnoli, as in iSCSI and ext4) through ISA-L, one checksum per
// 4 KiB block: the unit a read verifies and a repair rewrites.
#ifndef WEFT_STORAGE_CRC32C_H
#define WEFT_STORAGE_CRC32C_H

#include <cstddef>
#include <cstdint>
#include <span>

namespace weft::storage {

inline constexpr uint32_t kChecksumBlockSize = 4096;

// Standard CRC-32C of data (initial value ~0, final inversion):
// crc32c("123456789") == 0xE3069283.
uint32_t crc32c(std::span<const std::byte> data);

// One crc32c per kChecksumBlockSize block of data; data.size() must be a
// multiple of the block size and out must hold size / block size entries.
void block_checksums(std::span<const std::byte> data, std::span<uint32_t> out);

}  // namespace weft::storage

#endif

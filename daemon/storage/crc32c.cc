#include "crc32c.h"

#include <isa-l/crc.h>

#include <cassert>

namespace weft::storage {

uint32_t crc32c(std::span<const std::byte> data)
{
	// crc32_iscsi neither pre- nor post-inverts; the standard CRC-32C does
	// both.  Feed in slices so sizes beyond INT_MAX stay correct.
	uint32_t crc = 0xffffffffu;
	auto *p = reinterpret_cast<unsigned char *>(const_cast<std::byte *>(data.data()));
	size_t left = data.size();
	while (left > 0) {
		int n = left > (1u << 30) ? (1 << 30) : static_cast<int>(left);
		crc = crc32_iscsi(p, n, crc);
		p += n;
		left -= static_cast<size_t>(n);
	}
	return ~crc;
}

void block_checksums(std::span<const std::byte> data, std::span<uint32_t> out)
{
	assert(data.size() % kChecksumBlockSize == 0);
	assert(out.size() == data.size() / kChecksumBlockSize);
	for (size_t i = 0; i < out.size(); i++)
		out[i] = crc32c(data.subspan(i * kChecksumBlockSize, kChecksumBlockSize));
}

}  // namespace weft::storage

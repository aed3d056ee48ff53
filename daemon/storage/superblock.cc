#include "superblock.h"

#include <cstring>

#include "crc32c.h"
#include "byte_order.h"

namespace weft::storage {
namespace {

constexpr char kMagic[8] = {'W', 'E', 'F', 'T', 'D', 'R', 'V', '1'};
constexpr size_t kCrcOffset = Superblock::kSize - 4;

}  // namespace

void Superblock::encode(std::span<std::byte> out) const
{
	std::memset(out.data(), 0, kSize);
	std::byte *p = out.data();
	std::memcpy(p, kMagic, 8);
	put_le<uint32_t>(p + 8, format_version);
	put_le<uint32_t>(p + 12, block_size);
	put_le<uint64_t>(p + 16, size_bytes);
	put_le<uint64_t>(p + 24, data_offset);
	std::memcpy(p + 32, cluster.bytes.data(), 16);
	std::memcpy(p + 48, drive_uuid.bytes.data(), 16);
	put_le<uint32_t>(p + 64, drive_id);
	put_le<uint64_t>(p + 72, created_unix);
	put_le<uint32_t>(p + kCrcOffset, crc32c(out.first(kCrcOffset)));
}

Result<Superblock> Superblock::decode(std::span<const std::byte> in)
{
	if (in.size() < kSize)
		return make_error(EINVAL, "superblock buffer too short");
	const std::byte *p = in.data();
	if (std::memcmp(p, kMagic, 8) != 0)
		return make_error(EUCLEAN, "no weft superblock");
	if (get_le<uint32_t>(p + kCrcOffset) != crc32c(in.first(kCrcOffset)))
		return make_error(EBADMSG, "weft superblock checksum mismatch");
	Superblock sb;
	sb.format_version = get_le<uint32_t>(p + 8);
	if (sb.format_version != kFormatVersion)
		return make_error(EPROTONOSUPPORT, "weft drive format version " +
							   std::to_string(sb.format_version) +
							   " is not supported");
	sb.block_size = get_le<uint32_t>(p + 12);
	sb.size_bytes = get_le<uint64_t>(p + 16);
	sb.data_offset = get_le<uint64_t>(p + 24);
	std::memcpy(sb.cluster.bytes.data(), p + 32, 16);
	std::memcpy(sb.drive_uuid.bytes.data(), p + 48, 16);
	sb.drive_id = get_le<uint32_t>(p + 64);
	sb.created_unix = get_le<uint64_t>(p + 72);
	if (sb.block_size < 512 || (sb.block_size & (sb.block_size - 1)) != 0 ||
	    sb.data_offset % sb.block_size != 0 || sb.data_offset < kSize)
		return make_error(EINVAL, "weft superblock has impossible geometry");
	return sb;
}

}  // namespace weft::storage

// Little-endian (on-disk) and big-endian (sortable RocksDB keys) encoding of
// fixed-width integers, independent of the host byte order.
#ifndef WEFT_STORAGE_BYTE_ORDER_H
#define WEFT_STORAGE_BYTE_ORDER_H

#include <cstddef>
#include <cstdint>
#include <string>

namespace weft::storage {

template <typename T>
inline void put_le(std::byte *p, T v)
{
	for (size_t i = 0; i < sizeof(T); i++)
		p[i] = static_cast<std::byte>((static_cast<uint64_t>(v) >> (8 * i)) & 0xff);
}

template <typename T>
inline T get_le(const std::byte *p)
{
	uint64_t v = 0;
	for (size_t i = 0; i < sizeof(T); i++)
		v |= static_cast<uint64_t>(p[i]) << (8 * i);
	return static_cast<T>(v);
}

template <typename T>
inline void append_le(std::string &s, T v)
{
	for (size_t i = 0; i < sizeof(T); i++)
		s.push_back(static_cast<char>((static_cast<uint64_t>(v) >> (8 * i)) & 0xff));
}

template <typename T>
inline void append_be(std::string &s, T v)
{
	for (size_t i = sizeof(T); i-- > 0;)
		s.push_back(static_cast<char>((static_cast<uint64_t>(v) >> (8 * i)) & 0xff));
}

template <typename T>
inline T get_be(const char *p)
{
	uint64_t v = 0;
	for (size_t i = 0; i < sizeof(T); i++)
		v = v << 8 | static_cast<uint8_t>(p[i]);
	return static_cast<T>(v);
}

}  // namespace weft::storage

#endif

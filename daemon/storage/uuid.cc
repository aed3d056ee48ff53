#include "uuid.h"

#include <sys/random.h>

#include <cstdio>
#include <stdexcept>

namespace weft::storage {

Uuid Uuid::generate()
{
	Uuid u;
	size_t got = 0;
	while (got < u.bytes.size()) {
		ssize_t n = getrandom(u.bytes.data() + got, u.bytes.size() - got, 0);
		if (n < 0)
			throw std::runtime_error("getrandom failed");
		got += static_cast<size_t>(n);
	}
	u.bytes[6] = (u.bytes[6] & 0x0f) | 0x40;  // version 4
	u.bytes[8] = (u.bytes[8] & 0x3f) | 0x80;  // RFC 4122 variant
	return u;
}

std::optional<Uuid> Uuid::parse(std::string_view text)
{
	if (text.size() != 36)
		return std::nullopt;
	Uuid u;
	size_t b = 0;
	for (size_t i = 0; i < text.size();) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (text[i] != '-')
				return std::nullopt;
			i++;
			continue;
		}
		auto nibble = [](char c) -> int {
			if (c >= '0' && c <= '9')
				return c - '0';
			if (c >= 'a' && c <= 'f')
				return c - 'a' + 10;
			if (c >= 'A' && c <= 'F')
				return c - 'A' + 10;
			return -1;
		};
		int hi = nibble(text[i]), lo = nibble(text[i + 1]);
		if (hi < 0 || lo < 0)
			return std::nullopt;
		u.bytes[b++] = static_cast<uint8_t>(hi << 4 | lo);
		i += 2;
	}
	return u;
}

std::string Uuid::to_string() const
{
	char out[37];
	const uint8_t *b = bytes.data();
	std::snprintf(out, sizeof(out),
		      "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		      b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11],
		      b[12], b[13], b[14], b[15]);
	return out;
}

}  // namespace weft::storage

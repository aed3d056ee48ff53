// Uuid: 16 random bytes naming a cluster or a drive (RFC 4122 version 4).
#ifndef WEFT_STORAGE_UUID_H
#define WEFT_STORAGE_UUID_H

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace weft::storage {

struct Uuid {
	std::array<uint8_t, 16> bytes{};

	static Uuid generate();
	// "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx"; nullopt when malformed.
	static std::optional<Uuid> parse(std::string_view text);
	std::string to_string() const;
	bool is_nil() const { return *this == Uuid{}; }

	bool operator==(const Uuid &) const = default;
};

}  // namespace weft::storage

#endif

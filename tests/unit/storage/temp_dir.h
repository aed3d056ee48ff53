// Test helpers: a private directory under /tmp removed at the end of the
// test, and sparse files in it to serve as drives.
#ifndef WEFT_TESTS_STORAGE_TEMP_DIR_H
#define WEFT_TESTS_STORAGE_TEMP_DIR_H

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace weft::storage::testing {

class TempDir {
public:
	TempDir();
	~TempDir();
	TempDir(const TempDir &) = delete;
	TempDir &operator=(const TempDir &) = delete;

	const std::string &path() const { return path_; }
	// A sparse file of size bytes at path()/name; returns its path.
	std::string make_file(const std::string &name, uint64_t size) const;

private:
	std::string path_;
};

// Overwrites bytes at offset of the file at path (bypassing weft).
void poke(const std::string &path, uint64_t offset, const std::vector<std::byte> &bytes);
std::vector<std::byte> pattern(size_t size, uint32_t seed);

}  // namespace weft::storage::testing

#endif

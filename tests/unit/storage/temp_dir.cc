#include "temp_dir.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <stdexcept>

namespace weft::storage::testing {

TempDir::TempDir()
{
	char tmpl[] = "/tmp/weft-storage-XXXXXX";
	if (::mkdtemp(tmpl) == nullptr)
		throw std::runtime_error("mkdtemp failed");
	path_ = tmpl;
}

TempDir::~TempDir()
{
	std::error_code ec;
	std::filesystem::remove_all(path_, ec);
}

std::string TempDir::make_file(const std::string &name, uint64_t size) const
{
	std::string p = path_ + "/" + name;
	int fd = ::open(p.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || ::ftruncate(fd, static_cast<off_t>(size)) != 0)
		throw std::runtime_error("cannot create " + p);
	::close(fd);
	return p;
}

void poke(const std::string &path, uint64_t offset, const std::vector<std::byte> &bytes)
{
	int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
	if (fd < 0 || ::pwrite(fd, bytes.data(), bytes.size(), static_cast<off_t>(offset)) !=
			      static_cast<ssize_t>(bytes.size()) ||
	    ::fsync(fd) != 0)
		throw std::runtime_error("cannot poke " + path);
	::close(fd);
}

std::vector<std::byte> pattern(size_t size, uint32_t seed)
{
	std::vector<std::byte> v(size);
	uint64_t x = seed * 0x9e3779b97f4a7c15ull + 1;
	for (auto &b : v) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		b = static_cast<std::byte>(x);
	}
	return v;
}

}  // namespace weft::storage::testing

// Result, UniqueFd and MappedRegion: the small types every fd, mapping and
// error on the I/O path goes through.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <string>

#include "mapped_region.h"
#include "result.h"
#include "unique_fd.h"

namespace weft {
namespace {

bool fd_open(int fd) { return fcntl(fd, F_GETFD) != -1; }

TEST(Result, HoldsAValueOrAnError)
{
	Result<std::string> v = std::string("x");
	ASSERT_TRUE(v.ok());
	EXPECT_EQ(*v, "x");
	EXPECT_EQ(v->size(), 1u);
	Result<std::string> e = make_error(ENOENT, "missing");
	ASSERT_FALSE(e);
	EXPECT_EQ(e.error().code, ENOENT);
	EXPECT_EQ(e.error().message, "missing");
	Status ok;
	EXPECT_TRUE(ok.ok());
	Status bad = make_error(EIO);
	EXPECT_EQ(bad.error().code, EIO);
}

TEST(UniqueFd, ClosesOnceAndMoves)
{
	int raw = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
	ASSERT_GE(raw, 0);
	{
		UniqueFd a(raw);
		UniqueFd b(std::move(a));
		EXPECT_FALSE(a.valid());
		EXPECT_EQ(b.get(), raw);
		UniqueFd c;
		c = std::move(b);
		EXPECT_TRUE(fd_open(raw));
	}
	EXPECT_FALSE(fd_open(raw));
}

TEST(MappedRegion, UnmapsOnceAndMoves)
{
	const size_t size = 2 * 4096;
	void *p = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(p, MAP_FAILED);
	{
		MappedRegion a(p, size);
		MappedRegion b(std::move(a));
		EXPECT_FALSE(a.valid());
		EXPECT_EQ(b.size(), size);
		b.data()[0] = std::byte{1};
	}
	unsigned char vec[2];
	EXPECT_EQ(::mincore(p, size, vec), -1);	// no longer mapped
	EXPECT_EQ(errno, ENOMEM);
}

}  // namespace
}  // namespace weft

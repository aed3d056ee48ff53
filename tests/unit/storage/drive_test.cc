#include "storage/drive.h"

#include <gtest/gtest.h>

#include <sys/stat.h>

#include <fstream>
#include <sstream>

#include "temp_dir.h"

namespace weft::storage {
namespace {

using testing::TempDir;

constexpr uint64_t kMiB = 1 << 20;

FormatOptions options_for(const Uuid &cluster, uint32_t id = 1)
{
	FormatOptions fo;
	fo.cluster = cluster;
	fo.drive_id = id;
	return fo;
}

TEST(Drive, FormatThenOpenValidatesTheSuperblock)
{
	TempDir dir;
	std::string path = dir.make_file("d0", 32 * kMiB);
	Uuid cluster = Uuid::generate();
	auto sb = format_drive(path, options_for(cluster, 3));
	ASSERT_TRUE(sb.ok()) << sb.error().message;

	Drive::OpenOptions oo;
	oo.cluster = cluster;
	auto d = Drive::open(path, oo);
	ASSERT_TRUE(d.ok()) << d.error().message;
	EXPECT_EQ((*d)->id(), 3u);
	EXPECT_EQ((*d)->superblock().drive_uuid, sb->drive_uuid);
	EXPECT_EQ((*d)->block_count(), (32 * kMiB - Superblock::kDataOffset) / 4096);
	EXPECT_EQ((*d)->block_offset(0), Superblock::kDataOffset);
}

TEST(Drive, OpenRefusesAnotherClusterAndAnUnformattedDrive)
{
	TempDir dir;
	std::string path = dir.make_file("d0", 32 * kMiB);
	EXPECT_EQ(Drive::open(path, {}).error().code, EUCLEAN);
	ASSERT_TRUE(format_drive(path, options_for(Uuid::generate())).ok());
	Drive::OpenOptions oo;
	oo.cluster = Uuid::generate();
	auto d = Drive::open(path, oo);
	ASSERT_FALSE(d.ok());
	EXPECT_EQ(d.error().code, EXDEV);
	EXPECT_NE(d.error().message.find("belongs to weft cluster"), std::string::npos);
}

TEST(Drive, FormatRefusesAnotherClusterUnlessForced)
{
	TempDir dir;
	std::string path = dir.make_file("d0", 32 * kMiB);
	Uuid theirs = Uuid::generate(), ours = Uuid::generate();
	ASSERT_TRUE(format_drive(path, options_for(theirs)).ok());
	auto refused = format_drive(path, options_for(ours));
	ASSERT_FALSE(refused.ok());
	EXPECT_EQ(refused.error().code, EEXIST);
	EXPECT_NE(refused.error().message.find(theirs.to_string()), std::string::npos);
	EXPECT_NE(refused.error().message.find("--force"), std::string::npos);
	// Our own cluster's drive is not silently reformatted either.
	EXPECT_EQ(format_drive(path, options_for(theirs)).error().code, EEXIST);

	FormatOptions forced = options_for(ours);
	forced.force = true;
	ASSERT_TRUE(format_drive(path, forced).ok());
	Drive::OpenOptions oo;
	oo.cluster = ours;
	EXPECT_TRUE(Drive::open(path, oo).ok());
}

TEST(Drive, FormatRefusesADamagedSuperblockUnlessForced)
{
	TempDir dir;
	std::string path = dir.make_file("d0", 32 * kMiB);
	Uuid cluster = Uuid::generate();
	ASSERT_TRUE(format_drive(path, options_for(cluster)).ok());
	testing::poke(path, 200, {std::byte{0x55}});
	EXPECT_EQ(format_drive(path, options_for(cluster)).error().code, EEXIST);
	EXPECT_EQ(Drive::open(path, {}).error().code, EBADMSG);
}

TEST(Drive, FormatRefusesATooSmallDrive)
{
	TempDir dir;
	std::string path = dir.make_file("small", 4 * kMiB);
	auto r = format_drive(path, options_for(Uuid::generate()));
	ASSERT_FALSE(r.ok());
	EXPECT_EQ(r.error().code, ENOSPC);
	EXPECT_NE(r.error().message.find("too small"), std::string::npos);
}

TEST(Drive, FormatAndOpenRefuseADriveInUse)
{
	TempDir dir;
	std::string path = dir.make_file("d0", 32 * kMiB);
	Uuid cluster = Uuid::generate();
	ASSERT_TRUE(format_drive(path, options_for(cluster)).ok());
	auto held = Drive::open(path, {});
	ASSERT_TRUE(held.ok());
	FormatOptions forced = options_for(cluster);
	forced.force = true;  // force never overrides "in use"
	auto r = format_drive(path, forced);
	ASSERT_FALSE(r.ok());
	EXPECT_EQ(r.error().code, EBUSY);
	EXPECT_NE(r.error().message.find("in use"), std::string::npos);
	EXPECT_EQ(Drive::open(path, {}).error().code, EBUSY);
	held->reset();
	EXPECT_TRUE(Drive::open(path, {}).ok());
}

TEST(Drive, DefaultDriveFileIsSparseAndFormattable)
{
	TempDir dir;
	std::string path = dir.path() + "/default.drive";
	ASSERT_TRUE(create_drive_file(path, 1ull << 30).ok());
	EXPECT_EQ(create_drive_file(path, 1ull << 30).error().code, EEXIST);
	ASSERT_TRUE(format_drive(path, options_for(Uuid::generate())).ok());
	struct stat st;
	ASSERT_EQ(::stat(path.c_str(), &st), 0);
	EXPECT_EQ(st.st_size, 1ll << 30);
	EXPECT_LT(st.st_blocks * 512, 1 << 20);  // only the superblock is allocated
}

TEST(Drive, MountedBlockDeviceIsDetected)
{
	// Only inspects: never formats a mounted device.  Any machine that runs
	// this suite has its root (or some file system) on a block device.
	std::ifstream mounts("/proc/self/mounts");
	std::string line, source;
	while (std::getline(mounts, line)) {
		std::istringstream f(line);
		std::string src, target;
		f >> src >> target;
		struct stat st;
		if (source.empty() && src.rfind("/dev/", 0) == 0 &&
		    ::stat(src.c_str(), &st) == 0 && S_ISBLK(st.st_mode))
			source = src;
	}
	if (source.empty())
		GTEST_FAIL() << "no mounted block device in /proc/self/mounts to test against";
	Status s = check_not_mounted(source);
	ASSERT_FALSE(s.ok());
	EXPECT_EQ(s.error().code, EBUSY);
	EXPECT_NE(s.error().message.find("is mounted"), std::string::npos);
	TempDir dir;
	EXPECT_TRUE(check_not_mounted(dir.make_file("f", 4096)).ok());
}

}  // namespace
}  // namespace weft::storage

#include "drive.h"

#include <fcntl.h>
#include <linux/fs.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <climits>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <sstream>

#include "aligned_buffer.h"

namespace weft::storage {
namespace {

struct OpenedDevice {
	UniqueFd fd;
	uint64_t size = 0;
	uint32_t logical_block = 512;
};

// Opens path O_DIRECT (a file: buffered if its file system refuses
// O_DIRECT) and exclusively: O_EXCL on a block device (the kernel
// refuses it while mounted or claimed), an flock on a file.  The hold lasts
// as long as the fd.
Result<OpenedDevice> open_exclusive(const std::string &path)
{
	struct stat st;
	if (::stat(path.c_str(), &st) != 0)
		return errno_error(errno, "stat " + path);
	bool block = S_ISBLK(st.st_mode);
	if (!block && !S_ISREG(st.st_mode))
		return make_error(EINVAL, path + " is neither a block device nor a file");
	int flags = O_RDWR | O_DIRECT | O_CLOEXEC | (block ? O_EXCL : 0);
	OpenedDevice dev;
	dev.fd.reset(::open(path.c_str(), flags));
	// A file on a file system without O_DIRECT (tmpfs before Linux 6.6,
	// where a default drive file may live): buffered I/O, made durable by
	// the same fdatasync as every write; reads are still checksummed.
	if (!dev.fd.valid() && errno == EINVAL && !block)
		dev.fd.reset(::open(path.c_str(), flags & ~O_DIRECT));
	if (!dev.fd.valid()) {
		if (errno == EBUSY)
			return make_error(EBUSY, path + " is in use (mounted or held by another program)");
		return errno_error(errno, "open " + path);
	}
	if (block) {
		if (::ioctl(dev.fd.get(), BLKGETSIZE64, &dev.size) != 0)
			return errno_error(errno, "BLKGETSIZE64 " + path);
		int lbs = 0;
		if (::ioctl(dev.fd.get(), BLKSSZGET, &lbs) == 0 && lbs > 0)
			dev.logical_block = static_cast<uint32_t>(lbs);
	} else {
		if (::flock(dev.fd.get(), LOCK_EX | LOCK_NB) != 0) {
			if (errno == EWOULDBLOCK)
				return make_error(EBUSY, path + " is in use (locked by another opener)");
			return errno_error(errno, "flock " + path);
		}
		dev.size = static_cast<uint64_t>(st.st_size);
	}
	return dev;
}

Result<AlignedBuffer> read_header(int fd, const std::string &path)
{
	AlignedBuffer buf(Superblock::kSize);
	ssize_t n = ::pread(fd, buf.data(), buf.size(), 0);
	if (n < 0)
		return errno_error(errno, "read superblock of " + path);
	if (static_cast<size_t>(n) != buf.size())
		return make_error(EIO, "short read of the superblock of " + path);
	return buf;
}

std::string sysfs_block_path(dev_t dev)
{
	std::string link = "/sys/dev/block/" + std::to_string(major(dev)) + ":" +
			   std::to_string(minor(dev));
	char resolved[PATH_MAX];
	if (::realpath(link.c_str(), resolved) == nullptr)
		return {};
	return resolved;
}

}  // namespace

Status create_drive_file(const std::string &path, uint64_t size)
{
	UniqueFd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
	if (!fd.valid())
		return errno_error(errno, "create " + path);
	// Sparse: blocks are allocated as chunks are written.
	if (::ftruncate(fd.get(), static_cast<off_t>(size)) != 0) {
		int err = errno;
		::unlink(path.c_str());
		return errno_error(err, "size " + path);
	}
	if (::fsync(fd.get()) != 0)
		return errno_error(errno, "fsync " + path);
	return {};
}

Status check_not_mounted(const std::string &path)
{
	struct stat st;
	if (::stat(path.c_str(), &st) != 0)
		return errno_error(errno, "stat " + path);
	if (!S_ISBLK(st.st_mode))
		return {};
	std::string ours = sysfs_block_path(st.st_rdev);
	std::ifstream mounts("/proc/self/mounts");
	std::string line;
	while (std::getline(mounts, line)) {
		std::istringstream fields(line);
		std::string source, target;
		fields >> source >> target;
		struct stat ms;
		if (source.empty() || source[0] != '/' || ::stat(source.c_str(), &ms) != 0 ||
		    !S_ISBLK(ms.st_mode))
			continue;
		bool same = ms.st_rdev == st.st_rdev;
		if (!same && !ours.empty()) {
			// A partition's sysfs directory sits inside its disk's.
			std::string theirs = sysfs_block_path(ms.st_rdev);
			same = theirs.rfind(ours + "/", 0) == 0;
		}
		if (same)
			return make_error(EBUSY, path + " is mounted (" + source + " on " + target + ")");
	}
	return {};
}

Result<Superblock> format_drive(const std::string &path, const FormatOptions &options)
{
	if (options.block_size < 512 || (options.block_size & (options.block_size - 1)) != 0 ||
	    Superblock::kDataOffset % options.block_size != 0)
		return make_error(EINVAL, "block size must be a power of two from 512 to 1 MiB");
	if (options.cluster.is_nil())
		return make_error(EINVAL, "format needs a cluster id");
	WEFT_RETURN_IF_ERROR(check_not_mounted(path));
	auto dev = open_exclusive(path);
	if (!dev)
		return dev.error();
	if (options.block_size < dev->logical_block)
		return make_error(EINVAL, "block size " + std::to_string(options.block_size) +
						  " is below the device's logical block size " +
						  std::to_string(dev->logical_block));
	uint64_t min_size = std::max<uint64_t>(options.min_size,
					       Superblock::kDataOffset + options.block_size);
	if (dev->size < min_size)
		return make_error(ENOSPC, path + " is too small: " + std::to_string(dev->size) +
						  " bytes, weft needs at least " +
						  std::to_string(min_size));
	if (dev->size >= Superblock::kSize) {
		auto header = read_header(dev->fd.get(), path);
		if (!header)
			return header.error();
		auto old = Superblock::decode(header->span());
		if (!options.force) {
			if (old.ok() && old->cluster != options.cluster)
				return make_error(EEXIST, path + " belongs to weft cluster " +
								  old->cluster.to_string() +
								  "; use --force to reformat it");
			if (old.ok())
				return make_error(EEXIST, path + " is already drive " +
								  std::to_string(old->drive_id) +
								  " of this cluster; use --force to reformat it");
			if (old.error().code != EUCLEAN)
				return make_error(EEXIST, path + " has a damaged weft superblock (" +
								  old.error().message +
								  "); use --force to reformat it");
		}
	}
	Superblock sb;
	sb.block_size = options.block_size;
	sb.size_bytes = dev->size;
	sb.cluster = options.cluster;
	sb.drive_uuid = Uuid::generate();
	sb.drive_id = options.drive_id;
	sb.created_unix = static_cast<uint64_t>(std::time(nullptr));
	AlignedBuffer buf(Superblock::kSize);
	sb.encode(buf.span());
	ssize_t n = ::pwrite(dev->fd.get(), buf.data(), buf.size(), 0);
	if (n < 0)
		return errno_error(errno, "write superblock of " + path);
	if (static_cast<size_t>(n) != buf.size())
		return make_error(EIO, "short write of the superblock of " + path);
	if (::fdatasync(dev->fd.get()) != 0)
		return errno_error(errno, "fdatasync " + path);
	return sb;
}

Result<std::unique_ptr<Drive>> Drive::open(const std::string &path, const OpenOptions &options)
{
	auto dev = open_exclusive(path);
	if (!dev)
		return dev.error();
	auto header = read_header(dev->fd.get(), path);
	if (!header)
		return header.error();
	auto sb = Superblock::decode(header->span());
	if (!sb)
		return make_error(sb.error().code, path + ": " + sb.error().message);
	if (options.cluster && sb->cluster != *options.cluster)
		return make_error(EXDEV, path + " belongs to weft cluster " +
						 sb->cluster.to_string() + ", not " +
						 options.cluster->to_string());
	if (sb->size_bytes > dev->size)
		return make_error(EINVAL, path + " shrank below its formatted size");
	auto io = IoUringDrive::create(std::move(dev->fd), sb->size_bytes, options.io);
	if (!io)
		return io.error();
	return std::make_unique<Drive>(Token{}, path, *sb, std::move(*io));
}

}  // namespace weft::storage

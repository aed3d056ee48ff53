// Drive: a formatted weft drive (a raw block device or a file), held
// exclusively and opened O_DIRECT, with its superblock and its io_uring.
//
// format_drive() writes a superblock after refusing anything that would
// destroy data we do not own: a drive of another cluster (or of this one), a
// drive that is mounted, in use by another opener, or too small.  force
// skips the ownership check only; mounted and in-use drives are never
// formatted.
#ifndef WEFT_STORAGE_DRIVE_H
#define WEFT_STORAGE_DRIVE_H

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "io_uring_drive.h"
#include "status.h"
#include "superblock.h"
#include "unique_fd.h"
#include "uuid.h"

namespace weft::storage {

struct FormatOptions {
	Uuid cluster;
	uint32_t drive_id = 0;
	uint32_t block_size = 4096;
	uint64_t min_size = 16ull << 20;
	bool force = false;  // reformat a drive that already holds a superblock
};

// Creates a sparse file of size bytes to serve as a drive (the default
// drive of a weftd started without one).  EEXIST if path exists.
Status create_drive_file(const std::string &path, uint64_t size);

// EEXIST: holds a weft superblock (of this or another cluster), no force.
// EBUSY: mounted or in use.  ENOSPC: smaller than min_size.
Result<Superblock> format_drive(const std::string &path, const FormatOptions &options);

// EBUSY if the block device at path, or a partition of it, is mounted
// (per /proc/self/mounts).  Files are never "mounted".
Status check_not_mounted(const std::string &path);

class Drive {
public:
	struct OpenOptions {
		// When set, a drive of another cluster is refused (EXDEV).
		std::optional<Uuid> cluster;
		IoUringDrive::Options io;
	};

	static Result<std::unique_ptr<Drive>> open(const std::string &path,
						   const OpenOptions &options);

	const std::string &path() const { return path_; }
	const Superblock &superblock() const { return sb_; }
	uint32_t id() const { return sb_.drive_id; }
	uint32_t block_size() const { return sb_.block_size; }
	uint64_t block_count() const { return sb_.block_count(); }
	// Byte offset of data block b.
	uint64_t block_offset(uint64_t b) const { return sb_.data_offset + b * sb_.block_size; }
	IoUringDrive &io() { return *io_; }
	const IoUringDrive &io() const { return *io_; }

private:
	struct Token {};

public:
	Drive(Token, std::string path, Superblock sb, std::unique_ptr<IoUringDrive> io)
		: path_(std::move(path)), sb_(sb), io_(std::move(io))
	{
	}

private:
	std::string path_;
	Superblock sb_;
	std::unique_ptr<IoUringDrive> io_;
};

}  // namespace weft::storage

#endif

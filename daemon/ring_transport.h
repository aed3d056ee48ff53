// RingTransport: the daemon's view of the kernel side of the ring ABI
// (uapi/weft_ring.h).  DeviceTransport talks to /dev/weft; the native tests'
// KernelDouble plays the kernel in user space over the same shared layout,
// so everything above this interface runs unchanged in both.
#ifndef WEFT_DAEMON_RING_TRANSPORT_H
#define WEFT_DAEMON_RING_TRANSPORT_H

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>

#include "result.h"

namespace weft {

struct AttachRequest {
	std::string name;		// channel name, < WEFT_NAME_MAX bytes
	uint32_t nr_queues = 0;		// 0: one per CPU, the kernel decides
	uint32_t queue_depth = 0;	// power of two
	uint32_t max_io_size = 0;	// per-slot data buffer bytes
};

// What the kernel granted (it may give fewer queues or a smaller depth).
struct RingGeometry {
	uint32_t nr_queues = 0;
	uint32_t queue_depth = 0;
	uint32_t max_io_size = 0;
	bool operator==(const RingGeometry &) const = default;
};

struct Attachment {
	RingGeometry geometry;
	std::byte *region = nullptr;	// owned by the transport
	size_t region_size = 0;
	bool resumed = false;		// re-attached within the grace period
	uint32_t pending = 0;		// requests kept from the previous daemon
};

struct EnterArgs {
	uint32_t queue = 0;
	bool wait = false;		// sleep until the SQ has entries
	uint32_t spin_us = 0;		// busy-poll this long before sleeping
	uint32_t timeout_ms = 0;	// max sleep, 0 = until work or signal
};

struct EnterResult {
	uint32_t reaped = 0;		// completions the kernel consumed
	uint32_t rejected = 0;		// completions it found invalid
	uint32_t available = 0;		// SQ entries ready for us
};

// A daemon -> kernel cache invalidation (WEFT_IOC_NOTIFY): something the
// kernel may have cached changed behind its back.
struct Invalidation {
	enum class Kind { kInode, kEntry };
	Kind kind = Kind::kInode;
	uint64_t nodeid = 0;	// kInode: the inode; kEntry: the parent directory
	int64_t offset = 0;	// kInode: first byte of the page-cache range
	int64_t len = 0;	// kInode: bytes; -1 = to end of file, 0 = attributes only
	std::string name;	// kEntry: 1..255 bytes, no '/' or NUL

	static Invalidation inode(uint64_t ino, int64_t offset = 0, int64_t len = 0)
	{
		return Invalidation{Kind::kInode, ino, offset, len, {}};
	}
	static Invalidation entry(uint64_t parent, std::string name)
	{
		return Invalidation{Kind::kEntry, parent, 0, 0, std::move(name)};
	}
};

class RingTransport {
public:
	virtual ~RingTransport() = default;

	// Attach under req.name and map the shared region.  The mapping lives
	// as long as the transport.
	virtual Result<Attachment> attach(const AttachRequest &req) = 0;

	// Commit this queue's CQ to the kernel, then optionally wait for SQ
	// entries.  Called concurrently, one thread per queue.  Error code
	// EINTR means a signal arrived: the caller re-checks its stop flag.
	virtual Result<EnterResult> enter(const EnterArgs &args) = 0;

	// Drops what the kernel caches about inv on every mount of this
	// channel.  ENOENT: nothing of it was cached (not a failure); EINVAL:
	// a malformed invalidation.  May wait for the kernel's locks, which
	// callers hold while they wait for this daemon: never call it from a
	// queue worker (see Notifier).
	virtual Status notify(const Invalidation &inv) = 0;
};

}  // namespace weft

#endif

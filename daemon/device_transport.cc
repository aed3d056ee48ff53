#include "device_transport.h"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include <cstring>

#include <weft_ring.h>

namespace weft {

namespace {

std::string errno_text(int err) { return std::strerror(err); }

}  // namespace

Result<Attachment> DeviceTransport::attach(const AttachRequest &req)
{
	if (req.name.empty() || req.name.size() >= WEFT_NAME_MAX)
		return make_error(EINVAL, "name must be 1.." + std::to_string(WEFT_NAME_MAX - 1) +
					  " bytes");
	UniqueFd fd(::open(path_.c_str(), O_RDWR | O_CLOEXEC));
	if (!fd.valid()) {
		const int err = errno;
		if (err == ENOENT || err == ENODEV || err == ENXIO)
			return make_error(err, path_ + " not found: is weft.ko loaded?");
		if (err == EPERM || err == EACCES)
			return make_error(err, "cannot open " + path_ +
						       ": permission denied (weftd needs root, CAP_SYS_ADMIN)");
		return make_error(err, "cannot open " + path_ + ": " + errno_text(err));
	}

	weft_attach a{};
	a.abi_version = WEFT_ABI_VERSION;
	a.nr_queues = req.nr_queues;
	a.queue_depth = req.queue_depth;
	a.max_io_size = req.max_io_size;
	std::memcpy(a.name, req.name.data(), req.name.size());
	if (::ioctl(fd.get(), WEFT_IOC_ATTACH, &a) != 0) {
		const int err = errno;
		if (err == EBUSY)
			return make_error(err, "a daemon is already attached as '" + req.name + "'");
		if (err == EPERM || err == EACCES)
			return make_error(err, "attach refused: weftd needs root (CAP_SYS_ADMIN)");
		if (err == EINVAL)	// weft.ko refuses another ABI version with EINVAL
			return make_error(err, "attach as '" + req.name + "' refused (EINVAL): weftd " +
						       "speaks ring ABI " + std::to_string(WEFT_ABI_VERSION) +
						       "; is weft.ko the same build (dmesg: \"ring ABI\")?");
		if (err == EPROTO || err == EPROTONOSUPPORT)
			return make_error(err, "weft.ko speaks another ring ABI than weftd (" +
						       std::to_string(WEFT_ABI_VERSION) + ")");
		return make_error(err, "attach as '" + req.name + "' failed: " + errno_text(err));
	}
	if (a.region_size == 0 || a.region_size > (uint64_t(1) << 40))
		return make_error(EPROTO, "kernel returned region size " +
						  std::to_string(a.region_size));

	void *base = ::mmap(nullptr, a.region_size, PROT_READ | PROT_WRITE, MAP_SHARED,
			    fd.get(), 0);
	if (base == MAP_FAILED) {
		const int err = errno;
		return make_error(err, "mmap of the ring region failed: " + errno_text(err));
	}
	region_ = MappedRegion(base, a.region_size);
	fd_ = std::move(fd);

	Attachment att;
	att.geometry = RingGeometry{a.nr_queues, a.queue_depth, a.max_io_size};
	att.region = region_.data();
	att.region_size = region_.size();
	att.resumed = (a.flags & WEFT_ATTACH_RESUMED) != 0;
	att.pending = a.pending;
	return att;
}

Result<EnterResult> DeviceTransport::enter(const EnterArgs &args)
{
	weft_enter e{};
	e.queue = args.queue;
	e.flags = args.wait ? WEFT_ENTER_WAIT : 0;
	e.spin_us = args.spin_us;
	e.timeout_ms = args.timeout_ms;
	if (::ioctl(fd_.get(), WEFT_IOC_ENTER, &e) != 0) {
		const int err = errno;
		return make_error(err, "ENTER on queue " + std::to_string(args.queue) + ": " +
					       errno_text(err));
	}
	return EnterResult{e.reaped, e.rejected, e.available};
}

// The kernel validates everything again; checking here turns a caller's
// mistake into a message instead of a bare EINVAL.
Status DeviceTransport::notify(const Invalidation &inv)
{
	weft_notify n{};
	n.nodeid = inv.nodeid;
	if (inv.kind == Invalidation::Kind::kInode) {
		if (!inv.name.empty() || inv.offset < 0 || inv.len < -1)
			return make_error(EINVAL, "bad inode invalidation of " +
							  std::to_string(inv.nodeid));
		n.type = WEFT_NOTIFY_INVAL_INODE;
		n.offset = inv.offset;
		n.len = inv.len;
	} else {
		if (inv.name.empty() || inv.name.size() > sizeof(n.name) - 1 ||
		    inv.name.find_first_of(std::string_view("/\0", 2)) != std::string::npos)
			return make_error(EINVAL, "bad entry name to invalidate");
		n.type = WEFT_NOTIFY_INVAL_ENTRY;
		n.namelen = static_cast<uint32_t>(inv.name.size());
		std::memcpy(n.name, inv.name.data(), inv.name.size());
	}
	if (::ioctl(fd_.get(), WEFT_IOC_NOTIFY, &n) != 0) {
		const int err = errno;
		if (err == ENOENT)
			return make_error(err);	// nothing cached: the common case
		return make_error(err, "invalidation of node " + std::to_string(inv.nodeid) +
					       ": " + errno_text(err));
	}
	return {};
}

}  // namespace weft

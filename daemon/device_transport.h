// DeviceTransport: RingTransport over the real kernel, /dev/weft.
// Owns the device fd and the region mapping (both RAII).
#ifndef WEFT_DAEMON_DEVICE_TRANSPORT_H
#define WEFT_DAEMON_DEVICE_TRANSPORT_H

#include <string>

#include "mapped_region.h"
#include "ring_transport.h"
#include "unique_fd.h"

namespace weft {

class DeviceTransport : public RingTransport {
public:
	explicit DeviceTransport(std::string device_path = "/dev/weft")
		: path_(std::move(device_path)) {}

	// Errors carry a one-line message for the user: the device missing
	// (module not loaded), no privilege, the name already attached.
	Result<Attachment> attach(const AttachRequest &req) override;
	Result<EnterResult> enter(const EnterArgs &args) override;
	Status notify(const Invalidation &inv) override;

private:
	std::string path_;
	UniqueFd fd_;
	MappedRegion region_;
};

}  // namespace weft

#endif

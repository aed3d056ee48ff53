// Request: one SQE as a handler sees it, with its slot's data buffer.
// A handler returns the number of output bytes it wrote, or an Error whose
// code becomes the completion's -errno.
#ifndef WEFT_DAEMON_REQUEST_H
#define WEFT_DAEMON_REQUEST_H

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <span>
#include <type_traits>

#include <weft_ring.h>

#include "result.h"

namespace weft {

struct Request {
	const weft_sqe &sqe;
	// in and out are the SAME slot buffer (in_len and out_max bytes of it):
	// a handler must finish reading its input before it writes output.
	std::span<const std::byte> in;
	std::span<std::byte> out;
};

using Reply = Result<uint32_t>;	// output bytes written
using Handler = std::function<Reply(const Request &)>;

// Copies a fixed-size ABI struct to the start of the output buffer.
template <typename T>
Reply write_out(const Request &req, const T &payload)
{
	static_assert(std::is_trivially_copyable_v<T>);
	if (req.out.size() < sizeof(T))
		return make_error(EINVAL, "output buffer smaller than reply");
	std::memcpy(req.out.data(), &payload, sizeof(T));
	return static_cast<uint32_t>(sizeof(T));
}

}  // namespace weft

#endif

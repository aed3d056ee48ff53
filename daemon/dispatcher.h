// Dispatcher: turns one SQE into one CQE.  It checks the lengths the
// kernel gave against the slot size, routes by opcode to the registered
// handler, and maps the handler's Result onto the CQE (result, out_len).
// Opcodes known to the ABI but without a handler answer -ENOSYS; values
// outside the ABI answer -EOPNOTSUPP.
#ifndef WEFT_DAEMON_DISPATCHER_H
#define WEFT_DAEMON_DISPATCHER_H

#include <array>
#include <cstdint>
#include <span>

#include <weft_ring.h>

#include "request.h"

namespace weft {

class Dispatcher {
public:
	void add(uint32_t opcode, Handler handler);

	// slot is the request's whole data buffer (max_io_size bytes).
	// Safe to call from many queue threads at once once set up.
	weft_cqe dispatch(const weft_sqe &sqe, std::span<std::byte> slot) const;

private:
	std::array<Handler, WEFT_OP_MAX> handlers_;
};

// The errno the kernel accepts in a CQE: 1..WEFT_MAX_ERRNO, else EIO.
int32_t completion_result(const Error &error);

}  // namespace weft

#endif

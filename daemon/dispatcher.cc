#include "dispatcher.h"

#include <exception>
#include <utility>

#include "log.h"

namespace weft {

int32_t completion_result(const Error &error)
{
	if (error.code <= 0 || error.code > WEFT_MAX_ERRNO)
		return -EIO;
	return -error.code;
}

void Dispatcher::add(uint32_t opcode, Handler handler)
{
	if (opcode < handlers_.size())
		handlers_[opcode] = std::move(handler);
}

weft_cqe Dispatcher::dispatch(const weft_sqe &sqe, std::span<std::byte> slot) const
{
	weft_cqe cqe{};
	cqe.tag = sqe.tag;
	cqe.gen = sqe.gen;

	Reply reply = make_error(EOPNOTSUPP);
	if (sqe.opcode == WEFT_OP_INVALID || sqe.opcode >= handlers_.size()) {
		reply = make_error(EOPNOTSUPP, "unknown opcode");
	} else if (sqe.in_len > slot.size() || sqe.out_max > slot.size()) {
		reply = make_error(EINVAL, "in_len/out_max exceed the slot");
	} else if (!handlers_[sqe.opcode]) {
		reply = make_error(ENOSYS, "opcode not implemented");
	} else {
		Request req{sqe, slot.first(sqe.in_len), slot.first(sqe.out_max)};
		// Handlers return errors as values; this catch is for what the
		// libraries under them may throw (bad_alloc, json), so one request
		// fails with EIO instead of the whole daemon terminating.
		try {
			reply = handlers_[sqe.opcode](req);
		} catch (const std::exception &e) {
			WEFT_LOG(kError) << "op " << sqe.opcode << ": " << e.what();
			reply = make_error(EIO, e.what());
		}
		if (reply && *reply > sqe.out_max)
			reply = make_error(EIO, "handler overran out_max");
	}

	if (reply) {
		cqe.out_len = *reply;
	} else {
		cqe.result = completion_result(reply.error());
		WEFT_LOG(kDebug) << "op " << sqe.opcode << " node " << sqe.nodeid
				 << " -> " << cqe.result << " " << reply.error().message;
	}
	return cqe;
}

}  // namespace weft

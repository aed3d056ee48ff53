#include <cerrno>
#include <cstring>

#include "control.h"

namespace weft::cli {

std::string describe_kernel_error(int errnum, const std::string &extack)
{
	switch (errnum) {
	case EPERM:
	case EACCES:
		return "permission denied (must be root)";
	case EOPNOTSUPP:
		if (extack.empty())
			return "the kernel module does not support this command (module older than the CLI?)";
		break;
	default:
		break;
	}
	std::string msg = extack.empty() ? std::string(std::strerror(errnum)) : extack;
	if (!msg.empty() && msg[0] >= 'A' && msg[0] <= 'Z' && (msg.size() < 2 || msg[1] > 'Z'))
		msg[0] = static_cast<char>(msg[0] - 'A' + 'a');
	return msg;
}

KernelError::KernelError(int errnum, std::string extack)
	: Error(describe_kernel_error(errnum, extack)), errnum_(errnum), extack_(std::move(extack))
{
}

} // namespace weft::cli

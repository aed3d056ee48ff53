// Errors on the storage I/O path are values: weft::Result<T> / weft::Status
// from the daemon's result.h, so a storage error flows into a ring
// completion without translation.  This header adds the helpers the
// storage code needs on top of it.
#ifndef WEFT_STORAGE_STATUS_H
#define WEFT_STORAGE_STATUS_H

#include <cerrno>
#include <cstring>
#include <string>

#include "result.h"

namespace weft::storage {

using weft::Error;
using weft::Result;
using weft::Status;

// An Error from errno (or a given errno value) with "what: strerror".
inline Error errno_error(int code, const std::string &what)
{
	return make_error(code, what + ": " + std::strerror(code));
}

// Propagates a failed Status/Result from the enclosing function.  (A
// candidate for result.h; guarded so it can move there without a clash.)
#ifndef WEFT_RETURN_IF_ERROR
#define WEFT_RETURN_IF_ERROR(expr)                    \
	do {                                          \
		auto weft_status_ = (expr);           \
		if (!weft_status_.ok())               \
			return weft_status_.error();  \
	} while (0)
#endif

}  // namespace weft::storage

#endif

// Names carried in a request's input payload, validated before any use:
// the kernel is trusted, but a bug there must not become a bad namespace.
#ifndef WEFT_DAEMON_REQUEST_NAMES_H
#define WEFT_DAEMON_REQUEST_NAMES_H

#include <string>

#include "request.h"

namespace weft {

inline constexpr size_t kNameMax = 255;

// A directory entry name: in_len bytes (trailing NULs ignored), 1..255
// bytes, no '/' and no NUL.  EINVAL / ENAMETOOLONG otherwise.
Result<std::string> entry_name(const Request &req);

// An extended attribute name (full, "user.x"): len bytes of the input at
// offset, 1..255 bytes without NUL (ERANGE otherwise, as setxattr(2)).
Result<std::string> xattr_name(const Request &req, size_t offset, size_t len);

// A file system name for MOUNT: 1..WEFT_FSNAME_MAX-1 bytes, no '/'.
Result<std::string> fs_name(const Request &req);

}  // namespace weft

#endif

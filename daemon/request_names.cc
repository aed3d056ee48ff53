#include "request_names.h"

#include <string_view>

namespace weft {

namespace {

std::string_view trimmed_input(const Request &req)
{
	std::string_view s(reinterpret_cast<const char *>(req.in.data()), req.in.size());
	while (!s.empty() && s.back() == '\0')
		s.remove_suffix(1);
	return s;
}

Result<std::string> checked_name(std::string_view s, size_t max, const char *what)
{
	if (s.empty())
		return make_error(EINVAL, std::string("empty ") + what);
	if (s.size() > max)
		return make_error(ENAMETOOLONG, std::string(what) + " too long");
	if (s.find('/') != std::string_view::npos || s.find('\0') != std::string_view::npos)
		return make_error(EINVAL, std::string(what) + " contains '/' or NUL");
	return std::string(s);
}

}  // namespace

Result<std::string> entry_name(const Request &req)
{
	return checked_name(trimmed_input(req), kNameMax, "name");
}

Result<std::string> xattr_name(const Request &req, size_t offset, size_t len)
{
	if (offset > req.in.size() || len > req.in.size() - offset)
		return make_error(EINVAL, "xattr name outside the input");
	std::string_view s(reinterpret_cast<const char *>(req.in.data()) + offset, len);
	if (s.empty() || s.size() > 255)
		return make_error(ERANGE, "xattr name length out of range");
	if (s.find('\0') != std::string_view::npos)
		return make_error(EINVAL, "xattr name contains NUL");
	return std::string(s);
}

Result<std::string> fs_name(const Request &req)
{
	return checked_name(trimmed_input(req), WEFT_FSNAME_MAX - 1, "file system name");
}

}  // namespace weft

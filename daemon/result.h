// Result<T>: a value or an errno-style Error, returned on every I/O path
// instead of throwing.  A stand-in for std::expected (C++23), which g++ 12
// does not have; the surface is deliberately a subset of it.
#ifndef WEFT_DAEMON_RESULT_H
#define WEFT_DAEMON_RESULT_H

#include <cerrno>
#include <string>
#include <utility>
#include <variant>

namespace weft {

// code is a positive errno; message is one line for logs and users.
struct Error {
	int code = EIO;
	std::string message;
};

inline Error make_error(int code, std::string message = {})
{
	return Error{code, std::move(message)};
}

template <typename T>
class [[nodiscard]] Result {
public:
	Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}
	Result(Error error) : v_(std::in_place_index<1>, std::move(error)) {}

	bool ok() const { return v_.index() == 0; }
	explicit operator bool() const { return ok(); }

	T &value() & { return std::get<0>(v_); }
	const T &value() const & { return std::get<0>(v_); }
	T &&value() && { return std::get<0>(std::move(v_)); }
	T &operator*() & { return value(); }
	const T &operator*() const & { return value(); }
	T *operator->() { return &value(); }
	const T *operator->() const { return &value(); }

	const Error &error() const { return std::get<1>(v_); }

private:
	std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
public:
	Result() = default;
	Result(Error error) : error_(std::move(error)), ok_(false) {}

	bool ok() const { return ok_; }
	explicit operator bool() const { return ok_; }
	const Error &error() const { return error_; }

private:
	Error error_;
	bool ok_ = true;
};

using Status = Result<void>;

}  // namespace weft

#endif

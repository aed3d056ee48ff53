// Leveled logging to stderr, one write() per line so lines from queue
// threads never interleave.  Usage: WEFT_LOG(kInfo) << "attached " << name;
#ifndef WEFT_DAEMON_LOG_H
#define WEFT_DAEMON_LOG_H

#include <optional>
#include <sstream>
#include <string_view>

namespace weft::log {

enum class Level { kError = 0, kWarn = 1, kInfo = 2, kDebug = 3 };
using enum Level;

void set_level(Level level);
Level level();
bool enabled(Level level);
// "error", "warn", "info", "debug"; nullopt when the name is unknown.
std::optional<Level> parse_level(std::string_view name);

// Collects one line; writes it (with a level prefix) when destroyed.
class Line {
public:
	explicit Line(Level level) : level_(level) {}
	~Line();
	Line(const Line &) = delete;
	Line &operator=(const Line &) = delete;

	template <typename T>
	Line &operator<<(const T &value)
	{
		out_ << value;
		return *this;
	}

private:
	Level level_;
	std::ostringstream out_;
};

}  // namespace weft::log

// A for-statement, not if/else, so the macro is safe inside an unbraced if.
#define WEFT_LOG(lvl)                                                        \
	for (bool weft_log_on_ = ::weft::log::enabled(::weft::log::Level::lvl); \
	     weft_log_on_; weft_log_on_ = false)                                 \
		::weft::log::Line(::weft::log::Level::lvl)

#endif

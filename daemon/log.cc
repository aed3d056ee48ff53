#include "log.h"

#include <unistd.h>

#include <atomic>
#include <string>

namespace weft::log {

namespace {
std::atomic<int> g_level{static_cast<int>(Level::kInfo)};

const char *prefix(Level level)
{
	switch (level) {
	case Level::kError: return "weftd: error: ";
	case Level::kWarn: return "weftd: warning: ";
	case Level::kInfo: return "weftd: ";
	case Level::kDebug: return "weftd: debug: ";
	}
	return "weftd: ";
}
}  // namespace

void set_level(Level level) { g_level.store(static_cast<int>(level), std::memory_order_relaxed); }
Level level() { return static_cast<Level>(g_level.load(std::memory_order_relaxed)); }
bool enabled(Level l) { return static_cast<int>(l) <= g_level.load(std::memory_order_relaxed); }

std::optional<Level> parse_level(std::string_view name)
{
	if (name == "error") return Level::kError;
	if (name == "warn" || name == "warning") return Level::kWarn;
	if (name == "info") return Level::kInfo;
	if (name == "debug") return Level::kDebug;
	return std::nullopt;
}

Line::~Line()
{
	std::string line = prefix(level_);
	line += out_.str();
	line += '\n';
	// One write(2): atomic for lines up to PIPE_BUF on pipes, and never
	// interleaved mid-line with other threads' lines on a terminal.
	const char *p = line.data();
	size_t left = line.size();
	while (left > 0) {
		ssize_t n = ::write(STDERR_FILENO, p, left);
		if (n <= 0)
			break;
		p += n;
		left -= static_cast<size_t>(n);
	}
}

}  // namespace weft::log

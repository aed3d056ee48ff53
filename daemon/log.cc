#include "log.h"

#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
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

// syslog(3) priorities: LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG
const char *journal_prefix(Level level)
{
	switch (level) {
	case Level::kError: return "<3>error: ";
	case Level::kWarn: return "<4>warning: ";
	case Level::kInfo: return "<6>";
	case Level::kDebug: return "<7>";
	}
	return "<6>";
}
}  // namespace

bool journal_stream_matches(const char *journal_stream, unsigned long long dev,
			    unsigned long long ino)
{
	unsigned long long jdev = 0, jino = 0;
	char extra = 0;
	if (journal_stream == nullptr ||
	    std::sscanf(journal_stream, "%llu:%llu%c", &jdev, &jino, &extra) != 2)
		return false;
	return jdev == dev && jino == ino;
}

bool stderr_is_journal()
{
	// sd-daemon(3): JOURNAL_STREAM is inherited by children whose stderr
	// may go elsewhere, so it counts only when it names stderr itself.
	static const bool journal = [] {
		struct stat st{};
		if (::fstat(STDERR_FILENO, &st) != 0)
			return false;
		return journal_stream_matches(::getenv("JOURNAL_STREAM"),
					      static_cast<unsigned long long>(st.st_dev),
					      static_cast<unsigned long long>(st.st_ino));
	}();
	return journal;
}

std::string format_line(Level level, std::string_view message, bool journal)
{
	std::string line = journal ? journal_prefix(level) : prefix(level);
	line += message;
	return line;
}

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
	std::string line = format_line(level_, out_.str(), stderr_is_journal());
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

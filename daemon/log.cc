#include "log.h"

#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <mutex>
#include <string>

namespace weft::log {

namespace {
std::atomic<int> g_level{static_cast<int>(Level::kInfo)};
std::atomic<Sink> g_sink{Sink::kStderr};

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
int syslog_priority(Level level)
{
	switch (level) {
	case Level::kError: return LOG_ERR;
	case Level::kWarn: return LOG_WARNING;
	case Level::kInfo: return LOG_INFO;
	case Level::kDebug: return LOG_DEBUG;
	}
	return LOG_INFO;
}

// Everything after "weftd: " of the plain format: syslog names the program.
std::string_view without_program(std::string_view line)
{
	constexpr std::string_view program = "weftd: ";
	if (line.substr(0, program.size()) == program)
		line.remove_prefix(program.size());
	return line;
}

void write_stderr(const std::string &line)
{
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

// "2026-11-24T21:40:07Z " (UTC) for log files.
std::string timestamp()
{
	const std::time_t t = std::time(nullptr);
	std::tm tm{};
	char buf[32];
	if (gmtime_r(&t, &tm) == nullptr || std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ ", &tm) == 0)
		return {};
	return buf;
}
}  // namespace

void set_sink(Sink s)
{
	if (s == Sink::kSyslog) {
		static std::once_flag opened;
		std::call_once(opened, [] { ::openlog("weftd", LOG_PID | LOG_NDELAY, LOG_DAEMON); });
	}
	g_sink.store(s, std::memory_order_relaxed);
}

Sink sink() { return g_sink.load(std::memory_order_relaxed); }

void write(Level level, std::string_view message)
{
	switch (sink()) {
	case Sink::kSyslog: {
		const std::string line = format_line(level, message, false);
		::syslog(syslog_priority(level), "%s", std::string(without_program(line)).c_str());
		return;
	}
	case Sink::kFile:
		write_stderr(timestamp() + format_line(level, message, false) + '\n');
		return;
	case Sink::kStderr:
		write_stderr(format_line(level, message, stderr_is_journal()) + '\n');
		return;
	}
}

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
	write(level_, out_.str());
}

}  // namespace weft::log

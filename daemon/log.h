// Leveled logging to stderr, one write() per line so lines from queue
// threads never interleave.  Usage: WEFT_LOG(kInfo) << "attached " << name;
//
// Under systemd (stderr is the journal: JOURNAL_STREAM names stderr's
// device:inode, sd-daemon(3)) each line starts with its syslog priority,
// "<3>" error ... "<7>" debug, which journald turns into the entry's
// priority; otherwise lines read "weftd: [error: |warning: ]message".
//
// A daemonized weftd (--daemonize) has no terminal: its lines go to
// syslog(3) (facility daemon, ident "weftd"), or with --log-file to that
// file (stderr is the file then), each prefixed with a UTC timestamp.
#ifndef WEFT_DAEMON_LOG_H
#define WEFT_DAEMON_LOG_H

#include <optional>
#include <sstream>
#include <string>
#include <string_view>

namespace weft::log {

enum class Level { kError = 0, kWarn = 1, kInfo = 2, kDebug = 3 };
using enum Level;

void set_level(Level level);
Level level();
bool enabled(Level level);
// "error", "warn", "info", "debug"; nullopt when the name is unknown.
std::optional<Level> parse_level(std::string_view name);

// Whether stderr is connected to the journal (decided once).
bool stderr_is_journal();
// JOURNAL_STREAM's value ("DEV:INO") names the file of stderr_stat.
bool journal_stream_matches(const char *journal_stream, unsigned long long dev,
			    unsigned long long ino);
// One line as written (without the newline).
std::string format_line(Level level, std::string_view message, bool journal);

// Where lines go.  kStderr: stderr, journal prefixes when it is the
// journal (the default); kFile: stderr, which is a log file (plain
// prefixes, timestamps); kSyslog: syslog(3).  Set before any thread logs.
enum class Sink { kStderr, kFile, kSyslog };
void set_sink(Sink sink);
Sink sink();

// Writes one line whatever the level (the startup line scripts wait for).
void write(Level level, std::string_view message);

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

// weftd --daemonize: into the background with a startup handshake.
//
// daemonize() forks.  The child becomes a session leader (setsid) with
// stdin from /dev/null and stdout/stderr to the log file (or /dev/null) and
// carries on starting up; the parent blocks on a pipe until the child
// reports: "serving" (the parent exits 0) or its one-line startup error
// (the parent prints it and exits 1).  A child that dies without a report
// closes the pipe too, so the parent never waits on a timer.
//
// PidFile writes --pidfile once the daemon serves and removes it at exit
// (if it still names this process).
#ifndef WEFT_DAEMON_DAEMONIZE_H
#define WEFT_DAEMON_DAEMONIZE_H

#include <sys/types.h>

#include <string>
#include <string_view>

#include "result.h"
#include "unique_fd.h"

namespace weft {

struct DaemonizeOptions {
	std::string log_file;	// empty: /dev/null (and log lines to syslog)
};

// The child's end of the handshake.  Default-constructed (not daemonized)
// it reports nothing.
class StartupReport {
public:
	StartupReport() = default;
	explicit StartupReport(UniqueFd fd) : fd_(std::move(fd)) {}

	bool active() const { return fd_.valid(); }
	// The daemon serves: the parent exits 0.  Closes the pipe.
	void ready();
	// The daemon failed to start: the parent prints "weftd: MESSAGE" and
	// exits 1.  Closes the pipe.
	void failed(std::string_view message);

private:
	void send(std::string_view report);
	UniqueFd fd_;
};

// What the parent makes of the report read from fd (until EOF).
struct StartupOutcome {
	int status = 1;		// the parent's exit status
	std::string message;	// one line for stderr when status != 0
};
// child: to reap a child that closed the pipe without a report (it died).
StartupOutcome read_startup_report(int fd, pid_t child);

// Forks.  Returns in the child only (the parent exits with the outcome).
// Errors before the fork (log file, pipe, fork) are returned to the caller,
// still in the foreground.
Result<StartupReport> daemonize(const DaemonizeOptions &options);

class PidFile {
public:
	PidFile() = default;
	~PidFile();
	PidFile(const PidFile &) = delete;
	PidFile &operator=(const PidFile &) = delete;

	// Writes "PID\n" to path atomically (a temporary file renamed over it).
	Status write(const std::string &path);

private:
	std::string path_;
	pid_t pid_ = 0;
};

}  // namespace weft

#endif

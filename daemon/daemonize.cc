#include "daemonize.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>

#include "log.h"

namespace weft {

namespace {

// Reports: "0" ready, "1MESSAGE" failed.
constexpr char kReady = '0';
constexpr char kFailed = '1';

Error errno_error(const std::string &what)
{
	const int e = errno;
	return make_error(e, what + ": " + std::strerror(e));
}

void write_all(int fd, std::string_view s)
{
	while (!s.empty()) {
		ssize_t n = ::write(fd, s.data(), s.size());
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		s.remove_prefix(static_cast<size_t>(n));
	}
}

}  // namespace

void StartupReport::send(std::string_view report)
{
	if (!fd_.valid())
		return;
	write_all(fd_.get(), report);
	fd_.reset();
}

void StartupReport::ready() { send(std::string_view(&kReady, 1)); }

void StartupReport::failed(std::string_view message)
{
	// One line: the parent prints it as is.
	std::string line(1, kFailed);
	for (char c : message)
		line += (c == '\n' || c == '\r') ? ' ' : c;
	send(line);
}

StartupOutcome read_startup_report(int fd, pid_t child)
{
	std::string report;
	char buf[512];
	for (;;) {
		ssize_t n = ::read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		report.append(buf, static_cast<size_t>(n));
	}
	if (!report.empty() && report[0] == kReady)
		return {0, {}};
	if (!report.empty() && report[0] == kFailed)
		return {1, report.substr(1)};
	// EOF without a report: every write end is closed, so the child is
	// gone (it closes the pipe only by reporting).
	int status = 0;
	std::string how = "without a report";
	if (child > 0 && ::waitpid(child, &status, 0) == child) {
		if (WIFSIGNALED(status))
			how = "killed by signal " + std::to_string(WTERMSIG(status)) + " (" +
			      strsignal(WTERMSIG(status)) + ")";
		else if (WIFEXITED(status))
			how = "with status " + std::to_string(WEXITSTATUS(status));
	}
	return {1, "the daemon exited during startup " + how};
}

Result<StartupReport> daemonize(const DaemonizeOptions &options)
{
	UniqueFd null(::open("/dev/null", O_RDWR | O_CLOEXEC));
	if (!null.valid())
		return errno_error("open /dev/null");
	UniqueFd out;
	if (!options.log_file.empty()) {
		out.reset(::open(options.log_file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
				 0640));
		if (!out.valid())
			return errno_error("cannot open log file " + options.log_file);
	}
	int p[2];
	if (::pipe2(p, O_CLOEXEC) != 0)
		return errno_error("pipe");
	UniqueFd rd(p[0]), wr(p[1]);
	std::fflush(nullptr);
	const pid_t pid = ::fork();
	if (pid < 0)
		return errno_error("fork");
	if (pid > 0) {
		wr.reset();
		StartupOutcome o = read_startup_report(rd.get(), pid);
		if (o.status != 0)
			std::fprintf(stderr, "weftd: %s\n", o.message.c_str());
		std::exit(o.status);
	}
	rd.reset();
	// A session of its own: no controlling terminal, no SIGHUP from one.
	if (::setsid() < 0)
		return errno_error("setsid");
	const int log_fd = out.valid() ? out.get() : null.get();
	if (::dup2(null.get(), STDIN_FILENO) < 0 || ::dup2(log_fd, STDOUT_FILENO) < 0 ||
	    ::dup2(log_fd, STDERR_FILENO) < 0)
		return errno_error("redirect standard streams");
	// stderr is the log file now (or nothing: syslog then)
	log::set_sink(out.valid() ? log::Sink::kFile : log::Sink::kSyslog);
	// Keep no directory busy (paths were made absolute before).
	if (::chdir("/") != 0)
		return errno_error("chdir /");
	return StartupReport(std::move(wr));
}

PidFile::~PidFile()
{
	if (path_.empty())
		return;
	// Only our own: a successor may have replaced it already.
	std::ifstream in(path_);
	pid_t named = 0;
	if (in >> named && named == pid_)
		::unlink(path_.c_str());
}

Status PidFile::write(const std::string &path)
{
	const pid_t pid = ::getpid();
	const std::string tmp = path + ".tmp";
	UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
	if (!fd.valid())
		return errno_error("cannot write pidfile " + tmp);
	const std::string text = std::to_string(pid) + "\n";
	if (::write(fd.get(), text.data(), text.size()) != static_cast<ssize_t>(text.size()) ||
	    ::fsync(fd.get()) != 0) {
		Error e = errno_error("cannot write pidfile " + tmp);
		::unlink(tmp.c_str());
		return e;
	}
	fd.reset();
	if (::rename(tmp.c_str(), path.c_str()) != 0) {
		Error e = errno_error("cannot write pidfile " + path);
		::unlink(tmp.c_str());
		return e;
	}
	path_ = path;
	pid_ = pid;
	return {};
}

}  // namespace weft

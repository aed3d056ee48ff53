#include "local_daemon.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <thread>

extern char **environ;

namespace weft::cli {

namespace {

namespace fs = std::filesystem;

bool executable(const std::string &p)
{
	struct stat st{};
	return ::stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(p.c_str(), X_OK) == 0;
}

// weftd: LocalEnv::weftd, else next to this binary (build/weft and
// build/weftd; /usr/bin), then $PATH and the sbin directories.
std::string find_weftd(const LocalEnv &env)
{
	if (!env.weftd.empty()) {
		if (!executable(env.weftd))
			throw Error("weftd not found at " + env.weftd);
		return env.weftd;
	}
	std::vector<std::string> dirs;
	std::error_code ec;
	fs::path self = fs::read_symlink("/proc/self/exe", ec);
	if (!ec)
		dirs.push_back(self.parent_path().string());
	if (const char *path = ::getenv("PATH")) {
		std::stringstream ss(path);
		std::string d;
		while (std::getline(ss, d, ':'))
			if (!d.empty())
				dirs.push_back(d);
	}
	for (const char *d : {"/usr/local/sbin", "/usr/sbin", "/sbin"})
		dirs.emplace_back(d);
	for (const auto &d : dirs)
		if (executable(d + "/weftd"))
			return d + "/weftd";
	throw Error("weftd not found (looked next to weft, in $PATH and in /usr/local/sbin, /usr/sbin)");
}

// Runs a command to completion, its output discarded; returns its exit
// status (-1: could not run it, 128+N: killed by signal N).
int run_quiet(const std::vector<std::string> &argv)
{
	std::vector<char *> args;
	for (const auto &a : argv)
		args.push_back(const_cast<char *>(a.c_str()));
	args.push_back(nullptr);
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, 1, 2);
	pid_t pid = -1;
	int err = ::posix_spawnp(&pid, args[0], &fa, nullptr, args.data(), environ);
	posix_spawn_file_actions_destroy(&fa);
	if (err)
		return -1;
	int st = 0;
	while (::waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	return 128 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
}

const ChannelInfo *find_channel(const std::vector<ChannelInfo> &chans, const std::string &name)
{
	for (const auto &c : chans)
		if (c.name == name)
			return &c;
	return nullptr;
}

bool attached(Control &ctl, const std::string &name)
{
	auto chans = ctl.channels();
	const ChannelInfo *c = find_channel(chans, name);
	return c && c->state == "attached";
}

// The last non-empty line written to path from offset on.
std::string last_line(const std::string &path, std::streamoff offset)
{
	std::ifstream in(path);
	if (!in)
		return "";
	in.seekg(offset);
	std::string line, last;
	while (std::getline(in, line))
		if (line.find_first_not_of(" \t\r") != std::string::npos)
			last = line;
	return last;
}

// /proc/PID/comm is "weftd": the pid was not recycled for another program.
bool is_weftd(pid_t pid)
{
	if (pid <= 0)
		return false;
	std::ifstream in("/proc/" + std::to_string(pid) + "/comm");
	std::string comm;
	std::getline(in, comm);
	return comm == "weftd";
}

std::optional<pid_t> read_pidfile(const std::string &path)
{
	std::ifstream in(path);
	long pid = 0;
	if (!(in >> pid) || pid <= 0)
		return std::nullopt;
	return static_cast<pid_t>(pid);
}

// The pid weftd reports in its "status" (0 if it does not answer).
pid_t status_pid(Control &ctl, const std::string &name)
{
	try {
		Json r = Json::parse(ctl.mgmt(name, R"({"command":"status","args":{}})"), nullptr, false);
		const Json &p = r.at("result").at("daemon").at("pid");
		if (p.is_number_integer())
			return static_cast<pid_t>(p.get<int64_t>());
	} catch (const std::exception &) {
	}
	return 0;
}

void make_dir(const std::string &dir)
{
	std::error_code ec;
	fs::create_directories(dir, ec);
	if (ec)
		throw Error("cannot create " + dir + ": " + ec.message());
}

std::string systemd_unit(const std::string &name)
{
	return "weftd@" + name + ".service";
}

bool systemd_running(const LocalEnv &env)
{
	struct stat st{};
	return ::stat(env.systemd_dir.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

std::string seconds(uint64_t ms)
{
	return format_ms(ms);
}

// Polls until done() or the deadline; false on timeout.
template <typename Done>
bool poll_until(const LocalEnv &env, uint64_t timeout_ms, Done done)
{
	const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
	for (;;) {
		if (done())
			return true;
		if (std::chrono::steady_clock::now() >= deadline)
			return false;
		std::this_thread::sleep_for(std::chrono::milliseconds(env.poll_ms));
	}
}

Json attach_systemd(Control &ctl, const LocalEnv &env, const AttachArgs &a)
{
	const std::string unit = systemd_unit(a.name);
	int rc = run_quiet({env.systemctl, "start", unit});
	if (rc != 0)
		throw Error("systemctl start " + unit + " failed" +
			    (rc < 0 ? std::string(" (cannot run systemctl)")
				    : " (exit status " + std::to_string(rc) + ")") +
			    ": see 'systemctl status " + unit + "'");
	if (!poll_until(env, a.timeout_ms, [&] { return attached(ctl, a.name); }))
		throw Error(unit + " did not attach within " + seconds(a.timeout_ms) +
			    ": see 'journalctl -u " + unit + "'");
	return Json{{"name", a.name}, {"pid", status_pid(ctl, a.name)}, {"via", "systemd"}};
}

Json attach_spawn(Control &ctl, const LocalEnv &env, const AttachArgs &a)
{
	const std::string weftd = find_weftd(env);
	const std::string data_dir = a.data_dir.empty() ? env.data_root + "/" + a.name : a.data_dir;
	const std::string log = a.log.empty() ? env.log_dir + "/" + a.name + ".log" : a.log;
	make_dir(fs::path(log).parent_path().string());
	make_dir(env.run_dir);
	const std::string pidfile = env.run_dir + "/" + a.name + ".pid";
	int fd = ::open(log.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	if (fd < 0)
		throw Error("cannot open " + log + ": " + std::strerror(errno));
	const off_t offset = ::lseek(fd, 0, SEEK_END);

	std::vector<std::string> argv = {weftd, "--name", a.name, "--data-dir", data_dir};
	argv.insert(argv.end(), a.weftd_args.begin(), a.weftd_args.end());
	std::vector<char *> args;
	for (auto &s : argv)
		args.push_back(s.data());
	args.push_back(nullptr);

	// A session of its own (no terminal, not killed with this shell), stdin
	// from /dev/null, stdout and stderr appended to the log, default
	// signal dispositions and an empty mask.
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, fd, 1);
	posix_spawn_file_actions_adddup2(&fa, fd, 2);
	posix_spawnattr_t attr;
	posix_spawnattr_init(&attr);
	sigset_t all, none;
	sigfillset(&all);
	sigemptyset(&none);
	posix_spawnattr_setsigdefault(&attr, &all);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGDEF |
						POSIX_SPAWN_SETSIGMASK);
	pid_t pid = -1;
	int err = ::posix_spawn(&pid, weftd.c_str(), &fa, &attr, args.data(), environ);
	posix_spawnattr_destroy(&attr);
	posix_spawn_file_actions_destroy(&fa);
	::close(fd);
	if (err)
		throw Error("cannot start " + weftd + ": " + std::strerror(err));
	{
		std::ofstream pf(pidfile, std::ios::trunc);
		pf << pid << "\n";
	}

	int status = 0;
	pid_t exited = 0;
	bool ok = poll_until(env, a.timeout_ms, [&] {
		exited = ::waitpid(pid, &status, WNOHANG);
		return exited == pid || attached(ctl, a.name);
	});
	if (exited == pid) {
		std::error_code ec;
		fs::remove(pidfile, ec);
		std::string how = WIFEXITED(status)
					  ? "exit status " + std::to_string(WEXITSTATUS(status))
					  : "killed by signal " + std::to_string(WTERMSIG(status));
		std::string last = last_line(log, offset);
		throw Error("weftd exited early (" + how + "): " +
			    (last.empty() ? "no output, see " + log : last));
	}
	if (!ok)
		throw Error("weftd '" + a.name + "' (pid " + std::to_string(pid) +
			    ") did not attach within " + seconds(a.timeout_ms) + " and is still starting: see " +
			    log);
	return Json{{"name", a.name},
		    {"pid", pid},
		    {"via", "spawn"},
		    {"log", log},
		    {"data_dir", data_dir}};
}

} // namespace

Json local_attach(Control &ctl, const LocalEnv &env, const AttachArgs &a)
{
	auto chans = ctl.channels();	// NoModuleError first
	if (const ChannelInfo *c = find_channel(chans, a.name); c && c->state == "attached")
		throw Error("weftd '" + a.name + "' is already attached (see 'weft local status')");
	const bool systemd = !a.no_systemd && systemd_running(env);
	if (systemd && (!a.data_dir.empty() || !a.log.empty() || !a.weftd_args.empty()))
		throw UsageError("--data-dir, --log and weftd options cannot be given to systemd's " +
				 systemd_unit(a.name) + ": add --no-systemd (or edit the unit)");
	return systemd ? attach_systemd(ctl, env, a) : attach_spawn(ctl, env, a);
}

Json local_detach(Control &ctl, const LocalEnv &env, const std::string &name, uint64_t timeout_ms)
{
	auto chans = ctl.channels();
	const ChannelInfo *c = find_channel(chans, name);
	if (!c || c->state != "attached")
		throw Error("no weftd attached as '" + name + "'" +
			    (c ? " (its channel is " + c->state + ")" : std::string()));
	if (c->mounts)
		throw Error("weftd '" + name + "' serves " + std::to_string(c->mounts) +
			    (c->mounts == 1 ? " mount" : " mounts") + ": unmount first");
	const uint32_t grace = c->grace_ms;
	const std::string pidfile = env.run_dir + "/" + name + ".pid";
	const std::string unit = systemd_unit(name);
	// nothing is mounted, so nothing can wait for a restart: let the
	// channel go at once instead of after its grace period
	auto no_grace = [&] {
		if (grace)
			ctl.set(name, std::nullopt, 0);
	};

	Json r{{"name", name}};
	pid_t pid = 0;
	if (systemd_running(env) && run_quiet({env.systemctl, "is-active", "--quiet", unit}) == 0) {
		pid = status_pid(ctl, name);
		no_grace();
		int rc = run_quiet({env.systemctl, "stop", unit});
		if (rc != 0)
			throw Error("systemctl stop " + unit + " failed" +
				    (rc < 0 ? std::string(" (cannot run systemctl)")
					    : " (exit status " + std::to_string(rc) + ")"));
		r["via"] = "systemd";
	} else {
		if (auto p = read_pidfile(pidfile); p && is_weftd(*p))
			pid = *p;
		else if (pid_t s = status_pid(ctl, name); is_weftd(s))
			pid = s;
		if (!pid)
			throw Error("cannot tell which process weftd '" + name +
				    "' is (no " + pidfile + ", no pid in its status)");
		no_grace();
		if (::kill(pid, SIGTERM) != 0)
			throw Error("cannot stop weftd '" + name + "' (pid " + std::to_string(pid) +
				    "): " + std::strerror(errno));
		r["via"] = "signal";
	}
	r["pid"] = pid;
	bool gone = poll_until(env, timeout_ms, [&] {
		auto now = ctl.channels();
		return find_channel(now, name) == nullptr;
	});
	if (!gone)
		throw Error("weftd '" + name + "' (pid " + std::to_string(pid) +
			    ") did not detach within " + seconds(timeout_ms));
	std::error_code ec;
	fs::remove(pidfile, ec);
	return r;
}

std::string local_attach_text(const Json &r)
{
	std::string out = "attached '" + r.value("name", std::string()) + "' (weftd pid " +
			  std::to_string(r.value("pid", 0)) + ", " +
			  (r.value("via", std::string()) == "systemd"
				   ? "systemd unit weftd@" + r.value("name", std::string())
				   : "log " + r.value("log", std::string())) +
			  ")\n";
	return out;
}

std::string local_detach_text(const Json &r)
{
	return "detached '" + r.value("name", std::string()) + "' (weftd pid " +
	       std::to_string(r.value("pid", 0)) + " stopped)\n";
}

} // namespace weft::cli

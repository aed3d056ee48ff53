// `weft local attach|detach`: spawning a (fake) weftd, systemd units through
// a fake systemctl, waiting for the channel, and every refusal -- against
// the control-plane double and scripts in a scratch directory.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "fake_control.h"

using namespace weft::cli;
using namespace weft::cli::test;
namespace fs = std::filesystem;

namespace {

class Local : public ::testing::Test {
protected:
	void SetUp() override
	{
		std::string t = (fs::path(::testing::TempDir()) / "weft-local-XXXXXX").string();
		ASSERT_NE(::mkdtemp(t.data()), nullptr);
		dir = t;
		fs::create_directories(dir + "/bin");
		env.systemd_dir = dir + "/no-systemd";	// absent: not running
		env.systemctl = dir + "/bin/systemctl";
		env.run_dir = dir + "/run";
		env.log_dir = dir + "/log";
		env.data_root = dir + "/lib";
		env.weftd = dir + "/bin/weftd";
		env.poll_ms = 10;
	}
	void TearDown() override
	{
		for (pid_t p : started) {
			::kill(p, SIGKILL);
			::waitpid(p, nullptr, 0);
		}
		std::error_code ec;
		fs::remove_all(dir, ec);
	}
	void script(const std::string &name, const std::string &body)
	{
		const std::string p = dir + "/bin/" + name;
		std::ofstream(p) << "#!/bin/sh\n" << body << "\n";
		fs::permissions(p, fs::perms::owner_all);
	}
	// the fake weftd runs on after attach returns: wait for what it writes
	std::string read_when_there(const std::string &path)
	{
		for (int i = 0; i < 200 && read(path).empty(); i++)
			::usleep(10000);
		return read(path);
	}
	std::string read(const std::string &path)
	{
		std::ifstream in(path);
		std::stringstream ss;
		ss << in.rdbuf();
		return ss.str();
	}
	static ChannelInfo chan(const std::string &name, const std::string &state = "attached",
				uint32_t mounts = 0, uint32_t grace_ms = 0)
	{
		ChannelInfo c;
		c.name = name;
		c.state = state;
		c.mounts = mounts;
		c.grace_ms = grace_ms;
		return c;
	}
	// a weftd that records its arguments and runs until killed; its comm
	// stays "weftd" (the shell running the script)
	void serving_weftd()
	{
		script("weftd", "echo \"$@\" >" + dir + "/args\necho 'weftd: attached as n1'\n"
				"while :; do sleep 0.05; done");
	}

	std::string dir;
	LocalEnv env;
	std::vector<pid_t> started;
};

TEST_F(Local, AttachSpawnsWeftdAndWaitsForTheChannel)
{
	serving_weftd();
	FakeControl f;
	f.channel_snapshots = {{chan("other")}, {chan("other")}, {chan("other"), chan("n1")}};
	Result r = run_weft(f, {"local", "attach", "n1", "--", "--queues", "2"}, false, env);
	ASSERT_EQ(r.status, 0) << r.err;
	const std::string pidtext = read(env.run_dir + "/n1.pid");
	const pid_t pid = std::stoi(pidtext);
	started.push_back(pid);
	EXPECT_EQ(r.out, "attached 'n1' (weftd pid " + std::to_string(pid) + ", log " + env.log_dir +
				 "/n1.log)\n");
	EXPECT_EQ(read_when_there(dir + "/args"),
		  "--name n1 --data-dir " + env.data_root + "/n1 --queues 2\n");
	EXPECT_EQ(::kill(pid, 0), 0);	// still running, in a session of its own
	EXPECT_EQ(::getsid(pid), pid);
	EXPECT_NE(read_when_there(env.log_dir + "/n1.log").find("weftd: attached as n1"),
		  std::string::npos);
	EXPECT_GE(f.channel_calls, 3u);

	// detach: SIGTERM to the pidfile's pid, then the channel is gone
	f.channel_snapshots = {{chan("n1")}, {chan("n1")}, {}};
	f.channel_calls = 0;
	r = run_weft(f, {"local", "detach", "n1", "--json"}, false, env);
	ASSERT_EQ(r.status, 0) << r.err;
	EXPECT_EQ(nlohmann::json::parse(r.out),
		  (nlohmann::json{{"name", "n1"}, {"via", "signal"}, {"pid", pid}}));
	int st = 0;
	ASSERT_EQ(::waitpid(pid, &st, 0), pid);
	started.clear();
	EXPECT_TRUE(WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM) << st;
	EXPECT_FALSE(fs::exists(env.run_dir + "/n1.pid"));
	EXPECT_TRUE(f.sets.empty());	// no grace to drop
}

TEST_F(Local, AttachJsonAndDataDir)
{
	serving_weftd();
	FakeControl f;
	f.channel_snapshots = {{}, {chan("n1")}};
	Result r = run_weft(f, {"local", "attach", "n1", "--data-dir", "/srv/w", "--log",
				dir + "/elsewhere/w.log", "--json"},
			    false, env);
	ASSERT_EQ(r.status, 0) << r.err;
	auto d = nlohmann::json::parse(r.out);
	started.push_back(d["pid"].get<pid_t>());
	EXPECT_EQ(d["name"], "n1");
	EXPECT_EQ(d["via"], "spawn");
	EXPECT_EQ(d["log"], dir + "/elsewhere/w.log");
	EXPECT_EQ(d["data_dir"], "/srv/w");
	EXPECT_NE(read_when_there(dir + "/elsewhere/w.log").find("attached as"), std::string::npos);
	EXPECT_EQ(read_when_there(dir + "/args"), "--name n1 --data-dir /srv/w\n");
}

TEST_F(Local, WeftdExitingEarlyShowsItsLastLogLine)
{
	script("weftd", "echo 'weftd: starting'\n"
			"echo 'weftd: error: cannot open /dev/weft: No such file or directory' >&2\n"
			"exit 1");
	FakeControl f;
	// an older run's lines are not this run's
	fs::create_directories(env.log_dir);
	std::ofstream(env.log_dir + "/n1.log") << "weftd: an old line\n";
	Result r = run_weft(f, {"local", "attach", "n1"}, false, env);
	EXPECT_EQ(r.status, 1);
	EXPECT_EQ(r.err, "weft: weftd exited early (exit status 1): weftd: error: cannot open "
			 "/dev/weft: No such file or directory\n");
	EXPECT_FALSE(fs::exists(env.run_dir + "/n1.pid"));
	script("weftd", "exit 3");
	r = run_weft(f, {"local", "attach", "n1"}, false, env);
	EXPECT_EQ(r.err, "weft: weftd exited early (exit status 3): no output, see " + env.log_dir +
				 "/n1.log\n");
}

TEST_F(Local, AttachTimesOutButSaysItIsStillStarting)
{
	serving_weftd();
	FakeControl f;
	Result r = run_weft(f, {"local", "attach", "n1", "--timeout", "200ms"}, false, env);
	EXPECT_EQ(r.status, 1);
	const pid_t pid = std::stoi(read(env.run_dir + "/n1.pid"));
	started.push_back(pid);
	EXPECT_EQ(r.err, "weft: weftd 'n1' (pid " + std::to_string(pid) +
				 ") did not attach within 200 ms and is still starting: see " +
				 env.log_dir + "/n1.log\n");
}

TEST_F(Local, Refusals)
{
	FakeControl f;
	f.channel_list = {chan("n1"), chan("busy", "attached", 2), chan("gone", "waiting")};
	const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
		{{"local", "attach", "n1"}, "weft: weftd 'n1' is already attached (see 'weft local status')\n"},
		{{"local", "attach", "n2"}, "weft: weftd not found at " + dir + "/bin/weftd\n"},
		{{"local", "detach", "n2"}, "weft: no weftd attached as 'n2'\n"},
		{{"local", "detach", "gone"}, "weft: no weftd attached as 'gone' (its channel is waiting)\n"},
		{{"local", "detach", "busy"}, "weft: weftd 'busy' serves 2 mounts: unmount first\n"},
		{{"local", "detach", "n1"},
		 "weft: cannot tell which process weftd 'n1' is (no " + env.run_dir +
			 "/n1.pid, no pid in its status)\n"},
	};
	for (const auto &[args, want] : cases) {
		Result r = run_weft(f, args, false, env);
		EXPECT_EQ(r.status, 1) << args[2];
		EXPECT_EQ(r.err, want);
	}
	Result r = run_weft(f, {"local", "attach", "n1"}, /*no_module=*/true, env);
	EXPECT_EQ(r.err, "weft: kernel module not loaded (no 'weft' netlink family)\n");
}

TEST_F(Local, UsageErrors)
{
	FakeControl f;
	for (const std::vector<std::string> &args : std::vector<std::vector<std::string>>{
		     {"local", "attach"}, {"local", "detach"}, {"local", "attach", "a/b"},
		     {"local", "attach", "n1", "--", "--name", "x"},
		     {"local", "attach", "n1", "--", "--data-dir=/x"},
		     {"local", "attach", "n1", "--timeout", "never"},
		     {"local", "attach", "n1", "--log", "relative.log"}}) {
		Result r = run_weft(f, args, false, env);
		EXPECT_EQ(r.status, 2) << args.back() << r.err;
		EXPECT_EQ(count_lines(r.err), 1) << r.err;
		EXPECT_EQ(r.opened, 0);
	}
}

TEST_F(Local, SystemdUnits)
{
	fs::create_directories(dir + "/systemd");
	env.systemd_dir = dir + "/systemd";
	script("systemctl", "echo \"$@\" >>" + dir + "/systemctl.log");
	FakeControl f;
	f.channel_snapshots = {{}, {}, {chan("n1")}};
	f.mgmt_reply = R"({"status":"ok","result":{"daemon":{"name":"n1","pid":4242}}})";
	Result r = run_weft(f, {"local", "attach", "n1"}, false, env);
	ASSERT_EQ(r.status, 0) << r.err;
	EXPECT_EQ(r.out, "attached 'n1' (weftd pid 4242, systemd unit weftd@n1)\n");
	EXPECT_EQ(read(dir + "/systemctl.log"), "start weftd@n1.service\n");

	r = run_weft(f, {"local", "attach", "n2", "--data-dir", "/x"}, false, env);
	EXPECT_EQ(r.status, 2);
	EXPECT_EQ(r.err, "weft: --data-dir, --log and weftd options cannot be given to systemd's "
			 "weftd@n2.service: add --no-systemd (or edit the unit)\n");

	// detach: an active unit is stopped by systemd; the grace is dropped first
	f.channel_snapshots = {{chan("n1", "attached", 0, 5000)}, {}};
	f.channel_calls = 0;
	r = run_weft(f, {"local", "detach", "n1"}, false, env);
	ASSERT_EQ(r.status, 0) << r.err;
	EXPECT_EQ(r.out, "detached 'n1' (weftd pid 4242 stopped)\n");
	EXPECT_EQ(read(dir + "/systemctl.log"),
		  "start weftd@n1.service\nis-active --quiet weftd@n1.service\nstop weftd@n1.service\n");
	ASSERT_EQ(f.sets.size(), 1u);
	EXPECT_EQ(f.sets[0].grace_ms, std::optional<uint32_t>(0));

	script("systemctl", "exit 5");
	f.channel_snapshots = {{}};
	r = run_weft(f, {"local", "attach", "n1"}, false, env);
	EXPECT_EQ(r.status, 1);
	EXPECT_EQ(r.err, "weft: systemctl start weftd@n1.service failed (exit status 5): see "
			 "'systemctl status weftd@n1.service'\n");
}

} // namespace

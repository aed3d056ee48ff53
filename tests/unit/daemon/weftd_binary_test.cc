// The weftd executable's startup errors: one clear line and exit status 1.
// (Attaching for real needs weft.ko: that is the VM tests' part.)
#include <gtest/gtest.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

extern char **environ;

namespace {

struct WeftdRun {
	int status = -1;
	std::string err;
};

WeftdRun run_weftd(std::vector<std::string> args)
{
	args.insert(args.begin(), WEFTD_PATH);
	std::vector<char *> argv;
	for (auto &a : args)
		argv.push_back(a.data());
	argv.push_back(nullptr);
	int pipefd[2];
	if (pipe(pipefd) != 0)
		return {};
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, pipefd[1], STDERR_FILENO);
	posix_spawn_file_actions_addclose(&fa, pipefd[0]);
	pid_t pid = -1;
	int rc = posix_spawn(&pid, argv[0], &fa, nullptr, argv.data(), environ);
	posix_spawn_file_actions_destroy(&fa);
	close(pipefd[1]);
	WeftdRun r;
	if (rc != 0) {
		close(pipefd[0]);
		return r;
	}
	char buf[4096];
	ssize_t n;
	while ((n = read(pipefd[0], buf, sizeof(buf))) > 0)
		r.err.append(buf, static_cast<size_t>(n));
	close(pipefd[0]);
	int status = 0;
	waitpid(pid, &status, 0);
	r.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	return r;
}

std::string temp_dir(const char *leaf)
{
	auto p = std::filesystem::path(::testing::TempDir()) / leaf;
	std::filesystem::remove_all(p);
	return p.string();
}

TEST(WeftdBinary, MissingDeviceSaysLoadTheModule)
{
	WeftdRun r = run_weftd({"--device", "/nonexistent/weft", "--data-dir", temp_dir("weftd-a")});
	EXPECT_EQ(r.status, 1);
	EXPECT_EQ(r.err, "weftd: /nonexistent/weft not found: is weft.ko loaded?\n");
}

TEST(WeftdBinary, DeviceThatIsNotWeftFailsAttachClearly)
{
	WeftdRun r = run_weftd({"--device", "/dev/null", "--name", "n1", "--data-dir", temp_dir("weftd-c")});
	EXPECT_EQ(r.status, 1);
	EXPECT_EQ(r.err.rfind("weftd: attach as 'n1' failed: ", 0), 0u) << r.err;
	EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1);
}

TEST(WeftdBinary, BadOptionsAreRejected)
{
	const std::string dir = temp_dir("weftd-d");
	WeftdRun r = run_weftd({"--log-level", "loud", "--data-dir", dir});
	EXPECT_EQ(r.status, 1);
	EXPECT_EQ(r.err, "weftd: unknown log level 'loud'\n");
	r = run_weftd({"--queue-depth", "100", "--data-dir", dir});
	EXPECT_EQ(r.status, 1);
	EXPECT_EQ(r.err, "weftd: --queue-depth must be a power of two\n");
	r = run_weftd({"--name", std::string(40, 'n'), "--device", "/dev/null", "--data-dir", dir});
	EXPECT_EQ(r.status, 1);
	EXPECT_NE(r.err.find("name must be"), std::string::npos) << r.err;
	EXPECT_NE(run_weftd({"--no-such-option"}).status, 0);
}

std::string slurp(const std::string &path)
{
	std::string text;
	FILE *f = std::fopen(path.c_str(), "r");
	if (f == nullptr)
		return text;
	char buf[4096];
	size_t n;
	while ((n = std::fread(buf, 1, sizeof(buf), f)) > 0)
		text.append(buf, n);
	std::fclose(f);
	return text;
}

TEST(WeftdBinary, DaemonizeReportsTheChildsStartupErrorAndExits1)
{
	const std::string dir = temp_dir("weftd-e");
	WeftdRun r = run_weftd({"--daemonize", "--device", "/nonexistent/weft", "--data-dir", dir});
	EXPECT_EQ(r.status, 1);
	EXPECT_EQ(r.err, "weftd: /nonexistent/weft not found: is weft.ko loaded?\n");

	// with a log file: the caller gets the one line, the log keeps it
	// (timestamped); no pidfile for a daemon that never served
	const std::string log = dir + ".log", pid = dir + ".pid";
	std::filesystem::remove(log);
	r = run_weftd({"--daemonize", "--log-file", log, "--pidfile", pid, "--device", "/dev/null",
		       "--name", "d1", "--data-dir", dir});
	EXPECT_EQ(r.status, 1);
	EXPECT_EQ(r.err.rfind("weftd: attach as 'd1' failed: ", 0), 0u) << r.err;
	EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
	const std::string text = slurp(log);
	EXPECT_EQ(text.rfind("20", 0), 0u) << text;	// 20YY-MM-DDTHH:MM:SSZ
	EXPECT_NE(text.find("Z weftd: error: attach as 'd1' failed: "), std::string::npos) << text;
	EXPECT_FALSE(std::filesystem::exists(pid));

	// a log file that cannot be opened is reported before forking
	r = run_weftd({"--daemonize", "--log-file", dir + "/no/such/dir/log", "--data-dir", dir});
	EXPECT_EQ(r.status, 1);
	EXPECT_EQ(r.err.rfind("weftd: cannot open log file " + dir + "/no/such/dir/log: ", 0), 0u)
		<< r.err;
}

TEST(WeftdBinary, ControlOptions)
{
	const std::string dir = temp_dir("weftd-f");
	WeftdRun r = run_weftd({"--log-file", dir + ".log", "--data-dir", dir});
	EXPECT_EQ(r.status, 1);
	EXPECT_EQ(r.err, "weftd: --log-file needs --daemonize (in the foreground, log lines go to stderr)\n");
	// --drive repeats; a missing module is still what is reported first
	r = run_weftd({"--drive", "/dev/a", "--drive", "/dev/b", "--force-drive", "--device",
		       "/nonexistent/weft", "--data-dir", dir});
	EXPECT_EQ(r.status, 1);
	EXPECT_EQ(r.err, "weftd: /nonexistent/weft not found: is weft.ko loaded?\n");
	EXPECT_NE(run_weftd({"--daemonize", "extra-argument"}).status, 0);
	EXPECT_NE(run_weftd({"--pidfile"}).status, 0);	// needs a value
}

}  // namespace

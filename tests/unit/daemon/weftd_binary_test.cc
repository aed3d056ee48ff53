// The weftd executable's startup errors: one clear line and exit status 1.
// (Attaching for real needs weft.ko: that is the VM tests' part.)
#include <gtest/gtest.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
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

}  // namespace

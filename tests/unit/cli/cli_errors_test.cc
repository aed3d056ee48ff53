// Every failure kind gives exactly one line on stderr and a non-zero status.
#include <cerrno>

#include <gtest/gtest.h>

#include "fake_control.h"

using namespace weft::cli;
using namespace weft::cli::test;

namespace {

void expect_one_line(const Result &r, const std::string &msg, int status = 1)
{
	EXPECT_EQ(r.status, status) << msg;
	EXPECT_EQ(r.err, msg + "\n");
	EXPECT_EQ(r.out, "");
}

} // namespace

TEST(Errors, NoModule)
{
	const std::vector<std::vector<std::string>> cmds = {
		{"version"}, {"version", "--json"}, {"local", "status"}, {"local", "set", "--grace", "1"},
		{"status"}, {"fs", "list"},
	};
	for (const auto &cmd : cmds) {
		FakeControl f;
		expect_one_line(run_weft(f, cmd, true),
				"weft: kernel module not loaded (no 'weft' netlink family)");
	}
}

TEST(Errors, PermissionDenied)
{
	for (int e : {EPERM, EACCES}) {
		FakeControl f;
		f.channel_list = {{.name = "n1"}};
		f.fail = KernelError(e, "");
		f.fail_call = "set";
		expect_one_line(run_weft(f, {"local", "set", "--grace", "1"}),
				"weft: permission denied (must be root)");
		f.fail_call = "mgmt";
		expect_one_line(run_weft(f, {"status"}), "weft: permission denied (must be root)");
	}
}

TEST(Errors, NoSuchChannel)
{
	FakeControl f;
	f.fail = KernelError(ENOENT, "no such channel (no weftd attached under that name)");
	f.fail_call = "set";
	expect_one_line(run_weft(f, {"local", "set", "--name", "nope", "--grace", "1"}),
			"weft: no such channel 'nope'");
	f.fail_call = "mgmt";
	expect_one_line(run_weft(f, {"status", "--channel", "nope"}),
			"weft: no such channel (no weftd attached under that name)");
}

TEST(Errors, KernelExtackIsShown)
{
	FakeControl f;
	f.fail = KernelError(ENOTCONN, "no weftd attached");
	expect_one_line(run_weft(f, {"status"}), "weft: no weftd attached");
	f.fail = KernelError(ETIMEDOUT, "weftd did not answer in time");
	expect_one_line(run_weft(f, {"fs", "list"}), "weft: weftd did not answer in time");
	f.fail = KernelError(EINVAL, "integer out of range");
	expect_one_line(run_weft(f, {"local", "status"}), "weft: integer out of range");
}

TEST(Errors, KernelErrnoWithoutExtack)
{
	FakeControl f;
	f.fail = KernelError(ENOTCONN, "");
	expect_one_line(run_weft(f, {"status"}), "weft: transport endpoint is not connected");
	f.fail = KernelError(EOPNOTSUPP, "");
	expect_one_line(run_weft(f, {"local", "status"}),
			"weft: the kernel module does not support this command (module older than the CLI?)");
}

TEST(Errors, DaemonError)
{
	FakeControl f;
	f.mgmt_reply = R"({"status":"error","errno":95,"message":"unknown command 'fs list'"})";
	expect_one_line(run_weft(f, {"fs", "list"}), "weft: unknown command 'fs list'");
	f.mgmt_reply = R"({"status":"error","errno":2})";
	expect_one_line(run_weft(f, {"fs", "delete", "x"}), "weft: No such file or directory");
	f.mgmt_reply = R"({"status":"error","message":"two\nlines"})";
	expect_one_line(run_weft(f, {"status"}), "weft: two lines");
	f.mgmt_reply = R"({"status":"error"})";
	expect_one_line(run_weft(f, {"status"}), "weft: weftd reported an error");
}

TEST(Errors, InvalidDaemonReply)
{
	for (const char *reply : {"", "not json", "[]", R"({"result":{}})", R"({"status":1})",
				  R"({"status":"maybe"})", R"({"status":"error","message":7})"}) {
		FakeControl f;
		f.mgmt_reply = reply;
		Result r = run_weft(f, {"status"});
		if (std::string(reply) == R"({"status":"error","message":7})") {
			expect_one_line(r, "weft: weftd reported an error");
			continue;
		}
		expect_one_line(r, "weft: weftd sent an invalid reply");
	}
}

TEST(Errors, DescribeKernelError)
{
	EXPECT_EQ(describe_kernel_error(EPERM, "whatever"), "permission denied (must be root)");
	EXPECT_EQ(describe_kernel_error(ENOENT, ""), "no such file or directory");
	EXPECT_EQ(describe_kernel_error(EINVAL, "Attribute failed policy validation"),
		  "attribute failed policy validation");
	EXPECT_EQ(describe_kernel_error(EINVAL, "NLA too long"), "NLA too long");
}

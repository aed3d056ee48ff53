// Command-line parsing: every level has --help, bad input is one line on
// stderr with status 2, and arguments reach the control plane as intended.
#include <algorithm>

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "fake_control.h"

using namespace weft::cli;
using namespace weft::cli::test;

TEST(Args, HelpAtEveryLevel)
{
	const std::vector<std::vector<std::string>> paths = {
		{}, {"version"}, {"status"}, {"local"}, {"local", "status"}, {"local", "set"},
		{"local", "attach"}, {"local", "detach"},
		{"cluster"}, {"cluster", "status"}, {"cluster", "create"}, {"cluster", "update"},
		{"cluster", "host"}, {"cluster", "host", "list"}, {"cluster", "host", "add"},
		{"cluster", "host", "remove"}, {"drive"}, {"drive", "list"}, {"drive", "add"},
		{"drive", "remove"}, {"drive", "scan"}, {"fs"}, {"fs", "list"}, {"fs", "create"},
		{"fs", "update"}, {"fs", "delete"}, {"scrub"}, {"stats"},
	};
	for (auto p : paths) {
		FakeControl f;
		p.push_back("--help");
		Result r = run_weft(f, p);
		std::string cmd;
		for (const auto &w : p)
			cmd += w + " ";
		EXPECT_EQ(r.status, 0) << cmd;
		EXPECT_NE(r.out.find("Usage: weft"), std::string::npos) << cmd << r.out;
		EXPECT_EQ(r.err, "") << cmd;
		EXPECT_EQ(r.opened, 0) << cmd;
		static const std::vector<std::string> groups = {"--help ", "local --help ", "cluster --help ",
								 "cluster host --help ", "drive --help ",
								 "fs --help "};
		if (std::find(groups.begin(), groups.end(), cmd) == groups.end()) {
			EXPECT_NE(r.out.find("--json"), std::string::npos) << cmd;
		}
	}
}

TEST(Args, VersionFlagNeedsNoModule)
{
	FakeControl f;
	Result r = run_weft(f, {"--version"}, true);
	EXPECT_EQ(r.status, 0);
	EXPECT_EQ(r.out, std::string("weft ") + WEFT_VERSION + "\n");
}

TEST(Args, UsageErrorsAreOneLineWithStatus2)
{
	const std::vector<std::vector<std::string>> bad = {
		{}, {"bogus"}, {"local"}, {"local", "bogus"}, {"version", "extra"}, {"status", "--bogus"},
		{"fs", "create"}, {"fs", "create", "a", "--replication", "0"},
		{"fs", "create", "a", "--replication", "x"}, {"drive", "add"},
		{"cluster", "host", "add"}, {"cluster", "create"}, {"cluster", "create", "a b"},
		{"cluster", "create", "a/b"}, {"cluster", "update"}, {"cluster", "update", "--name", ""},
		{"cluster", "update", "--name", "x,y"},
	};
	for (const auto &args : bad) {
		FakeControl f;
		Result r = run_weft(f, args);
		std::string cmd;
		for (const auto &w : args)
			cmd += w + " ";
		EXPECT_EQ(r.status, 2) << cmd;
		EXPECT_EQ(r.out, "") << cmd;
		EXPECT_EQ(count_lines(r.err), 1) << cmd << r.err;
		EXPECT_EQ(r.err.rfind("weft: ", 0), 0u) << cmd << r.err;
		EXPECT_EQ(r.opened, 0) << cmd;
	}
}

TEST(Args, MissingCommand)
{
	FakeControl f;
	EXPECT_EQ(run_weft(f, {}).err, "weft: a subcommand is required (see --help)\n");
}

struct SetCase {
	std::vector<std::string> args;
	std::optional<uint32_t> timeout, grace;
};

TEST(Args, LocalSetDurations)
{
	const std::vector<SetCase> cases = {
		{{"--timeout", "30"}, 30000, std::nullopt},
		{{"--timeout", "1.5"}, 1500, std::nullopt},
		{{"--timeout", "500ms"}, 500, std::nullopt},
		{{"--grace", "0"}, std::nullopt, 0},
		{{"--grace", "2m", "--timeout", "1h"}, 3600000, 120000},
		{{"--timeout=86400", "--grace=86400"}, 86400000, 86400000},
	};
	for (const auto &c : cases) {
		FakeControl f;
		f.channel_list = {{.name = "n1", .state = "attached"}};
		auto args = c.args;
		args.insert(args.begin(), {"local", "set", "--name", "n1"});
		Result r = run_weft(f, args);
		ASSERT_EQ(r.status, 0) << r.err;
		ASSERT_EQ(f.sets.size(), 1u);
		EXPECT_EQ(f.sets[0].channel, "n1");
		EXPECT_EQ(f.sets[0].timeout_ms, c.timeout);
		EXPECT_EQ(f.sets[0].grace_ms, c.grace);
	}
}

TEST(Args, LocalSetBadValues)
{
	const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
		{{"--timeout", "abc"}, "weft: bad value for --timeout: 'abc' (seconds, e.g. 30, 1.5 or 500ms)\n"},
		{{"--timeout", "0"}, "weft: --timeout must be between 1 ms and 86400 s, not '0'\n"},
		{{"--timeout", "86401"}, "weft: --timeout must be between 1 ms and 86400 s, not '86401'\n"},
		{{"--grace", "-1"}, "weft: bad value for --grace: '-1' (seconds, e.g. 30, 1.5 or 500ms)\n"},
		{{"--grace", "2d"}, "weft: bad value for --grace: '2d' (seconds, e.g. 30, 1.5 or 500ms)\n"},
		{{}, "weft: nothing to set: give --timeout and/or --grace\n"},
		{{"--name", "", "--grace", "1"}, "weft: bad channel name '' (1 to 31 characters)\n"},
		{{"--name", std::string(32, 'x'), "--grace", "1"},
		 "weft: bad channel name '" + std::string(32, 'x') + "' (1 to 31 characters)\n"},
		{{"--name", "a/b", "--grace", "1"},
		 "weft: bad channel name 'a/b' (no '/', ',', blanks or control characters)\n"},
	};
	for (const auto &[extra, msg] : cases) {
		FakeControl f;
		auto args = extra;
		args.insert(args.begin(), {"local", "set"});
		Result r = run_weft(f, args);
		EXPECT_EQ(r.status, 2) << msg;
		EXPECT_EQ(r.err, msg);
		EXPECT_EQ(r.out, "");
		EXPECT_TRUE(f.sets.empty());
	}
}

TEST(Args, LocalSetPicksTheOnlyChannel)
{
	FakeControl f;
	f.channel_list = {{.name = "solo", .state = "attached", .timeout_ms = 30000, .grace_ms = 60000}};
	Result r = run_weft(f, {"local", "set", "--timeout", "10"});
	EXPECT_EQ(r.status, 0) << r.err;
	ASSERT_EQ(f.sets.size(), 1u);
	EXPECT_EQ(f.sets[0].channel, "solo");
	EXPECT_EQ(r.out, "channel solo: timeout 10 s, grace 60 s\n");
}

TEST(Args, LocalSetNeedsANameWithSeveralChannels)
{
	FakeControl f;
	f.channel_list = {{.name = "a"}, {.name = "b"}};
	Result r = run_weft(f, {"local", "set", "--timeout", "10"});
	EXPECT_EQ(r.status, 2);
	EXPECT_EQ(r.err, "weft: several channels (a, b): choose one with --name\n");
	EXPECT_TRUE(f.sets.empty());
}

TEST(Args, LocalSetWithNoChannel)
{
	FakeControl f;
	Result r = run_weft(f, {"local", "set", "--grace", "5"});
	EXPECT_EQ(r.status, 1);
	EXPECT_EQ(r.err, "weft: no weftd attached (nothing to set)\n");
}

TEST(Args, RelayedRequests)
{
	using nlohmann::json;
	const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
		{{"status"}, R"({"command":"status","args":{}})"},
		{{"cluster", "status"}, R"({"command":"cluster status","args":{}})"},
		{{"cluster", "create", "c1"}, R"({"command":"cluster create","args":{"name":"c1"}})"},
		{{"cluster", "create", "c1", "h1", "h2"}, R"({"command":"cluster create","args":{"name":"c1","hosts":["h1","h2"]}})"},
		{{"cluster", "update", "--name", "c1"}, R"({"command":"cluster update","args":{"name":"c1"}})"},
		{{"cluster", "host", "list"}, R"({"command":"cluster host list","args":{}})"},
		{{"cluster", "host", "add", "h3"}, R"({"command":"cluster host add","args":{"host":"h3"}})"},
		{{"cluster", "host", "remove", "h3"}, R"({"command":"cluster host remove","args":{"host":"h3"}})"},
		{{"drive", "list"}, R"({"command":"drive list","args":{}})"},
		{{"drive", "add", "/dev/nvme0n1", "/dev/nvme1n1"},
		 R"({"command":"drive add","args":{"paths":["/dev/nvme0n1","/dev/nvme1n1"]}})"},
		{{"drive", "add", "--force", "/dev/nvme2n1"},
		 R"({"command":"drive add","args":{"paths":["/dev/nvme2n1"],"force":true}})"},
		{{"drive", "remove", "d1"}, R"({"command":"drive remove","args":{"id":"d1"}})"},
		{{"drive", "scan"}, R"({"command":"drive scan","args":{}})"},
		{{"fs", "list"}, R"({"command":"fs list","args":{}})"},
		{{"fs", "create", "data", "--capacity", "10GiB", "--replication", "2"},
		 R"({"command":"fs create","args":{"name":"data","capacity_bytes":10737418240,"replication":2}})"},
		{{"fs", "create", "data"}, R"({"command":"fs create","args":{"name":"data"}})"},
		{{"fs", "update", "data", "--new-name", "d2", "--capacity", "1T"},
		 R"({"command":"fs update","args":{"name":"data","new_name":"d2","capacity_bytes":1099511627776}})"},
		{{"fs", "delete", "data"}, R"({"command":"fs delete","args":{"name":"data"}})"},
		{{"fs", "update", "data", "--replication", "3"},
		 R"({"command":"fs update","args":{"name":"data","replication":3}})"},
		{{"scrub"}, R"({"command":"scrub","args":{}})"},
	};
	for (const auto &[args, want] : cases) {
		FakeControl f;
		Result r = run_weft(f, args);
		EXPECT_EQ(r.status, 0) << want << r.err;
		ASSERT_EQ(f.requests.size(), 1u) << want;
		EXPECT_EQ(json::parse(f.requests[0]), json::parse(want));
		EXPECT_EQ(f.request_channels[0], std::nullopt);
	}
}

TEST(Args, RelayedChannel)
{
	FakeControl f;
	Result r = run_weft(f, {"fs", "list", "--channel", "node2"});
	EXPECT_EQ(r.status, 0);
	ASSERT_EQ(f.request_channels.size(), 1u);
	EXPECT_EQ(f.request_channels[0], std::optional<std::string>("node2"));
}

TEST(Args, RelayedBadArguments)
{
	const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
		{{"fs", "create", "a", "--capacity", "lots"},
		 "weft: bad value for --capacity: 'lots' (a size, e.g. 100GiB or 1T)\n"},
		{{"fs", "create", "a", "--capacity", "0"},
		 "weft: bad value for --capacity: '0' (a size, e.g. 100GiB or 1T)\n"},
		{{"fs", "create", "a/b"},
		 "weft: bad file system name 'a/b' (no '/', ',', blanks or control characters)\n"},
		{{"fs", "update", "a"}, "weft: nothing to update: give --new-name, --capacity or --replication\n"},
		{{"drive", "add", "nvme0n1"}, "weft: drive path must be absolute, not 'nvme0n1'\n"},
		{{"fs", "update", "a", "--new-name", "x/y"},
		 "weft: bad file system name 'x/y' (no '/', ',', blanks or control characters)\n"},
		{{"fs", "list", "--channel", std::string(40, 'c')},
		 "weft: bad channel name '" + std::string(40, 'c') + "' (1 to 31 characters)\n"},
	};
	for (const auto &[args, msg] : cases) {
		FakeControl f;
		Result r = run_weft(f, args);
		EXPECT_EQ(r.status, 2) << msg;
		EXPECT_EQ(r.err, msg);
		EXPECT_TRUE(f.requests.empty());
	}
}

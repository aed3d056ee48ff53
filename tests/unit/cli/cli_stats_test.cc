// `weft stats`: the module's per-opcode counters as a table and as JSON,
// percentiles from the log2 histogram, --op and --interval.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <weft_netlink.h>

#include "fake_control.h"
#include "format.h"

using namespace weft::cli;
using namespace weft::cli::test;

namespace {

std::vector<uint64_t> hist_with(std::initializer_list<std::pair<int, uint64_t>> buckets)
{
	std::vector<uint64_t> h(WEFT_STATS_BUCKETS, 0);
	for (auto [b, n] : buckets)
		h[b] = n;
	return h;
}

// LOOKUP: 100 requests, 90 in [16, 32) us, 10 in [1, 2) ms; over 10 s
OpStats lookup(uint64_t count = 100, uint64_t since = 10'000'000'000ull)
{
	OpStats s;
	s.opcode = 3;
	s.count = count;
	s.errors = 2;
	s.total_ns = count * 50'000;
	s.hist = hist_with({{14, count * 9 / 10}, {20, count / 10}});
	s.since_ns = since;
	return s;
}

OpStats getattr_stats()
{
	OpStats s;
	s.opcode = 5;
	s.count = 4;
	s.total_ns = 4 * 900;
	s.hist = hist_with({{9, 4}});
	s.since_ns = 10'000'000'000ull;
	return s;
}

} // namespace

TEST(Stats, Percentiles)
{
	auto h = hist_with({{14, 90}, {20, 10}});
	// p50: the 50th of 90 in [16384, 32768): 16384 + 16384 * 50/90
	EXPECT_NEAR(hist_percentile_ns(h, 0.50), 16384 + 16384.0 * 50 / 90, 1);
	// p99: the 99th: 9th of 10 in [2^20, 2^21)
	EXPECT_NEAR(hist_percentile_ns(h, 0.99), 1048576 + 1048576.0 * 9 / 10, 1);
	EXPECT_EQ(hist_percentile_ns(std::vector<uint64_t>(WEFT_STATS_BUCKETS, 0), 0.5), 0);
	EXPECT_NEAR(hist_percentile_ns(hist_with({{0, 1}}), 0.5), 2, 0.01);
}

TEST(Stats, OpNames)
{
	EXPECT_EQ(op_name(3), "LOOKUP");
	EXPECT_EQ(op_name(64), "MGMT");
	EXPECT_EQ(op_name(99), "OP99");
	EXPECT_EQ(op_code("lookup"), 3u);
	EXPECT_EQ(op_code("GETATTR"), 5u);
	EXPECT_EQ(op_code("5"), 5u);
	EXPECT_EQ(op_code("OP99"), 99u);
	EXPECT_EQ(op_code("mgmt"), 64u);
	EXPECT_EQ(op_code("bogus"), std::nullopt);
	EXPECT_EQ(op_code(""), std::nullopt);
	EXPECT_EQ(op_code("0"), std::nullopt);
	EXPECT_EQ(op_code("99999999999"), std::nullopt);
}

TEST(Stats, Text)
{
	FakeControl f;
	f.stats_snapshots = {{lookup(), getattr_stats()}};
	Result r = run_weft(f, {"stats"});
	ASSERT_EQ(r.status, 0) << r.err;
	EXPECT_EQ(r.out,
		  "over 10 s\n"
		  "OP       COUNT  ERRORS  IOPS      AVG      P50      P99\n"
		  "LOOKUP     100       2  10.0  50.0 us  25.5 us  1.99 ms\n"
		  "GETATTR      4       0   0.4   900 ns   768 ns   1.0 us\n");
}

TEST(Stats, Json)
{
	FakeControl f;
	f.stats_snapshots = {{lookup(), getattr_stats()}};
	Result r = run_weft(f, {"stats", "--json"});
	ASSERT_EQ(r.status, 0) << r.err;
	auto d = nlohmann::json::parse(r.out);
	EXPECT_EQ(d["window_ms"], 10000);
	ASSERT_EQ(d["ops"].size(), 2u);
	const auto &o = d["ops"][0];
	EXPECT_EQ(o["op"], "LOOKUP");
	EXPECT_EQ(o["opcode"], 3);
	EXPECT_EQ(o["count"], 100);
	EXPECT_EQ(o["errors"], 2);
	EXPECT_EQ(o["iops"], 10.0);
	EXPECT_EQ(o["avg_us"], 50.0);
	EXPECT_EQ(o["p50_us"], 25.5);
	EXPECT_EQ(o["p99_us"], 1992.3);
	EXPECT_EQ(o["hist_log2_ns"].size(), size_t{WEFT_STATS_BUCKETS});
	// stable field order
	EXPECT_EQ(r.out.substr(0, 40), "{\n  \"window_ms\": 10000,\n  \"ops\": [\n    {");
}

TEST(Stats, OneOp)
{
	FakeControl f;
	f.stats_snapshots = {{lookup(), getattr_stats()}};
	Result r = run_weft(f, {"stats", "--op", "getattr", "--json"});
	ASSERT_EQ(r.status, 0) << r.err;
	auto d = nlohmann::json::parse(r.out);
	ASSERT_EQ(d["ops"].size(), 1u);
	EXPECT_EQ(d["ops"][0]["op"], "GETATTR");
	// an op without requests is still shown, with zeros
	r = run_weft(f, {"stats", "--op", "READ", "--json"});
	d = nlohmann::json::parse(r.out);
	ASSERT_EQ(d["ops"].size(), 1u);
	EXPECT_EQ(d["ops"][0]["count"], 0);
	EXPECT_EQ(d["ops"][0]["p99_us"], 0.0);
	r = run_weft(f, {"stats", "--op", "READ"});
	EXPECT_NE(r.out.find("READ      0       0   0.0    -    -    -"), std::string::npos) << r.out;
}

TEST(Stats, Interval)
{
	FakeControl f;
	f.stats_snapshots = {{lookup(100, 10'000'000'000ull)},
			     {lookup(300, 12'000'000'000ull), getattr_stats()}};
	Result r = run_weft(f, {"stats", "--interval", "10ms", "--json"});
	ASSERT_EQ(r.status, 0) << r.err;
	auto d = nlohmann::json::parse(r.out);
	EXPECT_EQ(d["window_ms"], 2000);	// from the kernel's clock
	ASSERT_EQ(d["ops"].size(), 2u);
	EXPECT_EQ(d["ops"][0]["count"], 200);
	EXPECT_EQ(d["ops"][0]["iops"], 100.0);
	EXPECT_EQ(d["ops"][0]["errors"], 0);
	EXPECT_EQ(d["ops"][1]["count"], 4);
}

TEST(Stats, Empty)
{
	FakeControl f;
	Result r = run_weft(f, {"stats"});
	ASSERT_EQ(r.status, 0) << r.err;
	EXPECT_EQ(r.out, "no requests yet\n");
	r = run_weft(f, {"stats", "--json"});
	EXPECT_EQ(r.out, "{\n  \"window_ms\": 0,\n  \"ops\": []\n}\n");
}

TEST(Stats, BadArguments)
{
	FakeControl f;
	Result r = run_weft(f, {"stats", "--op", "bogus"});
	EXPECT_EQ(r.status, 2);
	EXPECT_EQ(r.err, "weft: unknown operation 'bogus' (e.g. LOOKUP, GETATTR, READ)\n");
	r = run_weft(f, {"stats", "--interval", "soon"});
	EXPECT_EQ(r.status, 2);
	EXPECT_EQ(r.err, "weft: bad value for --interval: 'soon' (seconds, e.g. 30, 1.5 or 500ms)\n");
	r = run_weft(f, {"stats", "--interval", "1ms"});
	EXPECT_EQ(r.status, 2);
	EXPECT_EQ(f.stats_calls, 0u);
}

TEST(Stats, NoModule)
{
	FakeControl f;
	Result r = run_weft(f, {"stats"}, /*no_module=*/true);
	EXPECT_EQ(r.status, 1);
	EXPECT_EQ(r.err, "weft: kernel module not loaded (no 'weft' netlink family)\n");
}

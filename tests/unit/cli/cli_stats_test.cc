// `weft stats`: the module's per-opcode counters as a table and as JSON,
// percentiles from the log2 histogram, --op and --interval.
#include <gtest/gtest.h>

#include <sstream>

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
		  "OP       COUNT  ERRORS  IOPS  THROUGHPUT      AVG      P50      P99\n"
		  "LOOKUP     100       2  10.0           -  50.0 us  25.5 us  1.99 ms\n"
		  "GETATTR      4       0   0.4           -   900 ns   768 ns   1.0 us\n");
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
	EXPECT_NE(r.out.find("READ      0       0   0.0       0 B/s    -    -    -"), std::string::npos) << r.out;
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
	EXPECT_EQ(r.out, "over 0 s\nno requests\n");
	r = run_weft(f, {"stats", "--json"});
	EXPECT_EQ(r.out, "{\n  \"window_ms\": 0,\n  \"ops\": [],\n  \"weftd\": null\n}\n");
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

// ---- bytes, weftd's counters, --live ------------------------------------------

namespace {

// READ: 1000 requests of 64 KiB in 2 s (500 IOPS, 31.2 MiB/s)
OpStats read_stats(uint64_t count = 1000, uint64_t since = 2'000'000'000ull)
{
	OpStats s;
	s.opcode = 20;
	s.count = count;
	s.total_ns = count * 100'000;
	s.bytes = count * 65536;
	s.hist = hist_with({{16, count}});	// [65.5, 131) us
	s.since_ns = since;
	return s;
}

// weftd's "stats" reply: READ count requests of 64 KiB, each in [8, 16) us
std::string daemon_reply(uint64_t count, uint64_t since_ns)
{
	nlohmann::json hist = nlohmann::json::array();
	for (int b = 0; b < WEFT_STATS_BUCKETS; b++)
		hist.push_back(b == 13 ? count : 0);
	nlohmann::json r = {{"status", "ok"},
			    {"result",
			     {{"since_ns", since_ns},
			      {"ops", {{{"opcode", 20}, {"count", count}, {"errors", 0},
					{"bytes", count * 65536}, {"total_ns", count * 12000},
					{"hist", hist}}}}}}};
	return r.dump();
}

FakeControl with_one_daemon()
{
	FakeControl f;
	ChannelInfo c;
	c.name = "node1";
	c.state = "attached";
	f.channel_list = {c};
	return f;
}

} // namespace

TEST(Stats, ThroughputFromBytes)
{
	FakeControl f;
	f.stats_snapshots = {{read_stats()}};
	Result r = run_weft(f, {"stats"});
	ASSERT_EQ(r.status, 0) << r.err;
	EXPECT_EQ(r.out,
		  "over 2 s\n"
		  "OP    COUNT  ERRORS   IOPS  THROUGHPUT       AVG      P50       P99\n"
		  "READ   1000       0  500.0  31.2 MiB/s  100.0 us  98.3 us  130.4 us\n");
	r = run_weft(f, {"stats", "--json"});
	auto d = nlohmann::json::parse(r.out);
	EXPECT_EQ(d["ops"][0]["bytes"], 65536000);
	EXPECT_EQ(d["ops"][0]["bytes_per_s"], 32768000);
	EXPECT_TRUE(d["ops"][0]["weftd"].is_null());
	EXPECT_TRUE(d["weftd"].is_null());
	EXPECT_TRUE(f.requests.empty());	// no weftd attached: not asked
}

TEST(Stats, WeftdColumnsFromTheOnlyDaemon)
{
	FakeControl f = with_one_daemon();
	f.stats_snapshots = {{read_stats()}};
	f.mgmt_reply = daemon_reply(1000, 5'000'000'000ull);
	Result r = run_weft(f, {"stats"});
	ASSERT_EQ(r.status, 0) << r.err;
	EXPECT_EQ(r.out,
		  "over 2 s; WEFTD-*: time inside weftd 'node1'\n"
		  "OP    COUNT  ERRORS   IOPS  THROUGHPUT       AVG      P50       P99  WEFTD-P50  WEFTD-P99\n"
		  "READ   1000       0  500.0  31.2 MiB/s  100.0 us  98.3 us  130.4 us    12.3 us    16.3 us\n");
	ASSERT_EQ(f.requests.size(), 1u);
	EXPECT_EQ(f.requests[0], R"({"command":"stats","args":{}})");
	EXPECT_EQ(f.request_channels[0], std::optional<std::string>("node1"));

	r = run_weft(f, {"stats", "--json"});
	auto d = nlohmann::json::parse(r.out);
	EXPECT_EQ(d["weftd"], (nlohmann::json{{"channel", "node1"}, {"window_ms", 5000}}));
	const auto &w = d["ops"][0]["weftd"];
	EXPECT_EQ(w["count"], 1000);
	EXPECT_EQ(w["bytes"], 65536000);
	EXPECT_EQ(w["avg_us"], 12.0);
	EXPECT_EQ(w["p50_us"], 12.3);
}

TEST(Stats, WeftdErrorsLeaveItsColumnsOut)
{
	FakeControl f = with_one_daemon();
	f.stats_snapshots = {{read_stats()}};
	// an older weftd without "stats"
	f.mgmt_reply = R"({"status":"error","errno":95,"message":"unknown command 'stats'"})";
	Result r = run_weft(f, {"stats"});
	ASSERT_EQ(r.status, 0) << r.err;
	EXPECT_EQ(r.out.substr(0, r.out.find('\n')), "over 2 s; weftd: unknown command 'stats'");
	r = run_weft(f, {"stats", "--json"});
	EXPECT_EQ(nlohmann::json::parse(r.out)["weftd"]["error"], "unknown command 'stats'");
	// a malformed reply
	f.mgmt_reply = R"({"status":"ok","result":{"since_ns":1,"ops":[{"opcode":20}]}})";
	r = run_weft(f, {"stats"});
	EXPECT_NE(r.out.find("weftd: weftd sent invalid statistics"), std::string::npos) << r.out;
	// but a daemon named with --channel must answer
	f.mgmt_reply = R"({"status":"error","errno":95,"message":"unknown command 'stats'"})";
	r = run_weft(f, {"stats", "--channel", "node1"});
	EXPECT_EQ(r.status, 1);
	EXPECT_EQ(r.err, "weft: unknown command 'stats'\n");
}

TEST(Stats, SeveralOps)
{
	FakeControl f;
	f.stats_snapshots = {{lookup(), getattr_stats(), read_stats()}};
	for (auto args : std::vector<std::vector<std::string>>{{"stats", "--op", "read,lookup", "--json"},
							  {"stats", "--op", "READ", "--op", "3", "--json"}}) {
		Result r = run_weft(f, args);
		ASSERT_EQ(r.status, 0) << r.err;
		auto d = nlohmann::json::parse(r.out);
		ASSERT_EQ(d["ops"].size(), 2u) << r.out;
		EXPECT_EQ(d["ops"][0]["op"], "READ");	// in the order asked
		EXPECT_EQ(d["ops"][1]["op"], "LOOKUP");
	}
	Result r = run_weft(f, {"stats", "--op", "read,bogus"});
	EXPECT_EQ(r.status, 2);
	EXPECT_EQ(r.err, "weft: unknown operation 'bogus' (e.g. LOOKUP, GETATTR, READ)\n");
}

TEST(Stats, LiveJsonLines)
{
	FakeControl f = with_one_daemon();
	// kernel clock: 2 s, 3 s, 4.5 s, 5 s; READs: 1000, 1500, 1500, 2500
	f.stats_snapshots = {{read_stats(1000, 2'000'000'000ull)},
			     {read_stats(1500, 3'000'000'000ull)},
			     {read_stats(1500, 4'500'000'000ull)},
			     {read_stats(2500, 5'000'000'000ull)}};
	f.mgmt_replies = {daemon_reply(1000, 10'000'000'000ull), daemon_reply(1500, 11'000'000'000ull),
			  daemon_reply(1500, 12'500'000'000ull),
			  daemon_reply(200, 500'000'000ull)};	// weftd restarted
	Result r = run_weft(f, {"stats", "--live", "--interval", "10ms", "--count", "3", "--json"});
	ASSERT_EQ(r.status, 0) << r.err;
	ASSERT_EQ(count_lines(r.out), 3) << r.out;
	std::istringstream lines(r.out);
	std::string line;
	std::vector<nlohmann::json> docs;
	while (std::getline(lines, line))
		docs.push_back(nlohmann::json::parse(line));
	EXPECT_EQ(docs[0]["window_ms"], 1000);
	ASSERT_EQ(docs[0]["ops"].size(), 1u);
	EXPECT_EQ(docs[0]["ops"][0]["count"], 500);
	EXPECT_EQ(docs[0]["ops"][0]["iops"], 500.0);
	EXPECT_EQ(docs[0]["ops"][0]["bytes"], 500 * 65536);
	EXPECT_EQ(docs[0]["ops"][0]["bytes_per_s"], 500 * 65536);
	EXPECT_EQ(docs[0]["ops"][0]["weftd"]["count"], 500);
	EXPECT_EQ(docs[1]["window_ms"], 1500);
	EXPECT_TRUE(docs[1]["ops"].empty());	// an idle interval
	EXPECT_EQ(docs[2]["window_ms"], 500);
	EXPECT_EQ(docs[2]["ops"][0]["count"], 1000);
	EXPECT_EQ(docs[2]["ops"][0]["iops"], 2000.0);
	EXPECT_EQ(docs[2]["ops"][0]["weftd"]["count"], 200);	// since its restart
	EXPECT_EQ(f.stats_calls, 4u);
}

TEST(Stats, LiveText)
{
	FakeControl f;
	f.stats_snapshots = {{read_stats(1000, 2'000'000'000ull)},
			     {read_stats(1500, 3'000'000'000ull)},
			     {read_stats(1500, 4'000'000'000ull)}};
	Result r = run_weft(f, {"stats", "--count", "2", "--interval", "10ms"});	// --count: live
	ASSERT_EQ(r.status, 0) << r.err;
	EXPECT_EQ(r.out,
		  "over 1 s\n"
		  "OP    COUNT  ERRORS   IOPS  THROUGHPUT       AVG      P50       P99\n"
		  "READ    500       0  500.0  31.2 MiB/s  100.0 us  98.3 us  130.4 us\n"
		  "\n"
		  "over 1 s\n"
		  "no requests\n");
	r = run_weft(f, {"stats", "--live", "--count", "0"});
	EXPECT_EQ(r.status, 2);
	EXPECT_EQ(r.opened, 0);
}

namespace {

QueueStats queue(uint32_t q, uint64_t polled, uint64_t slept)
{
	QueueStats s;
	s.channel = "local";
	s.queue = q;
	s.in_flight = q;
	s.polled = polled;
	s.slept = slept;
	s.daemon_woken = slept / 2;
	s.spin_found = polled;
	s.spin_missed = 3;
	return s;
}

} // namespace

TEST(Stats, QueuesTableAndJson)
{
	FakeControl f;
	f.queue_snapshots = {{queue(0, 750, 250), queue(1, 0, 0)}};
	Result r = run_weft(f, {"stats", "--queues"});
	ASSERT_EQ(r.status, 0) << r.err;
	EXPECT_NE(r.out.find("POLLED%"), std::string::npos) << r.out;
	EXPECT_NE(r.out.find("75%"), std::string::npos) << r.out;	// 750 of 1000
	r = run_weft(f, {"stats", "--queues", "--json"});
	ASSERT_EQ(r.status, 0) << r.err;
	auto j = nlohmann::json::parse(r.out);
	ASSERT_EQ(j["queues"].size(), 2u);
	EXPECT_EQ(j["queues"][0]["channel"], "local");
	EXPECT_EQ(j["queues"][0]["polled"], 750);
	EXPECT_EQ(j["queues"][0]["slept"], 250);
	EXPECT_EQ(j["queues"][0]["daemon_woken"], 125);
	EXPECT_EQ(j["queues"][1]["queue"], 1);
	EXPECT_EQ(j["queues"][1]["in_flight"], 1);
	EXPECT_FALSE(j.contains("window_ms"));
}

TEST(Stats, QueuesOverAnIntervalAreDifferences)
{
	FakeControl f;
	f.queue_snapshots = {{queue(0, 100, 50)}, {queue(0, 160, 70)}};
	Result r = run_weft(f, {"stats", "--queues", "--interval", "10ms", "--json"});
	ASSERT_EQ(r.status, 0) << r.err;
	auto j = nlohmann::json::parse(r.out);
	EXPECT_EQ(j["window_ms"], 10);
	EXPECT_EQ(j["queues"][0]["polled"], 60);
	EXPECT_EQ(j["queues"][0]["slept"], 20);
	EXPECT_EQ(j["queues"][0]["spin_missed"], 0);
}

TEST(Stats, QueuesRefuseLiveAndOp)
{
	FakeControl f;
	for (auto args : {std::vector<std::string>{"stats", "--queues", "--live"},
			  std::vector<std::string>{"stats", "--queues", "--op", "READ"}}) {
		Result r = run_weft(f, args);
		EXPECT_EQ(r.status, 2) << r.out;
		EXPECT_NE(r.err.find("--queues takes --interval only"), std::string::npos) << r.err;
	}
}

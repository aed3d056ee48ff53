// The MGMT JSON contract, through the rings.
#include <gtest/gtest.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "daemon_harness.h"

namespace weft::testing {
namespace {

using nlohmann::json;

Completion mgmt_call(DaemonHarness &h, std::string_view text, uint32_t out_max = 0)
{
	Submission s;
	s.opcode = WEFT_OP_MGMT;
	s.payload = bytes_of(text);
	s.out_max = out_max;
	return h.call(s);
}

json reply_of(const Completion &c)
{
	EXPECT_EQ(c.cqe.result, 0);
	return json::parse(std::string(reinterpret_cast<const char *>(c.out.data()), c.out.size()));
}

TEST(Mgmt, Version)
{
	DaemonHarness h;
	json r = reply_of(mgmt_call(h, R"({"command":"version","args":{}})"));
	EXPECT_EQ(r["status"], "ok");
	EXPECT_EQ(r["result"]["version"], WEFT_VERSION);
	EXPECT_EQ(r["result"]["abi"], 1);
}

TEST(Mgmt, ArgsMayBeLeftOut)
{
	DaemonHarness h;
	EXPECT_EQ(reply_of(mgmt_call(h, R"({"command":"version"})"))["status"], "ok");
}

TEST(Mgmt, Status)
{
	HarnessOptions o;
	o.attach.name = "node1";
	DaemonHarness h(o);
	json r = reply_of(mgmt_call(h, R"({"command":"status","args":{}})"));
	ASSERT_EQ(r["status"], "ok");
	const json &res = r["result"];
	EXPECT_EQ(res["daemon"]["name"], "node1");
	EXPECT_EQ(res["daemon"]["version"], WEFT_VERSION);
	EXPECT_EQ(res["daemon"]["data_dir"], h.data_dir);
	EXPECT_EQ(res["daemon"]["pid"], ::getpid());
	EXPECT_EQ(res["daemon"]["queues"], 2);
	EXPECT_EQ(res["daemon"]["queue_depth"], 8);
	EXPECT_EQ(res["cluster"]["mode"], "single-node");
	EXPECT_EQ(res["cluster"]["hosts"], 1);
	ASSERT_EQ(res["filesystems"].size(), 1u);
	const json &fs = res["filesystems"][0];
	EXPECT_EQ(fs["name"], "default");
	EXPECT_EQ(fs["replication"], 1);
	EXPECT_GT(fs["capacity_bytes"].get<uint64_t>(), 0u);
	EXPECT_LE(fs["used_bytes"].get<uint64_t>(), fs["capacity_bytes"].get<uint64_t>());
	EXPECT_EQ(fs["files"], 1);	// the root
	EXPECT_TRUE(res["drives"].is_array());
	EXPECT_TRUE(res["drives"].empty());
	EXPECT_EQ(res["redundancy"]["state"], "healthy");
}

TEST(Mgmt, UnknownCommand)
{
	DaemonHarness h;
	json r = reply_of(mgmt_call(h, R"({"command":"x","args":{}})"));
	EXPECT_EQ(r["status"], "error");
	EXPECT_EQ(r["errno"], 95);
	EXPECT_EQ(r["message"], "unknown command 'x'");
}

TEST(Mgmt, MalformedRequestsAreInvalid)
{
	DaemonHarness h;
	for (std::string_view text : {"", "not json", "[1,2]", R"({"args":{}})",
				      R"({"command":7})", R"({"command":"version","args":[]})"}) {
		json r = reply_of(mgmt_call(h, text));
		EXPECT_EQ(r["status"], "error") << text;
		EXPECT_EQ(r["errno"], EINVAL) << text;
		EXPECT_TRUE(r["message"].is_string());
	}
}

TEST(Mgmt, InvalidUtf8IsRepliedNotThrown)
{
	DaemonHarness h;
	json r = reply_of(mgmt_call(h, "{\"command\":\"\xff\xfe\"}"));
	EXPECT_EQ(r["status"], "error");
	EXPECT_EQ(r["errno"], EINVAL);
}

TEST(Mgmt, ReplyLargerThanOutMaxIsAnError)
{
	DaemonHarness h;
	Completion c = mgmt_call(h, R"({"command":"status"})", 32);
	EXPECT_EQ(c.cqe.result, -EMSGSIZE);
	EXPECT_EQ(c.cqe.out_len, 0u);
}

}  // namespace
}  // namespace weft::testing

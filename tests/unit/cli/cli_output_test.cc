// Golden output: --json documents (stable field names) and human tables.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "fake_control.h"

using namespace weft::cli;
using namespace weft::cli::test;

namespace {

FakeControl busy_host()
{
	FakeControl f;
	f.module = {"0.1.0", 1};
	f.channel_list = {
		{"node1", "attached", 4, 128, 262144, 30000, 60000, 2, 123456789012ull, 123456789000ull, 3, 1},
		{"old", "waiting", 1, 32, 1048576, 1500, 0, 0, 5, 5, 0, 0},
	};
	f.mount_list = {
		{"node1", "default", "timeout=30,grace=60"},
		{"node1", "scratch", ""},
	};
	return f;
}

const char *const status_reply = R"({"status":"ok","result":{
	"daemon":{"name":"node1","version":"0.1.0","data_dir":"/var/lib/weft","pid":4242,"queues":4,"queue_depth":128},
	"cluster":{"mode":"single-node","hosts":1},
	"filesystems":[{"name":"default","replication":1,"capacity_bytes":10737418240,"used_bytes":1610612736,"files":42},
		       {"name":"big","replication":3,"capacity_bytes":1099511627776,"used_bytes":0,"files":0}],
	"drives":[],
	"redundancy":{"state":"ok"}}})";

} // namespace

TEST(Output, VersionJson)
{
	FakeControl f;
	Result r = run_weft(f, {"version", "--json"});
	ASSERT_EQ(r.status, 0) << r.err;
	EXPECT_EQ(r.out, std::string(R"({
  "cli": {
    "version": ")") + WEFT_VERSION + R"(",
    "genl_version": 1
  },
  "module": {
    "version": "0.1.0",
    "abi_version": 1
  }
}
)");
}

TEST(Output, VersionText)
{
	FakeControl f;
	f.module = {"0.2.0-rc1", 3};
	Result r = run_weft(f, {"version"});
	ASSERT_EQ(r.status, 0) << r.err;
	EXPECT_EQ(r.out, std::string("CLI:       weft ") + WEFT_VERSION + "\n"
		  "Module:    weft.ko 0.2.0-rc1\n"
		  "Ring ABI:  3\n");
}

TEST(Output, LocalStatusJson)
{
	FakeControl f = busy_host();
	Result r = run_weft(f, {"local", "status", "--json"});
	ASSERT_EQ(r.status, 0) << r.err;
	EXPECT_EQ(r.out, R"({
  "module": {
    "version": "0.1.0",
    "abi_version": 1
  },
  "channels": [
    {
      "name": "node1",
      "state": "attached",
      "queues": 4,
      "queue_depth": 128,
      "max_io_bytes": 262144,
      "timeout_ms": 30000,
      "grace_ms": 60000,
      "mounts": 2,
      "submitted": 123456789012,
      "completed": 123456789000,
      "rejected": 3,
      "timed_out": 1
    },
    {
      "name": "old",
      "state": "waiting",
      "queues": 1,
      "queue_depth": 32,
      "max_io_bytes": 1048576,
      "timeout_ms": 1500,
      "grace_ms": 0,
      "mounts": 0,
      "submitted": 5,
      "completed": 5,
      "rejected": 0,
      "timed_out": 0
    }
  ],
  "mounts": [
    {
      "channel": "node1",
      "filesystem": "default",
      "options": "timeout=30,grace=60"
    },
    {
      "channel": "node1",
      "filesystem": "scratch",
      "options": ""
    }
  ]
}
)");
}

TEST(Output, LocalStatusText)
{
	FakeControl f = busy_host();
	Result r = run_weft(f, {"local", "status"});
	ASSERT_EQ(r.status, 0) << r.err;
	EXPECT_EQ(r.out,
		  "Module:  weft.ko 0.1.0 (ring ABI 1)\n"
		  "\n"
		  "CHANNELS\n"
		  "NAME   STATE     QUEUES  DEPTH    MAX I/O  TIMEOUT  GRACE  MOUNTS     SUBMITTED     COMPLETED  REJECTED  TIMED OUT\n"
		  "node1  attached       4    128  256.0 KiB     30 s   60 s       2  123456789012  123456789000         3          1\n"
		  "old    waiting        1     32    1.0 MiB    1.5 s    0 s       0             5             5         0          0\n"
		  "\n"
		  "MOUNTS\n"
		  "CHANNEL  FILE SYSTEM  OPTIONS\n"
		  "node1    default      timeout=30,grace=60\n"
		  "node1    scratch\n");
}

TEST(Output, LocalStatusEmpty)
{
	FakeControl f;
	Result r = run_weft(f, {"local", "status"});
	ASSERT_EQ(r.status, 0) << r.err;
	EXPECT_EQ(r.out,
		  "Module:  weft.ko 0.1.0 (ring ABI 1)\n"
		  "\n"
		  "CHANNELS\n"
		  "none (no weftd attached)\n"
		  "\n"
		  "MOUNTS\n"
		  "none\n");
	r = run_weft(f, {"local", "status", "--json"});
	EXPECT_EQ(nlohmann::json::parse(r.out),
		  nlohmann::json::parse(R"({"module":{"version":"0.1.0","abi_version":1},"channels":[],"mounts":[]})"));
}

TEST(Output, LocalSetJson)
{
	FakeControl f = busy_host();
	Result r = run_weft(f, {"local", "set", "--name", "old", "--timeout", "45", "--json"});
	ASSERT_EQ(r.status, 0) << r.err;
	EXPECT_EQ(r.out, "{\n  \"channel\": \"old\",\n  \"timeout_ms\": 45000,\n  \"grace_ms\": 0\n}\n");
}

TEST(Output, StatusText)
{
	FakeControl f;
	f.mgmt_reply = status_reply;
	Result r = run_weft(f, {"status"});
	ASSERT_EQ(r.status, 0) << r.err;
	EXPECT_EQ(r.out,
		  "Daemon:      node1 (weftd 0.1.0, pid 4242)\n"
		  "Data dir:    /var/lib/weft\n"
		  "Queues:      4 x 128\n"
		  "Cluster:     single-node, 1 host\n"
		  "Redundancy:  ok\n"
		  "\n"
		  "FILE SYSTEMS\n"
		  "NAME     REPLICATION  CAPACITY     USED  USE%  FILES\n"
		  "default            1  10.0 GiB  1.5 GiB   15%     42\n"
		  "big                3   1.0 TiB      0 B    0%      0\n"
		  "\n"
		  "DRIVES\n"
		  "none\n");
}

TEST(Output, StatusJsonIsTheDaemonResult)
{
	FakeControl f;
	f.mgmt_reply = status_reply;
	Result r = run_weft(f, {"status", "--json"});
	ASSERT_EQ(r.status, 0) << r.err;
	auto doc = nlohmann::json::parse(r.out);
	EXPECT_EQ(doc, nlohmann::json::parse(status_reply)["result"]);
	// field order is the daemon's
	EXPECT_EQ(doc.begin().key(), "cluster");	// nlohmann::json sorts; ordered output below
	EXPECT_EQ(r.out.substr(0, 17), "{\n  \"daemon\": {\n ");
}

TEST(Output, StatusToleratesMissingFields)
{
	FakeControl f;
	f.mgmt_reply = R"({"status":"ok","result":{"daemon":{"name":"n"},"drives":[{"id":"d0","path":"/dev/vdb","capacity_bytes":1073741824,"state":"active"}]}})";
	Result r = run_weft(f, {"status"});
	ASSERT_EQ(r.status, 0) << r.err;
	EXPECT_EQ(r.out,
		  "Daemon:      n (weftd -, pid -)\n"
		  "Data dir:    -\n"
		  "Queues:      - x -\n"
		  "Cluster:     -\n"
		  "Redundancy:  -\n"
		  "\n"
		  "FILE SYSTEMS\n"
		  "none\n"
		  "\n"
		  "DRIVES\n"
		  "ID  PATH      CAPACITY  STATE\n"
		  "d0  /dev/vdb   1.0 GiB  active\n");
}

TEST(Output, RelayedListText)
{
	FakeControl f;
	f.mgmt_reply = R"({"status":"ok","result":[{"name":"default","replication":1,"capacity_bytes":10737418240}]})";
	Result r = run_weft(f, {"cluster", "host", "list"});
	ASSERT_EQ(r.status, 0) << r.err;
	EXPECT_EQ(r.out,
		  "NAME     REPLICATION  CAPACITY\n"
		  "default            1  10.0 GiB\n");
	r = run_weft(f, {"fs", "list", "--json"});
	EXPECT_EQ(r.out, "[\n  {\n    \"name\": \"default\",\n    \"replication\": 1,\n    \"capacity_bytes\": 10737418240\n  }\n]\n");
}

TEST(Output, RelayedNoResult)
{
	FakeControl f;
	f.mgmt_reply = R"({"status":"ok"})";
	Result r = run_weft(f, {"cluster", "host", "remove", "x"});
	EXPECT_EQ(r.status, 0);
	EXPECT_EQ(r.out, "ok\n");
	r = run_weft(f, {"fs", "delete", "x"});
	EXPECT_EQ(r.out, "ok\n");
	r = run_weft(f, {"fs", "delete", "x", "--json"});
	EXPECT_EQ(r.out, "null\n");
}

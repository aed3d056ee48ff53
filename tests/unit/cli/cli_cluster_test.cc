// drive / fs / scrub / status: golden text and JSON for weftd's results, and
// the refusals a user sees (one line, exit status 1).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "fake_control.h"

using namespace weft::cli;
using namespace weft::cli::test;

namespace {

const char *const kDrives = R"J({"status":"ok","result":[
	{"id":2,"path":"/dev/nvme0n1","state":"up","size_bytes":1072693248,"used_bytes":0,"free_bytes":1072693248,"host":0,"uuid":"u2"},
	{"id":3,"path":"/var/lib/weft/d.img","state":"failed","size_bytes":16105078784,"used_bytes":8052539392,"free_bytes":8052539392,"host":0,"uuid":"u3"}]})J";

std::string result_of(const char *reply)
{
	return nlohmann::ordered_json::parse(reply)["result"].dump(2) + "\n";
}

} // namespace

TEST(Cluster, DriveListText)
{
	FakeControl f;
	f.mgmt_reply = kDrives;
	Result r = run_weft(f, {"drive", "list"});
	ASSERT_EQ(r.status, 0) << r.err;
	EXPECT_EQ(r.out,
		  "ID  PATH                 STATE         SIZE     USED        FREE  USE%\n"
		  " 2  /dev/nvme0n1         up      1023.0 MiB      0 B  1023.0 MiB    0%\n"
		  " 3  /var/lib/weft/d.img  failed    15.0 GiB  7.5 GiB     7.5 GiB   50%\n");
}

TEST(Cluster, DriveListJsonIsTheDaemonResult)
{
	FakeControl f;
	f.mgmt_reply = kDrives;
	Result r = run_weft(f, {"drive", "list", "--json"});
	ASSERT_EQ(r.status, 0) << r.err;
	EXPECT_EQ(r.out, result_of(kDrives));
}

TEST(Cluster, DriveListEmpty)
{
	FakeControl f;
	f.mgmt_reply = R"J({"status":"ok","result":[]})J";
	EXPECT_EQ(run_weft(f, {"drive", "list"}).out, "no drives\n");
	EXPECT_EQ(run_weft(f, {"drive", "list", "--json"}).out, "[]\n");
}

TEST(Cluster, DriveAddShowsTheAddedDrives)
{
	FakeControl f;
	f.mgmt_reply = R"J({"status":"ok","result":[{"id":2,"path":"/dev/nvme0n1","state":"up","size_bytes":1072693248,"used_bytes":0,"free_bytes":1072693248,"host":0,"uuid":"u"}]})J";
	Result r = run_weft(f, {"drive", "add", "/dev/nvme0n1"});
	ASSERT_EQ(r.status, 0) << r.err;
	EXPECT_EQ(r.out,
		  "ID  PATH          STATE        SIZE  USED        FREE  USE%\n"
		  " 2  /dev/nvme0n1  up     1023.0 MiB   0 B  1023.0 MiB    0%\n");
}

TEST(Cluster, DriveRefusalsAreOneLine)
{
	const std::vector<std::pair<std::string, std::string>> cases = {
		{R"J({"status":"error","errno":16,"message":"/dev/nvme1n1 is mounted (/dev/nvme1n1 on /mnt)"})J",
		 "weft: /dev/nvme1n1 is mounted (/dev/nvme1n1 on /mnt)\n"},
		{R"J({"status":"error","errno":17,"message":"/dev/nvme2n1 belongs to weft cluster 1b4e28ba-2fa1-41d2-883f-0016d3cca427; use --force to reformat it"})J",
		 "weft: /dev/nvme2n1 belongs to weft cluster 1b4e28ba-2fa1-41d2-883f-0016d3cca427; use --force to reformat it\n"},
		{R"J({"status":"error","errno":28,"message":"/tmp/x is too small: 1048576 bytes, weft needs at least 16777216"})J",
		 "weft: /tmp/x is too small: 1048576 bytes, weft needs at least 16777216\n"},
		{R"J({"status":"error","errno":16,"message":"/tmp/y is in use (locked by another opener)"})J",
		 "weft: /tmp/y is in use (locked by another opener)\n"},
	};
	for (const auto &[reply, msg] : cases) {
		FakeControl f;
		f.mgmt_reply = reply;
		Result r = run_weft(f, {"drive", "add", "/dev/x"});
		EXPECT_EQ(r.status, 1);
		EXPECT_EQ(r.err, msg);
		EXPECT_EQ(r.out, "");
	}
}

TEST(Cluster, DriveRemoveText)
{
	FakeControl f;
	f.mgmt_reply = R"J({"status":"ok","result":{"id":3,"path":"/dev/nvme1n1","state":"up","size_bytes":0,"used_bytes":0,"free_bytes":0,"host":0,"uuid":"u"}})J";
	Result r = run_weft(f, {"drive", "remove", "3"});
	ASSERT_EQ(r.status, 0) << r.err;
	EXPECT_EQ(r.out, "removed drive 3 (/dev/nvme1n1)\n");
	f.mgmt_reply = R"J({"status":"error","errno":2,"message":"no drive '9' (see 'weft drive list')"})J";
	r = run_weft(f, {"drive", "remove", "9"});
	EXPECT_EQ(r.status, 1);
	EXPECT_EQ(r.err, "weft: no drive '9' (see 'weft drive list')\n");
}

TEST(Cluster, DriveScanText)
{
	FakeControl f;
	f.mgmt_reply = R"J({"status":"ok","result":[
		{"path":"/dev/nvme0n1","size_bytes":1073741824,"model":"QEMU NVMe Ctrl","rotational":false,"state":"weft"},
		{"path":"/dev/sda","size_bytes":4000787030016,"model":"","rotational":true,"state":"mounted"}]})J";
	Result r = run_weft(f, {"drive", "scan"});
	ASSERT_EQ(r.status, 0) << r.err;
	EXPECT_EQ(r.out,
		  "PATH             SIZE  TYPE  MODEL           STATE\n"
		  "/dev/nvme0n1  1.0 GiB  ssd   QEMU NVMe Ctrl  weft\n"
		  "/dev/sda      3.6 TiB  hdd   -               mounted\n");
	f.mgmt_reply = R"J({"status":"ok","result":[]})J";
	EXPECT_EQ(run_weft(f, {"drive", "scan"}).out, "no block devices found\n");
}

TEST(Cluster, FsListAndCreateText)
{
	FakeControl f;
	f.mgmt_reply = R"J({"status":"ok","result":[
		{"name":"default","id":1,"replication":1,"capacity_bytes":1073741824,"used_bytes":0,"files":1,"thin":true},
		{"name":"data","id":2,"replication":2,"capacity_bytes":10737418240,"used_bytes":1073741824,"files":7,"thin":false}]})J";
	Result r = run_weft(f, {"fs", "list"});
	ASSERT_EQ(r.status, 0) << r.err;
	EXPECT_EQ(r.out,
		  "NAME     REPLICATION  CAPACITY     USED  USE%  FILES\n"
		  "default            1   1.0 GiB      0 B    0%      1\n"
		  "data               2  10.0 GiB  1.0 GiB   10%      7\n");

	f.mgmt_reply = R"J({"status":"ok","result":{"name":"data","id":2,"replication":2,"capacity_bytes":10737418240,"used_bytes":0,"files":0,"thin":false}})J";
	r = run_weft(f, {"fs", "create", "data", "--capacity", "10GiB", "--replication", "2"});
	ASSERT_EQ(r.status, 0) << r.err;
	EXPECT_EQ(r.out,
		  "NAME  REPLICATION  CAPACITY  USED  USE%  FILES\n"
		  "data            2  10.0 GiB   0 B    0%      0\n");
	r = run_weft(f, {"fs", "create", "data", "--json"});
	EXPECT_EQ(r.out, "{\n  \"name\": \"data\",\n  \"id\": 2,\n  \"replication\": 2,\n"
			 "  \"capacity_bytes\": 10737418240,\n  \"used_bytes\": 0,\n  \"files\": 0,\n"
			 "  \"thin\": false\n}\n");
}

TEST(Cluster, FsRefusalsAreOneLine)
{
	FakeControl f;
	f.mgmt_reply = R"J({"status":"error","errno":22,"message":"replication 3 needs 3 failure domains (drives on one host); this node has 2"})J";
	Result r = run_weft(f, {"fs", "create", "x", "--replication", "3"});
	EXPECT_EQ(r.status, 1);
	EXPECT_EQ(r.err, "weft: replication 3 needs 3 failure domains (drives on one host); this node has 2\n");
}

TEST(Cluster, FsDeleteRefusedWhileMounted)
{
	FakeControl f;
	f.channel_list = {{"node1", "attached", 1, 8, 65536, 30000, 0, 1, 0, 0, 0, 0}};
	f.mount_list = {{"node1", "data", ""}, {"other", "scratch", ""}};
	Result r = run_weft(f, {"fs", "delete", "data"});
	EXPECT_EQ(r.status, 1);
	EXPECT_EQ(r.err, "weft: file system 'data' is mounted (1 mount): unmount it first\n");
	EXPECT_TRUE(f.requests.empty());
	// another daemon's mount of the same name does not count
	r = run_weft(f, {"fs", "delete", "scratch"});
	EXPECT_EQ(r.status, 0) << r.err;
	r = run_weft(f, {"fs", "delete", "data", "--channel", "other"});
	EXPECT_EQ(r.status, 0) << r.err;

	f.mgmt_reply = R"J({"status":"ok","result":{"deleted":"scratch"}})J";
	r = run_weft(f, {"fs", "delete", "scratch"});
	EXPECT_EQ(r.out, "deleted file system 'scratch'\n");
}

TEST(Cluster, ScrubText)
{
	FakeControl f;
	f.mgmt_reply = R"J({"status":"ok","result":{"chunks":12,"blocks_checked":3072,"bad_blocks":1,"repaired_blocks":1}})J";
	Result r = run_weft(f, {"scrub"});
	ASSERT_EQ(r.status, 0) << r.err;
	EXPECT_EQ(r.out, "scrubbed 12 chunks: 3072 blocks checked, 1 bad, 1 repaired\n");
	r = run_weft(f, {"scrub", "--json"});
	EXPECT_EQ(r.out, "{\n  \"chunks\": 12,\n  \"blocks_checked\": 3072,\n  \"bad_blocks\": 1,\n"
			 "  \"repaired_blocks\": 1\n}\n");
}

TEST(Cluster, StatusWithEngine)
{
	FakeControl f;
	f.mgmt_reply = R"J({"status":"ok","result":{
		"daemon":{"name":"node1","version":"0.1.0","data_dir":"/var/lib/weft","pid":7,"queues":2,"queue_depth":128},
		"cluster":{"mode":"single-node","hosts":1,"uuid":"u","epoch":3,"failure_domains":2},
		"capacity":{"raw_bytes":2145386496,"used_bytes":0,"free_bytes":2145386496,"provisioned_bytes":1073741824},
		"filesystems":[{"name":"default","id":1,"replication":1,"capacity_bytes":1071644672,"used_bytes":0,"files":1,"thin":true}],
		"drives":[{"id":2,"path":"/dev/nvme0n1","state":"up","size_bytes":1072693248,"used_bytes":0,"free_bytes":1072693248,"host":0,"uuid":"a"},
			  {"id":3,"path":"/dev/nvme1n1","state":"up","size_bytes":1072693248,"used_bytes":0,"free_bytes":1072693248,"host":0,"uuid":"b"}],
		"redundancy":{"state":"degraded","chunks":{"healthy":10,"degraded":2,"unavailable":0},"rebuild_remaining":0,"failed_drives":1}}})J";
	Result r = run_weft(f, {"status"});
	ASSERT_EQ(r.status, 0) << r.err;
	EXPECT_EQ(r.out,
		  "Daemon:      node1 (weftd 0.1.0, pid 7)\n"
		  "Data dir:    /var/lib/weft\n"
		  "Queues:      2 x 128\n"
		  "Cluster:     single-node, 1 host\n"
		  "Capacity:    2.0 GiB raw, 0 B used (0%), 1.0 GiB provisioned\n"
		  "Redundancy:  degraded (chunks: 10 healthy, 2 degraded, 0 unavailable; failed drives: 1)\n"
		  "\n"
		  "FILE SYSTEMS\n"
		  "NAME     REPLICATION    CAPACITY  USED  USE%  FILES\n"
		  "default            1  1022.0 MiB   0 B    0%      1\n"
		  "\n"
		  "DRIVES\n"
		  "ID  PATH          STATE        SIZE  USED        FREE  USE%\n"
		  " 2  /dev/nvme0n1  up     1023.0 MiB   0 B  1023.0 MiB    0%\n"
		  " 3  /dev/nvme1n1  up     1023.0 MiB   0 B  1023.0 MiB    0%\n");
}

// ---- cluster ------------------------------------------------------------------

namespace {

const char *const kClusterNamed = R"J({"status":"ok","result":{
	"name":"prod","id":"1b4e28ba-2fa1-41d2-883f-0016d3cca427","mode":"single-node","epoch":4,
	"hosts":[{"hostname":"node1","id":0,"state":"up","drives":3,"drives_up":2,"local":true}],
	"drives":{"total":3,"up":2},
	"capacity":{"raw_bytes":2145386496,"used_bytes":1048576,"free_bytes":2144337920,"provisioned_bytes":1073741824},
	"failure_domains":2,"filesystems":2,
	"redundancy":{"state":"degraded","chunks":{"healthy":1,"degraded":0,"unavailable":0},"rebuild_remaining":0,"failed_drives":1}}})J";

} // namespace

TEST(Cluster, ClusterStatusText)
{
	FakeControl f;
	f.mgmt_reply = kClusterNamed;
	Result r = run_weft(f, {"cluster", "status"});
	ASSERT_EQ(r.status, 0) << r.err;
	EXPECT_EQ(r.out,
		  "Name:          prod\n"
		  "ID:            1b4e28ba-2fa1-41d2-883f-0016d3cca427\n"
		  "Mode:          single-node\n"
		  "Epoch:         4\n"
		  "Hosts:         1 (1 up)\n"
		  "Drives:        3 (2 up)\n"
		  "Capacity:      2.0 GiB raw, 1.0 MiB used (0%), 1.0 GiB provisioned\n"
		  "Redundancy:    degraded, 2 failure domains\n"
		  "File systems:  2\n"
		  "\n"
		  "HOSTS\n"
		  "HOSTNAME  ID  STATE  DRIVES  LOCAL\n"
		  "node1      0  up        2/3  yes\n");
	EXPECT_EQ(f.requests.at(0), R"({"command":"cluster status","args":{}})");
}

TEST(Cluster, ClusterStatusJsonIsTheDaemonResult)
{
	FakeControl f;
	f.mgmt_reply = kClusterNamed;
	for (auto args : std::vector<std::vector<std::string>>{
		     {"cluster", "status", "--json"},
		     {"cluster", "create", "prod", "--json"},
		     {"cluster", "update", "--name", "prod", "--json"}}) {
		Result r = run_weft(f, args);
		ASSERT_EQ(r.status, 0) << r.err;
		EXPECT_EQ(r.out, result_of(kClusterNamed)) << args[1];
	}
}

TEST(Cluster, UnnamedClusterText)
{
	FakeControl f;
	f.mgmt_reply = R"J({"status":"ok","result":{"name":null,"id":"u","mode":"single-node","epoch":1,
		"hosts":[{"hostname":"n","id":0,"state":"up","drives":1,"drives_up":1,"local":true}],
		"drives":{"total":1,"up":1},"failure_domains":1,"filesystems":1,"redundancy":{"state":"healthy"}}})J";
	Result r = run_weft(f, {"cluster", "status"});
	ASSERT_EQ(r.status, 0) << r.err;
	EXPECT_EQ(r.out,
		  "Name:          (unnamed: 'weft cluster create NAME' names it)\n"
		  "ID:            u\n"
		  "Mode:          single-node\n"
		  "Epoch:         1\n"
		  "Hosts:         1 (1 up)\n"
		  "Drives:        1 (1 up)\n"
		  "Redundancy:    healthy, 1 failure domain\n"
		  "File systems:  1\n"
		  "\n"
		  "HOSTS\n"
		  "HOSTNAME  ID  STATE  DRIVES  LOCAL\n"
		  "n          0  up          1  yes\n");
}

TEST(Cluster, HostListTextAndJson)
{
	FakeControl f;
	f.mgmt_reply = R"J({"status":"ok","result":[{"hostname":"node1.lab","id":0,"state":"up","drives":2,"drives_up":2,"local":true}]})J";
	Result r = run_weft(f, {"cluster", "host", "list"});
	ASSERT_EQ(r.status, 0) << r.err;
	EXPECT_EQ(r.out,
		  "HOSTNAME   ID  STATE  DRIVES  LOCAL\n"
		  "node1.lab   0  up          2  yes\n");
	r = run_weft(f, {"cluster", "host", "list", "--json"});
	EXPECT_EQ(r.out, result_of(f.mgmt_reply.c_str()));
	f.mgmt_reply = R"({"status":"ok","result":[]})";
	EXPECT_EQ(run_weft(f, {"cluster", "host", "list"}).out, "no hosts\n");
}

TEST(Cluster, ClusterRefusalsAreOneLine)
{
	const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
		{{"cluster", "create", "two"},
		 R"J({"status":"error","errno":17,"message":"this node is already in cluster 'prod' (u): rename it with 'weft cluster update --name'"})J"},
		{{"cluster", "host", "add", "node2"},
		 R"J({"status":"error","errno":95,"message":"single-node cluster: adding hosts needs multi-node support, not available yet"})J"},
		{{"cluster", "host", "remove", "node1"},
		 R"J({"status":"error","errno":16,"message":"host 'node1' is this host: a node cannot remove the host it runs on"})J"},
		{{"cluster", "update", "--name", "x"},
		 R"J({"status":"error","errno":2,"message":"this node's cluster has no name yet: create it with 'weft cluster create NAME'"})J"},
	};
	for (const auto &[args, reply] : cases) {
		FakeControl f;
		f.mgmt_reply = reply;
		Result r = run_weft(f, args);
		EXPECT_EQ(r.status, 1);
		EXPECT_EQ(r.out, "");
		EXPECT_EQ(r.err, "weft: " + nlohmann::json::parse(reply)["message"].get<std::string>() + "\n");
	}
}

TEST(Cluster, StatusShowsTheClusterName)
{
	FakeControl f;
	f.mgmt_reply = R"J({"status":"ok","result":{"daemon":{"name":"n1","version":"0.1.0","data_dir":"/d","pid":7,"queues":2,"queue_depth":8},
		"cluster":{"mode":"single-node","name":"prod","hosts":1},"filesystems":[],"drives":[],"redundancy":{"state":"healthy"}}})J";
	Result r = run_weft(f, {"status"});
	ASSERT_EQ(r.status, 0) << r.err;
	EXPECT_NE(r.out.find("Cluster:     prod (single-node, 1 host)\n"), std::string::npos) << r.out;
}

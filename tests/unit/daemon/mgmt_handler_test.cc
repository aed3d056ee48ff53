// The MGMT JSON contract, through the rings.
#include <gtest/gtest.h>
#include <sys/file.h>
#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "cluster_state.h"
#include "daemon_harness.h"
#include "storage/drive.h"
#include "unique_fd.h"

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

// ---- drive / fs / scrub / status against a real storage engine ---------------
//
// MgmtHandler::execute (JSON in, JSON out) over a ClusterState in a private
// data directory; drives are sparse files.

namespace stdfs = std::filesystem;

class Dir {
public:
	Dir()
	{
		std::string t = (stdfs::path(::testing::TempDir()) / "weft-mgmt-XXXXXX").string();
		if (::mkdtemp(t.data()) == nullptr)
			ADD_FAILURE() << "mkdtemp";
		path = t;
	}
	~Dir()
	{
		std::error_code ec;
		stdfs::remove_all(path, ec);
	}
	std::string file(const std::string &name, uint64_t size) const
	{
		std::string p = path + "/" + name;
		EXPECT_TRUE(storage::create_drive_file(p, size).ok()) << p;
		return p;
	}
	std::string path;
};

constexpr uint64_t kMiB = 1ull << 20;

struct Node {
	explicit Node(const std::string &dir, uint64_t default_drive = 64 * kMiB)
	{
		ClusterOptions o;
		o.data_dir = dir + "/data";
		o.default_drive_bytes = default_drive;
		o.pg_count = 64;
		o.sys_block = dir + "/sys-block";
		o.dev_dir = "/dev";
		auto c = ClusterState::open(o);
		if (!c.ok()) {
			ADD_FAILURE() << c.error().message;
			return;
		}
		cluster = std::move(*c);
		mgmt = std::make_unique<MgmtHandler>(store, DaemonInfo{"n1", o.data_dir, {}},
						     cluster.get());
	}
	json call(const std::string &command, json args = json::object())
	{
		return mgmt->execute(json{{"command", command}, {"args", args}}.dump());
	}
	json ok(const std::string &command, json args = json::object())
	{
		json r = call(command, args);
		EXPECT_EQ(r["status"], "ok") << command << " " << args.dump() << " -> " << r.dump();
		return r["result"];
	}
	// errno and one-line message of an expected error
	std::pair<int, std::string> err(const std::string &command, json args = json::object())
	{
		json r = call(command, args);
		EXPECT_EQ(r["status"], "error") << command << " " << args.dump() << " -> " << r.dump();
		if (r["status"] != "error")
			return {0, ""};
		std::string m = r["message"].get<std::string>();
		EXPECT_EQ(m.find('\n'), std::string::npos) << m;
		EXPECT_FALSE(m.empty());
		return {r["errno"].get<int>(), m};
	}

	MemoryMetadataStore store;
	std::unique_ptr<ClusterState> cluster;
	std::unique_ptr<MgmtHandler> mgmt;
};

TEST(MgmtCluster, FreshNodeHasTheDefaultDriveAndFs)
{
	Dir d;
	Node n(d.path);
	json drives = n.ok("drive list");
	ASSERT_EQ(drives.size(), 1u);
	EXPECT_EQ(drives[0]["id"], 1);
	EXPECT_EQ(drives[0]["path"], d.path + "/data/default-drive.img");
	EXPECT_EQ(drives[0]["state"], "up");
	EXPECT_EQ(drives[0]["size_bytes"], 63 * kMiB);  // less the 1 MiB header
	EXPECT_EQ(drives[0]["used_bytes"], 0);
	json fs = n.ok("fs list");
	ASSERT_EQ(fs.size(), 1u);
	EXPECT_EQ(fs[0]["name"], "default");
	EXPECT_EQ(fs[0]["replication"], 1);
	EXPECT_EQ(fs[0]["thin"], true);
	EXPECT_EQ(fs[0]["capacity_bytes"], 63 * kMiB);
	EXPECT_EQ(fs[0]["files"], 1);

	json st = n.ok("status");
	EXPECT_EQ(st["capacity"]["raw_bytes"], 63 * kMiB);
	EXPECT_EQ(st["capacity"]["free_bytes"], 63 * kMiB);
	EXPECT_EQ(st["drives"].size(), 1u);
	EXPECT_EQ(st["redundancy"]["state"], "healthy");
	EXPECT_EQ(st["redundancy"]["chunks"]["healthy"], 0);
	EXPECT_EQ(st["cluster"]["failure_domains"], 1);
	EXPECT_EQ(st["cluster"]["uuid"].get<std::string>().size(), 36u);
	EXPECT_EQ(st["filesystems"][0]["name"], "default");
}

TEST(MgmtCluster, AddingADriveRetiresTheEmptyDefaultDrive)
{
	Dir d;
	std::string a = d.file("a.img", 32 * kMiB), b = d.file("b.img", 32 * kMiB);
	Node n(d.path);
	json added = n.ok("drive add", {{"paths", {a, b}}});
	ASSERT_EQ(added.size(), 2u);
	EXPECT_EQ(added[0]["path"], a);
	EXPECT_EQ(added[1]["path"], b);
	json drives = n.ok("drive list");
	ASSERT_EQ(drives.size(), 2u);
	EXPECT_EQ(drives[0]["path"], a);
	EXPECT_FALSE(stdfs::exists(d.path + "/data/default-drive.img"));
	EXPECT_EQ(n.ok("status")["capacity"]["raw_bytes"], 62 * kMiB);
}

TEST(MgmtCluster, DriveAddRefusals)
{
	Dir d;
	std::string good = d.file("good.img", 32 * kMiB);
	std::string tiny = d.file("tiny.img", 4 * kMiB);
	std::string foreign = d.file("foreign.img", 32 * kMiB);
	std::string busy = d.file("busy.img", 32 * kMiB);
	storage::FormatOptions fo;
	fo.cluster = storage::Uuid::generate();
	ASSERT_TRUE(storage::format_drive(foreign, fo).ok());
	Node n(d.path);

	auto [e1, m1] = n.err("drive add", {{"paths", {tiny}}});
	EXPECT_EQ(e1, ENOSPC);
	EXPECT_NE(m1.find("too small"), std::string::npos) << m1;

	auto [e2, m2] = n.err("drive add", {{"paths", {foreign}}});
	EXPECT_EQ(e2, EEXIST);
	EXPECT_NE(m2.find("belongs to weft cluster"), std::string::npos) << m2;
	EXPECT_NE(m2.find("--force"), std::string::npos) << m2;

	{
		UniqueFd holder(::open(busy.c_str(), O_RDWR | O_CLOEXEC));
		ASSERT_EQ(::flock(holder.get(), LOCK_EX), 0);
		auto [e3, m3] = n.err("drive add", {{"paths", {busy}}});
		EXPECT_EQ(e3, EBUSY);
		EXPECT_NE(m3.find("in use"), std::string::npos) << m3;
	}
	auto [e4, m4] = n.err("drive add", {{"paths", {d.path + "/nothing"}}});
	EXPECT_EQ(e4, ENOENT);
	auto [e5, m5] = n.err("drive add", {{"paths", {"relative.img"}}});
	EXPECT_EQ(e5, EINVAL);
	auto [e6, m6] = n.err("drive add", {{"paths", {d.path}}});  // a directory
	EXPECT_EQ(e6, EINVAL);

	n.ok("drive add", {{"paths", {good}}});
	auto [e7, m7] = n.err("drive add", {{"paths", {good}}});
	EXPECT_EQ(e7, EEXIST);
	EXPECT_NE(m7.find("already drive"), std::string::npos) << m7;

	// --force takes the foreign drive over
	json f = n.ok("drive add", {{"paths", {foreign}}, {"force", true}});
	EXPECT_EQ(f[0]["path"], foreign);
	EXPECT_EQ(n.ok("drive list").size(), 2u);
}

TEST(MgmtCluster, BadArgumentsOfEveryCommand)
{
	Dir d;
	Node n(d.path);
	struct Case {
		const char *command;
		json args;
	};
	const std::vector<Case> cases = {
		{"drive add", json::object()},
		{"drive add", {{"paths", json::array()}}},
		{"drive add", {{"paths", "x"}}},
		{"drive add", {{"paths", {1}}}},
		{"drive add", {{"paths", {""}}}},
		{"drive add", {{"paths", {"/x"}}, {"force", "yes"}}},
		{"drive add", {{"paths", {"/x"}}, {"bogus", 1}}},
		{"drive list", {{"bogus", 1}}},
		{"drive scan", {{"all", true}}},
		{"drive remove", json::object()},
		{"drive remove", {{"id", true}}},
		{"drive remove", {{"id", ""}}},
		{"fs create", json::object()},
		{"fs create", {{"name", 5}}},
		{"fs create", {{"name", "a/b"}}},
		{"fs create", {{"name", ""}}},
		{"fs create", {{"name", std::string(64, 'x')}}},
		{"fs create", {{"name", "a b"}}},
		{"fs create", {{"name", "x"}, {"capacity_bytes", -1}}},
		{"fs create", {{"name", "x"}, {"capacity_bytes", "1G"}}},
		{"fs create", {{"name", "x"}, {"replication", 0}}},
		{"fs create", {{"name", "x"}, {"replication", 2.5}}},
		{"fs create", {{"name", "x"}, {"size", 1}}},
		{"fs update", {{"name", "default"}}},
		{"fs update", {{"name", "default"}, {"new_name", 3}}},
		{"fs update", {{"new_name", "y"}}},
		{"fs delete", json::object()},
		{"fs delete", {{"name", json::array()}}},
		{"fs list", {{"x", 1}}},
		{"scrub", {{"deep", true}}},
		{"status", {{"x", 1}}},
	};
	for (const Case &c : cases) {
		auto [e, m] = n.err(c.command, c.args);
		EXPECT_EQ(e, EINVAL) << c.command << " " << c.args.dump() << ": " << m;
	}
	auto [e1, m1] = n.err("fs create", {{"name", "x"}, {"replication", 17}});
	EXPECT_EQ(e1, ERANGE) << m1;
	auto [e2, m2] = n.err("fs create", {{"name", "x"}, {"capacity_bytes", 1ull << 61}});
	EXPECT_EQ(e2, ERANGE) << m2;
}

TEST(MgmtCluster, FsCreateListUpdateDelete)
{
	Dir d;
	std::string a = d.file("a.img", 33 * kMiB), b = d.file("b.img", 33 * kMiB);
	Node n(d.path);
	n.ok("drive add", {{"paths", {a, b}}});  // 64 MiB raw, 2 failure domains

	json fs = n.ok("fs create", {{"name", "data"}, {"capacity_bytes", 8 * kMiB},
				     {"replication", 2}});
	EXPECT_EQ(fs["name"], "data");
	EXPECT_EQ(fs["capacity_bytes"], 8 * kMiB);
	EXPECT_EQ(fs["replication"], 2);
	EXPECT_EQ(fs["thin"], false);
	EXPECT_TRUE(n.cluster->has_fs("data"));

	auto [e1, m1] = n.err("fs create", {{"name", "data"}});
	EXPECT_EQ(e1, EEXIST);
	auto [e2, m2] = n.err("fs create", {{"name", "r3"}, {"replication", 3}});
	EXPECT_EQ(e2, EINVAL);
	EXPECT_NE(m2.find("failure domains"), std::string::npos) << m2;
	auto [e3, m3] = n.err("fs create", {{"name", "big"}, {"capacity_bytes", 40 * kMiB},
					    {"replication", 2}});
	EXPECT_EQ(e3, ENOSPC);
	EXPECT_NE(m3.find("not enough capacity"), std::string::npos) << m3;

	// without --capacity: what is unprovisioned, divided by the copies
	json rest = n.ok("fs create", {{"name", "rest"}});
	EXPECT_EQ(rest["capacity_bytes"], 64 * kMiB - 16 * kMiB);
	EXPECT_EQ(n.ok("status")["capacity"]["provisioned_bytes"], 64 * kMiB);
	auto [e4, m4] = n.err("fs create", {{"name", "more"}});
	EXPECT_EQ(e4, ENOSPC);
	n.ok("fs delete", {{"name", "rest"}});

	json list = n.ok("fs list");
	ASSERT_EQ(list.size(), 2u);
	EXPECT_EQ(list[0]["name"], "default");
	EXPECT_EQ(list[1]["name"], "data");

	json up = n.ok("fs update", {{"name", "data"}, {"new_name", "data2"},
				     {"capacity_bytes", 4 * kMiB}, {"replication", 1}});
	EXPECT_EQ(up["name"], "data2");
	EXPECT_EQ(up["capacity_bytes"], 4 * kMiB);
	EXPECT_EQ(up["replication"], 1);
	EXPECT_FALSE(n.cluster->has_fs("data"));
	auto [e5, m5] = n.err("fs update", {{"name", "data2"}, {"replication", 3}});
	EXPECT_EQ(e5, EINVAL);
	auto [e6, m6] = n.err("fs update", {{"name", "nope"}, {"replication", 1}});
	EXPECT_EQ(e6, ENOENT);
	auto [e7, m7] = n.err("fs update", {{"name", "data2"}, {"new_name", "default"}});
	EXPECT_EQ(e7, EEXIST);
	auto [e8, m8] = n.err("fs update", {{"name", "default"}, {"new_name", "x"}});
	EXPECT_EQ(e8, EPERM);
	auto [e9, m9] = n.err("fs update", {{"name", "data2"}, {"capacity_bytes", 200 * kMiB}});
	EXPECT_EQ(e9, ENOSPC);

	EXPECT_EQ(n.ok("fs delete", {{"name", "data2"}})["deleted"], "data2");
	auto [e10, m10] = n.err("fs delete", {{"name", "data2"}});
	EXPECT_EQ(e10, ENOENT);
	auto [e11, m11] = n.err("fs delete", {{"name", "default"}});
	EXPECT_EQ(e11, EPERM);
}

TEST(MgmtCluster, CatalogAndDrivesSurviveARestart)
{
	Dir d;
	std::string a = d.file("a.img", 32 * kMiB), b = d.file("b.img", 32 * kMiB);
	std::string uuid;
	{
		Node n(d.path);
		n.ok("drive add", {{"paths", {a, b}}});
		n.ok("fs create", {{"name", "keep"}, {"capacity_bytes", kMiB}, {"replication", 2}});
		uuid = n.ok("status")["cluster"]["uuid"];
	}
	Node n(d.path);
	json st = n.ok("status");
	EXPECT_EQ(st["cluster"]["uuid"], uuid);
	ASSERT_EQ(st["drives"].size(), 2u);
	EXPECT_EQ(st["drives"][0]["path"], a);
	EXPECT_EQ(st["drives"][0]["state"], "up");
	json fs = n.ok("fs list");
	ASSERT_EQ(fs.size(), 2u);
	EXPECT_EQ(fs[1]["name"], "keep");
	EXPECT_EQ(fs[1]["replication"], 2);
	EXPECT_FALSE(stdfs::exists(d.path + "/data/default-drive.img"));
}

TEST(MgmtCluster, MissingDriveIsReportedDegraded)
{
	Dir d;
	std::string a = d.file("a.img", 32 * kMiB), b = d.file("b.img", 32 * kMiB);
	{
		Node n(d.path);
		n.ok("drive add", {{"paths", {a, b}}});
	}
	stdfs::remove(b);
	Node n(d.path);
	json st = n.ok("status");
	EXPECT_EQ(st["redundancy"]["state"], "degraded");
	EXPECT_EQ(st["redundancy"]["failed_drives"], 1);
	EXPECT_EQ(st["drives"][1]["state"], "missing");
	EXPECT_EQ(st["cluster"]["failure_domains"], 1);
	EXPECT_EQ(st["capacity"]["raw_bytes"], 31 * kMiB);
}

TEST(MgmtCluster, DriveRemove)
{
	Dir d;
	std::string a = d.file("a.img", 32 * kMiB), b = d.file("b.img", 32 * kMiB);
	Node n(d.path);
	n.ok("drive add", {{"paths", {a, b}}});
	n.ok("fs create", {{"name", "two"}, {"capacity_bytes", kMiB}, {"replication", 2}});
	auto [e1, m1] = n.err("drive remove", {{"id", b}});
	EXPECT_EQ(e1, EBUSY);
	EXPECT_NE(m1.find("'two' keeps 2 copies"), std::string::npos) << m1;
	auto [e2, m2] = n.err("drive remove", {{"id", "99"}});
	EXPECT_EQ(e2, ENOENT);
	n.ok("fs update", {{"name", "two"}, {"replication", 1}});
	json gone = n.ok("drive remove", {{"id", b}});
	EXPECT_EQ(gone["path"], b);
	json left = n.ok("drive list");
	ASSERT_EQ(left.size(), 1u);
	EXPECT_EQ(left[0]["path"], a);
	// numeric id, and the last drive stays (fs need one failure domain)
	auto [e3, m3] = n.err("drive remove", {{"id", left[0]["id"]}});
	EXPECT_EQ(e3, EBUSY);
	// released: it can be added again (it still carries our superblock)
	auto [e4, m4] = n.err("drive add", {{"paths", {b}}});
	EXPECT_EQ(e4, EEXIST);
	n.ok("drive add", {{"paths", {b}}, {"force", true}});
}

TEST(MgmtCluster, DriveScanListsBlockDevices)
{
	Dir d;
	Node n(d.path);
	auto dev = [&](const std::string &name, const std::string &sectors, const std::string &model) {
		stdfs::create_directories(d.path + "/sys-block/" + name + "/device");
		stdfs::create_directories(d.path + "/sys-block/" + name + "/queue");
		std::ofstream(d.path + "/sys-block/" + name + "/size") << sectors << "\n";
		std::ofstream(d.path + "/sys-block/" + name + "/device/model") << model << "  \n";
		std::ofstream(d.path + "/sys-block/" + name + "/queue/rotational") << "0\n";
	};
	dev("nvme1n1", "2097152", "QEMU NVMe Ctrl");
	dev("nvme0n1", "4194304", "QEMU NVMe Ctrl");
	dev("loop0", "100", "");
	dev("sdb", "0", "");  // empty card reader
	json scan = n.ok("drive scan");
	ASSERT_EQ(scan.size(), 2u) << scan.dump();
	EXPECT_EQ(scan[0]["path"], "/dev/nvme0n1");
	EXPECT_EQ(scan[0]["size_bytes"], 2048 * kMiB);
	EXPECT_EQ(scan[0]["model"], "QEMU NVMe Ctrl");
	EXPECT_EQ(scan[0]["rotational"], false);
	EXPECT_EQ(scan[1]["path"], "/dev/nvme1n1");
	EXPECT_EQ(scan[1]["size_bytes"], 1024 * kMiB);
}

TEST(MgmtCluster, ScrubReportsTheEngine)
{
	Dir d;
	Node n(d.path);
	json r = n.ok("scrub");
	EXPECT_EQ(r["chunks"], 0);
	EXPECT_EQ(r["blocks_checked"], 0);
	EXPECT_EQ(r["bad_blocks"], 0);
	EXPECT_EQ(r["repaired_blocks"], 0);
}

TEST(MgmtCluster, WithoutAnEngineClusterCommandsAreRefused)
{
	MemoryMetadataStore store;
	MgmtHandler m(store, DaemonInfo{"n", "/tmp", {}});
	for (const char *c : {"drive add", "drive list", "drive remove", "drive scan", "fs create",
			      "fs list", "fs update", "fs delete", "scrub"}) {
		json r = m.execute(json{{"command", c}, {"args", json::object()}}.dump());
		EXPECT_EQ(r["status"], "error") << c;
		EXPECT_EQ(r["errno"], ENODEV) << c;
	}
}

TEST(MgmtCluster, NoDefaultDriveIsNotFatal)
{
	Dir d;
	std::string a = d.file("a.img", 32 * kMiB);
	Node n(d.path, /*default_drive=*/kMiB);  // too small to format
	ASSERT_NE(n.cluster, nullptr);
	EXPECT_TRUE(n.ok("drive list").empty());
	EXPECT_FALSE(stdfs::exists(d.path + "/data/default-drive.img"));
	json st = n.ok("status");
	EXPECT_EQ(st["capacity"]["raw_bytes"], 0);
	EXPECT_EQ(st["cluster"]["failure_domains"], 0);
	auto [e, m] = n.err("fs create", {{"name", "x"}});
	EXPECT_EQ(e, EINVAL);  // replication 1 needs a failure domain
	n.ok("drive add", {{"paths", {a}}});
	EXPECT_EQ(n.ok("status")["capacity"]["raw_bytes"], 31 * kMiB);
}

TEST(MgmtCluster, CorruptCatalogIsOneLine)
{
	Dir d;
	stdfs::create_directories(d.path + "/data");
	std::ofstream(d.path + "/data/cluster.json") << "{\"format\": 1, \"cluster_uuid\": 7}";
	ClusterOptions o;
	o.data_dir = d.path + "/data";
	auto c = ClusterState::open(o);
	ASSERT_FALSE(c.ok());
	EXPECT_EQ(c.error().code, EUCLEAN);
	EXPECT_EQ(c.error().message.find('\n'), std::string::npos);
}

}  // namespace
}  // namespace weft::testing

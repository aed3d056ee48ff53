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
#include "log.h"
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
	EXPECT_EQ(r["result"]["abi"], WEFT_ABI_VERSION);
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

// Records remove_filesystem (fs delete) and answers it with `answer`.
struct RecordingStore : MemoryMetadataStore {
	Status remove_filesystem(std::string_view fs_name) override
	{
		removed.emplace_back(fs_name);
		if (answer == 0)
			return {};
		return make_error(answer, "refused by the test");
	}
	std::vector<std::string> removed;
	int answer = EOPNOTSUPP;	// the interface's default
};

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

	RecordingStore store;
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
			      "fs list", "fs update", "fs delete", "scrub", "cluster create",
			      "cluster status", "cluster update", "cluster host list",
			      "cluster host add", "cluster host remove"}) {
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

TEST(MgmtCluster, FsDeleteRemovesTheNamespace)
{
	Dir d;
	Node n(d.path);
	n.ok("fs create", {{"name", "a"}, {"capacity_bytes", kMiB}});
	n.ok("fs create", {{"name", "b"}, {"capacity_bytes", kMiB}});
	n.ok("fs create", {{"name", "c"}, {"capacity_bytes", kMiB}});
	n.store.answer = EOPNOTSUPP;	// a store without the call: the catalog alone
	n.ok("fs delete", {{"name", "a"}});
	n.store.answer = 0;
	n.ok("fs delete", {{"name", "b"}});
	EXPECT_EQ(n.store.removed, (std::vector<std::string>{"a", "b"}));
	EXPECT_FALSE(n.cluster->has_fs("b"));
	// a real failure keeps the file system in the catalog
	n.store.answer = EIO;
	auto [e, m] = n.err("fs delete", {{"name", "c"}});
	EXPECT_EQ(e, EIO);
	EXPECT_NE(m.find("'c'"), std::string::npos) << m;
	EXPECT_TRUE(n.cluster->has_fs("c"));
	// refused by the catalog: the store is not asked
	n.store.removed.clear();
	EXPECT_EQ(n.err("fs delete", {{"name", "default"}}).first, EPERM);
	EXPECT_EQ(n.err("fs delete", {{"name", "zz"}}).first, ENOENT);
	EXPECT_TRUE(n.store.removed.empty());
}

std::string this_hostname()
{
	char buf[256] = {};
	EXPECT_EQ(::gethostname(buf, sizeof buf - 1), 0);
	return buf;
}

TEST(MgmtCluster, FreshNodeIsAnUnnamedSingleNodeCluster)
{
	Dir d;
	Node n(d.path);
	json c = n.ok("cluster status");
	EXPECT_TRUE(c["name"].is_null());
	EXPECT_EQ(c["id"], n.cluster->cluster_id());
	EXPECT_EQ(c["mode"], "single-node");
	EXPECT_TRUE(c["epoch"].is_number_unsigned());
	ASSERT_EQ(c["hosts"].size(), 1u);
	EXPECT_EQ(c["hosts"][0]["hostname"], this_hostname());
	EXPECT_EQ(c["hosts"][0]["state"], "up");
	EXPECT_EQ(c["hosts"][0]["local"], true);
	EXPECT_EQ(c["drives"]["total"], 1);	// the default drive
	EXPECT_EQ(c["drives"]["up"], 1);
	EXPECT_EQ(c["capacity"]["raw_bytes"], 63 * kMiB);
	EXPECT_EQ(c["failure_domains"], 1);
	EXPECT_EQ(c["filesystems"], 1);
	EXPECT_EQ(c["redundancy"]["state"], "healthy");
	EXPECT_TRUE(n.ok("status")["cluster"]["name"].is_null());
	auto [e, m] = n.err("cluster update", {{"name", "x"}});
	EXPECT_EQ(e, ENOENT);
	EXPECT_NE(m.find("weft cluster create"), std::string::npos) << m;
}

TEST(MgmtCluster, CreateNamesTheClusterOnceAndUpdateRenames)
{
	Dir d;
	std::string a = d.file("a.img", 33 * kMiB), b = d.file("b.img", 33 * kMiB);
	std::string id;
	{
		Node n(d.path);
		id = n.cluster->cluster_id();
		json c = n.ok("cluster create", {{"name", "prod-1"}, {"hosts", {this_hostname()}}});
		EXPECT_EQ(c["name"], "prod-1");
		EXPECT_EQ(c["id"], id);	// the node's cluster keeps its id
		auto [e, m] = n.err("cluster create", {{"name", "other"}});
		EXPECT_EQ(e, EEXIST);
		EXPECT_EQ(m, "this node is already in cluster 'prod-1' (" + id +
				     "): rename it with 'weft cluster update --name'");
		n.ok("drive add", {{"paths", {a, b}}});
		c = n.ok("cluster update", {{"name", "prod.2"}});
		EXPECT_EQ(c["name"], "prod.2");
		EXPECT_EQ(c["drives"]["total"], 2);
		EXPECT_EQ(c["hosts"][0]["drives"], 2);
		EXPECT_EQ(c["failure_domains"], 2);
		EXPECT_EQ(n.ok("status")["cluster"]["name"], "prod.2");
	}
	// persisted in cluster.json with the id
	json file = json::parse(std::ifstream(d.path + "/data/cluster.json"));
	EXPECT_EQ(file["cluster_name"], "prod.2");
	EXPECT_EQ(file["cluster_uuid"], id);
	Node n(d.path);
	json c = n.ok("cluster status");
	EXPECT_EQ(c["name"], "prod.2");
	EXPECT_EQ(c["id"], id);
	EXPECT_EQ(c["hosts"][0]["drives_up"], 2);
}

TEST(MgmtCluster, ClusterArgumentsAreChecked)
{
	Dir d;
	Node n(d.path);
	std::vector<std::pair<std::string, json>> bad = {
		{"cluster create", json::object()},
		{"cluster create", {{"name", 7}}},
		{"cluster create", {{"name", ""}}},
		{"cluster create", {{"name", "has space"}}},
		{"cluster create", {{"name", "a/b"}}},
		{"cluster create", {{"name", std::string(64, 'x')}}},
		{"cluster create", {{"name", "x"}, {"hosts", "me"}}},
		{"cluster create", {{"name", "x"}, {"hosts", {1}}}},
		{"cluster create", {{"name", "x"}, {"bogus", 1}}},
		{"cluster status", {{"x", 1}}},
		{"cluster update", json::object()},
		{"cluster update", {{"name", false}}},
		{"cluster host list", {{"x", 1}}},
		{"cluster host add", json::object()},
		{"cluster host add", {{"host", ""}}},
		{"cluster host remove", {{"host", 3}}},
	};
	for (const auto &[cmd, args] : bad)
		EXPECT_EQ(n.err(cmd, args).first, EINVAL) << cmd << " " << args.dump();
	EXPECT_TRUE(n.ok("cluster status")["name"].is_null());	// nothing changed
}

TEST(MgmtCluster, HostsOfASingleNodeCluster)
{
	Dir d;
	Node n(d.path);
	json hosts = n.ok("cluster host list");
	ASSERT_EQ(hosts.size(), 1u);
	EXPECT_EQ(hosts[0], (json{{"hostname", this_hostname()}, {"id", 0}, {"state", "up"},
				  {"drives", 1}, {"drives_up", 1}, {"local", true}}));

	const std::string single_add =
		"single-node cluster: adding hosts needs multi-node support, not available yet";
	auto [e1, m1] = n.err("cluster host add", {{"host", "node2.example"}});
	EXPECT_EQ(e1, EOPNOTSUPP);
	EXPECT_EQ(m1, single_add);
	auto [e2, m2] = n.err("cluster host remove", {{"host", "node2.example"}});
	EXPECT_EQ(e2, EOPNOTSUPP);
	EXPECT_EQ(m2, "single-node cluster: removing hosts needs multi-node support, not "
		      "available yet");
	for (const std::string &h : {this_hostname(), std::string("localhost"), std::string("0")}) {
		EXPECT_EQ(n.err("cluster host remove", {{"host", h}}).first, EBUSY) << h;
		EXPECT_EQ(n.err("cluster host add", {{"host", h}}).first, EEXIST) << h;
	}
	auto [e3, m3] = n.err("cluster create", {{"name", "c"}, {"hosts", {"localhost", "node2"}}});
	EXPECT_EQ(e3, EOPNOTSUPP);
	EXPECT_EQ(m3, single_add + " ('node2' is not this host)");
	EXPECT_TRUE(n.ok("cluster status")["name"].is_null());
}

// weftd's own per-opcode counters ("stats"), measured around the handlers.
TEST(Mgmt, StatsCountWhatTheDispatcherRouted)
{
	MemoryMetadataStore store;
	MgmtHandler m(store, DaemonInfo{"n", "/tmp", {}});
	Dispatcher disp;
	m.register_with(disp);
	disp.add(WEFT_OP_READ, [](const Request &r) -> Reply {
		return static_cast<uint32_t>(std::min<size_t>(r.out.size(), 100));
	});
	disp.add(WEFT_OP_WRITE, [](const Request &) -> Reply { return 0u; });
	disp.add(WEFT_OP_GETATTR, [](const Request &) -> Reply { return make_error(ENOENT); });
	std::vector<std::byte> slot(4096);
	weft_sqe sqe{};
	sqe.opcode = WEFT_OP_READ;
	sqe.out_max = 4096;
	for (int i = 0; i < 3; i++)
		EXPECT_EQ(disp.dispatch(sqe, slot).out_len, 100u);
	sqe.opcode = WEFT_OP_WRITE;
	sqe.in_len = 1000;
	sqe.out_max = 0;
	disp.dispatch(sqe, slot);
	disp.dispatch(sqe, slot);
	sqe.opcode = WEFT_OP_GETATTR;
	sqe.in_len = 0;
	EXPECT_EQ(disp.dispatch(sqe, slot).result, -ENOENT);
	sqe.opcode = WEFT_OP_LOOKUP;	// no handler: not measured
	EXPECT_EQ(disp.dispatch(sqe, slot).result, -ENOSYS);

	json r = m.execute(R"({"command":"stats","args":{}})");
	ASSERT_EQ(r["status"], "ok") << r.dump();
	const json &res = r["result"];
	EXPECT_GT(res["since_ns"].get<uint64_t>(), 0u);
	ASSERT_EQ(res["ops"].size(), 3u) << res.dump();	// in opcode order
	std::map<uint32_t, json> by_op;
	for (const json &o : res["ops"])
		by_op[o["opcode"].get<uint32_t>()] = o;
	const json &rd = by_op.at(WEFT_OP_READ);
	EXPECT_EQ(rd["count"], 3);
	EXPECT_EQ(rd["errors"], 0);
	EXPECT_EQ(rd["bytes"], 300);
	ASSERT_EQ(rd["hist"].size(), size_t{WEFT_STATS_BUCKETS});
	uint64_t in_hist = 0;
	for (const json &b : rd["hist"])
		in_hist += b.get<uint64_t>();
	EXPECT_EQ(in_hist, 3u);
	EXPECT_GE(rd["total_ns"].get<uint64_t>(), 3u);
	const json &wr = by_op.at(WEFT_OP_WRITE);
	EXPECT_EQ(wr["count"], 2);
	EXPECT_EQ(wr["bytes"], 2000);
	const json &ga = by_op.at(WEFT_OP_GETATTR);
	EXPECT_EQ(ga["count"], 1);
	EXPECT_EQ(ga["errors"], 1);
	EXPECT_EQ(ga["bytes"], 0);
	EXPECT_EQ(by_op.count(WEFT_OP_LOOKUP), 0u);	// never reached a handler

	EXPECT_EQ(m.execute(R"({"command":"stats","args":{"x":1}})")["errno"], EINVAL);
	MgmtHandler lone(store, DaemonInfo{"n", "/tmp", {}});
	EXPECT_EQ(lone.execute(R"({"command":"stats"})")["errno"], ENODEV);
}

// daemon/log.cc (kept here with the other control-plane tests): syslog
// priorities when stderr is the journal, the usual prefixes otherwise.
TEST(Log, JournalPrioritiesOrPlainPrefixes)
{
	using log::Level;
	EXPECT_EQ(log::format_line(Level::kError, "disk gone", true), "<3>error: disk gone");
	EXPECT_EQ(log::format_line(Level::kWarn, "slow", true), "<4>warning: slow");
	EXPECT_EQ(log::format_line(Level::kInfo, "attached as n1", true), "<6>attached as n1");
	EXPECT_EQ(log::format_line(Level::kDebug, "op 3", true), "<7>op 3");
	EXPECT_EQ(log::format_line(Level::kError, "disk gone", false), "weftd: error: disk gone");
	EXPECT_EQ(log::format_line(Level::kInfo, "attached as n1", false), "weftd: attached as n1");
	EXPECT_TRUE(log::journal_stream_matches("8:1234", 8, 1234));
	EXPECT_FALSE(log::journal_stream_matches("8:1234", 8, 1235));	// stderr redirected elsewhere
	EXPECT_FALSE(log::journal_stream_matches("8:1234x", 8, 1234));
	EXPECT_FALSE(log::journal_stream_matches("", 8, 1234));
	EXPECT_FALSE(log::journal_stream_matches(nullptr, 8, 1234));
}

TEST(Mgmt, StatsBuckets)
{
	EXPECT_EQ(DispatchStats::bucket(0), 0u);
	EXPECT_EQ(DispatchStats::bucket(1), 0u);
	EXPECT_EQ(DispatchStats::bucket(2), 1u);
	EXPECT_EQ(DispatchStats::bucket(3), 1u);
	EXPECT_EQ(DispatchStats::bucket(1024), 10u);
	EXPECT_EQ(DispatchStats::bucket(~0ull), WEFT_STATS_BUCKETS - 1u);
}

}  // namespace
}  // namespace weft::testing

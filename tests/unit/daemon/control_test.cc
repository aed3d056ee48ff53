// The control plane: drives named on weftd's command line
// (ClusterState::ensure_drive), file system capacity (ENOSPC through the
// handlers on the persistent store), STATFS from the catalog and the
// engine, `fs update --new-name` keeping the namespace, and the
// --daemonize handshake (read_startup_report, PidFile).
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "../storage/temp_dir.h"
#include "catalog_mount.h"
#include "cluster_state.h"
#include "daemonize.h"
#include "dispatcher.h"
#include "fs_handlers.h"
#include "mgmt_handler.h"
#include "rocks_metadata_store.h"
#include "storage/drive.h"

namespace weft {
namespace {

using nlohmann::json;
using storage::testing::TempDir;

constexpr uint64_t kMiB = 1ull << 20;
constexpr size_t kSlot = 1024 * 1024;

template <typename T>
void append(std::vector<std::byte> &v, const T &x)
{
	const auto *p = reinterpret_cast<const std::byte *>(&x);
	v.insert(v.end(), p, p + sizeof(T));
}

void append(std::vector<std::byte> &v, std::string_view s)
{
	const auto *p = reinterpret_cast<const std::byte *>(s.data());
	v.insert(v.end(), p, p + s.size());
}

ClusterOptions node_options(const std::string &dir)
{
	ClusterOptions o;
	o.data_dir = dir + "/data";
	o.default_drive_bytes = 64 * kMiB;
	o.pg_count = 64;
	o.sys_block = dir + "/sys-block";
	return o;
}

// ---- --drive: ClusterState::ensure_drive ------------------------------------------

TEST(EnsureDrive, AddsOnceThenOpensWhatIsAlreadyOurs)
{
	TempDir d;
	const std::string a = d.make_file("a.img", 32 * kMiB);
	uint32_t id = 0;
	{
		auto c = ClusterState::open(node_options(d.path()));
		ASSERT_TRUE(c.ok()) << c.error().message;
		auto added = (*c)->ensure_drive(a, false);
		ASSERT_TRUE(added.ok()) << added.error().message;
		id = added->record.info.id;
		EXPECT_EQ(added->record.path, a);
		EXPECT_TRUE(added->open);
		// the empty default drive file is retired, as with `weft drive add`
		EXPECT_FALSE(std::filesystem::exists(d.path() + "/data/default-drive.img"));
		auto again = (*c)->ensure_drive(a, false);
		ASSERT_TRUE(again.ok()) << again.error().message;
		EXPECT_EQ(again->record.info.id, id);
		EXPECT_EQ((*c)->drives().size(), 1u);
	}
	// a restart with the same --drive: the same drive, nothing reformatted
	auto c = ClusterState::open(node_options(d.path()));
	ASSERT_TRUE(c.ok()) << c.error().message;
	auto reopened = (*c)->ensure_drive(a, /*force=*/true);
	ASSERT_TRUE(reopened.ok()) << reopened.error().message;
	EXPECT_EQ(reopened->record.info.id, id);
	EXPECT_EQ((*c)->drives().size(), 1u);
}

TEST(EnsureDrive, WithDrivesNamedNoDefaultDriveFileIsMade)
{
	TempDir d;
	ClusterOptions o = node_options(d.path());
	o.default_drive = false;
	auto c = ClusterState::open(o);
	ASSERT_TRUE(c.ok()) << c.error().message;
	EXPECT_FALSE(std::filesystem::exists(d.path() + "/data/default-drive.img"));
	EXPECT_TRUE((*c)->drives().empty());
	auto added = (*c)->ensure_drive(d.make_file("a.img", 32 * kMiB), false);
	ASSERT_TRUE(added.ok()) << added.error().message;
	EXPECT_EQ((*c)->drives().size(), 1u);
}

TEST(EnsureDrive, RefusesWhatDriveAddRefusesNamingTheDrive)
{
	TempDir d;
	const std::string tiny = d.make_file("tiny.img", 4 * kMiB);
	const std::string foreign = d.make_file("foreign.img", 32 * kMiB);
	storage::FormatOptions fo;
	fo.cluster = storage::Uuid::generate();
	ASSERT_TRUE(storage::format_drive(foreign, fo).ok());
	auto c = ClusterState::open(node_options(d.path()));
	ASSERT_TRUE(c.ok()) << c.error().message;

	auto r = (*c)->ensure_drive(tiny, false);
	ASSERT_FALSE(r.ok());
	EXPECT_EQ(r.error().code, ENOSPC);
	EXPECT_NE(r.error().message.find(tiny), std::string::npos) << r.error().message;

	r = (*c)->ensure_drive(foreign, false);
	ASSERT_FALSE(r.ok());
	EXPECT_EQ(r.error().code, EEXIST);
	EXPECT_NE(r.error().message.find(foreign), std::string::npos) << r.error().message;
	EXPECT_NE(r.error().message.find("belongs to weft cluster"), std::string::npos);

	r = (*c)->ensure_drive(d.path() + "/missing.img", false);
	ASSERT_FALSE(r.ok());
	EXPECT_EQ(r.error().code, ENOENT);
	r = (*c)->ensure_drive("relative.img", false);
	ASSERT_FALSE(r.ok());
	EXPECT_EQ(r.error().code, EINVAL);
	for (const storage::DriveStatus &s : (*c)->drives())
		EXPECT_NE(s.record.path, foreign);

	// only an explicit force takes another cluster's drive
	r = (*c)->ensure_drive(foreign, true);
	ASSERT_TRUE(r.ok()) << r.error().message;
	EXPECT_EQ(r->record.path, foreign);
}

// ---- a whole node: catalog, persistent namespace, handlers --------------------

class NodeTest : public ::testing::Test {
protected:
	void SetUp() override { start(); }

	void start()
	{
		auto c = ClusterState::open(node_options(dir_.path()));
		ASSERT_TRUE(c.ok()) << c.error().message;
		cluster_ = std::move(*c);
		RocksStoreOptions ro;
		ro.dir = dir_.path() + "/data/namespace";
		ro.chunks = &cluster_->store();
		ro.replication = [this](std::string_view fs) {
			auto config = cluster_->find_fs(fs);
			return config ? config->replication : 1u;
		};
		auto s = RocksMetadataStore::open(ro);
		ASSERT_TRUE(s.ok()) << s.error().message;
		store_ = std::move(*s);
		store_->set_capacity_source(catalog_capacity(*cluster_));
		FsHandlerOptions fo{dir_.path()};
		fo.space = catalog_space(*cluster_);
		fs_ = std::make_unique<FsHandlers>(*store_, fo);
		mgmt_ = std::make_unique<MgmtHandler>(*store_, DaemonInfo{"n1", dir_.path(), {}},
						      cluster_.get());
		d_ = std::make_unique<Dispatcher>();
		fs_->register_with(*d_);
		register_catalog_mount(*d_, *fs_, *store_, *cluster_);
		mgmt_->register_with(*d_);
	}

	void stop()
	{
		d_.reset();
		mgmt_.reset();
		fs_.reset();
		store_.reset();
		cluster_.reset();
	}

	struct Out {
		int32_t result = 0;
		std::vector<std::byte> data;
		template <typename T>
		T as() const
		{
			T v{};
			EXPECT_EQ(data.size(), sizeof(T));
			std::memcpy(&v, data.data(), std::min(sizeof(T), data.size()));
			return v;
		}
	};

	Out call(uint32_t opcode, uint64_t nodeid, const std::vector<std::byte> &in,
		 uint32_t out_max, weft_sqe sqe = {})
	{
		std::vector<std::byte> slot(kSlot);
		EXPECT_LE(in.size(), kSlot);
		if (in.size() > kSlot)
			return Out{-E2BIG, {}};
		std::memcpy(slot.data(), in.data(), in.size());
		sqe.opcode = opcode;
		sqe.nodeid = nodeid;
		sqe.in_len = static_cast<uint32_t>(in.size());
		sqe.out_max = out_max;
		weft_cqe c = d_->dispatch(sqe, slot);
		Out o{c.result, {}};
		if (c.result == 0)
			o.data.assign(slot.begin(), slot.begin() + c.out_len);
		return o;
	}

	json mgmt(const std::string &command, json args)
	{
		return mgmt_->execute(json{{"command", command}, {"args", args}}.dump());
	}

	uint64_t mount(std::string_view name)
	{
		std::vector<std::byte> v;
		append(v, name);
		Out o = call(WEFT_OP_MOUNT, 0, v, sizeof(weft_mount_out));
		EXPECT_EQ(o.result, 0) << name;
		return o.result ? 0 : o.as<weft_mount_out>().root.nodeid;
	}
	int32_t mount_result(std::string_view name)
	{
		std::vector<std::byte> v;
		append(v, name);
		return call(WEFT_OP_MOUNT, 0, v, sizeof(weft_mount_out)).result;
	}
	uint64_t mkfile(uint64_t parent, std::string_view name)
	{
		weft_create_in in{S_IFREG | 0644, 0, 0, 0, static_cast<uint32_t>(name.size()), 0};
		std::vector<std::byte> v;
		append(v, in);
		append(v, name);
		Out o = call(WEFT_OP_CREATE, parent, v, sizeof(weft_entry_out));
		EXPECT_EQ(o.result, 0);
		return o.result ? 0 : o.as<weft_entry_out>().nodeid;
	}
	int32_t unlink(uint64_t parent, std::string_view name)
	{
		std::vector<std::byte> v;
		append(v, name);
		return call(WEFT_OP_UNLINK, parent, v, 0).result;
	}
	// WRITE as the kernel sends it: the result, and the bytes taken.
	std::pair<int32_t, uint32_t> write(uint64_t ino, uint64_t off, size_t len, char fill = 'w')
	{
		weft_sqe sqe{};
		sqe.u.rw.offset = off;
		sqe.u.rw.size = static_cast<uint32_t>(len);
		std::vector<std::byte> v(len, std::byte(fill));
		Out o = call(WEFT_OP_WRITE, ino, v, sizeof(weft_write_out), sqe);
		return {o.result, o.result ? 0u : o.as<weft_write_out>().size};
	}
	std::string read(uint64_t ino, uint64_t off, uint32_t len)
	{
		weft_sqe sqe{};
		sqe.u.rw.offset = off;
		sqe.u.rw.size = len;
		Out o = call(WEFT_OP_READ, ino, {}, len, sqe);
		EXPECT_EQ(o.result, 0);
		return {reinterpret_cast<const char *>(o.data.data()), o.data.size()};
	}
	int32_t truncate(uint64_t ino, uint64_t size)
	{
		weft_setattr_in in{};
		in.valid = WEFT_SETATTR_SIZE;
		in.size = size;
		std::vector<std::byte> v;
		append(v, in);
		return call(WEFT_OP_SETATTR, ino, v, sizeof(weft_attr_out)).result;
	}
	int32_t fallocate(uint64_t ino, uint32_t mode, uint64_t off, uint64_t len)
	{
		weft_fallocate_in in{};
		in.offset = off;
		in.length = len;
		in.mode = mode;
		std::vector<std::byte> v;
		append(v, in);
		return call(WEFT_OP_FALLOCATE, ino, v, sizeof(weft_attr_out)).result;
	}
	weft_statfs_out statfs(uint64_t root)
	{
		Out o = call(WEFT_OP_STATFS, root, {}, sizeof(weft_statfs_out));
		EXPECT_EQ(o.result, 0);
		return o.as<weft_statfs_out>();
	}
	// Writes 256 KiB requests until one is refused; the bytes taken.
	uint64_t fill(uint64_t ino, uint64_t from, int32_t *refused)
	{
		uint64_t off = from;
		for (int i = 0; i < 1000; i++) {
			auto [res, n] = write(ino, off, 256 * 1024);
			if (res != 0) {
				*refused = res;
				return off - from;
			}
			EXPECT_GT(n, 0u);
			off += n;
		}
		*refused = 0;
		return off - from;
	}

	TempDir dir_;
	std::unique_ptr<ClusterState> cluster_;
	std::unique_ptr<RocksMetadataStore> store_;
	std::unique_ptr<FsHandlers> fs_;
	std::unique_ptr<MgmtHandler> mgmt_;
	std::unique_ptr<Dispatcher> d_;
};

TEST_F(NodeTest, WritesStopWithEnospcAtTheCapacityAndDeletingFreesIt)
{
	ASSERT_EQ(mgmt("fs create", {{"name", "cap"}, {"capacity_bytes", 2 * kMiB}})["status"], "ok");
	const uint64_t root = mount("cap");
	ASSERT_NE(root, 0u);
	const uint64_t f = mkfile(root, "f");
	int32_t refused = 0;
	// 256 KiB requests: the last one that fits is written short
	EXPECT_EQ(fill(f, 0, &refused), 2 * kMiB);
	EXPECT_EQ(refused, -ENOSPC);
	// a write across the end: what lies inside the file is written (short)
	auto [res, n] = write(f, 2 * kMiB - 100, 1000, 'w');
	EXPECT_EQ(res, 0);
	EXPECT_EQ(n, 100u);
	EXPECT_EQ(write(f, 2 * kMiB, 1).first, -ENOSPC);
	EXPECT_EQ(read(f, 2 * kMiB - 4, 4), "wwww");
	// overwriting inside the file takes no new space
	std::tie(res, n) = write(f, 0, 4096, 'x');
	EXPECT_EQ(res, 0);
	EXPECT_EQ(n, 4096u);
	// growing by truncate or fallocate is refused too; shrinking is not
	EXPECT_EQ(truncate(f, 2 * kMiB + 1), -ENOSPC);
	EXPECT_EQ(fallocate(f, 0, 2 * kMiB, 4096), -ENOSPC);
	EXPECT_EQ(fallocate(f, WEFT_FALLOC_KEEP_SIZE, 2 * kMiB, 4096), -ENOSPC);
	EXPECT_EQ(truncate(f, kMiB), 0);
	EXPECT_EQ(fallocate(f, 0, kMiB, kMiB), 0);
	EXPECT_EQ(truncate(f, kMiB), 0);
	const uint64_t g = mkfile(root, "g");
	EXPECT_EQ(fill(g, 0, &refused), kMiB);
	EXPECT_EQ(refused, -ENOSPC);

	// the default file system (thin) is not limited by cap's capacity
	const uint64_t def = mount("default");
	const uint64_t h = mkfile(def, "h");
	std::tie(res, n) = write(h, 0, 256 * 1024);
	EXPECT_EQ(res, 0);

	// deleting frees it: writing works again, up to the capacity
	EXPECT_EQ(unlink(root, "f"), 0);
	EXPECT_EQ(unlink(root, "g"), 0);
	const uint64_t k = mkfile(root, "k");
	EXPECT_EQ(fill(k, 0, &refused), 2 * kMiB);
	EXPECT_EQ(refused, -ENOSPC);

	// raising the capacity lets it grow; the limit holds across a restart
	ASSERT_EQ(mgmt("fs update", {{"name", "cap"}, {"capacity_bytes", 3 * kMiB}})["status"], "ok");
	EXPECT_EQ(fill(k, 2 * kMiB, &refused), kMiB);
	stop();
	start();
	EXPECT_EQ(write(k, 3 * kMiB, 10).first, -ENOSPC);
}

TEST_F(NodeTest, StatfsReportsTheCapacityOrTheEngine)
{
	ASSERT_EQ(mgmt("fs create", {{"name", "cap"}, {"capacity_bytes", 8 * kMiB}})["status"], "ok");
	const uint64_t root = mount("cap");
	weft_statfs_out s = statfs(root);
	EXPECT_EQ(s.bsize, 4096u);
	EXPECT_EQ(s.frsize, 4096u);
	EXPECT_EQ(s.blocks, 8 * kMiB / 4096);
	EXPECT_EQ(s.bfree, 8 * kMiB / 4096);
	EXPECT_EQ(s.bavail, s.bfree);
	EXPECT_EQ(s.files - s.ffree, 1u);	// the root
	const uint64_t f = mkfile(root, "f");
	ASSERT_EQ(write(f, 0, kMiB).first, 0);
	ASSERT_EQ(write(f, kMiB, kMiB / 2).first, 0);
	s = statfs(root);
	EXPECT_EQ(s.blocks, 8 * kMiB / 4096);
	EXPECT_EQ(s.bfree, (8 * kMiB - 3 * kMiB / 2) / 4096);
	EXPECT_EQ(s.files - s.ffree, 2u);

	// the default file system is thin: the engine's up drives, one copy
	const Capacity c = cluster_->capacity();
	ASSERT_GT(c.raw_bytes, 0u);
	s = statfs(mount("default"));
	EXPECT_EQ(s.blocks, c.raw_bytes / 4096);
	EXPECT_EQ(s.bfree, c.free_bytes / 4096);
	EXPECT_LT(s.bfree, s.blocks);	// cap's data is on the same drive
	EXPECT_EQ(s.files - s.ffree, 1u);
	EXPECT_GT(s.ffree, 1000000u);
}

TEST_F(NodeTest, StatfsOfAReplicatedThinFsDividesTheEngineByItsCopies)
{
	ASSERT_EQ(mgmt("drive add", {{"paths", {dir_.make_file("a.img", 32 * kMiB),
						 dir_.make_file("b.img", 32 * kMiB)}}})["status"],
		  "ok");
	ASSERT_EQ(mgmt("fs update", {{"name", "default"}, {"replication", 2}})["status"], "ok");
	const Capacity c = cluster_->capacity();
	weft_statfs_out s = statfs(mount("default"));
	EXPECT_EQ(s.blocks, c.raw_bytes / 2 / 4096);
	EXPECT_EQ(s.bfree, c.free_bytes / 2 / 4096);
}

TEST_F(NodeTest, RenamedFsKeepsItsDataAndMountsUnderTheNewName)
{
	ASSERT_EQ(mgmt("fs create", {{"name", "old"}, {"capacity_bytes", 4 * kMiB}})["status"], "ok");
	const uint64_t root = mount("old");
	const uint64_t f = mkfile(root, "kept");
	ASSERT_EQ(write(f, 0, 5000, 'k').first, 0);
	json r = mgmt("fs update", {{"name", "old"}, {"new_name", "new"}});
	ASSERT_EQ(r["status"], "ok") << r.dump();
	EXPECT_EQ(r["result"]["name"], "new");
	EXPECT_EQ(mount_result("old"), -ENOENT);
	EXPECT_EQ(mount("new"), root);
	EXPECT_EQ(read(f, 0, 5000), std::string(5000, 'k'));
	// its capacity follows the new name
	int32_t refused = 0;
	EXPECT_EQ(fill(f, 5000, &refused), 4 * kMiB - 5000);
	EXPECT_EQ(refused, -ENOSPC);
	// and the rename is persistent
	stop();
	start();
	EXPECT_EQ(mount("new"), root);
	EXPECT_EQ(read(f, 0, 3), "kkk");
	EXPECT_EQ(mount_result("old"), -ENOENT);
	// a never-mounted file system renames in the catalog alone
	ASSERT_EQ(mgmt("fs create", {{"name", "fresh"}, {"capacity_bytes", kMiB}})["status"], "ok");
	ASSERT_EQ(mgmt("fs update", {{"name", "fresh"}, {"new_name", "fresh2"}})["status"], "ok");
	EXPECT_NE(mount("fresh2"), 0u);
}

TEST_F(NodeTest, RenameOntoAStaleNamespaceIsRefusedAndUndone)
{
	ASSERT_EQ(mgmt("fs create", {{"name", "a"}, {"capacity_bytes", kMiB}})["status"], "ok");
	ASSERT_NE(mount("a"), 0u);
	// a namespace the catalog does not know (left by hand)
	ASSERT_TRUE(store_->add_filesystem("b").ok());
	json r = mgmt("fs update", {{"name", "a"}, {"new_name", "b"}});
	ASSERT_EQ(r["status"], "error") << r.dump();
	EXPECT_EQ(r["errno"], EEXIST);
	EXPECT_TRUE(cluster_->has_fs("a"));
	EXPECT_FALSE(cluster_->has_fs("b"));
}

// ---- --daemonize: the parent's reading of the child's report -------------------

TEST(Daemonize, ReadyAndFailedReportsReachTheParent)
{
	int p[2];
	ASSERT_EQ(::pipe(p), 0);
	{
		StartupReport r{UniqueFd(p[1])};
		EXPECT_TRUE(r.active());
		r.ready();
		EXPECT_FALSE(r.active());
	}
	StartupOutcome o = read_startup_report(p[0], 0);
	::close(p[0]);
	EXPECT_EQ(o.status, 0);
	EXPECT_EQ(o.message, "");

	ASSERT_EQ(::pipe(p), 0);
	{
		StartupReport r{UniqueFd(p[1])};
		r.failed("/dev/nvme9n1 is mounted\n(on /x)");
		r.ready();	// after a report: nothing more is sent
	}
	o = read_startup_report(p[0], 0);
	::close(p[0]);
	EXPECT_EQ(o.status, 1);
	EXPECT_EQ(o.message, "/dev/nvme9n1 is mounted (on /x)");
}

TEST(Daemonize, AChildThatDiesWithoutAReportIsNamed)
{
	int p[2];
	ASSERT_EQ(::pipe(p), 0);
	pid_t pid = ::fork();
	ASSERT_GE(pid, 0);
	if (pid == 0)
		::_exit(7);	// holds the write end until it exits
	::close(p[1]);
	StartupOutcome o = read_startup_report(p[0], pid);
	::close(p[0]);
	EXPECT_EQ(o.status, 1);
	EXPECT_EQ(o.message, "the daemon exited during startup with status 7");
}

TEST(PidFile, WrittenWholeAndRemovedOnlyIfStillOurs)
{
	TempDir d;
	const std::string path = d.path() + "/weftd.pid";
	{
		PidFile pf;
		ASSERT_TRUE(pf.write(path).ok());
		std::ifstream in(path);
		std::string text((std::istreambuf_iterator<char>(in)), {});
		EXPECT_EQ(text, std::to_string(::getpid()) + "\n");
		EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));
	}
	EXPECT_FALSE(std::filesystem::exists(path));
	{
		PidFile pf;
		ASSERT_TRUE(pf.write(path).ok());
		std::ofstream(path) << "1\n";	// a successor's
	}
	EXPECT_TRUE(std::filesystem::exists(path));
	PidFile bad;
	Status st = bad.write(d.path() + "/no/such/dir/x.pid");
	ASSERT_FALSE(st.ok());
	EXPECT_EQ(st.error().code, ENOENT);
	EXPECT_NE(st.error().message.find("pidfile"), std::string::npos);
}

}  // namespace
}  // namespace weft

// Daemon -> kernel invalidation (WEFT_IOC_NOTIFY) on weftd's side: the
// kernel double refuses what weft.ko refuses, the Notifier sends from its
// own thread and counts what the kernel answered, and `fs delete` makes the
// kernel forget the deleted file system's root and the names in it.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <string>

#include "cluster_state.h"
#include "kernel_double.h"
#include "memory_metadata_store.h"
#include "mgmt_handler.h"
#include "notifier.h"

namespace weft {
namespace {

using testing::KernelDouble;
using nlohmann::json;

int err(const Status &s) { return s.ok() ? 0 : s.error().code; }

TEST(KernelDoubleNotify, RefusesWhatTheKernelRefuses)
{
	KernelDouble k;
	EXPECT_EQ(err(k.notify(Invalidation::inode(0))), EINVAL);
	EXPECT_EQ(err(k.notify(Invalidation::inode(2, -1, 1))), EINVAL);
	EXPECT_EQ(err(k.notify(Invalidation::inode(2, 0, -2))), EINVAL);
	EXPECT_EQ(err(k.notify(Invalidation::entry(1, ""))), EINVAL);
	EXPECT_EQ(err(k.notify(Invalidation::entry(1, "a/b"))), EINVAL);
	EXPECT_EQ(err(k.notify(Invalidation::entry(1, std::string("a\0b", 3)))), EINVAL);
	EXPECT_EQ(err(k.notify(Invalidation::entry(1, ".."))), EINVAL);
	EXPECT_EQ(err(k.notify(Invalidation::entry(1, std::string(256, 'x')))), ENAMETOOLONG);
	EXPECT_TRUE(k.notifications().empty());
	EXPECT_EQ(err(k.notify(Invalidation::inode(2, 0, -1))), 0);
	EXPECT_EQ(err(k.notify(Invalidation::entry(1, std::string(255, 'x')))), 0);
	EXPECT_EQ(k.notifications().size(), 2u);
}

TEST(Notifier, SendsInOrderAndCountsTheAnswers)
{
	KernelDouble k;
	k.set_uncached({7});
	{
		Notifier n(k);
		n.post(Invalidation::inode(2, 0, -1));
		n.post(Invalidation::entry(1, "a"));
		n.post(Invalidation::inode(7));		// nothing cached: ENOENT
		n.post(Invalidation::entry(1, "a/b"));	// refused: EINVAL
		n.flush();
		const Notifier::Counts c = n.counts();
		EXPECT_EQ(c.sent, 2u);
		EXPECT_EQ(c.uncached, 1u);
		EXPECT_EQ(c.failed, 1u);
		n.post(Invalidation::inode(3));	// still queued at destruction: sent
	}
	auto sent = k.notifications();
	ASSERT_EQ(sent.size(), 3u);
	EXPECT_EQ(sent[0].kind, Invalidation::Kind::kInode);
	EXPECT_EQ(sent[0].nodeid, 2u);
	EXPECT_EQ(sent[0].len, -1);
	EXPECT_EQ(sent[1].kind, Invalidation::Kind::kEntry);
	EXPECT_EQ(sent[1].name, "a");
	EXPECT_EQ(sent[2].nodeid, 3u);
}

TEST(MgmtNotify, FsDeleteMakesTheKernelForgetTheFileSystem)
{
	namespace fs = std::filesystem;
	std::string dir = (fs::path(::testing::TempDir()) / "weft-notify-XXXXXX").string();
	ASSERT_NE(::mkdtemp(dir.data()), nullptr);
	ClusterOptions o;
	o.data_dir = dir + "/data";
	o.default_drive_bytes = 64 << 20;
	o.pg_count = 64;
	o.sys_block = dir + "/sys-block";
	o.dev_dir = "/dev";
	auto cluster = ClusterState::open(o);
	ASSERT_TRUE(cluster.ok()) << cluster.error().message;
	MemoryMetadataStore store;
	KernelDouble k;
	{
		Notifier notifier(k);
		MgmtHandler mgmt(store, DaemonInfo{"n1", o.data_dir, {}}, cluster->get());
		mgmt.on_invalidate([&](std::vector<Invalidation> v) {
			for (Invalidation &i : v)
				notifier.post(std::move(i));
		});
		auto call = [&](const std::string &c, json args) {
			return mgmt.execute(json{{"command", c}, {"args", args}}.dump());
		};
		json r = call("fs create", {{"name", "data"}, {"capacity_bytes", 16 << 20}});
		ASSERT_EQ(r["status"], "ok") << r.dump();
		auto root = store.add_filesystem("data");	// its first mount
		ASSERT_TRUE(root.ok());
		ASSERT_TRUE(store.make_node(*root, "a", S_IFREG | 0644, 0, 0).ok());
		ASSERT_TRUE(store.make_node(*root, "sub", S_IFDIR | 0755, 0, 0).ok());

		r = call("fs delete", {{"name", "data"}});
		ASSERT_EQ(r["status"], "ok") << r.dump();
		notifier.flush();
		auto sent = k.notifications();
		ASSERT_EQ(sent.size(), 3u);
		EXPECT_EQ(sent[0].kind, Invalidation::Kind::kInode);
		EXPECT_EQ(sent[0].nodeid, *root);
		EXPECT_EQ(sent[1].kind, Invalidation::Kind::kEntry);
		EXPECT_EQ(sent[1].nodeid, *root);
		EXPECT_EQ(sent[1].name, "a");
		EXPECT_EQ(sent[2].name, "sub");

		// a refused delete (the default fs) invalidates nothing
		r = call("fs delete", {{"name", "default"}});
		EXPECT_EQ(r["status"], "error");
		notifier.flush();
		EXPECT_EQ(k.notifications().size(), 3u);
	}
	fs::remove_all(dir);
}

}  // namespace
}  // namespace weft

// RocksMetadataStore: what only a persistent store has -- reopening keeps
// everything, crashes leave nothing behind, file data lives in (and frees)
// ChunkStore chunks, and the offline check finds damage.
#include "rocks_metadata_store.h"

#include <gtest/gtest.h>
#include <rocksdb/db.h>
#include <sys/stat.h>

#include <cstring>
#include <chrono>
#include <random>
#include <cstdio>
#include <functional>
#include <thread>

#include "../storage/temp_dir.h"
#include "storage/byte_order.h"

namespace weft {
namespace {

using storage::testing::pattern;
using storage::testing::TempDir;

constexpr uint64_t kRoot = 1;
constexpr uint32_t kChunkBlocks = 16;	// 64 KiB chunks keep the tests fast
constexpr uint64_t kChunk = kChunkBlocks * 4096;

class RocksStoreTest : public ::testing::Test {
protected:
	void SetUp() override { open(); }

	void open(uint64_t drive_bytes = 64 << 20, uint32_t drives = 1, uint32_t chunk_blocks = kChunkBlocks)
	{
		storage::StoreOptions so;
		so.meta_dir = dir_.path() + "/" + prefix_ + "meta";
		so.cluster = cluster_;
		so.chunk_blocks = chunk_blocks;
		so.pg_count = 256;
		auto chunks = storage::ChunkStore::open(so);
		ASSERT_TRUE(chunks.ok()) << chunks.error().message;
		chunks_ = std::move(*chunks);
		for (uint32_t i = drives_; i < drives; i++) {
			auto id = chunks_->add_drive(dir_.make_file(prefix_ + "drive" + std::to_string(i), drive_bytes), i);
			ASSERT_TRUE(id.ok()) << id.error().message;
		}
		drives_ = std::max(drives_, drives);
		open_namespace();
	}

	void open_namespace()
	{
		RocksStoreOptions ro;
		ro.dir = ns_dir();
		ro.chunks = chunks_.get();
		ro.replication = [this](std::string_view fs) { return fs == "data" ? data_replication_ : 1u; };
		auto store = RocksMetadataStore::open(ro);
		ASSERT_TRUE(store.ok()) << store.error().message;
		s_ = std::move(*store);
	}

	void close()
	{
		s_.reset();
		chunks_.reset();
	}

	void reopen()
	{
		close();
		open(64 << 20, drives_);
	}

	std::string ns_dir() const { return dir_.path() + "/" + prefix_ + "namespace"; }

	// Closes the store and starts over with new drives and databases.
	void fresh(const std::string &prefix)
	{
		close();
		prefix_ = prefix + "-";
		drives_ = 0;
	}

	bool chunk_exists(uint64_t ino, uint64_t index)
	{
		auto rec = chunks_->chunk_record(FileData::chunk_id(ino, index));
		EXPECT_TRUE(rec.ok());
		return rec.ok() && rec->has_value();
	}

	std::vector<std::byte> read_all(uint64_t ino)
	{
		auto a = s_->getattr(ino);
		EXPECT_TRUE(a.ok());
		std::vector<std::byte> out(a.ok() ? a->size : 0);
		auto n = s_->read(ino, 0, out);
		EXPECT_TRUE(n.ok() && *n == out.size());
		return out;
	}

	std::vector<std::string> check()
	{
		auto problems = RocksMetadataStore::check(ns_dir(), *chunks_);
		EXPECT_TRUE(problems.ok()) << problems.error().message;
		return problems.ok() ? *problems : std::vector<std::string>{"check failed"};
	}

	TempDir dir_;
	storage::Uuid cluster_ = storage::Uuid::generate();
	uint32_t drives_ = 0;
	std::string prefix_;
	uint32_t data_replication_ = 1;
	std::unique_ptr<storage::ChunkStore> chunks_;
	std::unique_ptr<RocksMetadataStore> s_;
};

std::vector<std::pair<std::string, uint64_t>> list(MetadataStore &s, uint64_t dir)
{
	std::vector<std::pair<std::string, uint64_t>> out;
	EXPECT_TRUE(s.read_dir(dir, 0, [&](const DirEntry &e) {
			     out.emplace_back(std::string(e.name), e.cookie);
			     return true;
		     }).ok());
	return out;
}

bool equal(const InodeAttr &a, const InodeAttr &b)
{
	auto ts = [](const Timestamp &t) { return std::pair(t.sec, t.nsec); };
	return a.ino == b.ino && a.size == b.size && a.blocks == b.blocks && a.mode == b.mode &&
	       a.nlink == b.nlink && a.uid == b.uid && a.gid == b.gid && a.rdev == b.rdev &&
	       ts(a.atime) == ts(b.atime) && ts(a.mtime) == ts(b.mtime) && ts(a.ctime) == ts(b.ctime);
}

TEST_F(RocksStoreTest, ReopenKeepsEverything)
{
	auto d = s_->make_node(kRoot, "dir", S_IFDIR | 0750, 10, 20);
	ASSERT_TRUE(d.ok());
	auto f = s_->make_node(d->ino, "file", S_IFREG | 0640, 10, 20);
	ASSERT_TRUE(f.ok());
	auto data = pattern(3 * kChunk + 1234, 7);
	ASSERT_EQ(*s_->write(f->ino, 0, data), data.size());
	ASSERT_EQ(*s_->write(f->ino, 5 * kChunk + 17, std::span(data).first(100)), 100u);
	SetAttr times;
	times.valid = SetAttr::kAtime | SetAttr::kMtime;
	times.atime = {1234567890, 123456789};
	times.mtime = {1500000000, 987654321};
	ASSERT_TRUE(s_->setattr(f->ino, times).ok());
	NewNode link{.mode = S_IFLNK | 0777, .target = "../some/where"};
	auto l = s_->create(kRoot, "sym", link);
	ASSERT_TRUE(l.ok());
	NewNode dev{.mode = S_IFCHR | 0600, .rdev = 0x0103};
	auto c = s_->create(kRoot, "dev", dev);
	ASSERT_TRUE(c.ok());
	ASSERT_TRUE(s_->link(f->ino, kRoot, "hard").ok());
	ASSERT_TRUE(s_->setxattr(f->ino, "user.a", "one", 0).ok());
	ASSERT_TRUE(s_->setxattr(f->ino, "trusted.b", std::string("t\0o", 3), 0).ok());
	ASSERT_TRUE(s_->make_node(kRoot, "gone", S_IFREG | 0644, 0, 0).ok());
	ASSERT_TRUE(s_->unlink(kRoot, "gone").ok());
	auto data_fs = s_->add_filesystem("data");
	ASSERT_TRUE(data_fs.ok());

	const auto before_list = list(*s_, kRoot);
	const InodeAttr fa = *s_->getattr(f->ino), da = *s_->getattr(d->ino),
			la = *s_->getattr(l->ino), ca = *s_->getattr(c->ino), ra = *s_->getattr(kRoot);
	const auto before_bytes = read_all(f->ino);
	ASSERT_TRUE(s_->sync(f->ino, false).ok());

	reopen();
	EXPECT_EQ(*s_->root_of("default"), kRoot);
	EXPECT_EQ(*s_->root_of("data"), *data_fs);
	EXPECT_EQ(list(*s_, kRoot), before_list);
	EXPECT_TRUE(equal(*s_->getattr(f->ino), fa));
	EXPECT_TRUE(equal(*s_->getattr(d->ino), da));
	EXPECT_TRUE(equal(*s_->getattr(l->ino), la));
	EXPECT_TRUE(equal(*s_->getattr(c->ino), ca));
	EXPECT_TRUE(equal(*s_->getattr(kRoot), ra));
	EXPECT_EQ(s_->getattr(f->ino)->atime.nsec, 123456789u);
	EXPECT_EQ(s_->getattr(c->ino)->rdev, 0x0103u);
	EXPECT_EQ(s_->lookup(d->ino, "file")->ino, f->ino);
	EXPECT_EQ(s_->lookup(kRoot, "hard")->nlink, 2u);
	EXPECT_EQ(*s_->readlink(l->ino), "../some/where");
	EXPECT_EQ(*s_->getxattr(f->ino, "user.a"), "one");
	EXPECT_EQ(*s_->getxattr(f->ino, "trusted.b"), std::string("t\0o", 3));
	EXPECT_EQ(*s_->listxattr(f->ino), (std::vector<std::string>{"trusted.b", "user.a"}));
	auto bytes = read_all(f->ino);
	EXPECT_EQ(bytes, before_bytes);
	EXPECT_EQ(0, std::memcmp(bytes.data(), data.data(), data.size()));
	EXPECT_FALSE(chunk_exists(f->ino, 4));	// the hole stayed a hole

	// Cookies continue past every cookie ever handed out, even "gone"'s,
	// and inode numbers are never reused.
	uint64_t max_cookie = 0;
	for (const auto &[name, cookie] : before_list)
		max_cookie = std::max(max_cookie, cookie);
	auto n = s_->make_node(kRoot, "new", S_IFREG | 0644, 0, 0);
	ASSERT_TRUE(n.ok());
	auto after = list(*s_, kRoot);
	EXPECT_EQ(after.back().first, "new");
	EXPECT_GT(after.back().second, max_cookie + 1);	// "gone" had max + 1
	EXPECT_GT(n->ino, *data_fs);
	EXPECT_TRUE(check().empty());
}

// Inherited ACLs are written in the creation's own batch: the node and its
// ACLs reach the database together, survive a reopen together, and a create
// that fails writes neither.
TEST_F(RocksStoreTest, CreateStoresInheritedAclsInTheSameCommit)
{
	const std::string access("\x02\0\0\0acl-a", 9), dflt("\x02\0\0\0acl-d", 9);
	const NewXattr both[] = {{"system.posix_acl_access", access},
				 {"system.posix_acl_default", dflt}};
	NewNode dir{S_IFDIR | 0750, 1, 2, 0, {}, both};
	auto d = s_->create(kRoot, "d", dir);
	ASSERT_TRUE(d.ok()) << d.error().message;
	NewNode file{S_IFREG | 0640, 1, 2, 0, {}, std::span(both, 1)};
	auto f = s_->create(d->ino, "f", file);
	ASSERT_TRUE(f.ok()) << f.error().message;
	auto t = s_->create_unlinked(d->ino, file);
	ASSERT_TRUE(t.ok()) << t.error().message;
	EXPECT_EQ(*s_->getxattr(t->ino, "system.posix_acl_access"), access);
	// EEXIST: nothing written, the existing node keeps what it had
	NewNode other{S_IFREG | 0600, 0, 0, 0, {}, std::span(both + 1, 1)};
	auto again = s_->create(d->ino, "f", other);
	ASSERT_FALSE(again.ok());
	EXPECT_EQ(again.error().code, EEXIST);

	reopen();
	EXPECT_EQ(*s_->getxattr(d->ino, "system.posix_acl_access"), access);
	EXPECT_EQ(*s_->getxattr(d->ino, "system.posix_acl_default"), dflt);
	EXPECT_EQ(*s_->getxattr(f->ino, "system.posix_acl_access"), access);
	auto none = s_->getxattr(f->ino, "system.posix_acl_default");
	ASSERT_FALSE(none.ok());
	EXPECT_EQ(none.error().code, ENODATA);
	auto names = s_->listxattr(d->ino);
	ASSERT_TRUE(names.ok());
	EXPECT_EQ(names->size(), 2u);
}

TEST_F(RocksStoreTest, OrphanReclaimedAtReopen)
{
	auto f = s_->make_node(kRoot, "f", S_IFREG | 0644, 0, 0);
	ASSERT_TRUE(f.ok());
	auto data = pattern(2 * kChunk, 3);
	ASSERT_TRUE(s_->write(f->ino, 0, data).ok());
	ASSERT_TRUE(s_->open(f->ino).ok());
	ASSERT_TRUE(s_->unlink(kRoot, "f").ok());
	EXPECT_TRUE(chunk_exists(f->ino, 1));
	EXPECT_EQ(read_all(f->ino), data);
	auto tmp = s_->create_unlinked(kRoot, NewNode{.mode = S_IFREG | 0600});
	ASSERT_TRUE(tmp.ok());
	ASSERT_TRUE(s_->open(tmp->ino).ok());
	ASSERT_TRUE(s_->write(tmp->ino, 0, data).ok());
	close();	// a crash: no release
	{
		// The offline check sees what is pending.
		open(64 << 20, drives_);
		s_.reset();
		auto problems = RocksMetadataStore::check(ns_dir(), *chunks_);
		ASSERT_TRUE(problems.ok());
		EXPECT_TRUE(problems->empty()) << "orphans are reclaimed at open";
	}
	open_namespace();
	EXPECT_EQ(s_->getattr(f->ino).error().code, ENOENT);
	EXPECT_EQ(s_->getattr(tmp->ino).error().code, ENOENT);
	EXPECT_FALSE(chunk_exists(f->ino, 0));
	EXPECT_FALSE(chunk_exists(f->ino, 1));
	EXPECT_FALSE(chunk_exists(tmp->ino, 0));
	EXPECT_EQ(s_->filesystems()[0].files, 1u);
	EXPECT_TRUE(check().empty());
}

TEST_F(RocksStoreTest, OfflineCheckReportsOrphansOfAStoppedNode)
{
	auto f = s_->make_node(kRoot, "f", S_IFREG | 0644, 0, 0);
	ASSERT_TRUE(s_->open(f->ino).ok());
	ASSERT_TRUE(s_->unlink(kRoot, "f").ok());
	s_.reset();	// stopped with the file still open
	auto problems = check();
	ASSERT_EQ(problems.size(), 1u);
	EXPECT_NE(problems[0].find("orphan"), std::string::npos) << problems[0];
}

TEST_F(RocksStoreTest, UnlinkAndReleaseFreeChunks)
{
	auto f = s_->make_node(kRoot, "f", S_IFREG | 0644, 0, 0);
	ASSERT_TRUE(s_->write(f->ino, 0, pattern(kChunk + 1, 1)).ok());
	// Space grows 4 KiB at a time: one chunk and one block.
	EXPECT_EQ(s_->getattr(f->ino)->blocks, (kChunk + 4096) / 512);
	ASSERT_TRUE(s_->unlink(kRoot, "f").ok());
	EXPECT_FALSE(chunk_exists(f->ino, 0));
	EXPECT_FALSE(chunk_exists(f->ino, 1));

	auto g = s_->make_node(kRoot, "g", S_IFREG | 0644, 0, 0);
	ASSERT_TRUE(s_->write(g->ino, 0, pattern(100, 1)).ok());
	ASSERT_TRUE(s_->open(g->ino).ok());
	ASSERT_TRUE(s_->rename(kRoot, "f2", kRoot, "g", 0).error().code == ENOENT);
	auto h = s_->make_node(kRoot, "h", S_IFREG | 0644, 0, 0);
	ASSERT_TRUE(s_->rename(kRoot, "h", kRoot, "g", 0).ok());	// replaces g, still open
	EXPECT_TRUE(chunk_exists(g->ino, 0));
	ASSERT_TRUE(s_->release(g->ino).ok());
	EXPECT_FALSE(chunk_exists(g->ino, 0));
	EXPECT_TRUE(check().empty());
}

// A file made by this weftd and never written is removed without looking
// for xattrs or chunks; every way of giving it some makes the removal look
// again: nothing is left behind (the offline check finds orphaned chunks and
// xattrs), whether the name goes by unlink, rename over it, or release.
TEST_F(RocksStoreTest, RemovalFindsWhatEachOperationLeft)
{
	auto empty = s_->make_node(kRoot, "empty", S_IFREG | 0644, 0, 0);
	auto dir = s_->make_node(kRoot, "dir", S_IFDIR | 0755, 0, 0);
	auto written = s_->make_node(kRoot, "written", S_IFREG | 0644, 0, 0);
	auto grown = s_->make_node(kRoot, "grown", S_IFREG | 0644, 0, 0);
	auto allocated = s_->make_node(kRoot, "allocated", S_IFREG | 0644, 0, 0);
	auto tagged = s_->make_node(kRoot, "tagged", S_IFREG | 0644, 0, 0);
	auto tagged_dir = s_->make_node(kRoot, "tagged_dir", S_IFDIR | 0755, 0, 0);
	auto replaced = s_->make_node(kRoot, "replaced", S_IFREG | 0644, 0, 0);
	auto held = s_->make_node(kRoot, "held", S_IFREG | 0644, 0, 0);
	ASSERT_TRUE(written->ino && grown->ino && allocated->ino && held->ino);
	ASSERT_TRUE(s_->write(written->ino, kChunk - 10, pattern(20, 3)).ok());
	SetAttr grow;
	grow.valid = SetAttr::kSize;
	grow.size = 3 * kChunk + 5;
	ASSERT_TRUE(s_->setattr(grown->ino, grow).ok());
	ASSERT_TRUE(s_->write(grown->ino, 2 * kChunk, pattern(4096, 4)).ok());
	ASSERT_TRUE(s_->fallocate(allocated->ino, 0, 0, 2 * kChunk).ok());
	ASSERT_TRUE(s_->setxattr(tagged->ino, "user.a", "1", 0).ok());
	ASSERT_TRUE(s_->setxattr(tagged_dir->ino, "user.b", "2", 0).ok());
	ASSERT_TRUE(s_->write(replaced->ino, 0, pattern(100, 5)).ok());
	ASSERT_TRUE(s_->setxattr(replaced->ino, "user.c", "3", 0).ok());
	ASSERT_TRUE(s_->write(held->ino, 0, pattern(100, 6)).ok());
	ASSERT_TRUE(s_->open(held->ino).ok());
	EXPECT_TRUE(chunk_exists(written->ino, 0) && chunk_exists(written->ino, 1));
	EXPECT_TRUE(chunk_exists(grown->ino, 2));
	EXPECT_TRUE(chunk_exists(allocated->ino, 1));

	for (const char *name : {"empty", "written", "grown", "allocated", "tagged", "held"})
		ASSERT_TRUE(s_->unlink(kRoot, name).ok()) << name;
	for (const char *name : {"dir", "tagged_dir"})
		ASSERT_TRUE(s_->rmdir(kRoot, name).ok()) << name;
	auto other = s_->make_node(kRoot, "other", S_IFREG | 0644, 0, 0);
	ASSERT_TRUE(other.ok());
	ASSERT_TRUE(s_->rename(kRoot, "other", kRoot, "replaced", 0).ok());
	EXPECT_FALSE(chunk_exists(written->ino, 0) || chunk_exists(written->ino, 1));
	EXPECT_FALSE(chunk_exists(grown->ino, 2));
	EXPECT_FALSE(chunk_exists(allocated->ino, 0) || chunk_exists(allocated->ino, 1));
	EXPECT_FALSE(chunk_exists(replaced->ino, 0));
	EXPECT_TRUE(chunk_exists(held->ino, 0));	// open: the release removes it
	ASSERT_TRUE(s_->release(held->ino).ok());
	EXPECT_FALSE(chunk_exists(held->ino, 0));
	for (auto *n : {&empty, &written, &tagged, &held})
		EXPECT_EQ(s_->getattr((*n)->ino).error().code, ENOENT);
	EXPECT_EQ(list(*s_, kRoot).size(), 3u);	// ".", "..", "replaced"
	s_.reset();
	EXPECT_EQ(check(), std::vector<std::string>{});
}

TEST_F(RocksStoreTest, TruncateAndPunchFreeChunks)
{
	auto f = s_->make_node(kRoot, "f", S_IFREG | 0644, 0, 0);
	auto data = pattern(4 * kChunk, 5);
	ASSERT_TRUE(s_->write(f->ino, 0, data).ok());
	for (uint64_t i = 0; i < 4; i++)
		EXPECT_TRUE(chunk_exists(f->ino, i));

	// Shrink into chunk 1: chunks 2 and 3 go, the rest of chunk 1 reads 0.
	SetAttr t;
	t.valid = SetAttr::kSize;
	t.size = kChunk + 5000;
	ASSERT_TRUE(s_->setattr(f->ino, t).ok());
	EXPECT_TRUE(chunk_exists(f->ino, 1));
	EXPECT_FALSE(chunk_exists(f->ino, 2));
	EXPECT_FALSE(chunk_exists(f->ino, 3));
	// Chunk 0, and blocks 0-1 of chunk 1 (the rest's space was freed).
	EXPECT_EQ(s_->getattr(f->ino)->blocks, (kChunk + 2 * 4096) / 512);
	t.size = 4 * kChunk;
	ASSERT_TRUE(s_->setattr(f->ino, t).ok());
	auto back = read_all(f->ino);
	EXPECT_EQ(0, std::memcmp(back.data(), data.data(), kChunk + 5000));
	for (uint64_t i = kChunk + 5000; i < back.size(); i++)
		ASSERT_EQ(back[i], std::byte{0}) << i;

	// Rewrite, then punch chunk 1 whole and a partial range in chunk 2.
	ASSERT_TRUE(s_->write(f->ino, 0, data).ok());
	auto a = s_->fallocate(f->ino, kFallocPunchHole | kFallocKeepSize, kChunk - 100, kChunk + 300);
	ASSERT_TRUE(a.ok()) << a.error().message;
	EXPECT_EQ(a->size, 4 * kChunk);
	EXPECT_TRUE(chunk_exists(f->ino, 0));
	EXPECT_FALSE(chunk_exists(f->ino, 1));
	EXPECT_TRUE(chunk_exists(f->ino, 2));
	back = read_all(f->ino);
	for (uint64_t i = 0; i < back.size(); i++) {
		const bool zero = i >= kChunk - 100 && i < 2 * kChunk + 200;
		ASSERT_EQ(back[i], zero ? std::byte{0} : data[i]) << i;
	}
	// SEEK_DATA / SEEK_HOLE at chunk granularity.
	EXPECT_EQ(*s_->seek_data_hole(f->ino, 0, kSeekHole), kChunk);
	EXPECT_EQ(*s_->seek_data_hole(f->ino, kChunk + 10, kSeekData), 2 * kChunk);
	EXPECT_EQ(*s_->seek_data_hole(f->ino, 2 * kChunk, kSeekHole), 4 * kChunk);
	EXPECT_EQ(s_->seek_data_hole(f->ino, 4 * kChunk, kSeekData).error().code, ENXIO);

	// ZERO_RANGE growing the file, then KEEP_SIZE preallocation past EOF.
	a = s_->fallocate(f->ino, kFallocZeroRange, 10, 5 * kChunk);
	ASSERT_TRUE(a.ok());
	EXPECT_EQ(a->size, 5 * kChunk + 10);
	back = read_all(f->ino);
	for (uint64_t i = 10; i < back.size(); i++)
		ASSERT_EQ(back[i], std::byte{0}) << i;
	a = s_->fallocate(f->ino, kFallocKeepSize, 8 * kChunk, kChunk);
	ASSERT_TRUE(a.ok());
	EXPECT_EQ(a->size, 5 * kChunk + 10);
	EXPECT_TRUE(chunk_exists(f->ino, 8));
	a = s_->fallocate(f->ino, 0, 9 * kChunk, 10);
	ASSERT_TRUE(a.ok());
	EXPECT_EQ(a->size, 9 * kChunk + 10);
	EXPECT_EQ(s_->fallocate(f->ino, kFallocPunchHole, 0, 1).error().code, EOPNOTSUPP);
	EXPECT_EQ(s_->fallocate(f->ino, 0x08, 0, 1).error().code, EOPNOTSUPP);
	t.size = 0;
	ASSERT_TRUE(s_->setattr(f->ino, t).ok());
	for (uint64_t i = 0; i < 10; i++)
		EXPECT_FALSE(chunk_exists(f->ino, i)) << i;
	EXPECT_EQ(s_->getattr(f->ino)->blocks, 0u);
	EXPECT_TRUE(check().empty());
}

TEST_F(RocksStoreTest, MaxFileSizeIsEfbig)
{
	auto f = s_->make_node(kRoot, "f", S_IFREG | 0644, 0, 0);
	const uint64_t max = s_->max_file_size();
	EXPECT_EQ(max, kChunk << FileData::kIndexBits);
	auto one = pattern(10, 1);
	EXPECT_EQ(s_->write(f->ino, max - 5, one).error().code, EFBIG);
	EXPECT_EQ(s_->write(f->ino, max, one).error().code, EFBIG);
	ASSERT_EQ(*s_->write(f->ino, max - 10, one), 10u);	// the last bytes are fine
	EXPECT_EQ(s_->getattr(f->ino)->size, max);
	SetAttr t;
	t.valid = SetAttr::kSize;
	t.size = max + 1;
	EXPECT_EQ(s_->setattr(f->ino, t).error().code, EFBIG);
	EXPECT_EQ(s_->fallocate(f->ino, 0, max - 1, 2).error().code, EFBIG);
	std::vector<std::byte> out(10);
	ASSERT_EQ(*s_->read(f->ino, max - 10, out), 10u);
	EXPECT_EQ(out, one);
}

TEST_F(RocksStoreTest, FullDriveIsEnospcAndRecoversAfterDelete)
{
	fresh("tiny");
	open(17 << 20, 1, 256);	// 16 MiB of data blocks: 16 chunks of 1 MiB
	const uint64_t mib = 1 << 20;
	auto f = s_->make_node(kRoot, "f", S_IFREG | 0644, 0, 0);
	auto data = pattern(mib, 1);
	uint64_t written = 0;
	Error last;
	for (int i = 0; i < 20; i++) {
		auto n = s_->write(f->ino, written, data);
		if (!n) {
			last = n.error();
			break;
		}
		written += *n;
	}
	EXPECT_EQ(last.code, ENOSPC) << last.message;
	EXPECT_EQ(written, 16 * mib);
	EXPECT_EQ(s_->getattr(f->ino)->size, 16 * mib);
	auto g = s_->make_node(kRoot, "g", S_IFREG | 0644, 0, 0);
	EXPECT_EQ(s_->write(g->ino, 0, data).error().code, ENOSPC);
	EXPECT_EQ(s_->fallocate(g->ino, 0, 0, mib).error().code, ENOSPC);
	EXPECT_EQ(s_->getattr(g->ino)->size, 0u);
	// What was written is intact; deleting makes room again.
	std::vector<std::byte> out(mib);
	ASSERT_EQ(*s_->read(f->ino, 15 * mib, out), mib);
	EXPECT_EQ(out, data);
	ASSERT_TRUE(s_->unlink(kRoot, "f").ok());
	ASSERT_EQ(*s_->write(g->ino, 0, data), mib);
	EXPECT_TRUE(check().empty());
}

TEST_F(RocksStoreTest, ReplicationComesFromTheFileSystem)
{
	fresh("two");
	open(64 << 20, 2);
	data_replication_ = 2;
	auto data_root = s_->add_filesystem("data");
	ASSERT_TRUE(data_root.ok());
	auto f = s_->make_node(*data_root, "f", S_IFREG | 0644, 0, 0);
	auto g = s_->make_node(kRoot, "g", S_IFREG | 0644, 0, 0);
	ASSERT_TRUE(s_->write(f->ino, 0, pattern(5000, 1)).ok());
	ASSERT_TRUE(s_->write(g->ino, 0, pattern(5000, 1)).ok());
	auto rf = chunks_->chunk_record(FileData::chunk_id(f->ino, 0));
	auto rg = chunks_->chunk_record(FileData::chunk_id(g->ino, 0));
	ASSERT_TRUE(rf.ok() && rf->has_value() && rg.ok() && rg->has_value());
	ASSERT_EQ((*rf)->replicas.size(), 2u);
	EXPECT_NE((*rf)->replicas[0].drive, (*rf)->replicas[1].drive);
	EXPECT_EQ((*rg)->replicas.size(), 1u);

	// remove_filesystem drops the namespace and the data.
	ASSERT_TRUE(s_->remove_filesystem("data").ok());
	EXPECT_EQ(s_->root_of("data").error().code, ENOENT);
	EXPECT_EQ(s_->getattr(f->ino).error().code, ENOENT);
	EXPECT_FALSE(chunk_exists(f->ino, 0));
	EXPECT_EQ(s_->remove_filesystem("data").error().code, ENOENT);
	EXPECT_EQ(s_->filesystems().size(), 1u);
	EXPECT_TRUE(check().empty());
}

TEST_F(RocksStoreTest, XattrFlagsAndWhiteout)
{
	auto f = s_->make_node(kRoot, "f", S_IFREG | 0644, 0, 0);
	EXPECT_EQ(s_->getxattr(f->ino, "user.x").error().code, ENODATA);
	EXPECT_EQ(s_->setxattr(f->ino, "user.x", "1", kXattrReplace).error().code, ENODATA);
	ASSERT_TRUE(s_->setxattr(f->ino, "user.x", "1", kXattrCreate).ok());
	EXPECT_EQ(s_->setxattr(f->ino, "user.x", "2", kXattrCreate).error().code, EEXIST);
	ASSERT_TRUE(s_->setxattr(f->ino, "user.x", "2", kXattrReplace).ok());
	EXPECT_EQ(*s_->getxattr(f->ino, "user.x"), "2");
	ASSERT_TRUE(s_->removexattr(f->ino, "user.x").ok());
	EXPECT_EQ(s_->removexattr(f->ino, "user.x").error().code, ENODATA);
	EXPECT_TRUE(s_->listxattr(f->ino)->empty());
	EXPECT_EQ(s_->getxattr(999999, "user.x").error().code, ENOENT);

	ASSERT_TRUE(s_->setxattr(f->ino, "user.y", "v", 0).ok());
	ASSERT_TRUE(s_->rename(kRoot, "f", kRoot, "g", kRenameWhiteout).ok());
	auto wh = s_->lookup(kRoot, "f");
	ASSERT_TRUE(wh.ok());
	EXPECT_EQ(wh->mode, static_cast<uint32_t>(S_IFCHR));
	EXPECT_EQ(wh->rdev, 0u);
	EXPECT_EQ(s_->lookup(kRoot, "g")->ino, f->ino);
	EXPECT_EQ(s_->rename(kRoot, "g", kRoot, "f", kRenameWhiteout | kRenameExchange).error().code,
		  EINVAL);
	// The xattrs go with the inode (each one: they are deleted key by key),
	// a directory's too.
	ASSERT_TRUE(s_->setxattr(f->ino, "user.z", "3", 0).ok());
	ASSERT_TRUE(s_->setxattr(f->ino, "trusted.w", "4", 0).ok());
	ASSERT_TRUE(s_->unlink(kRoot, "g").ok());
	auto d = s_->make_node(kRoot, "d", S_IFDIR | 0755, 0, 0);
	ASSERT_TRUE(s_->setxattr(d->ino, "user.d", "5", 0).ok());
	ASSERT_TRUE(s_->rmdir(kRoot, "d").ok());
	EXPECT_EQ(s_->getxattr(f->ino, "user.z").error().code, ENOENT);
	EXPECT_TRUE(check().empty());
}

TEST_F(RocksStoreTest, CheckFindsDamage)
{
	auto d = s_->make_node(kRoot, "d", S_IFDIR | 0755, 0, 0);
	auto f = s_->make_node(d->ino, "f", S_IFREG | 0644, 0, 0);
	auto g = s_->make_node(kRoot, "g", S_IFREG | 0644, 0, 0);
	ASSERT_TRUE(s_->write(g->ino, 0, pattern(100, 1)).ok());
	s_.reset();
	EXPECT_TRUE(check().empty());
	{
		// Plant damage behind the store's back: f's inode record goes
		// (its entry now dangles), g's record too (its chunk is orphaned).
		rocksdb::DB *raw = nullptr;
		ASSERT_TRUE(rocksdb::DB::Open(rocksdb::Options(), ns_dir(), &raw).ok());
		std::unique_ptr<rocksdb::DB> db(raw);
		for (uint64_t ino : {f->ino, g->ino}) {
			std::string k(1, 'I');
			storage::append_be<uint64_t>(k, ino);
			ASSERT_TRUE(db->Delete(rocksdb::WriteOptions(), k).ok());
		}
	}
	auto problems = check();
	auto has = [&](const std::string &what) {
		return std::any_of(problems.begin(), problems.end(),
				   [&](const std::string &p) { return p.find(what) != std::string::npos; });
	};
	EXPECT_TRUE(has("names missing inode " + std::to_string(f->ino)));
	EXPECT_TRUE(has("belongs to missing inode " + std::to_string(g->ino)));
	EXPECT_GE(problems.size(), 3u);
}

TEST_F(RocksStoreTest, ConcurrentCreatesAndWrites)
{
	constexpr int kThreads = 4, kFiles = 40;
	std::vector<std::thread> threads;
	for (int t = 0; t < kThreads; t++)
		threads.emplace_back([&, t] {
			auto data = pattern(6000, static_cast<uint32_t>(t));
			for (int i = 0; i < kFiles; i++) {
				auto f = s_->make_node(kRoot, "t" + std::to_string(t) + "-" + std::to_string(i),
						       S_IFREG | 0644, 0, 0);
				ASSERT_TRUE(f.ok());
				ASSERT_TRUE(s_->write(f->ino, 0, data).ok());
				ASSERT_TRUE(s_->write(f->ino, 3000, data).ok());
				if (i % 3 == 0) {
					ASSERT_TRUE(s_->unlink(kRoot, "t" + std::to_string(t) + "-" +
									      std::to_string(i)).ok());
				}
			}
		});
	for (auto &t : threads)
		t.join();
	const auto entries = list(*s_, kRoot);
	EXPECT_EQ(entries.size(), 2u + kThreads * (kFiles - 14));
	EXPECT_EQ(s_->filesystems()[0].files, 1u + kThreads * (kFiles - 14));
	EXPECT_EQ(s_->filesystems()[0].used_bytes, uint64_t{kThreads} * (kFiles - 14) * 9000);
	reopen();
	EXPECT_EQ(list(*s_, kRoot), entries);
	EXPECT_TRUE(check().empty());
}

}  // namespace
}  // namespace weft

namespace weft {
namespace {

// Throughput of the data path, for the numbers in docs/on-disk.md; not a
// test (run with --gtest_also_run_disabled_tests --gtest_filter='*Bench*').
// Drive: a file under /tmp, as fio's peer run.
// The benches' store: the namespace and one drive file of drive_bytes.
struct BenchStore {
	TempDir dir;
	std::unique_ptr<storage::ChunkStore> chunks;
	std::unique_ptr<RocksMetadataStore> store;

	storage::Uuid cluster = storage::Uuid::generate();

	void open(uint64_t drive_bytes)
	{
		ASSERT_NO_FATAL_FAILURE(open_chunks());
		ASSERT_TRUE(chunks->add_drive(dir.make_file("drive", drive_bytes), 0).ok());
		ASSERT_NO_FATAL_FAILURE(open_namespace());
	}
	// Closed and opened again: what the namespace wrote is in SST files
	// (recovery flushes the WAL) and no record is cached.
	void reopen()
	{
		store.reset();
		chunks.reset();
		ASSERT_NO_FATAL_FAILURE(open_chunks());
		ASSERT_NO_FATAL_FAILURE(open_namespace());
	}

private:
	void open_chunks()
	{
		storage::StoreOptions so;
		so.meta_dir = dir.path() + "/meta";
		so.cluster = cluster;
		auto c = storage::ChunkStore::open(so);
		ASSERT_TRUE(c.ok());
		chunks = std::move(*c);
	}
	void open_namespace()
	{
		RocksStoreOptions ro;
		ro.dir = dir.path() + "/namespace";
		ro.chunks = chunks.get();
		auto st = RocksMetadataStore::open(ro);
		ASSERT_TRUE(st.ok());
		store = std::move(*st);
	}
};

// Reads directory dir whole `rounds` times (it holds `entries` names besides
// "." and ".."); returns the time per entry read.
double read_dir_us_per_entry(RocksMetadataStore &s, uint64_t dir, size_t entries, int rounds)
{
	size_t seen = 0;
	const auto t0 = std::chrono::steady_clock::now();
	for (int r = 0; r < rounds; r++)
		EXPECT_TRUE(s.read_dir(dir, 0, [&](const DirEntry &) { return ++seen, true; }).ok());
	EXPECT_EQ(seen, size_t(rounds) * (entries + 2));
	return std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count() /
	       double(seen);
}

// Lookups in a namespace too large for the memtable (read from SST files
// after a reopen, nothing cached): by hand.
TEST(RocksStoreBench, DISABLED_LargeNamespaceReads)
{
	storage::stop_rocks_perf_counting();
	BenchStore b;
	ASSERT_NO_FATAL_FAILURE(b.open(1ull << 30));
	auto d = b.store->make_node(kRoot, "d", S_IFDIR | 0755, 0, 0);
	ASSERT_TRUE(d.ok());
	const int n = 300000, probes = 50000;
	for (int i = 0; i < n; i++)
		ASSERT_TRUE(b.store->make_node(d->ino, "file-" + std::to_string(i), S_IFREG | 0644, 0, 0).ok());
	ASSERT_NO_FATAL_FAILURE(b.reopen());
	RocksMetadataStore &s = *b.store;
	using clock = std::chrono::steady_clock;
	std::mt19937 rng(3);
	auto phase = [&](const char *name, const std::function<void(int)> &op) {
		auto t0 = clock::now();
		for (int i = 0; i < probes; i++)
			op(static_cast<int>(rng() % n));
		std::printf("%-12s %.2f us\n", name,
			    std::chrono::duration<double, std::micro>(clock::now() - t0).count() / probes);
	};
	phase("lookup hit", [&](int i) { ASSERT_TRUE(s.lookup(d->ino, "file-" + std::to_string(i)).ok()); });
	phase("lookup miss", [&](int i) { ASSERT_FALSE(s.lookup(d->ino, "nope-" + std::to_string(i)).ok()); });
	phase("getxattr miss", [&](int i) {
		ASSERT_FALSE(s.getxattr(d->ino + 1 + static_cast<uint64_t>(i), "user.x").ok());
	});
	std::printf("%-12s %.3f us per entry\n", "readdir", read_dir_us_per_entry(s, d->ino, n, 1));
}

TEST(RocksStoreBench, DISABLED_SequentialWrites)
{
	BenchStore b;
	ASSERT_NO_FATAL_FAILURE(b.open(2ull << 30));
	RocksMetadataStore &s = *b.store;
	TempDir &dir = b.dir;
	using clock = std::chrono::steady_clock;
	auto secs = [](clock::time_point t0) {
		return std::chrono::duration<double>(clock::now() - t0).count();
	};
	for (size_t io : {size_t{1} << 20, size_t{4096}}) {
		auto f = s.make_node(kRoot, "f" + std::to_string(io), S_IFREG | 0644, 0, 0);
		auto data = pattern(io, 1);
		const uint64_t total = io == 4096 ? 16 << 20 : 512 << 20;
		auto t0 = clock::now();
		for (uint64_t off = 0; off < total; off += io)
			ASSERT_TRUE(s.write(f->ino, off, data).ok());
		const double t = secs(t0);
		std::printf("write bs=%zu: %.1f MiB/s, %.0f IOPS, %.1f us per write\n", io,
			    static_cast<double>(total) / t / (1 << 20), static_cast<double>(total / io) / t,
			    t * 1e6 / static_cast<double>(total / io));
	}
	// What a namespace change costs: unsynced batches, and the WAL fsync
	// that sync() adds.
	auto t0 = clock::now();
	for (int i = 0; i < 2000; i++)
		ASSERT_TRUE(s.make_node(kRoot, "n" + std::to_string(i), S_IFREG | 0644, 0, 0).ok());
	std::printf("create (unsynced batch): %.1f us\n", secs(t0) * 1e6 / 2000);
	t0 = clock::now();
	for (int i = 0; i < 200; i++) {
		SetAttr a;
		a.valid = SetAttr::kMode;
		a.mode = 0600 | (i & 1);
		ASSERT_TRUE(s.setattr(kRoot + 0, a).ok());
		ASSERT_TRUE(s.sync(kRoot, false).ok());
	}
	std::printf("setattr + sync (FlushWAL(true)): %.1f us\n", secs(t0) * 1e6 / 200);
	// The alternative: every batch synced.
	rocksdb::DB *raw = nullptr;
	rocksdb::Options o;
	o.create_if_missing = true;
	ASSERT_TRUE(rocksdb::DB::Open(o, dir.path() + "/synced", &raw).ok());
	std::unique_ptr<rocksdb::DB> db(raw);
	rocksdb::WriteOptions wo;
	wo.sync = true;
	t0 = clock::now();
	for (int i = 0; i < 200; i++)
		ASSERT_TRUE(db->Put(wo, "k" + std::to_string(i), std::string(120, 'x')).ok());
	std::printf("synced batch: %.1f us\n", secs(t0) * 1e6 / 200);
}

// Per-operation cost of the namespace calls an mdtest-like run makes (what
// a ring handler spends in the store): by hand, with perf if need be.
TEST(RocksStoreBench, DISABLED_NamespaceOps)
{
	storage::stop_rocks_perf_counting();	// as every weftd thread does
	BenchStore b;
	ASSERT_NO_FATAL_FAILURE(b.open(1ull << 30));
	RocksMetadataStore &s = *b.store;
	auto d = s.make_node(kRoot, "d", S_IFDIR | 0755, 0, 0);
	ASSERT_TRUE(d.ok());
	const int n = 5000;
	using clock = std::chrono::steady_clock;
	auto phase = [&](const char *name, const std::function<void(int)> &op) {
		auto t0 = clock::now();
		for (int i = 0; i < n; i++)
			op(i);
		std::printf("%-8s %.2f us\n", name,
			    std::chrono::duration<double, std::micro>(clock::now() - t0).count() / n);
	};
	phase("create", [&](int i) {
		ASSERT_TRUE(s.make_node(d->ino, "f" + std::to_string(i), S_IFREG | 0644, 0, 0).ok());
	});
	phase("lookup", [&](int i) { ASSERT_TRUE(s.lookup(d->ino, "f" + std::to_string(i)).ok()); });
	phase("getattr", [&](int i) { ASSERT_TRUE(s.getattr(d->ino + 1 + static_cast<uint64_t>(i)).ok()); });
	std::printf("%-8s %.3f us per entry\n", "readdir", read_dir_us_per_entry(s, d->ino, n, 20));
	phase("miss", [&](int i) { ASSERT_FALSE(s.lookup(d->ino, "g" + std::to_string(i)).ok()); });
	phase("rename", [&](int i) {
		ASSERT_TRUE(s.rename(d->ino, "f" + std::to_string(i), d->ino, "g" + std::to_string(i), 0).ok());
	});
	phase("unlink", [&](int i) { ASSERT_TRUE(s.unlink(d->ino, "g" + std::to_string(i)).ok()); });
	// A file with data: its chunks are freed before UNLINK is answered.
	auto big = s.make_node(kRoot, "big", S_IFREG | 0644, 0, 0);
	ASSERT_TRUE(big.ok());
	auto mib = pattern(1 << 20, 7);
	for (uint64_t off = 0; off < (64 << 20); off += mib.size())
		ASSERT_TRUE(s.write(big->ino, off, mib).ok());
	auto t0 = clock::now();
	ASSERT_TRUE(s.unlink(kRoot, "big").ok());
	std::printf("unlink of a 64 MiB file: %.2f ms\n",
		    std::chrono::duration<double, std::milli>(clock::now() - t0).count());
}

}  // namespace
}  // namespace weft

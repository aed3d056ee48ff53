// The namespace rules handlers rely on, checked on every MetadataStore:
// the in-memory one and the persistent one (RocksMetadataStore over a
// ChunkStore with a file drive in a temp dir).
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstring>
#include <memory>

#include "memory_metadata_store.h"
#include "rocks_metadata_store.h"
#include "../storage/temp_dir.h"

namespace weft {
namespace {

constexpr uint64_t kRoot = MemoryMetadataStore::kRootIno;

// One store of the kind the test parameter names, with what it stands on.
struct StoreUnderTest {
	std::unique_ptr<storage::testing::TempDir> dir;
	std::unique_ptr<storage::ChunkStore> chunks;
	std::unique_ptr<MetadataStore> store;
};

StoreUnderTest make_store(const std::string &kind)
{
	StoreUnderTest t;
	if (kind == "memory") {
		t.store = std::make_unique<MemoryMetadataStore>();
		return t;
	}
	t.dir = std::make_unique<storage::testing::TempDir>();
	storage::StoreOptions so;
	so.meta_dir = t.dir->path() + "/meta";
	so.cluster = storage::Uuid::generate();
	so.chunk_blocks = 16;
	so.pg_count = 256;
	auto chunks = storage::ChunkStore::open(so);
	EXPECT_TRUE(chunks.ok()) << chunks.error().message;
	t.chunks = std::move(*chunks);
	EXPECT_TRUE(t.chunks->add_drive(t.dir->make_file("drive", 64 << 20), 0).ok());
	RocksStoreOptions ro;
	ro.dir = t.dir->path() + "/namespace";
	ro.chunks = t.chunks.get();
	auto store = RocksMetadataStore::open(ro);
	EXPECT_TRUE(store.ok()) << store.error().message;
	t.store = std::move(*store);
	return t;
}

std::vector<std::pair<std::string, uint64_t>> list(MetadataStore &s, uint64_t dir,
						    uint64_t after = 0)
{
	std::vector<std::pair<std::string, uint64_t>> out;
	Status st = s.read_dir(dir, after, [&](const DirEntry &e) {
		out.emplace_back(std::string(e.name), e.cookie);
		return true;
	});
	EXPECT_TRUE(st.ok());
	return out;
}

class MetadataStoreTest : public ::testing::TestWithParam<std::string> {
protected:
	StoreUnderTest under_ = make_store(GetParam());
	MetadataStore &s = *under_.store;
};

INSTANTIATE_TEST_SUITE_P(Stores, MetadataStoreTest, ::testing::Values("memory", "rocks"),
			 [](const auto &info) { return info.param; });

TEST_P(MetadataStoreTest, ServesOnlyDefault)
{
	auto root = s.root_of("default");
	ASSERT_TRUE(root.ok());
	EXPECT_EQ(*root, kRoot);
	auto other = s.root_of("other");
	ASSERT_FALSE(other.ok());
	EXPECT_EQ(other.error().code, ENOENT);
	ASSERT_EQ(s.filesystems().size(), 1u);
	EXPECT_EQ(s.filesystems()[0].name, "default");
}

// A file system added through management has a namespace of its own: what
// is created in one is not seen in the other, and each is summarised apart.
TEST_P(MetadataStoreTest, AddedFileSystemsAreSeparateNamespaces)
{
	auto data = s.add_filesystem("data");
	ASSERT_TRUE(data.ok());
	EXPECT_NE(*data, kRoot);
	auto again = s.add_filesystem("data");
	ASSERT_TRUE(again.ok());
	EXPECT_EQ(*again, *data);
	ASSERT_TRUE(s.root_of("data").ok());
	EXPECT_EQ(*s.root_of("data"), *data);

	NewNode file{.mode = S_IFREG | 0644};
	auto f = s.create(*data, "only-in-data", file);
	ASSERT_TRUE(f.ok());
	EXPECT_TRUE(s.lookup(*data, "only-in-data").ok());
	auto missing = s.lookup(kRoot, "only-in-data");
	ASSERT_FALSE(missing.ok());
	EXPECT_EQ(missing.error().code, ENOENT);
	EXPECT_EQ(list(s, kRoot).size(), 2u);	// "." and ".."

	auto all = s.filesystems();
	ASSERT_EQ(all.size(), 2u);
	for (const auto &fs : all) {
		if (fs.name == "data") {
			EXPECT_EQ(fs.root, *data);
			EXPECT_EQ(fs.files, 2u);	// root + the file
		} else {
			EXPECT_EQ(fs.name, "default");
			EXPECT_EQ(fs.files, 1u);
		}
	}
}

TEST_P(MetadataStoreTest, DotAndDotDot)
{
	auto sub = s.make_node(kRoot, "sub", S_IFDIR | 0755, 0, 0);
	ASSERT_TRUE(sub.ok());
	EXPECT_EQ(s.lookup(sub->ino, ".")->ino, sub->ino);
	EXPECT_EQ(s.lookup(sub->ino, "..")->ino, kRoot);
	EXPECT_EQ(s.lookup(kRoot, "..")->ino, kRoot);
	EXPECT_EQ(s.getattr(kRoot)->nlink, 3u);
}

TEST_P(MetadataStoreTest, CookiesAreNeverReused)
{
	ASSERT_TRUE(s.make_node(kRoot, "a", S_IFREG | 0644, 0, 0).ok());
	ASSERT_TRUE(s.make_node(kRoot, "b", S_IFREG | 0644, 0, 0).ok());
	auto before = list(s, kRoot);
	ASSERT_EQ(before.size(), 4u);
	ASSERT_TRUE(s.remove(kRoot, "b").ok());
	ASSERT_TRUE(s.make_node(kRoot, "b", S_IFREG | 0644, 0, 0).ok());
	auto after = list(s, kRoot);
	ASSERT_EQ(after.size(), 4u);
	EXPECT_GT(after[3].second, before[3].second);
	EXPECT_EQ(after[2], before[2]);
}

TEST_P(MetadataStoreTest, ContinuesAfterACookie)
{
	for (const char *n : {"a", "b", "c"})
		ASSERT_TRUE(s.make_node(kRoot, n, S_IFREG | 0644, 0, 0).ok());
	auto all = list(s, kRoot);
	auto rest = list(s, kRoot, all[2].second);
	ASSERT_EQ(rest.size(), 2u);
	EXPECT_EQ(rest[0].first, "b");
}

TEST_P(MetadataStoreTest, NamespaceErrors)
{
	ASSERT_TRUE(s.make_node(kRoot, "a", S_IFREG | 0644, 0, 0).ok());
	EXPECT_EQ(s.make_node(kRoot, "a", S_IFREG | 0644, 0, 0).error().code, EEXIST);
	EXPECT_EQ(s.remove(kRoot, "zz").error().code, ENOENT);
	auto d = s.make_node(kRoot, "d", S_IFDIR | 0755, 0, 0);
	ASSERT_TRUE(s.make_node(d->ino, "x", S_IFREG | 0644, 0, 0).ok());
	EXPECT_EQ(s.remove(kRoot, "d").error().code, ENOTEMPTY);
	EXPECT_EQ(s.filesystems()[0].files, 4u);
}

TEST_P(MetadataStoreTest, DataRoundTripWithHolesAndTruncate)
{
	auto f = s.make_node(kRoot, "f", S_IFREG | 0644, 0, 0);
	ASSERT_TRUE(f.ok());
	std::vector<std::byte> data(10000);
	for (size_t i = 0; i < data.size(); i++)
		data[i] = static_cast<std::byte>(i * 7 + 1);
	// Unaligned, across a 64 KiB chunk boundary, with a hole before it.
	const uint64_t off = 65536 - 3000;
	ASSERT_EQ(*s.write(f->ino, off, data), data.size());
	EXPECT_EQ(s.getattr(f->ino)->size, off + data.size());
	std::vector<std::byte> out(off + data.size() + 100);
	auto n = s.read(f->ino, 0, out);
	ASSERT_TRUE(n.ok());
	ASSERT_EQ(*n, off + data.size());
	for (size_t i = 0; i < off; i++)
		ASSERT_EQ(out[i], std::byte{0}) << i;
	EXPECT_EQ(0, std::memcmp(out.data() + off, data.data(), data.size()));

	SetAttr shrink;
	shrink.valid = SetAttr::kSize;
	shrink.size = off + 10;
	ASSERT_TRUE(s.setattr(f->ino, shrink).ok());
	SetAttr grow = shrink;
	grow.size = off + 5000;
	ASSERT_TRUE(s.setattr(f->ino, grow).ok());
	std::vector<std::byte> tail(5000);
	ASSERT_EQ(*s.read(f->ino, off, tail), 5000u);
	EXPECT_EQ(0, std::memcmp(tail.data(), data.data(), 10));
	for (size_t i = 10; i < tail.size(); i++)
		ASSERT_EQ(tail[i], std::byte{0}) << i;
	EXPECT_EQ(s.read(kRoot, 0, tail).error().code, EISDIR);
}

TEST_P(MetadataStoreTest, UnlinkedOpenFileLivesUntilRelease)
{
	auto f = s.make_node(kRoot, "f", S_IFREG | 0644, 0, 0);
	ASSERT_TRUE(f.ok());
	std::vector<std::byte> data(5000, std::byte{9});
	ASSERT_TRUE(s.write(f->ino, 0, data).ok());
	ASSERT_TRUE(s.open(f->ino).ok());
	ASSERT_TRUE(s.unlink(kRoot, "f").ok());
	EXPECT_EQ(s.getattr(f->ino)->nlink, 0u);
	std::vector<std::byte> out(5000);
	ASSERT_EQ(*s.read(f->ino, 0, out), 5000u);
	EXPECT_EQ(out, data);
	ASSERT_TRUE(s.release(f->ino).ok());
	EXPECT_EQ(s.getattr(f->ino).error().code, ENOENT);
}

// CREATE with WEFT_CREATE_OPEN: the creation counts as an open, so the file
// outlives its name until the one RELEASE, as after an OPEN.
TEST_P(MetadataStoreTest, CreatedOpenCountsAsAnOpen)
{
	NewNode spec{S_IFREG | 0600, 0, 0, 0, {}, {}, true};
	auto f = s.create(kRoot, "f", spec);
	ASSERT_TRUE(f.ok());
	ASSERT_TRUE(s.write(f->ino, 0, std::as_bytes(std::span("abc", 3))).ok());
	ASSERT_TRUE(s.unlink(kRoot, "f").ok());
	EXPECT_EQ(s.getattr(f->ino)->nlink, 0u);
	ASSERT_TRUE(s.release(f->ino).ok());
	EXPECT_EQ(s.getattr(f->ino).error().code, ENOENT);
	// without it, no open is counted: the unlink removes the file at once
	spec.open = false;
	auto g = s.create(kRoot, "g", spec);
	ASSERT_TRUE(g.ok());
	ASSERT_TRUE(s.unlink(kRoot, "g").ok());
	EXPECT_EQ(s.getattr(g->ino).error().code, ENOENT);
	// an O_TMPFILE file made open lives until its release
	spec.open = true;
	auto t = s.create_unlinked(kRoot, spec);
	ASSERT_TRUE(t.ok());
	EXPECT_EQ(s.getattr(t->ino)->nlink, 0u);
	ASSERT_TRUE(s.release(t->ino).ok());
	EXPECT_EQ(s.getattr(t->ino).error().code, ENOENT);
}

TEST_P(MetadataStoreTest, RenameAndLinkKeepCounts)
{
	auto a = s.make_node(kRoot, "a", S_IFDIR | 0755, 0, 0);
	auto b = s.make_node(kRoot, "b", S_IFDIR | 0755, 0, 0);
	auto f = s.make_node(a->ino, "f", S_IFREG | 0644, 0, 0);
	ASSERT_TRUE(a.ok() && b.ok() && f.ok());
	ASSERT_TRUE(s.link(f->ino, b->ino, "g").ok());
	EXPECT_EQ(s.getattr(f->ino)->nlink, 2u);
	EXPECT_EQ(s.rename(kRoot, "a", a->ino, "x", 0).error().code, EINVAL);
	ASSERT_TRUE(s.rename(kRoot, "a", b->ino, "a2", 0).ok());
	EXPECT_EQ(s.getattr(kRoot)->nlink, 3u);
	EXPECT_EQ(s.getattr(b->ino)->nlink, 3u);
	EXPECT_EQ(s.lookup(a->ino, "..")->ino, b->ino);
	// Replacing g (a second name of f) by f is a no-op; replacing a file drops a link.
	auto h = s.make_node(b->ino, "h", S_IFREG | 0644, 0, 0);
	ASSERT_TRUE(s.rename(a->ino, "f", b->ino, "h", 0).ok());
	EXPECT_EQ(s.getattr(h->ino).error().code, ENOENT);
	EXPECT_EQ(s.lookup(b->ino, "h")->ino, f->ino);
	EXPECT_EQ(s.rename(b->ino, "h", b->ino, "g", kRenameNoReplace).error().code, EEXIST);
	ASSERT_TRUE(s.rename(b->ino, "h", b->ino, "a2", kRenameExchange).ok());
	EXPECT_EQ(s.lookup(b->ino, "a2")->ino, f->ino);
	EXPECT_EQ(s.lookup(b->ino, "h")->ino, a->ino);
	EXPECT_EQ(s.rmdir(b->ino, "a2").error().code, ENOTDIR);
	EXPECT_EQ(s.unlink(b->ino, "h").error().code, EISDIR);
	EXPECT_EQ(s.link(a->ino, kRoot, "dirlink").error().code, EPERM);
}

TEST_P(MetadataStoreTest, XattrsAndTheirErrors)
{
	auto f = s.make_node(kRoot, "f", S_IFREG | 0644, 0, 0);
	ASSERT_TRUE(f.ok());
	EXPECT_EQ(s.getxattr(f->ino, "user.a").error().code, ENODATA);
	EXPECT_EQ(s.setxattr(f->ino, "user.a", "1", kXattrReplace).error().code, ENODATA);
	ASSERT_TRUE(s.setxattr(f->ino, "user.a", "1", kXattrCreate).ok());
	EXPECT_EQ(s.setxattr(f->ino, "user.a", "2", kXattrCreate).error().code, EEXIST);
	EXPECT_EQ(s.setxattr(f->ino, "user.a", "2", kXattrCreate | kXattrReplace).error().code, EINVAL);
	ASSERT_TRUE(s.setxattr(f->ino, "user.b", "", 0).ok());
	EXPECT_EQ(*s.getxattr(f->ino, "user.b"), "");
	EXPECT_EQ(*s.listxattr(f->ino), (std::vector<std::string>{"user.a", "user.b"}));
	EXPECT_EQ(s.setxattr(f->ino, "user." + std::string(251, 'n'), "v", 0).error().code, ERANGE);
	EXPECT_EQ(s.setxattr(f->ino, "user.big", std::string(65537, 'v'), 0).error().code, E2BIG);
	ASSERT_TRUE(s.removexattr(f->ino, "user.a").ok());
	EXPECT_EQ(s.removexattr(f->ino, "user.a").error().code, ENODATA);
	EXPECT_EQ(s.getxattr(f->ino + 1000, "user.a").error().code, ENOENT);
}

TEST_P(MetadataStoreTest, SeekDataHoleAndPunch)
{
	// Both stores keep data in 64 KiB units here (memory blocks, 16-block chunks).
	constexpr uint64_t kUnit = 64 * 1024;
	auto f = s.make_node(kRoot, "f", S_IFREG | 0644, 0, 0);
	std::vector<std::byte> data(100, std::byte{7});
	ASSERT_TRUE(s.write(f->ino, 0, data).ok());
	ASSERT_TRUE(s.write(f->ino, 3 * kUnit + 5, data).ok());
	EXPECT_EQ(*s.seek_data_hole(f->ino, 0, kSeekData), 0u);
	EXPECT_EQ(*s.seek_data_hole(f->ino, 0, kSeekHole), kUnit);
	EXPECT_EQ(*s.seek_data_hole(f->ino, kUnit, kSeekData), 3 * kUnit);
	EXPECT_EQ(*s.seek_data_hole(f->ino, 3 * kUnit, kSeekHole), 3 * kUnit + 105);
	EXPECT_EQ(s.seek_data_hole(f->ino, 3 * kUnit + 105, kSeekData).error().code, ENXIO);
	EXPECT_EQ(s.seek_data_hole(kRoot, 0, kSeekData).error().code, EINVAL);
	auto a = s.fallocate(f->ino, kFallocPunchHole | kFallocKeepSize, 0, kUnit);
	ASSERT_TRUE(a.ok());
	EXPECT_EQ(a->size, 3 * kUnit + 105);
	EXPECT_EQ(*s.seek_data_hole(f->ino, 0, kSeekData), 3 * kUnit);
	std::vector<std::byte> out(100);
	ASSERT_EQ(*s.read(f->ino, 0, out), 100u);
	EXPECT_EQ(out, std::vector<std::byte>(100));
	EXPECT_EQ(s.fallocate(f->ino, kFallocPunchHole, 0, 1).error().code, EOPNOTSUPP);
	EXPECT_EQ(s.fallocate(f->ino, 0, 0, 0).error().code, EINVAL);
	EXPECT_EQ(s.fallocate(kRoot, 0, 0, 1).error().code, EISDIR);
	a = s.fallocate(f->ino, 0, 0, 5 * kUnit);
	ASSERT_TRUE(a.ok());
	EXPECT_EQ(a->size, 5 * kUnit);
}

TEST_P(MetadataStoreTest, RenameWhiteout)
{
	ASSERT_TRUE(s.make_node(kRoot, "a", S_IFREG | 0644, 7, 8).ok());
	ASSERT_TRUE(s.rename(kRoot, "a", kRoot, "b", kRenameWhiteout).ok());
	auto wh = s.lookup(kRoot, "a");
	ASSERT_TRUE(wh.ok());
	EXPECT_TRUE(S_ISCHR(wh->mode));
	EXPECT_EQ(wh->rdev, 0u);
	EXPECT_TRUE(S_ISREG(s.lookup(kRoot, "b")->mode));
	EXPECT_EQ(s.rename(kRoot, "b", kRoot, "a", kRenameWhiteout | kRenameExchange).error().code,
		  EINVAL);
}

}  // namespace
}  // namespace weft

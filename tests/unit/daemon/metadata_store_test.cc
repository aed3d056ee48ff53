// MemoryMetadataStore on its own: the namespace rules handlers rely on.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include "memory_metadata_store.h"

namespace weft {
namespace {

constexpr uint64_t kRoot = MemoryMetadataStore::kRootIno;

std::vector<std::pair<std::string, uint64_t>> list(MemoryMetadataStore &s, uint64_t dir,
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

TEST(MemoryMetadataStore, ServesOnlyDefault)
{
	MemoryMetadataStore s;
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
TEST(MemoryMetadataStore, AddedFileSystemsAreSeparateNamespaces)
{
	MemoryMetadataStore s;
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

TEST(MemoryMetadataStore, DotAndDotDot)
{
	MemoryMetadataStore s;
	auto sub = s.make_node(kRoot, "sub", S_IFDIR | 0755, 0, 0);
	ASSERT_TRUE(sub.ok());
	EXPECT_EQ(s.lookup(sub->ino, ".")->ino, sub->ino);
	EXPECT_EQ(s.lookup(sub->ino, "..")->ino, kRoot);
	EXPECT_EQ(s.lookup(kRoot, "..")->ino, kRoot);
	EXPECT_EQ(s.getattr(kRoot)->nlink, 3u);
}

TEST(MemoryMetadataStore, CookiesAreNeverReused)
{
	MemoryMetadataStore s;
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

TEST(MemoryMetadataStore, ContinuesAfterACookie)
{
	MemoryMetadataStore s;
	for (const char *n : {"a", "b", "c"})
		ASSERT_TRUE(s.make_node(kRoot, n, S_IFREG | 0644, 0, 0).ok());
	auto all = list(s, kRoot);
	auto rest = list(s, kRoot, all[2].second);
	ASSERT_EQ(rest.size(), 2u);
	EXPECT_EQ(rest[0].first, "b");
}

TEST(MemoryMetadataStore, NamespaceErrors)
{
	MemoryMetadataStore s;
	ASSERT_TRUE(s.make_node(kRoot, "a", S_IFREG | 0644, 0, 0).ok());
	EXPECT_EQ(s.make_node(kRoot, "a", S_IFREG | 0644, 0, 0).error().code, EEXIST);
	EXPECT_EQ(s.remove(kRoot, "zz").error().code, ENOENT);
	auto d = s.make_node(kRoot, "d", S_IFDIR | 0755, 0, 0);
	ASSERT_TRUE(s.make_node(d->ino, "x", S_IFREG | 0644, 0, 0).ok());
	EXPECT_EQ(s.remove(kRoot, "d").error().code, ENOTEMPTY);
	EXPECT_EQ(s.filesystems()[0].files, 4u);
}

}  // namespace
}  // namespace weft

// The MetadataStore methods of issue 4 (xattrs, fallocate, SEEK_DATA /
// SEEK_HOLE, RENAME_WHITEOUT), run over every store in kStores so that each
// implementation meets the same assertions.  Only the interface is used.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "memory_metadata_store.h"

namespace weft {
namespace {

struct StoreFactory {
	const char *name;
	std::function<std::unique_ptr<MetadataStore>()> make;
};

// Add a factory here to run every test below on another store.
const StoreFactory kStores[] = {
	{"Memory", [] { return std::make_unique<MemoryMetadataStore>(); }},
};

class MetadataStoreExt : public ::testing::TestWithParam<StoreFactory> {
protected:
	void SetUp() override
	{
		store_ = GetParam().make();
		auto root = store_->add_filesystem("ext");
		ASSERT_TRUE(root.ok());
		root_ = *root;
	}

	uint64_t make(std::string_view name, uint32_t mode)
	{
		auto a = store_->make_node(root_, name, mode, 1000, 1000);
		EXPECT_TRUE(a.ok());
		return a.ok() ? a->ino : 0;
	}

	void put(uint64_t ino, uint64_t offset, size_t len, char c)
	{
		std::vector<std::byte> buf(len, std::byte(c));
		auto n = store_->write(ino, offset, buf);
		ASSERT_TRUE(n.ok());
		ASSERT_EQ(*n, len);
	}

	std::string get(uint64_t ino, uint64_t offset, size_t len)
	{
		std::string out(len, '?');
		auto n = store_->read(ino, offset,
				      {reinterpret_cast<std::byte *>(out.data()), out.size()});
		EXPECT_TRUE(n.ok());
		out.resize(n.ok() ? *n : 0);
		return out;
	}

	std::unique_ptr<MetadataStore> store_;
	uint64_t root_ = 0;
};

int err(const Status &s) { return s.ok() ? 0 : s.error().code; }
template <typename T>
int err(const Result<T> &r) { return r.ok() ? 0 : r.error().code; }

TEST_P(MetadataStoreExt, XattrSetGetReplaceRemove)
{
	const uint64_t f = make("f", S_IFREG | 0644);
	EXPECT_EQ(err(store_->getxattr(f, "user.a")), ENODATA);
	ASSERT_TRUE(store_->setxattr(f, "user.a", "one", 0).ok());
	auto v = store_->getxattr(f, "user.a");
	ASSERT_TRUE(v.ok());
	EXPECT_EQ(*v, "one");
	EXPECT_EQ(err(store_->setxattr(f, "user.a", "two", kXattrCreate)), EEXIST);
	EXPECT_EQ(err(store_->setxattr(f, "user.b", "two", kXattrReplace)), ENODATA);
	ASSERT_TRUE(store_->setxattr(f, "user.a", "two", kXattrReplace).ok());
	EXPECT_EQ(*store_->getxattr(f, "user.a"), "two");
	// an empty value is a value, binary bytes survive
	ASSERT_TRUE(store_->setxattr(f, "trusted.empty", "", kXattrCreate).ok());
	EXPECT_EQ(*store_->getxattr(f, "trusted.empty"), "");
	const std::string bin("a\0b\xff", 4);
	ASSERT_TRUE(store_->setxattr(f, "security.bin", bin, 0).ok());
	EXPECT_EQ(*store_->getxattr(f, "security.bin"), bin);
	ASSERT_TRUE(store_->removexattr(f, "user.a").ok());
	EXPECT_EQ(err(store_->getxattr(f, "user.a")), ENODATA);
	EXPECT_EQ(err(store_->removexattr(f, "user.a")), ENODATA);
	EXPECT_EQ(err(store_->getxattr(999999, "user.a")), ENOENT);
}

TEST_P(MetadataStoreExt, XattrLimitsAndList)
{
	const uint64_t f = make("f", S_IFREG | 0644);
	const std::string big(65536, 'x');
	ASSERT_TRUE(store_->setxattr(f, "user.big", big, 0).ok());
	EXPECT_EQ(store_->getxattr(f, "user.big")->size(), 65536u);
	EXPECT_EQ(err(store_->setxattr(f, "user.big", big + "y", 0)), E2BIG);
	EXPECT_EQ(err(store_->setxattr(f, "", "v", 0)), ERANGE);
	EXPECT_EQ(err(store_->setxattr(f, "user." + std::string(251, 'n'), "v", 0)), ERANGE);
	ASSERT_TRUE(store_->setxattr(f, "user." + std::string(250, 'n'), "v", 0).ok());
	ASSERT_TRUE(store_->setxattr(f, "system.posix_acl_access", "acl", 0).ok());
	auto names = store_->listxattr(f);
	ASSERT_TRUE(names.ok());
	std::vector<std::string> sorted = *names;
	std::sort(sorted.begin(), sorted.end());
	EXPECT_EQ(sorted, (std::vector<std::string>{"system.posix_acl_access", "user.big",
						    "user." + std::string(250, 'n')}));
	// the order is stable from one call to the next
	EXPECT_EQ(*store_->listxattr(f), *names);
	// xattrs belong to the inode: another name of it sees them
	ASSERT_TRUE(store_->link(f, root_, "g").ok());
	auto g = store_->lookup(root_, "g");
	ASSERT_TRUE(g.ok());
	EXPECT_EQ(*store_->getxattr(g->ino, "system.posix_acl_access"), "acl");
	// directories and symlinks carry them too
	const uint64_t d = make("d", S_IFDIR | 0755);
	ASSERT_TRUE(store_->setxattr(d, "system.posix_acl_default", "dacl", 0).ok());
	EXPECT_EQ(*store_->getxattr(d, "system.posix_acl_default"), "dacl");
}

TEST_P(MetadataStoreExt, XattrChangeUpdatesCtime)
{
	const uint64_t f = make("f", S_IFREG | 0644);
	SetAttr old;
	old.valid = SetAttr::kCtime;
	old.ctime = {1000, 0};
	ASSERT_TRUE(store_->setattr(f, old).ok());
	ASSERT_TRUE(store_->setxattr(f, "user.a", "1", 0).ok());
	EXPECT_GT(store_->getattr(f)->ctime.sec, 1000);
}

TEST_P(MetadataStoreExt, FallocateModes)
{
	const uint64_t f = make("f", S_IFREG | 0644);
	// mode 0 grows the file; the new range reads as zeros
	auto a = store_->fallocate(f, 0, 0, 10000);
	ASSERT_TRUE(a.ok());
	EXPECT_EQ(a->size, 10000u);
	EXPECT_EQ(get(f, 0, 10000), std::string(10000, '\0'));
	// KEEP_SIZE does not
	a = store_->fallocate(f, kFallocKeepSize, 5000, 100000);
	ASSERT_TRUE(a.ok());
	EXPECT_EQ(a->size, 10000u);
	// a range inside the file keeps the data
	put(f, 0, 10000, 'a');
	ASSERT_TRUE(store_->fallocate(f, 0, 0, 4096).ok());
	EXPECT_EQ(get(f, 0, 10000), std::string(10000, 'a'));
	// PUNCH_HOLE needs KEEP_SIZE, then zeroes the range only
	EXPECT_EQ(err(store_->fallocate(f, kFallocPunchHole, 0, 10)), EOPNOTSUPP);
	a = store_->fallocate(f, kFallocPunchHole | kFallocKeepSize, 100, 200);
	ASSERT_TRUE(a.ok());
	EXPECT_EQ(a->size, 10000u);
	EXPECT_EQ(get(f, 0, 400),
		  std::string(100, 'a') + std::string(200, '\0') + std::string(100, 'a'));
	// punching past the end does not grow the file
	ASSERT_TRUE(store_->fallocate(f, kFallocPunchHole | kFallocKeepSize, 9000, 5000).ok());
	EXPECT_EQ(store_->getattr(f)->size, 10000u);
	EXPECT_EQ(get(f, 8990, 2000), std::string(10, 'a') + std::string(1000, '\0'));
	// ZERO_RANGE zeroes and grows; with KEEP_SIZE it does not grow
	a = store_->fallocate(f, kFallocZeroRange, 0, 20000);
	ASSERT_TRUE(a.ok());
	EXPECT_EQ(a->size, 20000u);
	EXPECT_EQ(get(f, 0, 20000), std::string(20000, '\0'));
	put(f, 0, 100, 'b');
	a = store_->fallocate(f, kFallocZeroRange | kFallocKeepSize, 50, 100000);
	ASSERT_TRUE(a.ok());
	EXPECT_EQ(a->size, 20000u);
	EXPECT_EQ(get(f, 0, 100), std::string(50, 'b') + std::string(50, '\0'));
	// everything else is refused, as are bad ranges and non-files
	EXPECT_EQ(err(store_->fallocate(f, 0x08 /* COLLAPSE_RANGE */, 0, 4096)), EOPNOTSUPP);
	EXPECT_EQ(err(store_->fallocate(f, 0x20 /* INSERT_RANGE */, 0, 4096)), EOPNOTSUPP);
	EXPECT_EQ(err(store_->fallocate(f, 0, 0, 0)), EINVAL);
	EXPECT_EQ(err(store_->fallocate(f, 0, INT64_MAX, 2)), EFBIG);
	const uint64_t d = make("d", S_IFDIR | 0755);
	EXPECT_EQ(err(store_->fallocate(d, 0, 0, 10)), EISDIR);
}

TEST_P(MetadataStoreExt, SeekDataHole)
{
	const uint64_t f = make("f", S_IFREG | 0644);
	constexpr uint64_t M = 1 << 20;
	// data at [0, 64K) and [2M, 2M+64K), a hole between, size 3M
	put(f, 0, 65536, 'a');
	put(f, 2 * M, 65536, 'b');
	SetAttr grow;
	grow.valid = SetAttr::kSize;
	grow.size = 3 * M;
	ASSERT_TRUE(store_->setattr(f, grow).ok());
	auto at = [&](uint64_t off, int whence) { return store_->seek_data_hole(f, off, whence); };
	EXPECT_EQ(*at(0, kSeekData), 0u);
	EXPECT_EQ(*at(100, kSeekData), 100u);
	// a store may call allocated zeros data, never data a hole:
	// the hole after the first extent starts at or after 64K, before 2M
	auto h = at(0, kSeekHole);
	ASSERT_TRUE(h.ok());
	EXPECT_GE(*h, 65536u);
	EXPECT_LE(*h, 2 * M);
	auto d = at(65536, kSeekData);
	ASSERT_TRUE(d.ok());
	EXPECT_LE(*d, 2 * M);
	EXPECT_EQ(*at(2 * M + 10, kSeekData), 2 * M + 10);
	h = at(2 * M, kSeekHole);
	ASSERT_TRUE(h.ok());
	EXPECT_GE(*h, 2 * M + 65536);
	EXPECT_LE(*h, 3 * M);
	// past the last data: no data (ENXIO); the end of file is a hole
	EXPECT_EQ(err(at(2 * M + 65536 + 4096, kSeekData)), ENXIO);
	EXPECT_EQ(*at(3 * M - 1, kSeekHole), 3 * M - 1);
	EXPECT_EQ(err(at(3 * M, kSeekHole)), ENXIO);
	EXPECT_EQ(err(at(3 * M, kSeekData)), ENXIO);
	EXPECT_EQ(err(at(0, 7)), EINVAL);
	// a punched range of whole blocks is a hole again
	ASSERT_TRUE(store_->fallocate(f, kFallocPunchHole | kFallocKeepSize, 0, 65536).ok());
	d = at(0, kSeekData);
	ASSERT_TRUE(d.ok());
	EXPECT_GT(*d, 0u);
	// an empty file has neither
	const uint64_t e = make("e", S_IFREG | 0644);
	EXPECT_EQ(err(store_->seek_data_hole(e, 0, kSeekData)), ENXIO);
	EXPECT_EQ(err(store_->seek_data_hole(e, 0, kSeekHole)), ENXIO);
}

TEST_P(MetadataStoreExt, RenameWhiteout)
{
	const uint64_t f = make("f", S_IFREG | 0644);
	put(f, 0, 5, 'z');
	ASSERT_TRUE(store_->rename(root_, "f", root_, "g", kRenameWhiteout).ok());
	auto g = store_->lookup(root_, "g");
	ASSERT_TRUE(g.ok());
	EXPECT_EQ(g->ino, f);
	auto w = store_->lookup(root_, "f");
	ASSERT_TRUE(w.ok());
	EXPECT_NE(w->ino, f);
	EXPECT_EQ(w->mode, uint32_t(S_IFCHR));
	EXPECT_EQ(w->rdev, 0u);
	EXPECT_EQ(w->nlink, 1u);
	// replacing a target works too, and the replaced file is gone
	const uint64_t h = make("h", S_IFREG | 0600);
	ASSERT_TRUE(store_->rename(root_, "h", root_, "g", kRenameWhiteout).ok());
	EXPECT_EQ(store_->lookup(root_, "g")->ino, h);
	EXPECT_EQ(store_->lookup(root_, "h")->mode, uint32_t(S_IFCHR));
	EXPECT_EQ(err(store_->getattr(f)), ENOENT);
	// a whiteout is removable like any device node
	ASSERT_TRUE(store_->unlink(root_, "h").ok());
	// not with EXCHANGE; NOREPLACE still refuses an existing target
	make("x", S_IFREG | 0644);
	EXPECT_EQ(err(store_->rename(root_, "x", root_, "g", kRenameWhiteout | kRenameExchange)),
		  EINVAL);
	EXPECT_EQ(err(store_->rename(root_, "x", root_, "g", kRenameWhiteout | kRenameNoReplace)),
		  EEXIST);
	// a directory moves under a whiteout too (overlayfs does this)
	const uint64_t d = make("d", S_IFDIR | 0755);
	ASSERT_TRUE(store_->rename(root_, "d", root_, "d2", kRenameWhiteout).ok());
	EXPECT_EQ(store_->lookup(root_, "d2")->ino, d);
	EXPECT_EQ(store_->lookup(root_, "d")->mode, uint32_t(S_IFCHR));
}

// The xattrs a node is created with (its inherited ACLs) are there from the
// start; a create that fails gives the existing node nothing.
TEST_P(MetadataStoreExt, CreateCarriesXattrs)
{
	const NewXattr acls[] = {{"system.posix_acl_access", "acl-a"},
				 {"system.posix_acl_default", "acl-d"}};
	auto d = store_->create(root_, "d", NewNode{S_IFDIR | 0750, 0, 0, 0, {}, acls});
	ASSERT_TRUE(d.ok());
	EXPECT_EQ(*store_->getxattr(d->ino, "system.posix_acl_access"), "acl-a");
	EXPECT_EQ(*store_->getxattr(d->ino, "system.posix_acl_default"), "acl-d");
	auto t = store_->create_unlinked(d->ino, NewNode{S_IFREG | 0600, 0, 0, 0, {},
							  std::span(acls, 1)});
	ASSERT_TRUE(t.ok());
	EXPECT_EQ(*store_->getxattr(t->ino, "system.posix_acl_access"), "acl-a");
	const uint64_t f = make("f", S_IFREG | 0644);
	auto again = store_->create(root_, "f", NewNode{S_IFREG | 0600, 0, 0, 0, {}, acls});
	ASSERT_FALSE(again.ok());
	EXPECT_EQ(again.error().code, EEXIST);
	EXPECT_EQ(err(store_->getxattr(f, "system.posix_acl_access")), ENODATA);
}

INSTANTIATE_TEST_SUITE_P(Stores, MetadataStoreExt, ::testing::ValuesIn(kStores),
			 [](const ::testing::TestParamInfo<StoreFactory> &info) {
				 return std::string(info.param.name);
			 });

}  // namespace
}  // namespace weft

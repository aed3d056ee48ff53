// MOUNT, LOOKUP, GETATTR, STATFS, READDIR through the rings, as the kernel
// will send them.
#include <dirent.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#include <atomic>
#include <map>
#include <set>
#include <thread>

#include "daemon_harness.h"

namespace weft::testing {
namespace {

constexpr uint64_t kRoot = MemoryMetadataStore::kRootIno;

Submission op(uint32_t opcode, uint64_t nodeid, std::string_view name = {})
{
	Submission s;
	s.opcode = opcode;
	s.nodeid = nodeid;
	s.payload = bytes_of(name);
	return s;
}

struct Dirent {
	uint64_t ino, off;
	uint32_t type;
	std::string name;
};

// Walks packed READDIR output the way the kernel does.
std::vector<Dirent> parse_dirents(const Completion &c)
{
	std::vector<Dirent> out;
	size_t pos = 0;
	while (pos < c.out.size()) {
		weft_dirent d;
		EXPECT_LE(pos + sizeof(d), c.out.size());
		std::memcpy(&d, c.out.data() + pos, sizeof(d));
		const size_t size = WEFT_DIRENT_SIZE(d.namelen);
		EXPECT_EQ(size % 8, 0u);
		EXPECT_LE(pos + size, c.out.size());
		std::string name(reinterpret_cast<const char *>(c.out.data()) + pos + sizeof(d), d.namelen);
		for (size_t i = sizeof(d) + d.namelen; i < size; i++)
			EXPECT_EQ(c.out[pos + i], std::byte{0}) << "padding not zeroed";
		out.push_back({d.ino, d.off, d.type, name});
		pos += size;
	}
	return out;
}

std::vector<Dirent> readdir_page(DaemonHarness &h, uint64_t dir, uint64_t pos, uint32_t out_max,
				 int32_t *result = nullptr)
{
	Submission s = op(WEFT_OP_READDIR, dir);
	s.readdir_pos = pos;
	s.out_max = out_max;
	Completion c = h.call(s);
	if (result)
		*result = c.cqe.result;
	else
		EXPECT_EQ(c.cqe.result, 0);
	return parse_dirents(c);
}

std::vector<Dirent> readdir_all(DaemonHarness &h, uint64_t dir, uint32_t out_max)
{
	std::vector<Dirent> all;
	uint64_t pos = 0;
	for (;;) {
		auto page = readdir_page(h, dir, pos, out_max);
		if (page.empty())
			return all;
		pos = page.back().off;
		all.insert(all.end(), page.begin(), page.end());
	}
}

TEST(Mount, DefaultFileSystemAnswersWithItsRoot)
{
	DaemonHarness h;
	Completion c = h.call(op(WEFT_OP_MOUNT, 0, "default"));
	ASSERT_EQ(c.cqe.result, 0);
	ASSERT_EQ(c.cqe.out_len, sizeof(weft_mount_out));
	auto m = payload_as<weft_mount_out>(c);
	EXPECT_EQ(m.abi_version, uint32_t(WEFT_ABI_VERSION));
	EXPECT_EQ(m.block_size, 4096u);
	EXPECT_GT(m.max_file_size, 0u);
	EXPECT_EQ(m.root.nodeid, kRoot);
	EXPECT_EQ(m.root.attr.ino, kRoot);
	EXPECT_TRUE(S_ISDIR(m.root.attr.mode));
	EXPECT_GE(m.root.attr.nlink, 2u);
}

TEST(Mount, NulTerminatedNameIsAccepted)
{
	DaemonHarness h;
	Submission s = op(WEFT_OP_MOUNT, 0);
	s.payload = bytes_of(std::string_view("default\0", 8));
	EXPECT_EQ(h.call(s).cqe.result, 0);
}

TEST(Mount, UnknownFileSystemIsNotFound)
{
	DaemonHarness h;
	EXPECT_EQ(h.call(op(WEFT_OP_MOUNT, 0, "nosuchfs")).cqe.result, -ENOENT);
}

TEST(Mount, BadNamesAreInvalid)
{
	DaemonHarness h;
	EXPECT_EQ(h.call(op(WEFT_OP_MOUNT, 0, "")).cqe.result, -EINVAL);
	EXPECT_EQ(h.call(op(WEFT_OP_MOUNT, 0, "a/default")).cqe.result, -EINVAL);
	EXPECT_EQ(h.call(op(WEFT_OP_MOUNT, 0, std::string(64, 'a'))).cqe.result, -ENAMETOOLONG);
}

TEST(Mount, OutputBufferTooSmallIsInvalid)
{
	DaemonHarness h;
	Submission s = op(WEFT_OP_MOUNT, 0, "default");
	s.out_max = sizeof(weft_mount_out) - 1;
	Completion c = h.call(s);
	EXPECT_EQ(c.cqe.result, -EINVAL);
	EXPECT_EQ(c.cqe.out_len, 0u);
}

TEST(Umount, Succeeds)
{
	DaemonHarness h;
	EXPECT_EQ(h.call(op(WEFT_OP_UMOUNT, kRoot)).cqe.result, 0);
	EXPECT_EQ(h.call(op(WEFT_OP_FORGET, kRoot)).cqe.result, 0);
}

TEST(Lookup, FindsAnEntry)
{
	DaemonHarness h;
	auto made = h.store.make_node(kRoot, "hello", S_IFREG | 0644, 1000, 1000);
	ASSERT_TRUE(made.ok());
	Completion c = h.call(op(WEFT_OP_LOOKUP, kRoot, "hello"));
	ASSERT_EQ(c.cqe.result, 0);
	ASSERT_EQ(c.cqe.out_len, sizeof(weft_entry_out));
	auto e = payload_as<weft_entry_out>(c);
	EXPECT_EQ(e.nodeid, made->ino);
	EXPECT_EQ(e.attr.ino, made->ino);
	EXPECT_EQ(e.attr.mode, S_IFREG | 0644u);
	EXPECT_EQ(e.attr.uid, 1000u);
	EXPECT_GT(e.entry_valid_ns, 0u);
}

TEST(Lookup, MissingNameIsNotFound)
{
	DaemonHarness h;
	EXPECT_EQ(h.call(op(WEFT_OP_LOOKUP, kRoot, "missing")).cqe.result, -ENOENT);
}

TEST(Lookup, ReadsOnlyInLenBytes)
{
	DaemonHarness h;
	ASSERT_TRUE(h.store.make_node(kRoot, "ab", S_IFREG | 0644, 0, 0).ok());
	Submission s = op(WEFT_OP_LOOKUP, kRoot, "abc");
	s.in_len = 2;
	EXPECT_EQ(h.call(s).cqe.result, 0);
}

TEST(Lookup, ValidatesNames)
{
	DaemonHarness h;
	EXPECT_EQ(h.call(op(WEFT_OP_LOOKUP, kRoot, "")).cqe.result, -EINVAL);
	EXPECT_EQ(h.call(op(WEFT_OP_LOOKUP, kRoot, "a/b")).cqe.result, -EINVAL);
	EXPECT_EQ(h.call(op(WEFT_OP_LOOKUP, kRoot, std::string_view("a\0b", 3))).cqe.result, -EINVAL);
	EXPECT_EQ(h.call(op(WEFT_OP_LOOKUP, kRoot, std::string(256, 'x'))).cqe.result, -ENAMETOOLONG);
	// 255 bytes is a legal name that simply does not exist
	EXPECT_EQ(h.call(op(WEFT_OP_LOOKUP, kRoot, std::string(255, 'x'))).cqe.result, -ENOENT);
}

TEST(Lookup, InFileOrMissingParent)
{
	DaemonHarness h;
	auto f = h.store.make_node(kRoot, "f", S_IFREG | 0644, 0, 0);
	ASSERT_TRUE(f.ok());
	EXPECT_EQ(h.call(op(WEFT_OP_LOOKUP, f->ino, "x")).cqe.result, -ENOTDIR);
	EXPECT_EQ(h.call(op(WEFT_OP_LOOKUP, 9999, "x")).cqe.result, -ENOENT);
}

TEST(Getattr, RootAndMissing)
{
	DaemonHarness h;
	Completion c = h.call(op(WEFT_OP_GETATTR, kRoot));
	ASSERT_EQ(c.cqe.result, 0);
	auto a = payload_as<weft_attr_out>(c);
	EXPECT_EQ(a.attr.ino, kRoot);
	EXPECT_TRUE(S_ISDIR(a.attr.mode));
	EXPECT_EQ(a.attr.blksize, 4096u);
	EXPECT_GT(a.attr.mtime_sec, 0);
	EXPECT_GT(a.attr_valid_ns, 0u);
	EXPECT_EQ(h.call(op(WEFT_OP_GETATTR, 424242)).cqe.result, -ENOENT);
}

TEST(Statfs, ReportsTheDataDirectory)
{
	DaemonHarness h;
	Completion c = h.call(op(WEFT_OP_STATFS, kRoot));
	ASSERT_EQ(c.cqe.result, 0);
	ASSERT_EQ(c.cqe.out_len, sizeof(weft_statfs_out));
	auto s = payload_as<weft_statfs_out>(c);
	struct statvfs sv{};
	ASSERT_EQ(::statvfs(h.data_dir.c_str(), &sv), 0);
	EXPECT_EQ(s.bsize, 4096u);
	EXPECT_EQ(s.frsize, 4096u);
	EXPECT_EQ(s.namelen, 255u);
	EXPECT_EQ(s.blocks, uint64_t(sv.f_blocks) * sv.f_frsize / 4096);
	EXPECT_LE(s.bfree, s.blocks);
	EXPECT_LE(s.bavail, s.bfree);
	EXPECT_GE(s.files, s.ffree);
}

TEST(Readdir, EmptyRootHasDotAndDotDot)
{
	DaemonHarness h;
	auto all = readdir_all(h, kRoot, 4096);
	ASSERT_EQ(all.size(), 2u);
	EXPECT_EQ(all[0].name, ".");
	EXPECT_EQ(all[0].ino, kRoot);
	EXPECT_EQ(all[0].type, unsigned(DT_DIR));
	EXPECT_EQ(all[1].name, "..");
	EXPECT_EQ(all[1].type, unsigned(DT_DIR));
	EXPECT_LT(all[0].off, all[1].off);
}

TEST(Readdir, ListsEntriesWithTypes)
{
	DaemonHarness h;
	ASSERT_TRUE(h.store.make_node(kRoot, "dir", S_IFDIR | 0755, 0, 0).ok());
	ASSERT_TRUE(h.store.make_node(kRoot, "file", S_IFREG | 0644, 0, 0).ok());
	ASSERT_TRUE(h.store.make_node(kRoot, "link", S_IFLNK | 0777, 0, 0).ok());
	std::map<std::string, uint32_t> types;
	for (const Dirent &d : readdir_all(h, kRoot, 4096))
		types[d.name] = d.type;
	EXPECT_EQ(types.size(), 5u);
	EXPECT_EQ(types["dir"], unsigned(DT_DIR));
	EXPECT_EQ(types["file"], unsigned(DT_REG));
	EXPECT_EQ(types["link"], unsigned(DT_LNK));
}

TEST(Readdir, SmallBuffersPageThroughEveryEntryOnce)
{
	DaemonHarness h;
	std::set<std::string> want{".", ".."};
	for (int i = 0; i < 300; i++) {
		std::string name = "entry-" + std::to_string(i) + std::string(i % 40, 'z');
		ASSERT_TRUE(h.store.make_node(kRoot, name, S_IFREG | 0644, 0, 0).ok());
		want.insert(name);
	}
	// the longest record is 24 + 48 bytes
	for (uint32_t out_max : {72u, 100u, 512u, 4096u, 16384u}) {
		auto all = readdir_all(h, kRoot, out_max);
		std::set<std::string> got;
		for (const Dirent &d : all)
			EXPECT_TRUE(got.insert(d.name).second) << "duplicate " << d.name;
		EXPECT_EQ(got, want) << "out_max " << out_max;
	}
}

TEST(Readdir, StopsAtOutMax)
{
	DaemonHarness h;
	for (int i = 0; i < 10; i++)
		ASSERT_TRUE(h.store.make_node(kRoot, "n" + std::to_string(i), S_IFREG | 0644, 0, 0).ok());
	Submission s = op(WEFT_OP_READDIR, kRoot);
	s.out_max = 3 * 32 + 8;	// room for three short records, not four
	Completion c = h.call(s);
	ASSERT_EQ(c.cqe.result, 0);
	EXPECT_EQ(c.cqe.out_len, 3u * 32);
	EXPECT_EQ(parse_dirents(c).size(), 3u);
}

TEST(Readdir, BufferTooSmallForOneEntryIsInvalid)
{
	DaemonHarness h;
	int32_t result = 0;
	readdir_page(h, kRoot, 0, 16, &result);
	EXPECT_EQ(result, -EINVAL);
}

TEST(Readdir, EndOfDirectoryIsEmptyNotAnError)
{
	DaemonHarness h;
	auto all = readdir_all(h, kRoot, 4096);
	int32_t result = 1;
	auto rest = readdir_page(h, kRoot, all.back().off, 16, &result);
	EXPECT_EQ(result, 0);
	EXPECT_TRUE(rest.empty());
}

TEST(Readdir, CookiesSurviveConcurrentChanges)
{
	DaemonHarness h;
	for (int i = 0; i < 20; i++)
		ASSERT_TRUE(h.store.make_node(kRoot, "f" + std::to_string(i), S_IFREG | 0644, 0, 0).ok());
	// First page, then remove entries on both sides of the cookie and add
	// new ones: the rest of the listing holds every survivor exactly once.
	auto first = readdir_page(h, kRoot, 0, 6 * 32);
	ASSERT_EQ(first.size(), 6u);	// ., .., f0..f3
	ASSERT_TRUE(h.store.remove(kRoot, "f1").ok());
	ASSERT_TRUE(h.store.remove(kRoot, "f10").ok());
	ASSERT_TRUE(h.store.make_node(kRoot, "new", S_IFREG | 0644, 0, 0).ok());
	std::vector<Dirent> rest;
	uint64_t pos = first.back().off;
	for (;;) {
		auto page = readdir_page(h, kRoot, pos, 3 * 32);
		if (page.empty())
			break;
		pos = page.back().off;
		rest.insert(rest.end(), page.begin(), page.end());
	}
	std::set<std::string> names;
	for (const Dirent &d : rest)
		EXPECT_TRUE(names.insert(d.name).second);
	EXPECT_EQ(names.count("f10"), 0u);
	EXPECT_EQ(names.count("new"), 1u);
	EXPECT_EQ(names.count("f3"), 0u);	// already listed
	for (int i = 4; i < 20; i++)
		if (i != 10) {
			EXPECT_EQ(names.count("f" + std::to_string(i)), 1u) << i;
		}
	EXPECT_EQ(names.size(), 16u);
}

TEST(Readdir, OfAFileIsNotADirectory)
{
	DaemonHarness h;
	auto f = h.store.make_node(kRoot, "f", S_IFREG | 0644, 0, 0);
	ASSERT_TRUE(f.ok());
	int32_t result = 0;
	readdir_page(h, f->ino, 0, 4096, &result);
	EXPECT_EQ(result, -ENOTDIR);
}

}  // namespace
}  // namespace weft::testing

namespace weft::testing {
namespace {

// Listings on every queue while another thread keeps changing the
// directory: every page parses, cookies only grow, nothing fails.
TEST(Readdir, ConcurrentWithNamespaceChanges)
{
	HarnessOptions o;
	o.attach.nr_queues = 2;
	DaemonHarness h(o);
	for (int i = 0; i < 50; i++)
		ASSERT_TRUE(h.store.make_node(kRoot, "keep" + std::to_string(i), S_IFREG | 0644, 0, 0).ok());
	std::atomic<bool> done{false};
	std::thread churn([&] {
		for (int i = 0; !done.load(); i++) {
			const std::string name = "tmp" + std::to_string(i % 20);
			if (!h.store.make_node(kRoot, name, S_IFREG | 0644, 0, 0).ok())
				(void)h.store.remove(kRoot, name);
		}
	});
	std::vector<std::thread> listers;
	std::atomic<int> failures{0};
	for (uint32_t q = 0; q < 2; q++) {
		listers.emplace_back([&, q] {
			for (int round = 0; round < 20; round++) {
				uint64_t pos = 0;
				int keep = 0;
				for (;;) {
					Submission s = op(WEFT_OP_READDIR, kRoot);
					s.readdir_pos = pos;
					s.out_max = 256;
					uint64_t id = h.kernel.submit(q, s);
					auto c = h.kernel.wait_for(q, id);
					if (!c || c->cqe.result != 0) {
						failures++;
						break;
					}
					auto page = parse_dirents(*c);
					if (page.empty())
						break;
					for (const Dirent &d : page) {
						if (d.off <= pos)
							failures++;
						pos = d.off;
						keep += d.name.rfind("keep", 0) == 0;
					}
				}
				if (keep != 50)
					failures++;
			}
		});
	}
	for (auto &t : listers)
		t.join();
	done = true;
	churn.join();
	EXPECT_EQ(failures.load(), 0);
}

}  // namespace
}  // namespace weft::testing

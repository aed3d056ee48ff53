// The issue-4 opcodes (namespace, SETATTR, OPEN/RELEASE, READ/WRITE, FSYNC,
// xattrs, FALLOCATE, LSEEK)
// through Dispatcher::dispatch exactly as a queue worker calls it: one SQE
// and its slot buffer in, one CQE out.  Payloads are built as kmod builds them.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <cstring>
#include <string>
#include <vector>

#include "dispatcher.h"
#include "fs_handlers.h"
#include "memory_metadata_store.h"

namespace weft {
namespace {

constexpr uint64_t kRoot = MemoryMetadataStore::kRootIno;
constexpr size_t kSlot = 64 * 1024;

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

struct Out {
	int32_t result;
	std::vector<std::byte> data;

	template <typename T>
	T as() const
	{
		T v{};
		EXPECT_EQ(data.size(), sizeof(T));
		std::memcpy(&v, data.data(), std::min(sizeof(T), data.size()));
		return v;
	}
	std::string str() const { return {reinterpret_cast<const char *>(data.data()), data.size()}; }
};

class Posix : public ::testing::Test {
protected:
	Posix() : fs(store, FsHandlerOptions{"/tmp"}) { fs.register_with(d); }

	Out call(uint32_t opcode, uint64_t nodeid, const std::vector<std::byte> &in,
		 uint32_t out_max = kSlot, weft_sqe sqe = {})
	{
		std::vector<std::byte> slot(kSlot, std::byte{0xa5});
		std::memcpy(slot.data(), in.data(), in.size());
		sqe.opcode = opcode;
		sqe.nodeid = nodeid;
		sqe.in_len = static_cast<uint32_t>(in.size());
		sqe.out_max = out_max;
		weft_cqe c = d.dispatch(sqe, slot);
		EXPECT_LE(c.out_len, out_max);
		Out o{c.result, {}};
		if (c.result == 0)
			o.data.assign(slot.begin(), slot.begin() + c.out_len);
		return o;
	}

	Out make(uint32_t opcode, uint64_t parent, std::string_view name, uint32_t mode,
		 std::string_view target = {}, uint32_t rdev = 0, uint32_t uid = 0, uint32_t gid = 0)
	{
		weft_create_in in{mode, rdev, uid, gid, static_cast<uint32_t>(name.size()), 0};
		std::vector<std::byte> v;
		append(v, in);
		append(v, name);
		append(v, target);
		return call(opcode, parent, v);
	}
	uint64_t mkfile(uint64_t parent, std::string_view name)
	{
		Out o = make(WEFT_OP_CREATE, parent, name, S_IFREG | 0644);
		EXPECT_EQ(o.result, 0);
		return o.result ? 0 : o.as<weft_entry_out>().nodeid;
	}
	uint64_t mkdir(uint64_t parent, std::string_view name)
	{
		Out o = make(WEFT_OP_MKDIR, parent, name, 0755);
		EXPECT_EQ(o.result, 0);
		return o.result ? 0 : o.as<weft_entry_out>().nodeid;
	}
	int32_t remove(uint32_t opcode, uint64_t parent, std::string_view name)
	{
		std::vector<std::byte> v;
		append(v, name);
		return call(opcode, parent, v).result;
	}
	int32_t rename(uint64_t od, std::string_view on, uint64_t nd, std::string_view nn,
		       uint32_t flags = 0)
	{
		weft_rename_in in{nd, flags, static_cast<uint32_t>(on.size()),
				  static_cast<uint32_t>(nn.size()), 0};
		std::vector<std::byte> v;
		append(v, in);
		append(v, on);
		append(v, nn);
		return call(WEFT_OP_RENAME, od, v).result;
	}
	Out lookup(uint64_t parent, std::string_view name)
	{
		std::vector<std::byte> v;
		append(v, name);
		return call(WEFT_OP_LOOKUP, parent, v);
	}
	weft_attr attr(uint64_t ino)
	{
		Out o = call(WEFT_OP_GETATTR, ino, {});
		EXPECT_EQ(o.result, 0);
		return o.as<weft_attr_out>().attr;
	}
	Out write(uint64_t ino, uint64_t off, std::string_view data)
	{
		weft_sqe sqe{};
		sqe.u.rw.offset = off;
		sqe.u.rw.size = static_cast<uint32_t>(data.size());
		std::vector<std::byte> v;
		append(v, data);
		return call(WEFT_OP_WRITE, ino, v, sizeof(weft_write_out), sqe);
	}
	Out read(uint64_t ino, uint64_t off, uint32_t size)
	{
		weft_sqe sqe{};
		sqe.u.rw.offset = off;
		sqe.u.rw.size = size;
		return call(WEFT_OP_READ, ino, {}, size, sqe);
	}
	Out setattr(uint64_t ino, const weft_setattr_in &in)
	{
		std::vector<std::byte> v;
		append(v, in);
		return call(WEFT_OP_SETATTR, ino, v, sizeof(weft_attr_out));
	}

	MemoryMetadataStore store;
	FsHandlers fs;
	Dispatcher d;
};

TEST_F(Posix, CreateReturnsTheEntryAndRefusesDuplicates)
{
	Out o = make(WEFT_OP_CREATE, kRoot, "f", 0640, {}, 0, 1000, 100);
	ASSERT_EQ(o.result, 0);
	auto e = o.as<weft_entry_out>();
	EXPECT_NE(e.nodeid, 0u);
	EXPECT_EQ(e.attr.mode, uint32_t(S_IFREG | 0640));
	EXPECT_EQ(e.attr.uid, 1000u);
	EXPECT_EQ(e.attr.gid, 100u);
	EXPECT_EQ(e.attr.nlink, 1u);
	EXPECT_EQ(make(WEFT_OP_CREATE, kRoot, "f", 0640).result, -EEXIST);
	EXPECT_EQ(make(WEFT_OP_MKDIR, kRoot, "f", 0755).result, -EEXIST);
	EXPECT_EQ(lookup(kRoot, "f").as<weft_entry_out>().nodeid, e.nodeid);
}

TEST_F(Posix, CreateValidatesNamesAndParents)
{
	EXPECT_EQ(make(WEFT_OP_CREATE, kRoot, std::string(256, 'n'), 0644).result, -ENAMETOOLONG);
	EXPECT_EQ(make(WEFT_OP_CREATE, kRoot, "a/b", 0644).result, -EINVAL);
	EXPECT_EQ(make(WEFT_OP_CREATE, kRoot, std::string_view("a\0b", 3), 0644).result, -EINVAL);
	EXPECT_EQ(make(WEFT_OP_CREATE, kRoot, "", 0644).result, -EINVAL);
	const uint64_t f = mkfile(kRoot, "file");
	EXPECT_EQ(make(WEFT_OP_CREATE, f, "x", 0644).result, -ENOTDIR);
	EXPECT_EQ(make(WEFT_OP_CREATE, 999, "x", 0644).result, -ENOENT);
	// namelen past the input
	weft_create_in in{0644, 0, 0, 0, 10, 0};
	std::vector<std::byte> v;
	append(v, in);
	append(v, std::string_view("abc"));
	EXPECT_EQ(call(WEFT_OP_CREATE, kRoot, v).result, -EINVAL);
	// header cut short
	v.resize(sizeof(in) - 1);
	EXPECT_EQ(call(WEFT_OP_CREATE, kRoot, v).result, -EINVAL);
}

TEST_F(Posix, MkdirCountsLinks)
{
	const uint64_t d1 = mkdir(kRoot, "d");
	EXPECT_EQ(attr(kRoot).nlink, 3u);
	EXPECT_EQ(attr(d1).nlink, 2u);
	EXPECT_TRUE(S_ISDIR(attr(d1).mode));
	mkdir(d1, "sub");
	EXPECT_EQ(attr(d1).nlink, 3u);
}

TEST_F(Posix, MknodMakesEveryNodeType)
{
	for (uint32_t type : {S_IFIFO, S_IFSOCK, S_IFCHR, S_IFBLK, S_IFREG}) {
		const std::string name = "n" + std::to_string(type);
		Out o = make(WEFT_OP_MKNOD, kRoot, name, type | 0600, {}, makedev(1, 3));
		ASSERT_EQ(o.result, 0) << type;
		auto e = o.as<weft_entry_out>();
		EXPECT_EQ(e.attr.mode & S_IFMT, type);
		const bool dev = type == S_IFCHR || type == S_IFBLK;
		EXPECT_EQ(e.attr.rdev, dev ? makedev(1, 3) : 0u);
	}
	EXPECT_EQ(make(WEFT_OP_MKNOD, kRoot, "dir", S_IFDIR | 0755).result, -EINVAL);
	EXPECT_EQ(make(WEFT_OP_MKNOD, kRoot, "lnk", S_IFLNK | 0777).result, -EINVAL);
	EXPECT_EQ(make(WEFT_OP_MKNOD, kRoot, "none", 0777).result, -EINVAL);
}

TEST_F(Posix, SymlinkAndReadlink)
{
	Out o = make(WEFT_OP_SYMLINK, kRoot, "l", 0, "../some/where");
	ASSERT_EQ(o.result, 0);
	auto e = o.as<weft_entry_out>();
	EXPECT_EQ(e.attr.mode, uint32_t(S_IFLNK | 0777));
	EXPECT_EQ(e.attr.size, 13u);
	Out r = call(WEFT_OP_READLINK, e.nodeid, {}, WEFT_SYMLINK_MAX);
	ASSERT_EQ(r.result, 0);
	EXPECT_EQ(r.str(), "../some/where");
	EXPECT_EQ(call(WEFT_OP_READLINK, e.nodeid, {}, 5).result, -ENAMETOOLONG);
	EXPECT_EQ(call(WEFT_OP_READLINK, kRoot, {}).result, -EINVAL);
	EXPECT_EQ(make(WEFT_OP_SYMLINK, kRoot, "empty", 0, "").result, -ENOENT);
	EXPECT_EQ(make(WEFT_OP_SYMLINK, kRoot, "nul", 0, std::string_view("a\0b", 3)).result, -EINVAL);
	EXPECT_EQ(make(WEFT_OP_SYMLINK, kRoot, "long", 0, std::string(4096, 'x')).result,
		  -ENAMETOOLONG);
	Out max = make(WEFT_OP_SYMLINK, kRoot, "max", 0, std::string(4095, 'x'));
	EXPECT_EQ(max.result, 0);
}

TEST_F(Posix, UnlinkAndRmdirErrnos)
{
	const uint64_t d1 = mkdir(kRoot, "d");
	mkfile(d1, "f");
	EXPECT_EQ(remove(WEFT_OP_UNLINK, kRoot, "d"), -EISDIR);
	EXPECT_EQ(remove(WEFT_OP_RMDIR, kRoot, "d"), -ENOTEMPTY);
	EXPECT_EQ(remove(WEFT_OP_RMDIR, d1, "f"), -ENOTDIR);
	EXPECT_EQ(remove(WEFT_OP_UNLINK, d1, "nope"), -ENOENT);
	EXPECT_EQ(remove(WEFT_OP_UNLINK, d1, "f"), 0);
	EXPECT_EQ(lookup(d1, "f").result, -ENOENT);
	EXPECT_EQ(remove(WEFT_OP_RMDIR, kRoot, "d"), 0);
	EXPECT_EQ(attr(kRoot).nlink, 2u);
	EXPECT_EQ(call(WEFT_OP_GETATTR, d1, {}).result, -ENOENT);
	EXPECT_EQ(make(WEFT_OP_CREATE, d1, "x", 0644).result, -ENOENT);
}

TEST_F(Posix, HardLinks)
{
	const uint64_t f = mkfile(kRoot, "f");
	const uint64_t d1 = mkdir(kRoot, "d");
	weft_link_in in{f, 2, 0};
	std::vector<std::byte> v;
	append(v, in);
	append(v, std::string_view("f2"));
	Out o = call(WEFT_OP_LINK, d1, v);
	ASSERT_EQ(o.result, 0);
	EXPECT_EQ(o.as<weft_entry_out>().nodeid, f);
	EXPECT_EQ(o.as<weft_entry_out>().attr.nlink, 2u);
	EXPECT_EQ(call(WEFT_OP_LINK, d1, v).result, -EEXIST);
	weft_link_in din{d1, 2, 0};
	std::vector<std::byte> dv;
	append(dv, din);
	append(dv, std::string_view("dd"));
	EXPECT_EQ(call(WEFT_OP_LINK, kRoot, dv).result, -EPERM);
	ASSERT_EQ(write(f, 0, "data").result, 0);
	EXPECT_EQ(remove(WEFT_OP_UNLINK, kRoot, "f"), 0);
	EXPECT_EQ(attr(f).nlink, 1u);
	EXPECT_EQ(read(f, 0, 10).str(), "data");
	EXPECT_EQ(remove(WEFT_OP_UNLINK, d1, "f2"), 0);
	EXPECT_EQ(call(WEFT_OP_GETATTR, f, {}).result, -ENOENT);
}

TEST_F(Posix, RenamePlain)
{
	const uint64_t a = mkdir(kRoot, "a");
	const uint64_t b = mkdir(kRoot, "b");
	const uint64_t f = mkfile(a, "f");
	EXPECT_EQ(rename(a, "f", b, "g"), 0);
	EXPECT_EQ(lookup(a, "f").result, -ENOENT);
	EXPECT_EQ(lookup(b, "g").as<weft_entry_out>().nodeid, f);
	EXPECT_EQ(rename(a, "nope", b, "x"), -ENOENT);
	// a directory moves its ".." and the parents' link counts
	const uint64_t sub = mkdir(a, "sub");
	EXPECT_EQ(attr(a).nlink, 3u);
	EXPECT_EQ(rename(a, "sub", b, "sub"), 0);
	EXPECT_EQ(attr(a).nlink, 2u);
	EXPECT_EQ(attr(b).nlink, 3u);
	EXPECT_EQ(lookup(sub, "..").as<weft_entry_out>().nodeid, b);
	// into its own subtree
	EXPECT_EQ(rename(kRoot, "b", sub, "x"), -EINVAL);
	// same inode under two names: nothing happens
	weft_link_in in{f, 2, 0};
	std::vector<std::byte> v;
	append(v, in);
	append(v, std::string_view("g2"));
	ASSERT_EQ(call(WEFT_OP_LINK, b, v).result, 0);
	EXPECT_EQ(rename(b, "g", b, "g2"), 0);
	EXPECT_EQ(lookup(b, "g").result, 0);
	EXPECT_EQ(attr(f).nlink, 2u);
}

TEST_F(Posix, RenameOverExisting)
{
	const uint64_t f1 = mkfile(kRoot, "f1");
	const uint64_t f2 = mkfile(kRoot, "f2");
	mkdir(kRoot, "d1");
	const uint64_t d2 = mkdir(kRoot, "d2");
	EXPECT_EQ(rename(kRoot, "f1", kRoot, "d1"), -EISDIR);
	EXPECT_EQ(rename(kRoot, "d1", kRoot, "f1"), -ENOTDIR);
	mkfile(d2, "x");
	EXPECT_EQ(rename(kRoot, "d1", kRoot, "d2"), -ENOTEMPTY);
	EXPECT_EQ(remove(WEFT_OP_UNLINK, d2, "x"), 0);
	EXPECT_EQ(rename(kRoot, "d1", kRoot, "d2"), 0);
	EXPECT_EQ(attr(kRoot).nlink, 3u);
	EXPECT_EQ(call(WEFT_OP_GETATTR, d2, {}).result, -ENOENT);
	EXPECT_EQ(rename(kRoot, "f1", kRoot, "f2"), 0);
	EXPECT_EQ(lookup(kRoot, "f2").as<weft_entry_out>().nodeid, f1);
	EXPECT_EQ(call(WEFT_OP_GETATTR, f2, {}).result, -ENOENT);
}

TEST_F(Posix, RenameNoReplaceAndExchange)
{
	const uint64_t f = mkfile(kRoot, "f");
	const uint64_t d1 = mkdir(kRoot, "d");
	mkfile(d1, "inner");
	EXPECT_EQ(rename(kRoot, "f", kRoot, "d", WEFT_RENAME_NOREPLACE), -EEXIST);
	EXPECT_EQ(rename(kRoot, "f", kRoot, "g", WEFT_RENAME_NOREPLACE), 0);
	EXPECT_EQ(rename(kRoot, "g", kRoot, "nope", WEFT_RENAME_EXCHANGE), -ENOENT);
	EXPECT_EQ(rename(kRoot, "g", kRoot, "d", WEFT_RENAME_EXCHANGE), 0);
	EXPECT_EQ(lookup(kRoot, "g").as<weft_entry_out>().nodeid, d1);
	EXPECT_EQ(lookup(kRoot, "d").as<weft_entry_out>().nodeid, f);
	// exchange across directories moves ".." and link counts
	const uint64_t e = mkdir(kRoot, "e");
	const uint64_t h = mkfile(e, "h");
	EXPECT_EQ(rename(kRoot, "g", e, "h", WEFT_RENAME_EXCHANGE), 0);
	EXPECT_EQ(lookup(e, "h").as<weft_entry_out>().nodeid, d1);
	EXPECT_EQ(lookup(kRoot, "g").as<weft_entry_out>().nodeid, h);
	EXPECT_EQ(lookup(d1, "..").as<weft_entry_out>().nodeid, e);
	EXPECT_EQ(attr(e).nlink, 3u);
	EXPECT_EQ(rename(kRoot, "g", kRoot, "d", WEFT_RENAME_EXCHANGE | WEFT_RENAME_NOREPLACE),
		  -EINVAL);
	EXPECT_EQ(rename(kRoot, "g", kRoot, "d", 8), -EINVAL);
}

TEST_F(Posix, SetattrChangesOnlyWhatIsNamed)
{
	const uint64_t f = mkfile(kRoot, "f");
	weft_setattr_in in{};
	in.valid = WEFT_SETATTR_MODE | WEFT_SETATTR_UID | WEFT_SETATTR_GID;
	in.mode = S_IFDIR | 04711;	// the type bits are ignored
	in.uid = 7;
	in.gid = 8;
	Out o = setattr(f, in);
	ASSERT_EQ(o.result, 0);
	auto a = o.as<weft_attr_out>().attr;
	EXPECT_EQ(a.mode, uint32_t(S_IFREG | 04711));
	EXPECT_EQ(a.uid, 7u);
	EXPECT_EQ(a.gid, 8u);
	in = {};
	in.valid = WEFT_SETATTR_ATIME | WEFT_SETATTR_MTIME | WEFT_SETATTR_CTIME;
	in.atime_sec = 1;
	in.atime_nsec = 123456789;
	in.mtime_sec = -5;
	in.mtime_nsec = 999999999;
	in.ctime_sec = 3;
	in.ctime_nsec = 1;
	a = setattr(f, in).as<weft_attr_out>().attr;
	EXPECT_EQ(a.atime_sec, 1);
	EXPECT_EQ(a.atime_nsec, 123456789u);
	EXPECT_EQ(a.mtime_sec, -5);
	EXPECT_EQ(a.mtime_nsec, 999999999u);
	EXPECT_EQ(a.ctime_sec, 3);
	EXPECT_EQ(a.uid, 7u);
	in.mtime_nsec = 1000000000;
	EXPECT_EQ(setattr(f, in).result, -EINVAL);
	in = {};
	in.valid = 1u << 20;
	EXPECT_EQ(setattr(f, in).result, -EINVAL);
	in = {};
	in.valid = WEFT_SETATTR_SIZE;
	EXPECT_EQ(setattr(kRoot, in).result, -EISDIR);
	EXPECT_EQ(setattr(999, in).result, -ENOENT);
}

TEST_F(Posix, TruncateGrowsWithZerosAndShrinks)
{
	const uint64_t f = mkfile(kRoot, "f");
	ASSERT_EQ(write(f, 0, "hello world").result, 0);
	weft_setattr_in in{};
	in.valid = WEFT_SETATTR_SIZE;
	in.size = 5;
	EXPECT_EQ(setattr(f, in).as<weft_attr_out>().attr.size, 5u);
	in.size = 100000;
	EXPECT_EQ(setattr(f, in).as<weft_attr_out>().attr.size, 100000u);
	Out r = read(f, 0, 16);
	ASSERT_EQ(r.result, 0);
	EXPECT_EQ(r.str(), std::string("hello") + std::string(11, '\0'));
	in.size = 0;
	EXPECT_EQ(setattr(f, in).as<weft_attr_out>().attr.size, 0u);
	EXPECT_EQ(read(f, 0, 16).data.size(), 0u);
}

TEST_F(Posix, WriteAndReadBackAcrossBlocksAndFarOffsets)
{
	const uint64_t f = mkfile(kRoot, "f");
	std::string big(200000, '\0');
	for (size_t i = 0; i < big.size(); i++)
		big[i] = static_cast<char>('a' + i % 26);
	const uint64_t far = (5ull << 30) + 12345;	// past 4 GiB
	Out w = write(f, far, big.substr(0, 60000));
	ASSERT_EQ(w.result, 0);
	EXPECT_EQ(w.as<weft_write_out>().size, 60000u);
	EXPECT_EQ(attr(f).size, far + 60000);
	EXPECT_EQ(read(f, far, 60000).str(), big.substr(0, 60000));
	// a hole reads as zeros, without memory behind it
	EXPECT_EQ(read(f, 1ull << 30, 8).str(), std::string(8, '\0'));
	EXPECT_LT(attr(f).blocks, 1024u);
	// short read at end of file, nothing past it
	EXPECT_EQ(read(f, far + 59990, 100).data.size(), 10u);
	EXPECT_EQ(read(f, far + 60000, 100).data.size(), 0u);
	EXPECT_EQ(call(WEFT_OP_READ, kRoot, {}, 10).result, -EISDIR);
}

TEST_F(Posix, ReadAndWriteSizesAreChecked)
{
	const uint64_t f = mkfile(kRoot, "f");
	weft_sqe sqe{};
	sqe.u.rw.size = 100;	// but in_len is 3
	std::vector<std::byte> v;
	append(v, std::string_view("abc"));
	EXPECT_EQ(call(WEFT_OP_WRITE, f, v, sizeof(weft_write_out), sqe).result, -EINVAL);
	sqe.u.rw.size = 100;
	EXPECT_EQ(call(WEFT_OP_READ, f, {}, 50, sqe).result, -EINVAL);
	sqe.u.rw.offset = ~0ull;
	sqe.u.rw.size = 3;
	EXPECT_EQ(call(WEFT_OP_WRITE, f, v, sizeof(weft_write_out), sqe).result, -EFBIG);
}

TEST_F(Posix, OpenHandleKeepsAnUnlinkedFile)
{
	const uint64_t f = mkfile(kRoot, "f");
	ASSERT_EQ(write(f, 0, "still here").result, 0);
	Out o = call(WEFT_OP_OPEN, f, {}, sizeof(weft_open_out));
	ASSERT_EQ(o.result, 0);
	EXPECT_EQ(remove(WEFT_OP_UNLINK, kRoot, "f"), 0);
	EXPECT_EQ(attr(f).nlink, 0u);
	EXPECT_EQ(read(f, 0, 100).str(), "still here");
	EXPECT_EQ(call(WEFT_OP_FSYNC, f, {}).result, 0);
	weft_sqe sqe{};
	sqe.fh = o.as<weft_open_out>().fh;
	EXPECT_EQ(call(WEFT_OP_RELEASE, f, {}, 0, sqe).result, 0);
	EXPECT_EQ(call(WEFT_OP_GETATTR, f, {}).result, -ENOENT);
	EXPECT_EQ(call(WEFT_OP_OPEN, f, {}).result, -ENOENT);
}

TEST_F(Posix, TmpfileIsUnlinkedUntilLinked)
{
	weft_create_in in{0600, 0, 5, 6, 0, WEFT_CREATE_TMPFILE};
	std::vector<std::byte> v;
	append(v, in);
	Out o = call(WEFT_OP_CREATE, kRoot, v);
	ASSERT_EQ(o.result, 0);
	auto e = o.as<weft_entry_out>();
	EXPECT_EQ(e.attr.nlink, 0u);
	EXPECT_EQ(e.attr.mode, uint32_t(S_IFREG | 0600));
	EXPECT_EQ(e.attr.uid, 5u);
	ASSERT_EQ(call(WEFT_OP_OPEN, e.nodeid, {}, sizeof(weft_open_out)).result, 0);
	ASSERT_EQ(write(e.nodeid, 0, "tmp").result, 0);
	// not in the directory: only "." and ".."
	Out list = call(WEFT_OP_READDIR, kRoot, {});
	EXPECT_EQ(list.result, 0);
	EXPECT_EQ(list.data.size(), WEFT_DIRENT_SIZE(1) + WEFT_DIRENT_SIZE(2));
	// linkat(AT_EMPTY_PATH) names it
	weft_link_in li{e.nodeid, 4, 0};
	std::vector<std::byte> lv;
	append(lv, li);
	append(lv, std::string_view("name"));
	Out l = call(WEFT_OP_LINK, kRoot, lv);
	ASSERT_EQ(l.result, 0);
	EXPECT_EQ(l.as<weft_entry_out>().attr.nlink, 1u);
	EXPECT_EQ(call(WEFT_OP_RELEASE, e.nodeid, {}).result, 0);
	EXPECT_EQ(read(lookup(kRoot, "name").as<weft_entry_out>().nodeid, 0, 10).str(), "tmp");
	// an unnamed one goes away at its last release
	Out o2 = call(WEFT_OP_CREATE, kRoot, v);
	const uint64_t t2 = o2.as<weft_entry_out>().nodeid;
	ASSERT_EQ(call(WEFT_OP_OPEN, t2, {}, sizeof(weft_open_out)).result, 0);
	EXPECT_EQ(call(WEFT_OP_RELEASE, t2, {}).result, 0);
	EXPECT_EQ(call(WEFT_OP_GETATTR, t2, {}).result, -ENOENT);
}

TEST_F(Posix, CreateThatOpensRepliesWithAHandle)
{
	weft_create_in in{0640, 0, 7, 8, 1, WEFT_CREATE_OPEN};
	std::vector<std::byte> v;
	append(v, in);
	append(v, std::string_view("f"));
	Out o = call(WEFT_OP_CREATE, kRoot, v, sizeof(weft_create_out));
	ASSERT_EQ(o.result, 0);
	auto c = o.as<weft_create_out>();
	EXPECT_NE(c.entry.nodeid, 0u);
	EXPECT_EQ(c.fh, c.entry.nodeid);
	EXPECT_EQ(c.pad, 0u);
	EXPECT_EQ(c.entry.attr.mode, uint32_t(S_IFREG | 0640));
	EXPECT_EQ(c.entry.attr.uid, 7u);
	EXPECT_EQ(lookup(kRoot, "f").as<weft_entry_out>().nodeid, c.entry.nodeid);
	// open since its creation: an unlink leaves it until the RELEASE
	ASSERT_EQ(write(c.entry.nodeid, 0, "data").result, 0);
	EXPECT_EQ(remove(WEFT_OP_UNLINK, kRoot, "f"), 0);
	EXPECT_EQ(read(c.entry.nodeid, 0, 10).str(), "data");
	weft_sqe sqe{};
	sqe.fh = c.fh;
	EXPECT_EQ(call(WEFT_OP_RELEASE, c.entry.nodeid, {}, 0, sqe).result, 0);
	EXPECT_EQ(call(WEFT_OP_GETATTR, c.entry.nodeid, {}).result, -ENOENT);

	// no room for the handle: refused, and nothing made
	std::vector<std::byte> g;
	in.namelen = 1;
	append(g, in);
	append(g, std::string_view("g"));
	EXPECT_EQ(call(WEFT_OP_CREATE, kRoot, g, sizeof(weft_entry_out)).result, -EINVAL);
	EXPECT_EQ(lookup(kRoot, "g").result, -ENOENT);
	// only CREATE opens
	for (uint32_t op : {WEFT_OP_MKDIR, WEFT_OP_MKNOD, WEFT_OP_SYMLINK})
		EXPECT_EQ(call(op, kRoot, g).result, -EINVAL) << op;
	EXPECT_EQ(lookup(kRoot, "g").result, -ENOENT);

	// O_TMPFILE made open: gone at its release, with no OPEN
	weft_create_in t{0600, 0, 0, 0, 0, WEFT_CREATE_TMPFILE | WEFT_CREATE_OPEN};
	std::vector<std::byte> tv;
	append(tv, t);
	Out to = call(WEFT_OP_CREATE, kRoot, tv, sizeof(weft_create_out));
	ASSERT_EQ(to.result, 0);
	const uint64_t tmp = to.as<weft_create_out>().entry.nodeid;
	EXPECT_EQ(attr(tmp).nlink, 0u);
	EXPECT_EQ(call(WEFT_OP_RELEASE, tmp, {}).result, 0);
	EXPECT_EQ(call(WEFT_OP_GETATTR, tmp, {}).result, -ENOENT);
}

TEST_F(Posix, CreateFlagsAreChecked)
{
	weft_create_in in{0600, 0, 0, 0, 0, WEFT_CREATE_TMPFILE};
	std::vector<std::byte> v;
	append(v, in);
	EXPECT_EQ(call(WEFT_OP_MKDIR, kRoot, v).result, -EINVAL);
	in.flags = 2;
	std::vector<std::byte> v2;
	append(v2, in);
	EXPECT_EQ(call(WEFT_OP_CREATE, kRoot, v2).result, -EINVAL);
	in.flags = WEFT_CREATE_TMPFILE;
	in.namelen = 1;
	std::vector<std::byte> v3;
	append(v3, in);
	append(v3, std::string_view("x"));
	EXPECT_EQ(call(WEFT_OP_CREATE, kRoot, v3).result, -EINVAL);
	const uint64_t f = mkfile(kRoot, "f");
	in.namelen = 0;
	std::vector<std::byte> v4;
	append(v4, in);
	EXPECT_EQ(call(WEFT_OP_CREATE, f, v4).result, -ENOTDIR);
}

// ---------------------------------------------------------------- xattrs

class PosixXattr : public Posix {
protected:
	int32_t set(uint64_t ino, std::string_view name, std::string_view value,
		    uint32_t flags = 0)
	{
		weft_setxattr_in in{static_cast<uint32_t>(name.size()),
				    static_cast<uint32_t>(value.size()), flags, 0};
		std::vector<std::byte> v;
		append(v, in);
		append(v, name);
		append(v, value);
		return call(WEFT_OP_SETXATTR, ino, v).result;
	}
	Out get(uint64_t ino, std::string_view name, uint32_t size)
	{
		weft_sqe sqe{};
		sqe.u.rw.size = size;
		std::vector<std::byte> v;
		append(v, name);
		return call(WEFT_OP_GETXATTR, ino, v, size ? size : sizeof(weft_xattr_out), sqe);
	}
};

TEST_F(PosixXattr, SetGetProbeAndErange)
{
	const uint64_t f = mkfile(kRoot, "f");
	EXPECT_EQ(get(f, "user.a", 100).result, -ENODATA);
	ASSERT_EQ(set(f, "user.a", "value"), 0);
	Out probe = get(f, "user.a", 0);
	ASSERT_EQ(probe.result, 0);
	EXPECT_EQ(probe.as<weft_xattr_out>().size, 5u);
	EXPECT_EQ(get(f, "user.a", 4).result, -ERANGE);
	Out v = get(f, "user.a", 5);
	ASSERT_EQ(v.result, 0);
	EXPECT_EQ(v.str(), "value");
	EXPECT_EQ(set(f, "user.a", "x", WEFT_XATTR_CREATE), -EEXIST);
	EXPECT_EQ(set(f, "user.b", "x", WEFT_XATTR_REPLACE), -ENODATA);
	EXPECT_EQ(set(f, "user.a", "x", WEFT_XATTR_CREATE | WEFT_XATTR_REPLACE), -EINVAL);
	EXPECT_EQ(set(f, "user.a", "x", 8), -EINVAL);
	EXPECT_EQ(set(f, "", "x"), -ERANGE);
	EXPECT_EQ(set(f, std::string(256, 'n'), "x"), -ERANGE);
	EXPECT_EQ(set(f, std::string_view("user.\0x", 7), "x"), -EINVAL);
	std::vector<std::byte> v2;
	append(v2, std::string_view("user.rm"));
	EXPECT_EQ(call(WEFT_OP_REMOVEXATTR, f, v2).result, -ENODATA);
	ASSERT_EQ(set(f, "user.rm", ""), 0);
	EXPECT_EQ(call(WEFT_OP_REMOVEXATTR, f, v2).result, 0);
}

// The kernel keeps ACLs cached until told: a changed system.posix_acl_*
// xattr sends every mount an inode invalidation; other xattrs and failed
// changes send none.
TEST_F(PosixXattr, AclChangesInvalidateTheInode)
{
	std::vector<Invalidation> sent;
	fs.on_invalidate([&sent](Invalidation inv) { sent.push_back(std::move(inv)); });
	const uint64_t f = mkfile(kRoot, "f");
	ASSERT_EQ(set(f, "user.a", "v"), 0);
	EXPECT_TRUE(sent.empty());
	ASSERT_EQ(set(f, "system.posix_acl_access", "acl"), 0);
	ASSERT_EQ(set(kRoot, "system.posix_acl_default", "dacl"), 0);
	EXPECT_EQ(set(f, "system.posix_acl_access", "x", WEFT_XATTR_CREATE), -EEXIST);
	std::vector<std::byte> name;
	append(name, std::string_view("system.posix_acl_access"));
	ASSERT_EQ(call(WEFT_OP_REMOVEXATTR, f, name).result, 0);
	EXPECT_EQ(call(WEFT_OP_REMOVEXATTR, f, name).result, -ENODATA);
	ASSERT_EQ(sent.size(), 3u);
	const uint64_t want[] = {f, kRoot, f};
	for (size_t i = 0; i < sent.size(); i++) {
		EXPECT_EQ(sent[i].kind, Invalidation::Kind::kInode);
		EXPECT_EQ(sent[i].nodeid, want[i]);
		EXPECT_EQ(sent[i].len, 0);	// attributes and ACLs, not pages
	}
}

TEST_F(PosixXattr, SetxattrSizesAreChecked)
{
	const uint64_t f = mkfile(kRoot, "f");
	// size says more than the input holds, or less
	weft_setxattr_in in{6, 10, 0, 0};
	std::vector<std::byte> v;
	append(v, in);
	append(v, std::string_view("user.a"));
	append(v, std::string_view("short"));
	EXPECT_EQ(call(WEFT_OP_SETXATTR, f, v).result, -EINVAL);
	in = {6, 2, 0, 0};
	v.clear();
	append(v, in);
	append(v, std::string_view("user.a"));
	append(v, std::string_view("toolong"));
	EXPECT_EQ(call(WEFT_OP_SETXATTR, f, v).result, -EINVAL);
	// namelen past the input
	in = {200, 0, 0, 0};
	v.clear();
	append(v, in);
	append(v, std::string_view("user.a"));
	EXPECT_EQ(call(WEFT_OP_SETXATTR, f, v).result, -EINVAL);
	// nonzero padding
	in = {6, 0, 0, 1};
	v.clear();
	append(v, in);
	append(v, std::string_view("user.a"));
	EXPECT_EQ(call(WEFT_OP_SETXATTR, f, v).result, -EINVAL);
	// the value size limit
	in = {6, WEFT_XATTR_SIZE_MAX + 1, 0, 0};
	v.clear();
	append(v, in);
	append(v, std::string_view("user.a"));
	EXPECT_EQ(call(WEFT_OP_SETXATTR, f, v).result, -E2BIG);
}

TEST_F(PosixXattr, ListIsNulTerminatedNamesAndRangeChecked)
{
	const uint64_t f = mkfile(kRoot, "f");
	Out empty = call(WEFT_OP_LISTXATTR, f, {});
	ASSERT_EQ(empty.result, 0);
	EXPECT_EQ(empty.data.size(), 0u);
	ASSERT_EQ(set(f, "user.b", "1"), 0);
	ASSERT_EQ(set(f, "trusted.a", "2"), 0);
	Out o = call(WEFT_OP_LISTXATTR, f, {});
	ASSERT_EQ(o.result, 0);
	EXPECT_EQ(o.str(), std::string("trusted.a\0user.b\0", 17));
	EXPECT_EQ(call(WEFT_OP_LISTXATTR, f, {}, 16).result, -ERANGE);
	EXPECT_EQ(call(WEFT_OP_LISTXATTR, f, {}, 17).result, 0);
}

// ---------------------------------------------------------------- fallocate, lseek

TEST_F(Posix, FallocateRepliesWithTheNewAttributes)
{
	const uint64_t f = mkfile(kRoot, "f");
	ASSERT_EQ(write(f, 0, std::string(100, 'a')).result, 0);
	auto fa = [&](uint32_t mode, uint64_t off, uint64_t len, uint32_t pad = 0) {
		weft_fallocate_in in{off, len, mode, pad};
		std::vector<std::byte> v;
		append(v, in);
		return call(WEFT_OP_FALLOCATE, f, v, sizeof(weft_attr_out));
	};
	Out o = fa(0, 0, 1000);
	ASSERT_EQ(o.result, 0);
	EXPECT_EQ(o.as<weft_attr_out>().attr.size, 1000u);
	o = fa(WEFT_FALLOC_PUNCH_HOLE | WEFT_FALLOC_KEEP_SIZE, 10, 20);
	ASSERT_EQ(o.result, 0);
	EXPECT_EQ(o.as<weft_attr_out>().attr.size, 1000u);
	EXPECT_EQ(read(f, 0, 40).str(),
		  std::string(10, 'a') + std::string(20, '\0') + std::string(10, 'a'));
	EXPECT_EQ(fa(0x08, 0, 10).result, -EOPNOTSUPP);
	EXPECT_EQ(fa(WEFT_FALLOC_PUNCH_HOLE, 0, 10).result, -EOPNOTSUPP);
	EXPECT_EQ(fa(0, 0, 0).result, -EINVAL);
	EXPECT_EQ(fa(0, 0, 10, 1).result, -EINVAL);
	EXPECT_EQ(fa(0, 0, 10).result, 0);
}

TEST_F(Posix, LseekDataAndHole)
{
	const uint64_t f = mkfile(kRoot, "f");
	constexpr uint64_t B = MemoryMetadataStore::kDataBlock;
	ASSERT_EQ(write(f, 4 * B, "data").result, 0);
	auto seek = [&](uint64_t off, uint32_t whence) {
		weft_sqe sqe{};
		sqe.u.rw.offset = off;
		sqe.u.rw.flags = whence;
		return call(WEFT_OP_LSEEK, f, {}, sizeof(weft_lseek_out), sqe);
	};
	Out o = seek(0, WEFT_SEEK_DATA);
	ASSERT_EQ(o.result, 0);
	EXPECT_EQ(o.as<weft_lseek_out>().offset, 4 * B);
	o = seek(0, WEFT_SEEK_HOLE);
	ASSERT_EQ(o.result, 0);
	EXPECT_EQ(o.as<weft_lseek_out>().offset, 0u);
	o = seek(4 * B, WEFT_SEEK_HOLE);
	ASSERT_EQ(o.result, 0);
	EXPECT_EQ(o.as<weft_lseek_out>().offset, 4 * B + 4);
	EXPECT_EQ(seek(4 * B + 4, WEFT_SEEK_DATA).result, -ENXIO);
	EXPECT_EQ(seek(0, 0).result, -EINVAL);
	EXPECT_EQ(seek(0, 2).result, -EINVAL);
}

TEST_F(Posix, RenameWhiteoutLeavesACharDevice)
{
	const uint64_t f = mkfile(kRoot, "a");
	ASSERT_EQ(rename(kRoot, "a", kRoot, "b", WEFT_RENAME_WHITEOUT), 0);
	EXPECT_EQ(lookup(kRoot, "b").as<weft_entry_out>().nodeid, f);
	auto w = lookup(kRoot, "a").as<weft_entry_out>();
	EXPECT_EQ(w.attr.mode, uint32_t(S_IFCHR));
	EXPECT_EQ(w.attr.rdev, 0u);
	EXPECT_EQ(rename(kRoot, "b", kRoot, "a", WEFT_RENAME_WHITEOUT | WEFT_RENAME_EXCHANGE),
		  -EINVAL);
	EXPECT_EQ(rename(kRoot, "b", kRoot, "c", 8), -EINVAL);
}

// CREATE / MKDIR / MKNOD with WEFT_CREATE_ACLS: the inherited ACLs arrive
// with the request and are the node's from its first moment.
class PosixCreateAcls : public Posix {
protected:
	// in: header, name, weft_create_acls, access value, default value
	Out make_acl(uint32_t opcode, uint64_t parent, std::string_view name, uint32_t mode,
		     std::string_view access, std::string_view dflt, uint32_t version = 1,
		     uint32_t flags = WEFT_CREATE_ACLS, int extra = 0)
	{
		weft_create_in in{mode, 0, 0, 0, static_cast<uint32_t>(name.size()), flags};
		weft_create_acls ext{version, static_cast<uint32_t>(access.size()),
				     static_cast<uint32_t>(dflt.size() + extra), 0};
		std::vector<std::byte> v;
		append(v, in);
		append(v, name);
		append(v, ext);
		append(v, access);
		append(v, dflt);
		return call(opcode, parent, v);
	}
	std::string xattr(uint64_t ino, const char *name)
	{
		auto v = store.getxattr(ino, name);
		return v.ok() ? *v : "<" + std::to_string(v.error().code) + ">";
	}
	const std::string acl_a = std::string("\x02\0\0\0access-acl", 14);
	const std::string acl_d = std::string("\x02\0\0\0default-acl", 15);
};

TEST_F(PosixCreateAcls, StoredWithTheNode)
{
	Out f = make_acl(WEFT_OP_CREATE, kRoot, "f", S_IFREG | 0640, acl_a, "");
	ASSERT_EQ(f.result, 0);
	const uint64_t fi = f.as<weft_entry_out>().nodeid;
	EXPECT_EQ(xattr(fi, "system.posix_acl_access"), acl_a);
	EXPECT_EQ(xattr(fi, "system.posix_acl_default"), "<" + std::to_string(ENODATA) + ">");

	Out d = make_acl(WEFT_OP_MKDIR, kRoot, "d", 0750, acl_a, acl_d);
	ASSERT_EQ(d.result, 0);
	const uint64_t di = d.as<weft_entry_out>().nodeid;
	EXPECT_EQ(xattr(di, "system.posix_acl_access"), acl_a);
	EXPECT_EQ(xattr(di, "system.posix_acl_default"), acl_d);

	// a directory inheriting only the default ACL (no access ACL needed)
	Out d2 = make_acl(WEFT_OP_MKDIR, di, "d2", 0750, "", acl_d);
	ASSERT_EQ(d2.result, 0);
	EXPECT_EQ(xattr(d2.as<weft_entry_out>().nodeid, "system.posix_acl_default"), acl_d);

	Out n = make_acl(WEFT_OP_MKNOD, kRoot, "p", S_IFIFO | 0600, acl_a, "");
	ASSERT_EQ(n.result, 0);
	EXPECT_EQ(xattr(n.as<weft_entry_out>().nodeid, "system.posix_acl_access"), acl_a);

	// O_TMPFILE: no name, the ACLs still come along
	Out t = make_acl(WEFT_OP_CREATE, kRoot, "", S_IFREG | 0600, acl_a, "", 1,
			 WEFT_CREATE_ACLS | WEFT_CREATE_TMPFILE);
	ASSERT_EQ(t.result, 0);
	EXPECT_EQ(xattr(t.as<weft_entry_out>().nodeid, "system.posix_acl_access"), acl_a);
}

TEST_F(PosixCreateAcls, MalformedExtensionsAreRefusedAndCreateNothing)
{
	// another version of the extension: EPROTO, a clear mismatch
	EXPECT_EQ(make_acl(WEFT_OP_CREATE, kRoot, "v", S_IFREG | 0644, acl_a, "", 2).result,
		  -EPROTO);
	// lengths that do not add up to the input, or nothing in it
	EXPECT_EQ(make_acl(WEFT_OP_CREATE, kRoot, "l", S_IFREG | 0644, acl_a, "", 1,
			   WEFT_CREATE_ACLS, 3).result, -EINVAL);
	EXPECT_EQ(make_acl(WEFT_OP_CREATE, kRoot, "e", S_IFREG | 0644, "", "").result, -EINVAL);
	// a default ACL is for directories only
	EXPECT_EQ(make_acl(WEFT_OP_CREATE, kRoot, "fd", S_IFREG | 0644, acl_a, acl_d).result,
		  -EINVAL);
	// symlinks have no ACLs
	EXPECT_EQ(make_acl(WEFT_OP_SYMLINK, kRoot, "s", S_IFLNK | 0777, acl_a, "").result,
		  -EINVAL);
	// a header cut short
	weft_create_in in{S_IFREG | 0644, 0, 0, 0, 1, WEFT_CREATE_ACLS};
	std::vector<std::byte> v;
	append(v, in);
	append(v, std::string_view("h"));
	append(v, std::string_view("abc"));
	EXPECT_EQ(call(WEFT_OP_CREATE, kRoot, v).result, -EINVAL);
	for (const char *name : {"v", "l", "e", "fd", "s", "h"})
		EXPECT_EQ(lookup(kRoot, name).result, -ENOENT) << name;
}

}  // namespace
}  // namespace weft

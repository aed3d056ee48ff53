#include <gtest/gtest.h>
#include <sys/mount.h>

#include "mount_options.h"

using namespace weft::mount;

namespace {

std::string error_of(const std::string &opts, bool sloppy = false)
{
	try {
		parse_options(opts, sloppy);
	} catch (const UsageError &e) {
		return e.what();
	}
	return "(no error)";
}

std::string args_error(const std::vector<std::string> &args)
{
	try {
		parse_args(args);
	} catch (const UsageError &e) {
		return e.what();
	}
	return "(no error)";
}

} // namespace

TEST(MountOptions, Empty)
{
	Options o = parse_options("");
	EXPECT_EQ(o.flags, 0u);
	EXPECT_EQ(o.data, "");
	EXPECT_TRUE(o.dropped.empty());
}

TEST(MountOptions, GenericFlags)
{
	EXPECT_EQ(parse_options("ro").flags, static_cast<unsigned long>(MS_RDONLY));
	EXPECT_EQ(parse_options("ro,rw").flags, 0u);
	EXPECT_EQ(parse_options("nosuid,nodev,noexec,sync,dirsync").flags,
		  static_cast<unsigned long>(MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_SYNCHRONOUS | MS_DIRSYNC));
	EXPECT_EQ(parse_options("noatime,nodiratime").flags,
		  static_cast<unsigned long>(MS_NOATIME | MS_NODIRATIME));
	EXPECT_EQ(parse_options("lazytime").flags, static_cast<unsigned long>(MS_LAZYTIME));
	EXPECT_EQ(parse_options("remount,ro").flags, static_cast<unsigned long>(MS_REMOUNT | MS_RDONLY));
	EXPECT_EQ(parse_options("suid,dev,exec,async").flags, 0u);
}

TEST(MountOptions, AtimeModesExcludeEachOther)
{
	EXPECT_EQ(parse_options("noatime,relatime").flags, static_cast<unsigned long>(MS_RELATIME));
	EXPECT_EQ(parse_options("relatime,strictatime").flags, static_cast<unsigned long>(MS_STRICTATIME));
	EXPECT_EQ(parse_options("strictatime,noatime").flags, static_cast<unsigned long>(MS_NOATIME));
}

TEST(MountOptions, UserspaceOptionsAreDropped)
{
	Options o = parse_options("defaults,auto,noauto,user,nouser,_netdev,nofail,x-systemd.automount,comment=x");
	EXPECT_EQ(o.flags, 0u);
	EXPECT_EQ(o.data, "");
	EXPECT_EQ(o.dropped.size(), 9u);
}

TEST(MountOptions, WeftOptionsGoToData)
{
	Options o = parse_options("rw,timeout=30,grace=0,attr_timeout=1,entry_timeout=2,negative_timeout=007,noatime");
	EXPECT_EQ(o.flags, static_cast<unsigned long>(MS_NOATIME));
	EXPECT_EQ(o.data, "timeout=30,grace=0,attr_timeout=1,entry_timeout=2,negative_timeout=7");
}

TEST(MountOptions, CacheModeFlagsGoToData)
{
	EXPECT_EQ(parse_options("nowriteback,ro").data, "nowriteback");
	EXPECT_EQ(parse_options("writeback").data, "writeback");
	EXPECT_EQ(error_of("writeback=1"), "unknown option 'writeback=1'");
	EXPECT_EQ(error_of("writethrough"), "unknown option 'writethrough'");
}

TEST(MountOptions, EmptyItemsAreSkipped)
{
	EXPECT_EQ(parse_options(",ro,,timeout=5,").data, "timeout=5");
}

TEST(MountOptions, UnknownOptionIsNamed)
{
	EXPECT_EQ(error_of("ro,bogus"), "unknown option 'bogus'");
	EXPECT_EQ(error_of("ro=1"), "unknown option 'ro=1'");
	EXPECT_EQ(error_of("timeouts=1"), "unknown option 'timeouts=1'");
	EXPECT_EQ(error_of("uid=0"), "unknown option 'uid=0'");
}

TEST(MountOptions, MalformedValueIsNamed)
{
	EXPECT_EQ(error_of("timeout=abc"), "bad value for 'timeout': 'abc' (whole seconds, 1 to 86400)");
	EXPECT_EQ(error_of("timeout=0"), "bad value for 'timeout': '0' (whole seconds, 1 to 86400)");
	EXPECT_EQ(error_of("timeout=86401"), "bad value for 'timeout': '86401' (whole seconds, 1 to 86400)");
	EXPECT_EQ(error_of("grace=-1"), "bad value for 'grace': '-1' (whole seconds, 0 to 86400)");
	EXPECT_EQ(error_of("grace=86401"), "bad value for 'grace': '86401' (whole seconds, 0 to 86400)");
	EXPECT_EQ(error_of("timeout="), "bad value for 'timeout': '' (whole seconds, 1 to 86400)");
	EXPECT_EQ(error_of("timeout"), "bad value for 'timeout': '' (whole seconds, 1 to 86400)");
	EXPECT_EQ(parse_options("timeout=86400,grace=86400,attr_timeout=4294967295").data,
		  "timeout=86400,grace=86400,attr_timeout=4294967295");
	EXPECT_EQ(error_of("attr_timeout=1.5"), "bad value for 'attr_timeout': '1.5' (whole seconds, 0 or more)");
	EXPECT_EQ(error_of("entry_timeout=4294967296"),
		  "bad value for 'entry_timeout': '4294967296' (whole seconds, 0 or more)");
	EXPECT_EQ(error_of("negative_timeout=+3"), "bad value for 'negative_timeout': '+3' (whole seconds, 0 or more)");
}

TEST(MountOptions, SloppyDropsUnknownButNotMalformed)
{
	Options o = parse_options("bogus,ro", true);
	EXPECT_EQ(o.flags, static_cast<unsigned long>(MS_RDONLY));
	EXPECT_EQ(o.dropped, std::vector<std::string>{"bogus"});
	EXPECT_EQ(error_of("timeout=x", true), "bad value for 'timeout': 'x' (whole seconds, 1 to 86400)");
}

TEST(MountArgs, AsMountCallsHelpers)
{
	Invocation inv = parse_args({"node1/default", "/mnt/x", "-o", "rw,timeout=30"});
	EXPECT_EQ(inv.source, "node1/default");
	EXPECT_EQ(inv.target, "/mnt/x");
	EXPECT_EQ(inv.options.data, "timeout=30");
	EXPECT_FALSE(inv.fake);

	inv = parse_args({"default", "/mnt/x", "-sfnv", "-oro", "-o", "grace=1", "-t", "weft"});
	EXPECT_TRUE(inv.sloppy && inv.fake && inv.no_mtab && inv.verbose);
	EXPECT_EQ(inv.options.flags, static_cast<unsigned long>(MS_RDONLY));
	EXPECT_EQ(inv.options.data, "grace=1");
}

TEST(MountArgs, OptionsBeforePositionals)
{
	Invocation inv = parse_args({"-o", "noexec", "-v", "fs1", "/m"});
	EXPECT_EQ(inv.source, "fs1");
	EXPECT_EQ(inv.target, "/m");
	EXPECT_EQ(inv.options.flags, static_cast<unsigned long>(MS_NOEXEC));
}

TEST(MountArgs, Errors)
{
	EXPECT_EQ(args_error({}), "usage: mount.weft [NAME/]FS DIR [-sfnv] [-o options]");
	EXPECT_EQ(args_error({"fs"}), "usage: mount.weft [NAME/]FS DIR [-sfnv] [-o options]");
	EXPECT_EQ(args_error({"fs", "/m", "extra"}), "usage: mount.weft [NAME/]FS DIR [-sfnv] [-o options]");
	EXPECT_EQ(args_error({"fs", "/m", "-o"}), "option -o needs a value");
	EXPECT_EQ(args_error({"fs", "/m", "-x"}), "unknown command-line option '-x'");
	EXPECT_EQ(args_error({"fs", "/m", "-t", "ext4"}), "wrong file system type 'ext4' (this helper mounts weft)");
	EXPECT_EQ(args_error({"fs", "/m", "-o", "ro,nope"}), "unknown option 'nope'");
	EXPECT_EQ(args_error({"a/b/c", "/m"}),
		  "bad source 'a/b/c' (expected [NAME/]FS, e.g. default or node1/default)");
	EXPECT_EQ(args_error({"/fs", "/m"}),
		  "bad source '/fs' (expected [NAME/]FS, e.g. default or node1/default)");
	EXPECT_EQ(args_error({"n/", "/m"}),
		  "bad source 'n/' (expected [NAME/]FS, e.g. default or node1/default)");
	EXPECT_EQ(args_error({std::string(32, 'n') + "/fs", "/m"}),
		  "bad source '" + std::string(32, 'n') + "/fs' (expected [NAME/]FS, e.g. default or node1/default)");
	EXPECT_EQ(args_error({std::string(64, 'f'), "/m"}),
		  "bad source '" + std::string(64, 'f') + "' (expected [NAME/]FS, e.g. default or node1/default)");
	EXPECT_EQ(args_error({std::string(31, 'n') + "/" + std::string(63, 'f'), "/m"}), "(no error)");
}

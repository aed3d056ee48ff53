#include "mount_options.h"

#include <cstdint>
#include <sys/mount.h>

#include <weft_netlink.h>
#include <weft_ring.h>

namespace weft::mount {

namespace {

struct Flag {
	const char *name;
	unsigned long flag;
	bool set;	// false: the option clears flag
};

const Flag generic[] = {
	{"ro", MS_RDONLY, true},	{"rw", MS_RDONLY, false},
	{"nosuid", MS_NOSUID, true},	{"suid", MS_NOSUID, false},
	{"nodev", MS_NODEV, true},	{"dev", MS_NODEV, false},
	{"noexec", MS_NOEXEC, true},	{"exec", MS_NOEXEC, false},
	{"sync", MS_SYNCHRONOUS, true}, {"async", MS_SYNCHRONOUS, false},
	{"dirsync", MS_DIRSYNC, true},
	{"noatime", MS_NOATIME, true},	{"atime", MS_NOATIME, false},
	{"nodiratime", MS_NODIRATIME, true}, {"diratime", MS_NODIRATIME, false},
	{"relatime", MS_RELATIME, true}, {"norelatime", MS_RELATIME, false},
	{"strictatime", MS_STRICTATIME, true}, {"nostrictatime", MS_STRICTATIME, false},
	{"lazytime", MS_LAZYTIME, true}, {"nolazytime", MS_LAZYTIME, false},
	{"remount", MS_REMOUNT, true},
};

// mount(8) and fstab options that mean nothing to the kernel
const char *const userspace[] = {
	"defaults", "auto", "noauto", "user", "nouser", "users", "owner", "group",
	"_netdev", "nofail",
};

// weft options: whole seconds, in the ranges the module accepts
struct FsOption {
	const char *name;
	uint64_t min, max;
};

const FsOption fs_options[] = {
	{"timeout", WEFT_SET_TIMEOUT_MIN_MS > 1000 ? WEFT_SET_TIMEOUT_MIN_MS / 1000 : 1,
	 WEFT_SET_TIMEOUT_MAX_MS / 1000},
	{"grace", 0, WEFT_SET_GRACE_MAX_MS / 1000},
	{"attr_timeout", 0, UINT32_MAX},
	{"entry_timeout", 0, UINT32_MAX},
	{"negative_timeout", 0, UINT32_MAX},
};

// weft options without a value, passed to the module as they are
const char *const fs_flags[] = {"writeback", "nowriteback"};

// decimal digits only, within [min, max]; canonical (no leading zeros)
bool seconds(const std::string &v, const FsOption &o, std::string &out)
{
	if (v.empty() || v.size() > 10)
		return false;
	uint64_t n = 0;
	for (char c : v) {
		if (c < '0' || c > '9')
			return false;
		n = n * 10 + static_cast<uint64_t>(c - '0');
	}
	if (n < o.min || n > o.max)
		return false;
	out = std::to_string(n);
	return true;
}

std::string range(const FsOption &o)
{
	if (o.max == UINT32_MAX)
		return "whole seconds, 0 or more";
	return "whole seconds, " + std::to_string(o.min) + " to " + std::to_string(o.max);
}

} // namespace

Options parse_options(const std::string &opts, bool sloppy)
{
	Options o;
	size_t pos = 0;
	while (pos <= opts.size()) {
		size_t comma = opts.find(',', pos);
		if (comma == std::string::npos)
			comma = opts.size();
		std::string opt = opts.substr(pos, comma - pos);
		pos = comma + 1;
		if (opt.empty())
			continue;

		bool known = false;
		for (const Flag &f : generic) {
			if (opt == f.name) {
				if (f.set)
					o.flags |= f.flag;
				else
					o.flags &= ~f.flag;
				// the atime modes exclude each other
				if (f.set && (f.flag == MS_NOATIME || f.flag == MS_RELATIME ||
					      f.flag == MS_STRICTATIME))
					o.flags &= ~((MS_NOATIME | MS_RELATIME | MS_STRICTATIME) & ~f.flag);
				known = true;
				break;
			}
		}
		if (known)
			continue;
		for (const char *u : userspace) {
			if (opt == u) {
				known = true;
				break;
			}
		}
		if (known || opt.rfind("x-", 0) == 0 || opt.rfind("comment=", 0) == 0) {
			o.dropped.push_back(opt);
			continue;
		}

		for (const char *f : fs_flags) {
			if (opt == f) {
				o.data += (o.data.empty() ? "" : ",") + opt;
				known = true;
				break;
			}
		}
		if (known)
			continue;

		size_t eq = opt.find('=');
		std::string key = opt.substr(0, eq);
		for (const FsOption &f : fs_options) {
			if (key != f.name)
				continue;
			std::string value = eq == std::string::npos ? "" : opt.substr(eq + 1);
			std::string canon;
			if (!seconds(value, f, canon))
				throw UsageError("bad value for '" + key + "': '" + value + "' (" +
						 range(f) + ")");
			o.data += (o.data.empty() ? "" : ",") + key + "=" + canon;
			known = true;
			break;
		}
		if (known)
			continue;
		if (!sloppy)
			throw UsageError("unknown option '" + opt + "'");
		o.dropped.push_back(opt);
	}
	return o;
}

namespace {

void check_source(const std::string &src)
{
	size_t slash = src.find('/');
	std::string name = slash == std::string::npos ? "" : src.substr(0, slash);
	std::string fs = slash == std::string::npos ? src : src.substr(slash + 1);
	bool ok = !fs.empty() && fs.size() < WEFT_FSNAME_MAX && fs.find('/') == std::string::npos &&
		  (slash == std::string::npos || (!name.empty() && name.size() < WEFT_NAME_MAX));
	for (char c : src)
		if (static_cast<unsigned char>(c) <= ' ' || c == ',')
			ok = false;
	if (!ok)
		throw UsageError("bad source '" + src + "' (expected [NAME/]FS, e.g. default or node1/default)");
}

} // namespace

Invocation parse_args(const std::vector<std::string> &args)
{
	Invocation inv;
	std::vector<std::string> positional;
	std::string opts;
	for (size_t i = 0; i < args.size(); i++) {
		const std::string &a = args[i];
		if (a.size() < 2 || a[0] != '-') {
			positional.push_back(a);
			continue;
		}
		if (a == "--") {
			positional.insert(positional.end(), args.begin() + static_cast<long>(i) + 1, args.end());
			break;
		}
		// -o OPTS, -oOPTS, -t TYPE, and bundles of -s -f -n -v
		for (size_t j = 1; j < a.size(); j++) {
			char c = a[j];
			if (c == 'o' || c == 't') {
				std::string v = a.substr(j + 1);
				if (v.empty()) {
					if (++i >= args.size())
						throw UsageError(std::string("option -") + c + " needs a value");
					v = args[i];
				}
				if (c == 'o')
					opts += (opts.empty() ? "" : ",") + v;
				else if (v != "weft" && v.rfind("weft.", 0) != 0)
					throw UsageError("wrong file system type '" + v + "' (this helper mounts weft)");
				break;
			}
			switch (c) {
			case 's': inv.sloppy = true; break;
			case 'f': inv.fake = true; break;
			case 'n': inv.no_mtab = true; break;
			case 'v': inv.verbose = true; break;
			default:
				throw UsageError(std::string("unknown command-line option '-") + c + "'");
			}
		}
	}
	if (positional.size() != 2)
		throw UsageError("usage: mount.weft [NAME/]FS DIR [-sfnv] [-o options]");
	inv.source = positional[0];
	inv.target = positional[1];
	check_source(inv.source);
	inv.options = parse_options(opts, inv.sloppy);
	return inv;
}

} // namespace weft::mount

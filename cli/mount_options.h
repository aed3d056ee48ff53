// mount.weft's command line and -o option parsing, apart from main() so
// native tests can drive it.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

namespace weft::mount {

// A bad invocation or option: what() is the message after "mount.weft: ".
class UsageError : public std::runtime_error {
public:
	using std::runtime_error::runtime_error;
};

struct Options {
	unsigned long flags = 0;	// MS_*
	std::string data;		// file-system options for mount(2), e.g. "timeout=30,grace=60"
	std::vector<std::string> dropped;	// accepted but not for the kernel (auto, _netdev, ...)
};

// Translates a -o list.  Generic options become MS_* flags (later ones win:
// "ro,rw" is rw); userspace-only options (defaults, auto, noauto, user,
// nouser, users, owner, group, _netdev, nofail, x-*, comment=) are dropped;
// weft options (timeout=, grace=, attr_timeout=, entry_timeout=,
// negative_timeout=: non-negative integer seconds) go to data.  Anything
// else throws UsageError "unknown option 'x'" -- unless sloppy, then it is
// dropped too.
Options parse_options(const std::string &opts, bool sloppy = false);

struct Invocation {
	std::string source;	// [NAME/]FS
	std::string target;	// mount point
	Options options;
	bool fake = false;	// -f: do everything but the mount(2) call
	bool no_mtab = false;	// -n: nothing to do (no mtab)
	bool verbose = false;	// -v
	bool sloppy = false;	// -s
};

// mount.weft SPEC DIR [-sfnv] [-o options] [-t weft[.subtype]], as mount(8)
// calls helpers.  args excludes argv[0].
Invocation parse_args(const std::vector<std::string> &args);

// exit statuses, as mount(8)
constexpr int EXIT_USAGE = 1;
constexpr int EXIT_MOUNT_FAILED = 32;

} // namespace weft::mount

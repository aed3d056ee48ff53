// mount.weft: the mount(8) helper for `mount -t weft [NAME/]FS DIR -o ...`
// and /etc/fstab lines (see docs/weft.8).
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <sys/mount.h>

#include "mount_options.h"

using namespace weft::mount;

int main(int argc, char **argv)
{
	Invocation inv;
	try {
		inv = parse_args(std::vector<std::string>(argv + 1, argv + argc));
	} catch (const UsageError &e) {
		std::fprintf(stderr, "mount.weft: %s\n", e.what());
		return EXIT_USAGE;
	}
	if (inv.verbose)
		std::fprintf(stderr, "mount.weft: %s on %s, flags 0x%lx, options '%s'%s\n",
			     inv.source.c_str(), inv.target.c_str(), inv.options.flags,
			     inv.options.data.c_str(), inv.fake ? " (fake)" : "");
	if (inv.fake)
		return 0;
	if (::mount(inv.source.c_str(), inv.target.c_str(), "weft", inv.options.flags,
		    inv.options.data.empty() ? nullptr : inv.options.data.c_str()) != 0) {
		int e = errno;
		const char *hint = "";
		if (e == ENODEV)
			hint = " (weft.ko not loaded?)";
		else if (e == EPERM)
			hint = " (must be root)";
		std::fprintf(stderr, "mount.weft: mounting %s on %s failed: %s%s\n", inv.source.c_str(),
			     inv.target.c_str(), std::strerror(e), hint);
		return EXIT_MOUNT_FAILED;
	}
	return 0;
}

// `weft local attach NAME` / `weft local detach NAME`: start a weftd for a
// channel name and wait until the module lists it attached; stop it and wait
// until the module no longer does.
//
// Start: `systemctl start weftd@NAME` when systemd runs (SYSTEMD_DIR exists)
// and no weftd option was given; otherwise weftd is spawned in a session of
// its own with stdout/stderr appended to LOG_DIR/NAME.log and its pid in
// RUN_DIR/NAME.pid.  Stop: `systemctl stop weftd@NAME` for an active unit,
// else SIGTERM to the pid of the pidfile, or the pid weftd reports in its
// "status" (a weftd started by hand).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "control.h"
#include "format.h"

namespace weft::cli {

// Where attach / detach look; tests point these at a scratch directory.
struct LocalEnv {
	std::string systemd_dir = "/run/systemd/system";	// exists: systemd is PID 1
	std::string systemctl = "systemctl";
	std::string run_dir = "/run/weft";		// NAME.pid
	std::string log_dir = "/var/log/weft";		// NAME.log
	std::string data_root = "/var/lib/weft";	// default --data-dir: data_root/NAME
	std::string weftd;	// empty: next to this weft binary, then $PATH
	uint64_t poll_ms = 100;
};

struct AttachArgs {
	std::string name;
	std::string data_dir;	// empty: data_root/NAME
	std::string log;	// empty: log_dir/NAME.log
	std::vector<std::string> weftd_args;
	bool no_systemd = false;
	uint64_t timeout_ms = 10000;
};

// Both return what they did: {"name", "pid", "via": "systemd"|"spawn"|"signal",
// "log"?, "data_dir"?}.  Errors are Error with one line.
Json local_attach(Control &ctl, const LocalEnv &env, const AttachArgs &a);
Json local_detach(Control &ctl, const LocalEnv &env, const std::string &name, uint64_t timeout_ms);

std::string local_attach_text(const Json &r);
std::string local_detach_text(const Json &r);

} // namespace weft::cli

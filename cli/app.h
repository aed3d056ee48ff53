// The `weft` command line: parsing (CLI11), commands, exit status.
#pragma once

#include <ostream>
#include <string>

#include "control.h"
#include "format.h"
#include "local_daemon.h"

namespace weft::cli {

// Runs one `weft` invocation.  Output goes to out; every error is one line
// "weft: ..." on err.  Returns the exit status: 0 success, 1 failure,
// 2 bad command line.  env: where `local attach|detach` find weftd, write
// pidfiles and logs (tests use a scratch directory).
int run(int argc, const char *const *argv, const ControlFactory &factory, std::ostream &out,
	std::ostream &err, const LocalEnv &env = LocalEnv{});

// weftd's management protocol: builds {"command":..,"args":..}, relays it,
// and returns the "result" of an ok reply; throws Error with weftd's message
// for an error reply and for a reply that is not the protocol.
Json relay(Control &control, const std::optional<std::string> &channel, const std::string &command,
	   const Json &args);

} // namespace weft::cli

// The CLI's view of the kernel control plane (the `weft` generic-netlink
// family, uapi/weft_netlink.h).  NetlinkClient implements it against the
// real module; native tests use a double.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace weft::cli {

struct ModuleVersion {
	std::string version;
	uint32_t abi_version = 0;
};

struct ChannelInfo {
	std::string name;
	std::string state;
	uint32_t queues = 0;
	uint32_t queue_depth = 0;
	uint32_t max_io_bytes = 0;
	uint32_t timeout_ms = 0;
	uint32_t grace_ms = 0;
	uint32_t mounts = 0;
	uint64_t submitted = 0;
	uint64_t completed = 0;
	uint64_t rejected = 0;
	uint64_t timed_out = 0;
};

// One opcode's requests as the module counted them (WEFT_CMD_OP_STATS), or
// as weftd did (its "stats" management command).
struct OpStats {
	uint32_t opcode = 0;
	uint64_t count = 0;
	uint64_t errors = 0;
	uint64_t total_ns = 0;
	uint64_t bytes = 0;	// data bytes of successful READs / WRITEs
	// hist[b]: requests with latency in [2^b, 2^(b+1)) ns (the last: and above)
	std::vector<uint64_t> hist;
	uint64_t since_ns = 0;	// ns since the counters started
};

// How one queue's round trips went (WEFT_CMD_QUEUE_STATS): completions a
// caller found while busy-polling versus sleeps, and whether weftd's
// thread found work while it spun or had to be woken.
struct QueueStats {
	std::string channel;
	uint32_t queue = 0;
	uint32_t in_flight = 0;
	uint64_t polled = 0;
	uint64_t slept = 0;
	uint64_t daemon_woken = 0;
	uint64_t spin_found = 0;
	uint64_t spin_missed = 0;
};

struct MountInfo {
	std::string channel;
	std::string filesystem;
	std::string options;
};

// Any failure the user should see: what() is the one-line message without
// the "weft: " prefix; exit_code is the process exit status.
class Error : public std::runtime_error {
public:
	explicit Error(const std::string &msg, int exit_code = 1)
		: std::runtime_error(msg), exit_code_(exit_code) {}
	int exit_code() const { return exit_code_; }

private:
	int exit_code_;
};

// A bad command line (exit status 2).
class UsageError : public Error {
public:
	explicit UsageError(const std::string &msg) : Error(msg, 2) {}
};

// The netlink family is not registered: weft.ko is not loaded.
class NoModuleError : public Error {
public:
	NoModuleError() : Error("kernel module not loaded (no 'weft' netlink family)") {}
};

// The module refused a request: errnum is the positive errno, extack the
// kernel's extended-ack message (may be empty).
class KernelError : public Error {
public:
	KernelError(int errnum, std::string extack);
	int errnum() const { return errnum_; }
	const std::string &extack() const { return extack_; }

private:
	int errnum_;
	std::string extack_;
};

// One line describing a kernel error, as printed after "weft: ".
std::string describe_kernel_error(int errnum, const std::string &extack);

class Control {
public:
	virtual ~Control() = default;
	virtual ModuleVersion version() = 0;
	virtual std::vector<ChannelInfo> channels() = 0;
	virtual std::vector<MountInfo> mounts() = 0;
	// timeout / grace in milliseconds; an empty optional leaves it unchanged
	virtual void set(const std::string &channel, std::optional<uint32_t> timeout_ms,
			 std::optional<uint32_t> grace_ms) = 0;
	// per-opcode request counts and latency histograms (opcodes with requests)
	virtual std::vector<OpStats> op_stats() = 0;
	// per-queue round-trip counters of every channel
	virtual std::vector<QueueStats> queue_stats() = 0;
	// relays a JSON request to weftd (channel: empty = the only attached
	// daemon) and returns its JSON reply
	virtual std::string mgmt(const std::optional<std::string> &channel,
				 const std::string &request) = 0;
};

// Opens the control plane when a command first needs it (so --help and
// parse errors never touch the kernel).
using ControlFactory = std::function<std::unique_ptr<Control>()>;

} // namespace weft::cli

// weftd: attaches to weft.ko under a name and serves its rings.
//   weftd [--name NAME] [--data-dir DIR] [--queues N] [--queue-depth N]
//         [--max-io BYTES] [--spin-us US] [--log-level LEVEL]
// Prints "weftd: attached as NAME (Q queues x D slots)" once serving;
// SIGTERM / SIGINT stop it cleanly (in-flight requests are answered).
#include <pthread.h>
#include <signal.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <thread>

#include <CLI/CLI.hpp>

#include "catalog_mount.h"
#include "cluster_state.h"
#include "device_transport.h"
#include "dispatcher.h"
#include "fs_handlers.h"
#include "log.h"
#include "memory_metadata_store.h"
#include "mgmt_handler.h"
#include "ring_server.h"

namespace {

struct Config {
	std::string name = "local";
	std::string data_dir = "/var/lib/weft";
	std::string device = "/dev/weft";
	uint32_t queues = 0;
	uint32_t queue_depth = 128;
	uint32_t max_io = WEFT_DEFAULT_IO_SIZE;
	// Busy-poll in ENTER before sleeping: a caller's next request usually
	// lands within it, saving a wake-up per request (in a TCG VM, one
	// thread of stat: 7k ops/s at 0, 37k at 100; no loss with 2 threads).
	uint32_t spin_us = 100;
	std::string log_level = "info";
	uint64_t default_drive_bytes = 16ull << 30;
};

constexpr int kWakeSignal = SIGUSR1;

void on_wake_signal(int) {}

int fail(const std::string &message)
{
	std::fprintf(stderr, "weftd: %s\n", message.c_str());
	return 1;
}

// SIGTERM/SIGINT are blocked in every thread and taken by sigtimedwait in
// main; SIGUSR1 interrupts a worker's sleeping ENTER (no SA_RESTART).
sigset_t setup_signals()
{
	sigset_t stop_set;
	sigemptyset(&stop_set);
	sigaddset(&stop_set, SIGTERM);
	sigaddset(&stop_set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &stop_set, nullptr);

	struct sigaction sa{};
	sa.sa_handler = on_wake_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0;
	sigaction(kWakeSignal, &sa, nullptr);
	return stop_set;
}

}  // namespace

int main(int argc, char **argv)
{
	Config cfg;
	CLI::App app{"weftd: the Weft daemon, serving weft.ko's rings"};
	app.add_option("--name", cfg.name, "channel name to attach under")->capture_default_str();
	app.add_option("--data-dir", cfg.data_dir, "state directory (created if missing)")
		->capture_default_str();
	app.add_option("--queues", cfg.queues, "queues wanted (0 = one per CPU)")
		->capture_default_str();
	app.add_option("--queue-depth", cfg.queue_depth, "slots per queue (power of two)")
		->capture_default_str()
		->check(CLI::Range(1u, uint32_t(WEFT_MAX_DEPTH)));
	app.add_option("--max-io", cfg.max_io, "per-slot buffer bytes")
		->capture_default_str()
		->check(CLI::Range(uint32_t(WEFT_MIN_IO_SIZE), uint32_t(WEFT_MAX_IO_SIZE)));
	app.add_option("--spin-us", cfg.spin_us, "busy-poll before sleeping, microseconds")
		->capture_default_str();
	app.add_option("--log-level", cfg.log_level, "error, warn, info or debug")
		->capture_default_str();
	app.add_option("--device", cfg.device, "ring device")->capture_default_str();
	app.add_option("--default-drive-size", cfg.default_drive_bytes,
		       "size of the sparse drive file kept in --data-dir while no drive is "
		       "configured (e.g. 16GiB)")
		->transform(CLI::AsSizeValue(false))
		->capture_default_str();
	CLI11_PARSE(app, argc, argv);

	auto level = weft::log::parse_level(cfg.log_level);
	if (!level)
		return fail("unknown log level '" + cfg.log_level + "'");
	weft::log::set_level(*level);
	if (cfg.queue_depth & (cfg.queue_depth - 1))
		return fail("--queue-depth must be a power of two");

	const sigset_t stop_set = setup_signals();

	weft::DeviceTransport transport(cfg.device);
	weft::ServerOptions options;
	options.worker.spin_us = cfg.spin_us;
	options.wake_signal = kWakeSignal;
	weft::RingServer server(transport, options);

	auto att = server.attach(weft::AttachRequest{cfg.name, cfg.queues, cfg.queue_depth,
						    cfg.max_io});
	if (!att)
		return fail(att.error().message);
	// After attaching, so a missing module or missing privilege is what
	// an unprivileged or misconfigured start reports first.
	std::error_code ec;
	std::filesystem::create_directories(cfg.data_dir, ec);
	if (ec)
		return fail("cannot create data dir " + cfg.data_dir + ": " + ec.message());
	if (att->resumed)
		WEFT_LOG(kInfo) << "resumed channel '" << cfg.name << "' with " << att->pending
				<< " requests waiting";

	weft::ClusterOptions copts;
	copts.data_dir = cfg.data_dir;
	copts.default_drive_bytes = cfg.default_drive_bytes;
	auto cluster = weft::ClusterState::open(copts);
	if (!cluster)
		return fail(cluster.error().message);

	weft::MemoryMetadataStore store;
	weft::FsHandlers fs(store, weft::FsHandlerOptions{cfg.data_dir});
	weft::MgmtHandler mgmt(store, weft::DaemonInfo{cfg.name, cfg.data_dir, att->geometry},
			       cluster->get());
	weft::Dispatcher dispatcher;
	fs.register_with(dispatcher);
	weft::register_catalog_mount(dispatcher, fs, store, **cluster);
	mgmt.register_with(dispatcher);

	if (auto st = server.start(dispatcher); !st)
		return fail(st.error().message);
	std::fprintf(stderr, "weftd: attached as %s (%u queues x %u slots)\n", cfg.name.c_str(),
		     att->geometry.nr_queues, att->geometry.queue_depth);

	int sig = 0;
	while (!server.any_worker_done()) {
		const timespec tick{0, 200 * 1000 * 1000};
		sig = sigtimedwait(&stop_set, nullptr, &tick);
		if (sig > 0)
			break;
	}
	if (sig > 0)
		WEFT_LOG(kInfo) << "signal " << sig << ": stopping";

	// Re-send the wake signal until every worker is out: one sent just
	// before a worker enters the kernel would otherwise be lost.
	using namespace std::chrono_literals;
	do {
		server.request_stop();
		std::this_thread::sleep_for(20ms);
	} while (!server.all_workers_done());
	weft::Status st = server.wait();
	if (!st)
		return fail(st.error().message);
	WEFT_LOG(kInfo) << "detached from '" << cfg.name << "'";
	return 0;
}

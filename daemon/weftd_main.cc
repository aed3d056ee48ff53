// weftd: attaches to weft.ko under a name and serves its rings.
//   weftd [--name NAME] [--data-dir DIR] [--queues N] [--queue-depth N]
//         [--max-io BYTES] [--spin-us US] [--log-level LEVEL]
//         [--metadata rocks|memory] [--drive PATH]... [--force-drive]
//         [--daemonize [--pidfile FILE] [--log-file FILE]]
//   weftd --check [--data-dir DIR]   offline fsck of a stopped node's state
// Logs "weftd: attached as NAME (Q queues x D slots)" once serving;
// SIGTERM / SIGINT stop it cleanly (in-flight requests are answered).
// In the foreground by default; --daemonize returns once the daemon serves
// (exit 0) or failed to start (exit 1, its one-line error on stderr).
#include <pthread.h>
#include <signal.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>

#include "catalog_mount.h"
#include "cluster_state.h"
#include "daemonize.h"
#include "device_transport.h"
#include "dispatcher.h"
#include "fs_handlers.h"
#include "log.h"
#include "memory_metadata_store.h"
#include "rebuild_service.h"
#include "rocks_metadata_store.h"
#include "mgmt_handler.h"
#include "notifier.h"
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
	// lands within it, saving a wake-up per request; callers poll for
	// their completions as long (docs/daemon.md).  400, not 100: under an
	// emulated CPU a request's handler and the gap to the next request
	// both outlast 100 us, and then every round trip slept on both sides.
	uint32_t spin_us = 400;
	// Serve each CPU's queue on that CPU (ServerOptions::pin_workers): off
	// by default.  In a TCG VM on a loaded host, pinned made mdbench
	// stat/open/rename 4-9x faster; on a quiet one it halved one thread's
	// stat(2) rate, which lives on a worker spinning on the other CPU
	// (docs/daemon.md).
	bool pin_workers = false;
	std::string log_level = "info";
	uint64_t default_drive_bytes = 16ull << 30;
	// rocks: the namespace in DATA_DIR/namespace, file data in the
	// engine's chunks (persistent); memory: RAM only (tests, benchmarks).
	std::string metadata = "rocks";
	bool check = false;
	// Background rebuild after a drive failure: fast enough to restore
	// redundancy in minutes, slow enough to leave the drives to the
	// applications.
	uint64_t rebuild_rate = 128ull << 20;
	// Drives to open (or add, as `weft drive add` does) at start.
	std::vector<std::string> drives;
	bool force_drive = false;	// reformat a --drive of another cluster
	bool daemonize = false;
	std::string pidfile;
	std::string log_file;
};

constexpr int kWakeSignal = SIGUSR1;

void on_wake_signal(int) {}

// Set while a daemonized weftd starts: its parent waits for the report.
weft::StartupReport *g_startup = nullptr;

int fail(const std::string &message)
{
	if (g_startup != nullptr && g_startup->active()) {
		// The parent prints it; the log (file or syslog) keeps it too.
		WEFT_LOG(kError) << message;
		g_startup->failed(message);
		return 1;
	}
	if (weft::log::sink() != weft::log::Sink::kStderr) {
		WEFT_LOG(kError) << message;
		return 1;
	}
	// under systemd: "<3>" makes it an error entry in the journal (log.h)
	std::fprintf(stderr, "%s%s\n", weft::log::stderr_is_journal() ? "<3>" : "weftd: ",
		     message.c_str());
	return 1;
}

// A path as seen from here, before daemonizing moves to "/".
std::string absolute(const std::string &path)
{
	if (path.empty())
		return path;
	std::error_code ec;
	auto abs = std::filesystem::absolute(path, ec);
	return ec ? path : abs.lexically_normal().string();
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

// `weftd --check`: verifies a stopped node's namespace and storage engine
// without attaching; one line per problem, exit 1 if there is any.
int check_data_dir(const Config &cfg)
{
	const std::string ns = cfg.data_dir + "/namespace";
	if (!std::filesystem::exists(ns))
		return fail("no namespace in " + cfg.data_dir + " (never served with --metadata rocks)");
	weft::ClusterOptions copts;
	copts.data_dir = cfg.data_dir;
	copts.default_drive_bytes = cfg.default_drive_bytes;
	auto cluster = weft::ClusterState::open(copts);
	if (!cluster)
		return fail(cluster.error().message);
	auto problems = weft::RocksMetadataStore::check(ns, (*cluster)->store());
	if (!problems)
		return fail(problems.error().message);
	for (const std::string &p : *problems)
		std::printf("%s\n", p.c_str());
	if (!problems->empty()) {
		std::fflush(stdout);
		return 1;
	}
	std::printf("weftd: %s is consistent\n", cfg.data_dir.c_str());
	// The verdict is out before the databases close: a script reads it
	// whatever happens at exit.
	std::fflush(stdout);
	return 0;
}

// The namespace the handlers serve.  The store references cluster's chunk
// store, so it must be destroyed first.
weft::Result<std::unique_ptr<weft::MetadataStore>> open_store(const Config &cfg,
							      weft::ClusterState &cluster)
{
	if (cfg.metadata == "memory")
		return std::unique_ptr<weft::MetadataStore>(std::make_unique<weft::MemoryMetadataStore>());
	weft::RocksStoreOptions ro;
	ro.dir = cfg.data_dir + "/namespace";
	ro.chunks = &cluster.store();
	ro.replication = [&cluster](std::string_view fs) {
		auto config = cluster.find_fs(fs);
		return config ? config->replication : 1u;
	};
	auto store = weft::RocksMetadataStore::open(ro);
	if (!store)
		return store.error();
	return std::unique_ptr<weft::MetadataStore>(std::move(*store));
}

// Re-sends the wake signal until every worker is out (one sent just before
// a worker enters the kernel would otherwise be lost), then joins them.
weft::Status stop_workers(weft::RingServer &server)
{
	using namespace std::chrono_literals;
	do {
		server.request_stop();
		std::this_thread::sleep_for(20ms);
	} while (!server.all_workers_done());
	return server.wait();
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
	app.add_flag("--pin-workers", cfg.pin_workers,
		     "serve each CPU's queue on that CPU (no cross-CPU wake-ups)");
	app.add_option("--log-level", cfg.log_level, "error, warn, info or debug")
		->capture_default_str();
	app.add_option("--device", cfg.device, "ring device")->capture_default_str();
	app.add_option("--default-drive-size", cfg.default_drive_bytes,
		       "size of the sparse drive file kept in --data-dir while no drive is "
		       "configured (e.g. 16GiB)")
		->transform(CLI::AsSizeValue(false))
		->capture_default_str();
	app.add_option("--metadata", cfg.metadata,
		       "namespace store: rocks (persistent, in --data-dir) or memory (lost at exit)")
		->capture_default_str()
		->check(CLI::IsMember({"rocks", "memory"}));
	app.add_option("--rebuild-rate", cfg.rebuild_rate,
		       "bytes per second the background rebuild copies after a drive failure "
		       "(e.g. 64MiB; 0 = unthrottled)")
		->transform(CLI::AsSizeValue(false))
		->capture_default_str();
	app.add_option("--drive", cfg.drives,
		       "a drive to serve (repeatable): added as 'weft drive add' does, or opened "
		       "when it is already a drive of this node");
	app.add_flag("--force-drive", cfg.force_drive,
		     "reformat a --drive that holds another weft cluster's superblock");
	app.add_flag("--daemonize", cfg.daemonize,
		     "run in the background: return once serving (exit 0) or on a startup "
		     "error (exit 1, the error on stderr)");
	app.add_option("--pidfile", cfg.pidfile,
		       "write the daemon's pid here once it serves (removed at exit)");
	app.add_option("--log-file", cfg.log_file,
		       "with --daemonize: append log lines here (default: syslog)");
	app.add_flag("--check", cfg.check,
		     "check a stopped node's --data-dir (namespace and storage engine) and exit: "
		     "0 clean, 1 with problems (one line each)");
	CLI11_PARSE(app, argc, argv);

	auto level = weft::log::parse_level(cfg.log_level);
	if (!level)
		return fail("unknown log level '" + cfg.log_level + "'");
	weft::log::set_level(*level);
	if (cfg.queue_depth & (cfg.queue_depth - 1))
		return fail("--queue-depth must be a power of two");
	if (cfg.check)
		return check_data_dir(cfg);
	if (!cfg.log_file.empty() && !cfg.daemonize)
		return fail("--log-file needs --daemonize (in the foreground, log lines go to stderr)");

	// Before any thread exists (the storage engine starts some): fork()
	// keeps only the calling thread.
	weft::StartupReport startup;
	if (cfg.daemonize) {
		cfg.data_dir = absolute(cfg.data_dir);
		cfg.device = absolute(cfg.device);
		cfg.pidfile = absolute(cfg.pidfile);
		auto report = weft::daemonize(weft::DaemonizeOptions{absolute(cfg.log_file)});
		if (!report)
			return fail(report.error().message);
		startup = std::move(*report);
		g_startup = &startup;
	}

	const sigset_t stop_set = setup_signals();

	weft::DeviceTransport transport(cfg.device);
	weft::ServerOptions options;
	options.worker.spin_us = cfg.spin_us;
	options.pin_workers = cfg.pin_workers;
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
	copts.default_drive = cfg.drives.empty();
	auto cluster = weft::ClusterState::open(copts);
	if (!cluster)
		return fail(cluster.error().message);
	for (const std::string &path : cfg.drives) {
		// The same checks and errors as `weft drive add` (they name the drive).
		auto d = (*cluster)->ensure_drive(path, cfg.force_drive);
		if (!d)
			return fail(d.error().message);
		WEFT_LOG(kInfo) << "drive " << d->record.info.id << ": " << path;
	}

	auto opened = open_store(cfg, **cluster);
	if (!opened)
		return fail(opened.error().message);
	weft::MetadataStore &store = **opened;
	// Declared after the cluster: stopped (and its rebuild cancelled)
	// before the engine closes.
	weft::RebuildService rebuild((*cluster)->store(), weft::RebuildOptions{cfg.rebuild_rate});
	store.set_capacity_source(weft::catalog_capacity(**cluster));
	weft::FsHandlerOptions fs_options{cfg.data_dir};
	fs_options.space = weft::catalog_space(**cluster);
	// Invalidations leave from a thread of their own (notifier.h); declared
	// before fs and mgmt, which post to it, so it outlives every poster.
	weft::Notifier notifier(transport);
	weft::FsHandlers fs(store, fs_options);
	weft::MgmtHandler mgmt(store, weft::DaemonInfo{cfg.name, cfg.data_dir, att->geometry},
			       cluster->get());
	mgmt.on_invalidate([&notifier](std::vector<weft::Invalidation> v) {
		for (weft::Invalidation &inv : v)
			notifier.post(std::move(inv));
	});
	fs.on_invalidate([&notifier](weft::Invalidation inv) { notifier.post(std::move(inv)); });
	weft::Dispatcher dispatcher;
	fs.register_with(dispatcher);
	weft::register_catalog_mount(dispatcher, fs, store, **cluster);
	mgmt.register_with(dispatcher);

	if (auto st = server.start(dispatcher); !st)
		return fail(st.error().message);
	// Whatever the log level: scripts and `weft local attach` wait for it.
	weft::log::write(weft::log::kInfo,
			 "attached as " + cfg.name + " (" + std::to_string(att->geometry.nr_queues) +
				 " queues x " + std::to_string(att->geometry.queue_depth) + " slots)");
	weft::PidFile pidfile;
	if (!cfg.pidfile.empty()) {
		if (weft::Status w = pidfile.write(cfg.pidfile); !w) {
			const int rc = fail(w.error().message);
			(void)stop_workers(server);	// exiting 1 either way
			return rc;
		}
	}
	startup.ready();

	int sig = 0;
	while (!server.any_worker_done()) {
		const timespec tick{0, 200 * 1000 * 1000};
		sig = sigtimedwait(&stop_set, nullptr, &tick);
		if (sig > 0)
			break;
	}
	if (sig > 0)
		WEFT_LOG(kInfo) << "signal " << sig << ": stopping";

	weft::Status st = stop_workers(server);
	if (!st)
		return fail(st.error().message);
	WEFT_LOG(kInfo) << "detached from '" << cfg.name << "'";
	return 0;
}

#include "app.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstring>
#include <functional>
#include <memory>
#include <thread>

#include <CLI/CLI.hpp>

#include <weft_netlink.h>
#include <weft_ring.h>

namespace weft::cli {

namespace {

struct Context {
	const ControlFactory &factory;
	std::ostream &out;
	const LocalEnv &env;
	std::unique_ptr<Control> control_;
	bool json = false;
	std::string channel;	// --channel (relayed commands)

	Control &control()
	{
		if (!control_)
			control_ = factory();
		return *control_;
	}
	bool channel_given = false;
	// --channel, checked before the control plane is opened
	std::optional<std::string> channel_opt() const;
	void print(const Json &doc, const std::function<std::string()> &text)
	{
		if (json)
			out << doc.dump(2) << "\n";
		else
			out << text();
	}
};

using Action = std::function<void()>;

void check_name(const std::string &what, const std::string &name, size_t max);

std::optional<std::string> Context::channel_opt() const
{
	if (!channel_given)
		return std::nullopt;
	check_name("channel name", channel, WEFT_NAME_MAX);
	return channel;
}

std::string one_line(std::string s)
{
	for (auto &c : s)
		if (c == '\n' || c == '\r')
			c = ' ';
	while (!s.empty() && s.back() == ' ')
		s.pop_back();
	return s;
}

void check_name(const std::string &what, const std::string &name, size_t max)
{
	if (name.empty() || name.size() >= max)
		throw UsageError("bad " + what + " '" + name + "' (1 to " + std::to_string(max - 1) +
				 " characters)");
	for (char c : name)
		if (c == '/' || c == ',' || static_cast<unsigned char>(c) <= ' ')
			throw UsageError("bad " + what + " '" + name +
					 "' (no '/', ',', blanks or control characters)");
}

uint32_t duration_option(const std::string &opt, const std::string &value, uint64_t min_ms,
			 uint64_t max_ms)
{
	auto ms = parse_duration_ms(value);
	if (!ms)
		throw UsageError("bad value for " + opt + ": '" + value +
				 "' (seconds, e.g. 30, 1.5 or 500ms)");
	if (*ms < min_ms || *ms > max_ms)
		throw UsageError(opt + " must be between " + format_ms(min_ms) + " and " +
				 format_ms(max_ms) + ", not '" + value + "'");
	return static_cast<uint32_t>(*ms);
}

// ---- commands -------------------------------------------------------------

void cmd_version(Context &c)
{
	ModuleVersion v = c.control().version();
	c.print(version_json(v), [&] { return version_text(v); });
}

void cmd_local_status(Context &c)
{
	Control &ctl = c.control();
	ModuleVersion v = ctl.version();
	auto channels = ctl.channels();
	auto mounts = ctl.mounts();
	c.print(local_status_json(v, channels, mounts),
		[&] { return local_status_text(v, channels, mounts); });
}

struct SetArgs {
	std::string name, timeout, grace;
	CLI::Option *name_opt = nullptr;
};

void cmd_local_set(Context &c, const SetArgs &a)
{
	std::optional<uint32_t> timeout, grace;
	if (!a.timeout.empty())
		timeout = duration_option("--timeout", a.timeout, WEFT_SET_TIMEOUT_MIN_MS,
					  WEFT_SET_TIMEOUT_MAX_MS);
	if (!a.grace.empty())
		grace = duration_option("--grace", a.grace, 0, WEFT_SET_GRACE_MAX_MS);
	if (!timeout && !grace)
		throw UsageError("nothing to set: give --timeout and/or --grace");
	std::string name = a.name;
	bool named = a.name_opt && a.name_opt->count() > 0;
	if (named)
		check_name("channel name", name, WEFT_NAME_MAX);
	Control &ctl = c.control();
	if (!named) {
		auto channels = ctl.channels();
		if (channels.empty())
			throw Error("no weftd attached (nothing to set)");
		if (channels.size() > 1) {
			std::string names;
			for (const auto &ch : channels)
				names += (names.empty() ? "" : ", ") + ch.name;
			throw UsageError("several channels (" + names + "): choose one with --name");
		}
		name = channels[0].name;
	}
	try {
		ctl.set(name, timeout, grace);
	} catch (const KernelError &e) {
		if (e.errnum() == ENOENT)
			throw Error("no such channel '" + name + "'");
		throw;
	}
	// report what the module now holds
	uint32_t t = timeout.value_or(0), g = grace.value_or(0);
	for (const auto &ch : ctl.channels()) {
		if (ch.name == name) {
			t = ch.timeout_ms;
			g = ch.grace_ms;
		}
	}
	c.print(local_set_json(name, t, g), [&] { return local_set_text(name, t, g); });
}

void cmd_status(Context &c)
{
	auto channel = c.channel_opt();
	Json r = relay(c.control(), channel, "status", Json::object());
	c.print(r, [&] { return status_text(r); });
}

// `weft stats`: one snapshot (rates since the counters started), two an
// interval apart (rates over the interval), or --live: one table (or JSON
// line) per interval, like vmstat.  The module's counters and, when a weftd
// answers, the daemon's own (time spent inside weftd).
struct StatsArgs {
	std::vector<std::string> ops;
	std::string interval;
	bool live = false;
	bool queues = false;
	int count = 0;
	CLI::Option *count_opt = nullptr;
};

std::vector<OpStats> stats_delta(const std::vector<OpStats> &a, const std::vector<OpStats> &b)
{
	std::vector<OpStats> out;
	for (const auto &nb : b) {
		OpStats d = nb;
		for (const auto &na : a) {
			if (na.opcode != nb.opcode)
				continue;
			d.count -= std::min(d.count, na.count);
			d.errors -= std::min(d.errors, na.errors);
			d.total_ns -= std::min(d.total_ns, na.total_ns);
			d.bytes -= std::min(d.bytes, na.bytes);
			for (size_t i = 0; i < d.hist.size() && i < na.hist.size(); i++)
				d.hist[i] -= std::min(d.hist[i], na.hist[i]);
		}
		if (d.count)
			out.push_back(std::move(d));
	}
	return out;
}

struct StatsSample {
	std::vector<OpStats> kernel;
	uint64_t kernel_ns = 0;
	std::optional<std::string> daemon;	// set when daemon_ops are valid
	std::vector<OpStats> daemon_ops;
	uint64_t daemon_ns = 0;
	std::string daemon_error;
};

// weftd's "stats" result: {"since_ns", "ops": [{"opcode", "count", "errors",
// "bytes", "total_ns", "hist"}]}
std::vector<OpStats> daemon_stats(const Json &r, uint64_t &since_ns)
{
	const Error bad("weftd sent invalid statistics");
	auto u64_of = [&](const Json &o, const char *key) {
		if (!o.is_object() || !o.contains(key) || !o[key].is_number_unsigned())
			throw bad;
		return o[key].get<uint64_t>();
	};
	since_ns = u64_of(r, "since_ns");
	if (!r.contains("ops") || !r["ops"].is_array())
		throw bad;
	std::vector<OpStats> out;
	for (const Json &o : r["ops"]) {
		OpStats s;
		const uint64_t op = u64_of(o, "opcode");
		if (op > 0xffff)
			throw bad;
		s.opcode = static_cast<uint32_t>(op);
		s.count = u64_of(o, "count");
		s.errors = u64_of(o, "errors");
		s.bytes = u64_of(o, "bytes");
		s.total_ns = u64_of(o, "total_ns");
		s.since_ns = since_ns;
		if (!o.contains("hist") || !o["hist"].is_array() || o["hist"].size() > 64)
			throw bad;
		for (const Json &b : o["hist"]) {
			if (!b.is_number_unsigned())
				throw bad;
			s.hist.push_back(b.get<uint64_t>());
		}
		out.push_back(std::move(s));
	}
	return out;
}

uint64_t stats_window(const std::vector<OpStats> &s)
{
	uint64_t w = 0;
	for (const auto &o : s)
		w = std::max(w, o.since_ns);
	return w;
}

// daemon: the weftd to ask; explicit (--channel): its errors are the
// command's, else they only leave the weftd columns out.
StatsSample stats_sample(Control &ctl, const std::optional<std::string> &daemon, bool explicit_daemon)
{
	StatsSample s;
	s.kernel = ctl.op_stats();
	s.kernel_ns = stats_window(s.kernel);
	if (!daemon)
		return s;
	try {
		s.daemon_ops = daemon_stats(relay(ctl, daemon, "stats", Json::object()), s.daemon_ns);
		s.daemon = daemon;
	} catch (const Error &e) {
		if (explicit_daemon)
			throw;
		s.daemon_error = one_line(e.what());
	}
	return s;
}

StatsView stats_view(const StatsSample &s, const std::vector<uint32_t> &only)
{
	StatsView v;
	v.kernel = s.kernel;
	v.window_ns = s.kernel_ns;
	v.daemon = s.daemon;
	v.daemon_ops = s.daemon_ops;
	v.daemon_window_ns = s.daemon_ns;
	v.daemon_error = s.daemon_error;
	v.only = only;
	return v;
}

// The change from a to b, interval_ms apart by the CLI's clock.
StatsView stats_view(const StatsSample &a, const StatsSample &b, uint64_t interval_ms,
		     const std::vector<uint32_t> &only)
{
	StatsView v = stats_view(b, only);
	v.kernel = stats_delta(a.kernel, b.kernel);
	v.window_ns = a.kernel_ns && b.kernel_ns > a.kernel_ns ? b.kernel_ns - a.kernel_ns
							       : interval_ms * 1000000;
	if (b.daemon && a.daemon && b.daemon_ns >= a.daemon_ns) {
		v.daemon_ops = stats_delta(a.daemon_ops, b.daemon_ops);
		v.daemon_window_ns = b.daemon_ns - a.daemon_ns;
	}	// else weftd (re)started in between: its counters are all new
	return v;
}

std::vector<QueueStats> queue_delta(const std::vector<QueueStats> &a,
				    const std::vector<QueueStats> &b)
{
	std::vector<QueueStats> out;
	for (QueueStats d : b) {
		auto old = std::find_if(a.begin(), a.end(), [&](const QueueStats &x) {
			return x.channel == d.channel && x.queue == d.queue;
		});
		// a counter that went back: the channel was re-created in between
		if (old != a.end() && old->polled <= d.polled && old->slept <= d.slept &&
		    old->daemon_woken <= d.daemon_woken && old->spin_found <= d.spin_found &&
		    old->spin_missed <= d.spin_missed) {
			d.polled -= old->polled;
			d.slept -= old->slept;
			d.daemon_woken -= old->daemon_woken;
			d.spin_found -= old->spin_found;
			d.spin_missed -= old->spin_missed;
		}
		out.push_back(std::move(d));
	}
	return out;
}

// `weft stats --queues`: the module's per-queue counters, totals or the
// difference over --interval.
void cmd_queue_stats(Context &c, std::optional<uint64_t> interval)
{
	Control &ctl = c.control();
	auto before = ctl.queue_stats();
	if (!interval) {
		c.print(queue_stats_json(before, 0), [&] { return queue_stats_text(before); });
		return;
	}
	std::this_thread::sleep_for(std::chrono::milliseconds(*interval));
	auto delta = queue_delta(before, ctl.queue_stats());
	c.print(queue_stats_json(delta, *interval), [&] { return queue_stats_text(delta); });
}

void cmd_stats(Context &c, const StatsArgs &a)
{
	std::vector<uint32_t> only;
	for (const auto &name : a.ops) {
		auto op = op_code(name);
		if (!op)
			throw UsageError("unknown operation '" + name + "' (e.g. LOOKUP, GETATTR, READ)");
		if (std::find(only.begin(), only.end(), *op) == only.end())
			only.push_back(*op);
	}
	const bool live = a.live || (a.count_opt && a.count_opt->count() > 0);
	std::optional<uint64_t> interval;
	if (!a.interval.empty())
		interval = duration_option("--interval", a.interval, 10, 3600 * 1000);
	else if (live)
		interval = 1000;
	if (a.queues) {
		if (live || !a.ops.empty())
			throw UsageError("--queues takes --interval only (not --op, --live, --count)");
		cmd_queue_stats(c, interval);
		return;
	}
	std::optional<std::string> daemon = c.channel_opt();
	const bool explicit_daemon = daemon.has_value();
	Control &ctl = c.control();
	if (!daemon) {
		auto channels = ctl.channels();
		if (channels.size() == 1)
			daemon = channels[0].name;
	}
	StatsSample prev = stats_sample(ctl, daemon, explicit_daemon);
	if (!interval) {
		StatsView v = stats_view(prev, only);
		c.print(stats_json(v), [&] { return stats_text(v); });
		return;
	}
	const int rounds = live ? a.count : 1;	// 0: until interrupted
	for (int i = 0; rounds == 0 || i < rounds; i++) {
		std::this_thread::sleep_for(std::chrono::milliseconds(*interval));
		StatsSample cur = stats_sample(ctl, daemon, explicit_daemon);
		StatsView v = stats_view(prev, cur, *interval, only);
		if (live && c.json)
			c.out << stats_json(v).dump() << "\n";	// JSON lines
		else
			c.print(stats_json(v), [&] { return (i ? "\n" : "") + stats_text(v); });
		c.out.flush();
		prev = std::move(cur);
	}
}

// `weft local attach|detach NAME`
struct AttachCli {
	AttachArgs args;
	std::string timeout;
};

uint64_t wait_timeout(const std::string &v)
{
	return v.empty() ? 10000 : duration_option("--timeout", v, 100, 3600 * 1000);
}

void cmd_local_attach(Context &c, AttachCli &a)
{
	check_name("channel name", a.args.name, WEFT_NAME_MAX);
	for (const auto &w : a.args.weftd_args)
		if (w == "--name" || w.rfind("--name=", 0) == 0 || w == "--data-dir" ||
		    w.rfind("--data-dir=", 0) == 0)
			throw UsageError("give the name as NAME and the data directory as --data-dir "
					 "(before --), not as weftd options");
	if (!a.args.log.empty() && a.args.log[0] != '/')
		throw UsageError("--log must be an absolute path, not '" + a.args.log + "'");
	a.args.timeout_ms = wait_timeout(a.timeout);
	Json r = local_attach(c.control(), c.env, a.args);
	c.print(r, [&] { return local_attach_text(r); });
}

void cmd_local_detach(Context &c, const std::string &name, const std::string &timeout)
{
	check_name("channel name", name, WEFT_NAME_MAX);
	const uint64_t ms = wait_timeout(timeout);
	Json r = local_detach(c.control(), c.env, name, ms);
	c.print(r, [&] { return local_detach_text(r); });
}

using TextFn = std::function<std::string(const Json &)>;

// A relayed cluster command: args built after parsing.
void cmd_relay(Context &c, const std::string &command, const std::function<Json()> &args,
	       const TextFn &text)
{
	Json a = args ? args() : Json::object();
	auto channel = c.channel_opt();
	Json r = relay(c.control(), channel, command, a);
	c.print(r, [&] { return text ? text(r) : generic_text(r); });
}

// `weft fs delete NAME`: the module knows the mounts, weftd does not see
// umount; refuse while the file system is mounted from this daemon.
void check_not_mounted(Context &c, const std::string &fs)
{
	auto channel = c.channel_opt();
	Control &ctl = c.control();
	std::string daemon;
	if (channel) {
		daemon = *channel;
	} else {
		auto channels = ctl.channels();
		if (channels.size() != 1)
			return;	// relay() reports "no weftd" / "several weftd"
		daemon = channels[0].name;
	}
	size_t n = 0;
	for (const auto &m : ctl.mounts())
		n += m.channel == daemon && m.filesystem == fs;
	if (n)
		throw Error("file system '" + fs + "' is mounted (" + std::to_string(n) +
			    (n == 1 ? " mount" : " mounts") + "): unmount it first");
}

// ---- the command tree -------------------------------------------------------

struct Tree {
	CLI::App app{"Weft distributed file system: control this host's weft.ko and weftd", "weft"};
	Action selected;
	Context &ctx;

	explicit Tree(Context &c) : ctx(c) {}

	CLI::App *group(CLI::App *parent, const std::string &name, const std::string &desc)
	{
		CLI::App *g = parent->add_subcommand(name, desc);
		g->require_subcommand(1);
		return g;
	}
	CLI::App *leaf(CLI::App *parent, const std::string &name, const std::string &desc, Action act,
		       bool relayed = false)
	{
		CLI::App *l = parent->add_subcommand(name, desc);
		l->add_flag("--json", ctx.json, "print one JSON document instead of text");
		if (relayed)
			l->add_option("--channel", ctx.channel,
				      "the weftd to ask (its --name); default: the only one attached")
				->each([this](const std::string &) { ctx.channel_given = true; });
		l->callback([this, act] { selected = act; });
		return l;
	}
	// a command relayed to weftd as {"command": command, "args": args()}
	CLI::App *relayed(CLI::App *parent, const std::string &name, const std::string &command,
			  const std::string &desc, std::function<Json()> args = {},
			  TextFn text = {})
	{
		return leaf(parent, name, desc,
			    [this, command, args, text] { cmd_relay(ctx, command, args, text); }, true);
	}
};

struct Args {
	AttachCli attach;
	std::string detach_name, detach_timeout;
	SetArgs set;
	StatsArgs stats;
	std::vector<std::string> hosts, paths;
	std::string host, id, name, new_name, capacity, cluster_name;
	int replication = 0;
	bool force = false;
};

// Cluster names: what weftd accepts (checked here too, for a usage error).
void check_cluster_name(const std::string &name)
{
	if (name.empty() || name.size() > 63)
		throw UsageError("bad cluster name '" + name + "' (1 to 63 characters)");
	for (char ch : name)
		if (!std::isalnum(static_cast<unsigned char>(ch)) && ch != '-' && ch != '_' &&
		    ch != '.')
			throw UsageError("bad cluster name '" + name +
					 "' (letters, digits, '-', '_' and '.' only)");
}

uint64_t size_arg(const std::string &opt, const std::string &v)
{
	auto n = parse_size(v);
	if (!n || *n == 0)
		throw UsageError("bad value for " + opt + ": '" + v + "' (a size, e.g. 100GiB or 1T)");
	return *n;
}

void build(Tree &t, Args &a)
{
	CLI::App &app = t.app;
	Context &c = t.ctx;
	app.require_subcommand(1);
	app.set_version_flag("--version", std::string("weft ") + WEFT_VERSION,
			     "print the CLI version and exit");
	app.footer("Every command takes --help and --json.  Run 'weft COMMAND --help' for details.");

	t.leaf(&app, "version", "CLI, kernel module and ABI versions", [&c] { cmd_version(c); });
	t.leaf(&app, "status", "cluster health, capacity and redundancy (from weftd)",
	       [&c] { cmd_status(c); }, true);

	// local: answered by the kernel module
	CLI::App *local = t.group(&app, "local", "this host: kernel module, attached daemons, mounts");
	t.leaf(local, "status", "channels (attached weftd) with ring statistics, and mounts",
	       [&c] { cmd_local_status(c); });
	CLI::App *attach = t.leaf(local, "attach",
				  "start a weftd for NAME (systemd unit weftd@NAME, or spawned) and "
				  "wait until it is attached",
				  [&c, &a] { cmd_local_attach(c, a.attach); });
	attach->add_option("name", a.attach.args.name, "channel name (weftd --name)")->required();
	attach->add_option("--data-dir", a.attach.args.data_dir,
			   "weftd's state directory (default /var/lib/weft/NAME)");
	attach->add_option("--log", a.attach.args.log,
			   "append weftd's output here (default /var/log/weft/NAME.log; not with systemd)");
	attach->add_flag("--no-systemd", a.attach.args.no_systemd,
			 "spawn weftd (log in /var/log/weft/NAME.log) even when systemd runs");
	attach->add_option("--timeout", a.attach.timeout,
			   "how long to wait for the channel (seconds, default 10)");
	attach->add_option("weftd-options", a.attach.args.weftd_args,
			   "after --: options for weftd (e.g. -- --queues 2 --log-level debug)");
	CLI::App *detach = t.leaf(local, "detach",
				  "stop the weftd attached as NAME (SIGTERM, or systemctl stop) and "
				  "wait until its channel is gone",
				  [&c, &a] { cmd_local_detach(c, a.detach_name, a.detach_timeout); });
	detach->add_option("name", a.detach_name, "channel name")->required();
	detach->add_option("--timeout", a.detach_timeout,
			   "how long to wait (seconds, default 10)");
	CLI::App *set = t.leaf(local, "set", "set a channel's request timeout and restart grace period",
			       [&c, &a] { cmd_local_set(c, a.set); });
	a.set.name_opt = set->add_option("--name", a.set.name,
					 "channel (weftd --name); default: the only one attached");
	set->add_option("--timeout", a.set.timeout, "per-request timeout in seconds (or 500ms, 2m)");
	set->add_option("--grace", a.set.grace,
			"how long requests wait for a restarted weftd, in seconds (0: fail at once)");

	CLI::App *stats = t.leaf(&app, "stats",
				 "per-operation counts, IOPS, throughput and latency (module and weftd)",
				 [&c, &a] { cmd_stats(c, a.stats); }, true);
	stats->add_option("--op", a.stats.ops,
			  "only these operations (LOOKUP, GETATTR, READ, ...; repeat or comma-separate)")
		->delimiter(',');
	stats->add_option("--interval", a.stats.interval,
			  "sample this far apart (seconds, or 500ms) and show the difference; "
			  "default: totals since the module was loaded (--live: 1 s)");
	stats->add_flag("--live", a.stats.live,
			"print the rates of every interval until interrupted (--json: one JSON "
			"document per line)");
	stats->add_flag("--queues", a.stats.queues,
			"per-queue ring counters instead: completions found by polling vs "
			"sleeps, daemon wake-ups, spins that found work");
	a.stats.count_opt = stats->add_option("--count", a.stats.count,
					      "with --live: stop after this many intervals")
				    ->check(CLI::PositiveNumber);

	// cluster, drive, fs: relayed to weftd
	CLI::App *cluster = t.group(&app, "cluster", "cluster membership and configuration (weftd)");
	t.relayed(cluster, "status", "cluster status",
		  "name, id, hosts, drives, capacity, redundancy and epoch", {},
		  cluster_status_text);
	CLI::App *ccreate = t.relayed(cluster, "create", "cluster create",
				      "name this node's cluster (once; hosts: this host only, for now)",
				      [&a] {
					      check_cluster_name(a.cluster_name);
					      Json j{{"name", a.cluster_name}};
					      if (!a.hosts.empty())
						      j["hosts"] = a.hosts;
					      return j;
				      },
				      cluster_status_text);
	ccreate->add_option("name", a.cluster_name, "cluster name (letters, digits, '-', '_', '.')")
		->required();
	ccreate->add_option("hosts", a.hosts, "member hosts (only this host until multi-node lands)");
	t.relayed(cluster, "update", "cluster update", "rename the cluster", [&a] {
		 if (a.cluster_name.empty())
			 throw UsageError("nothing to update: give --name");
		 check_cluster_name(a.cluster_name);
		 return Json{{"name", a.cluster_name}};
	 }, cluster_status_text)->add_option("--name", a.cluster_name, "new cluster name");
	CLI::App *host = t.group(cluster, "host", "cluster hosts");
	t.relayed(host, "list", "cluster host list", "list hosts (hostname, id, state, drives)", {},
		  host_list_text);
	t.relayed(host, "add", "cluster host add", "add a host (needs multi-node support)",
		  [&a] { return Json{{"host", a.host}}; })
		->add_option("host", a.host, "host name or address")->required();
	t.relayed(host, "remove", "cluster host remove", "remove a host (not this one)",
		  [&a] { return Json{{"host", a.host}}; })
		->add_option("host", a.host, "host name or address")->required();

	CLI::App *drive = t.group(&app, "drive", "drives (block devices or files) that hold data");
	t.relayed(drive, "list", "drive list", "list drives", {}, drive_list_text);
	CLI::App *dadd = t.relayed(drive, "add", "drive add", "format and add drives", [&a] {
		for (const auto &p : a.paths)
			if (p.empty() || p[0] != '/')
				throw UsageError("drive path must be absolute, not '" + p + "'");
		Json j{{"paths", a.paths}};
		if (a.force)
			j["force"] = true;
		return j;
	}, drive_list_text);
	dadd->add_option("paths", a.paths, "block devices (/dev/nvme0n1) or files")->required();
	dadd->add_flag("--force", a.force,
		       "reformat a drive that holds a weft superblock (of another cluster, or "
		       "damaged); mounted and in-use drives are always refused");
	t.relayed(drive, "remove", "drive remove", "remove an empty drive",
		  [&a] { return Json{{"id", a.id}}; }, drive_remove_text)
		->add_option("id", a.id, "drive id or path")->required();
	t.relayed(drive, "scan", "drive scan", "list this host's NVMe and other block devices", {},
		  drive_scan_text);

	CLI::App *fs = t.group(&app, "fs", "file systems");
	t.relayed(fs, "list", "fs list", "list file systems", {}, fs_list_text);
	CLI::App *create = t.relayed(fs, "create", "fs create", "create a file system", [&a] {
		check_name("file system name", a.name, WEFT_FSNAME_MAX);
		Json j{{"name", a.name}};
		if (!a.capacity.empty())
			j["capacity_bytes"] = size_arg("--capacity", a.capacity);
		if (a.replication)
			j["replication"] = a.replication;
		return j;
	}, fs_list_text);
	create->add_option("name", a.name, "file system name")->required();
	create->add_option("--capacity", a.capacity, "capacity, e.g. 100GiB or 1T");
	create->add_option("--replication", a.replication, "copies of every chunk (1..3)")
		->check(CLI::Range(1, 16));
	CLI::App *update = t.relayed(fs, "update", "fs update", "change a file system", [&a] {
		check_name("file system name", a.name, WEFT_FSNAME_MAX);
		Json j{{"name", a.name}};
		if (!a.new_name.empty()) {
			check_name("file system name", a.new_name, WEFT_FSNAME_MAX);
			j["new_name"] = a.new_name;
		}
		if (!a.capacity.empty())
			j["capacity_bytes"] = size_arg("--capacity", a.capacity);
		if (a.replication)
			j["replication"] = a.replication;
		if (j.size() == 1)
			throw UsageError("nothing to update: give --new-name, --capacity or --replication");
		return j;
	}, fs_list_text);
	update->add_option("name", a.name, "file system name")->required();
	update->add_option("--new-name", a.new_name, "rename it");
	update->add_option("--capacity", a.capacity, "new capacity, e.g. 100GiB or 1T");
	update->add_option("--replication", a.replication, "copies of every chunk")
		->check(CLI::Range(1, 16));
	t.relayed(fs, "delete", "fs delete", "delete a file system and its data (not while mounted)",
		  [&a, &c] {
			  check_name("file system name", a.name, WEFT_FSNAME_MAX);
			  check_not_mounted(c, a.name);
			  return Json{{"name", a.name}};
		  }, fs_delete_text)
		->add_option("name", a.name, "file system name")->required();

	t.relayed(&app, "scrub", "scrub",
		  "read every chunk on every drive, verify checksums, repair from good copies", {},
		  scrub_text);
}

} // namespace

Json relay(Control &control, const std::optional<std::string> &channel, const std::string &command,
	   const Json &args)
{
	if (channel)
		check_name("channel name", *channel, WEFT_NAME_MAX);
	Json req{{"command", command}, {"args", args}};
	std::string reply = control.mgmt(channel, req.dump());
	Json r = Json::parse(reply, nullptr, false);
	const Error invalid("weftd sent an invalid reply");
	if (r.is_discarded() || !r.is_object() || !r.contains("status") || !r["status"].is_string())
		throw invalid;
	const std::string status = r["status"].get<std::string>();
	if (status == "error") {
		std::string msg;
		if (r.contains("message") && r["message"].is_string())
			msg = r["message"].get<std::string>();
		if (msg.empty() && r.contains("errno") && r["errno"].is_number_integer())
			msg = std::strerror(r["errno"].get<int>());
		if (msg.empty())
			msg = "weftd reported an error";
		throw Error(one_line(msg));
	}
	if (status != "ok")
		throw invalid;
	return r.contains("result") ? r["result"] : Json(nullptr);
}

int run(int argc, const char *const *argv, const ControlFactory &factory, std::ostream &out,
	std::ostream &err, const LocalEnv &env)
{
	Context ctx{factory, out, env};
	Tree tree(ctx);
	Args args;
	build(tree, args);
	try {
		tree.app.parse(argc, argv);
	} catch (const CLI::ParseError &e) {
		if (e.get_exit_code() == 0)	// --help, --version
			return tree.app.exit(e, out, err);
		std::string msg = one_line(e.what());
		if (msg.size() > 1 && std::isupper(static_cast<unsigned char>(msg[0])) &&
		    !std::isupper(static_cast<unsigned char>(msg[1])))
			msg[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(msg[0])));
		err << "weft: " << msg << " (see --help)\n";
		return 2;
	}
	try {
		if (tree.selected)
			tree.selected();
		return 0;
	} catch (const Error &e) {
		err << "weft: " << one_line(e.what()) << "\n";
		return e.exit_code();
	} catch (const std::exception &e) {
		err << "weft: " << one_line(e.what()) << "\n";
		return 1;
	}
}

} // namespace weft::cli

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

// `weft stats`: one snapshot (rates since the counters started), or two an
// interval apart (rates over the interval).
struct StatsArgs {
	std::string op, interval;
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
			for (size_t i = 0; i < d.hist.size() && i < na.hist.size(); i++)
				d.hist[i] -= std::min(d.hist[i], na.hist[i]);
		}
		if (d.count)
			out.push_back(std::move(d));
	}
	return out;
}

void cmd_stats(Context &c, const StatsArgs &a)
{
	std::optional<uint32_t> op;
	if (!a.op.empty()) {
		op = op_code(a.op);
		if (!op)
			throw UsageError("unknown operation '" + a.op + "' (e.g. LOOKUP, GETATTR, READ)");
	}
	std::optional<uint64_t> interval;
	if (!a.interval.empty())
		interval = duration_option("--interval", a.interval, 10, 3600 * 1000);
	Control &ctl = c.control();
	std::vector<OpStats> s = ctl.op_stats();
	uint64_t window = 0;
	for (const auto &o : s)
		window = std::max(window, o.since_ns);
	if (interval) {
		uint64_t before = window;
		std::this_thread::sleep_for(std::chrono::milliseconds(*interval));
		std::vector<OpStats> s2 = ctl.op_stats();
		window = 0;
		for (const auto &o : s2)
			window = std::max(window, o.since_ns);
		window = before && window > before ? window - before : *interval * 1000000;
		s = stats_delta(s, s2);
	}
	if (op) {
		auto it = std::find_if(s.begin(), s.end(), [&](const OpStats &o) { return o.opcode == *op; });
		OpStats one;
		one.opcode = *op;
		one.hist.assign(WEFT_STATS_BUCKETS, 0);
		if (it != s.end())
			one = *it;
		s = {one};
	}
	c.print(stats_json(s, window), [&] { return stats_text(s, window); });
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
	SetArgs set;
	StatsArgs stats;
	std::vector<std::string> hosts, paths;
	std::string host, id, name, new_name, capacity, cluster_name;
	int replication = 0;
	bool force = false;
};

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
	CLI::App *set = t.leaf(local, "set", "set a channel's request timeout and restart grace period",
			       [&c, &a] { cmd_local_set(c, a.set); });
	a.set.name_opt = set->add_option("--name", a.set.name,
					 "channel (weftd --name); default: the only one attached");
	set->add_option("--timeout", a.set.timeout, "per-request timeout in seconds (or 500ms, 2m)");
	set->add_option("--grace", a.set.grace,
			"how long requests wait for a restarted weftd, in seconds (0: fail at once)");

	CLI::App *stats = t.leaf(&app, "stats",
				 "per-operation request counts, IOPS and latency (from the kernel module)",
				 [&c, &a] { cmd_stats(c, a.stats); });
	stats->add_option("--op", a.stats.op, "only this operation (LOOKUP, GETATTR, READ, ...)");
	stats->add_option("--interval", a.stats.interval,
			  "sample twice this far apart (seconds, or 500ms) and show the difference; "
			  "default: totals since the module was loaded");

	// cluster, drive, fs: relayed to weftd
	CLI::App *cluster = t.group(&app, "cluster", "cluster membership and configuration (weftd)");
	t.relayed(cluster, "status", "cluster status", "cluster status");
	t.relayed(cluster, "create", "cluster create", "create a cluster of these hosts",
		  [&a] { return Json{{"hosts", a.hosts}}; })
		->add_option("hosts", a.hosts, "host names or addresses");
	t.relayed(cluster, "update", "cluster update", "change cluster settings", [&a] {
		 Json j = Json::object();
		 if (!a.cluster_name.empty())
			 j["name"] = a.cluster_name;
		 return j;
	 })->add_option("--name", a.cluster_name, "new cluster name");
	CLI::App *host = t.group(cluster, "host", "cluster hosts");
	t.relayed(host, "list", "cluster host list", "list hosts");
	t.relayed(host, "add", "cluster host add", "add a host", [&a] { return Json{{"host", a.host}}; })
		->add_option("host", a.host, "host name or address")->required();
	t.relayed(host, "remove", "cluster host remove", "remove a host",
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
	std::ostream &err)
{
	Context ctx{factory, out};
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

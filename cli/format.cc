#include "format.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <iterator>
#include <sstream>

#include <weft_netlink.h>
#include <weft_ring.h>

namespace weft::cli {

// ---- units ------------------------------------------------------------------

std::string format_bytes(uint64_t bytes)
{
	static const char *const units[] = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
	if (bytes < 1024)
		return std::to_string(bytes) + " B";
	double v = static_cast<double>(bytes) / 1024.0;
	size_t u = 0;
	while (v >= 1023.95 && u + 1 < std::size(units)) {
		v /= 1024.0;
		u++;
	}
	char buf[32];
	std::snprintf(buf, sizeof(buf), "%.1f %s", v, units[u]);
	return buf;
}

std::string format_ms(uint64_t ms)
{
	if (ms == 0)
		return "0 s";
	if (ms < 1000)
		return std::to_string(ms) + " ms";
	std::string s = std::to_string(ms / 1000);
	uint64_t frac = ms % 1000;
	if (frac) {
		char buf[8];
		std::snprintf(buf, sizeof(buf), ".%03u", static_cast<unsigned>(frac));
		std::string f = buf;
		while (f.back() == '0')
			f.pop_back();
		s += f;
	}
	return s + " s";
}

std::string format_percent(uint64_t used, uint64_t capacity)
{
	if (capacity == 0)
		return "-";
	double p = 100.0 * static_cast<double>(used) / static_cast<double>(capacity);
	return std::to_string(static_cast<unsigned>(std::lround(std::min(p, 999.0)))) + "%";
}

namespace {

std::string lower(std::string s)
{
	for (auto &c : s)
		c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
	return s;
}

// a non-negative decimal ("12", "1.5"); the rest of s goes to unit
std::optional<double> parse_number(const std::string &s, std::string &unit)
{
	size_t i = 0, digits = 0;
	bool dot = false;
	while (i < s.size() && (std::isdigit(static_cast<unsigned char>(s[i])) || (s[i] == '.' && !dot))) {
		if (s[i] == '.')
			dot = true;
		else
			digits++;
		i++;
	}
	if (digits == 0 || i > 24)
		return std::nullopt;
	unit = lower(s.substr(i));
	if (!unit.empty() && unit[0] == ' ')
		unit.erase(0, 1);
	return std::stod(s.substr(0, i));
}

} // namespace

std::optional<uint64_t> parse_size(const std::string &s)
{
	std::string unit;
	auto v = parse_number(s, unit);
	if (!v)
		return std::nullopt;
	static const std::pair<const char *, double> units[] = {
		{"", 1}, {"b", 1},
		{"k", 0x1p10}, {"kib", 0x1p10}, {"kb", 1e3},
		{"m", 0x1p20}, {"mib", 0x1p20}, {"mb", 1e6},
		{"g", 0x1p30}, {"gib", 0x1p30}, {"gb", 1e9},
		{"t", 0x1p40}, {"tib", 0x1p40}, {"tb", 1e12},
		{"p", 0x1p50}, {"pib", 0x1p50}, {"pb", 1e15},
	};
	for (const auto &[name, mult] : units) {
		if (unit == name) {
			double bytes = *v * mult;
			if (bytes >= 0x1p64 || bytes != std::floor(bytes))
				return std::nullopt;
			return static_cast<uint64_t>(bytes);
		}
	}
	return std::nullopt;
}

std::optional<uint64_t> parse_duration_ms(const std::string &s)
{
	std::string unit;
	auto v = parse_number(s, unit);
	if (!v)
		return std::nullopt;
	double mult;
	if (unit.empty() || unit == "s")
		mult = 1000;
	else if (unit == "ms")
		mult = 1;
	else if (unit == "m" || unit == "min")
		mult = 60e3;
	else if (unit == "h")
		mult = 3600e3;
	else
		return std::nullopt;
	double ms = *v * mult;
	if (ms >= 0x1p63 || ms != std::floor(ms))
		return std::nullopt;
	return static_cast<uint64_t>(ms);
}

// ---- tables -----------------------------------------------------------------

void Table::add_row(std::vector<std::string> cells)
{
	cells.resize(columns_.size());
	rows_.push_back(std::move(cells));
}

std::string Table::render() const
{
	std::vector<size_t> width(columns_.size());
	for (size_t c = 0; c < columns_.size(); c++) {
		width[c] = columns_[c].title.size();
		for (const auto &r : rows_)
			width[c] = std::max(width[c], r[c].size());
	}
	std::string out;
	auto line = [&](auto cell) {
		std::string l;
		for (size_t c = 0; c < columns_.size(); c++) {
			const std::string &v = cell(c);
			std::string pad(width[c] - v.size(), ' ');
			if (c)
				l += "  ";
			l += columns_[c].align == Align::Right ? pad + v : v + pad;
		}
		while (!l.empty() && l.back() == ' ')
			l.pop_back();
		out += l + "\n";
	};
	line([&](size_t c) -> const std::string & { return columns_[c].title; });
	for (const auto &r : rows_)
		line([&](size_t c) -> const std::string & { return r[c]; });
	return out;
}

std::string render_fields(const std::vector<std::pair<std::string, std::string>> &fields)
{
	size_t w = 0;
	for (const auto &f : fields)
		w = std::max(w, f.first.size() + 1);
	std::string out;
	for (const auto &[k, v] : fields) {
		std::string l = k + ":" + std::string(w - k.size() - 1 + 2, ' ') + v;
		while (!l.empty() && l.back() == ' ')
			l.pop_back();
		out += l + "\n";
	}
	return out;
}

// ---- version ----------------------------------------------------------------

Json version_json(const ModuleVersion &module)
{
	return Json{
		{"cli", {{"version", WEFT_VERSION}, {"genl_version", WEFT_GENL_VERSION}}},
		{"module", {{"version", module.version}, {"abi_version", module.abi_version}}},
	};
}

std::string version_text(const ModuleVersion &module)
{
	return render_fields({
		{"CLI", std::string("weft ") + WEFT_VERSION},
		{"Module", "weft.ko " + module.version},
		{"Ring ABI", std::to_string(module.abi_version)},
	});
}

// ---- local status -------------------------------------------------------------

Json channel_json(const ChannelInfo &c)
{
	return Json{
		{"name", c.name},
		{"state", c.state},
		{"queues", c.queues},
		{"queue_depth", c.queue_depth},
		{"max_io_bytes", c.max_io_bytes},
		{"timeout_ms", c.timeout_ms},
		{"grace_ms", c.grace_ms},
		{"mounts", c.mounts},
		{"submitted", c.submitted},
		{"completed", c.completed},
		{"rejected", c.rejected},
		{"timed_out", c.timed_out},
	};
}

Json mount_json(const MountInfo &m)
{
	return Json{{"channel", m.channel}, {"filesystem", m.filesystem}, {"options", m.options}};
}

Json local_status_json(const ModuleVersion &module, const std::vector<ChannelInfo> &channels,
		       const std::vector<MountInfo> &mounts)
{
	Json ch = Json::array(), mn = Json::array();
	for (const auto &c : channels)
		ch.push_back(channel_json(c));
	for (const auto &m : mounts)
		mn.push_back(mount_json(m));
	return Json{
		{"module", {{"version", module.version}, {"abi_version", module.abi_version}}},
		{"channels", ch},
		{"mounts", mn},
	};
}

std::string local_status_text(const ModuleVersion &module, const std::vector<ChannelInfo> &channels,
			      const std::vector<MountInfo> &mounts)
{
	using A = Table::Align;
	std::string out = render_fields({{"Module", "weft.ko " + module.version + " (ring ABI " +
							    std::to_string(module.abi_version) + ")"}});
	out += "\nCHANNELS\n";
	if (channels.empty()) {
		out += "none (no weftd attached)\n";
	} else {
		Table t({{"NAME"}, {"STATE"}, {"QUEUES", A::Right}, {"DEPTH", A::Right},
			 {"MAX I/O", A::Right}, {"TIMEOUT", A::Right}, {"GRACE", A::Right},
			 {"MOUNTS", A::Right}, {"SUBMITTED", A::Right}, {"COMPLETED", A::Right},
			 {"REJECTED", A::Right}, {"TIMED OUT", A::Right}});
		for (const auto &c : channels)
			t.add_row({c.name, c.state, std::to_string(c.queues), std::to_string(c.queue_depth),
				   format_bytes(c.max_io_bytes), format_ms(c.timeout_ms),
				   format_ms(c.grace_ms), std::to_string(c.mounts),
				   std::to_string(c.submitted), std::to_string(c.completed),
				   std::to_string(c.rejected), std::to_string(c.timed_out)});
		out += t.render();
	}
	out += "\nMOUNTS\n";
	if (mounts.empty()) {
		out += "none\n";
	} else {
		Table t({{"CHANNEL"}, {"FILE SYSTEM"}, {"OPTIONS"}});
		for (const auto &m : mounts)
			t.add_row({m.channel, m.filesystem, m.options});
		out += t.render();
	}
	return out;
}

Json local_set_json(const std::string &channel, uint32_t timeout_ms, uint32_t grace_ms)
{
	return Json{{"channel", channel}, {"timeout_ms", timeout_ms}, {"grace_ms", grace_ms}};
}

std::string local_set_text(const std::string &channel, uint32_t timeout_ms, uint32_t grace_ms)
{
	return "channel " + channel + ": timeout " + format_ms(timeout_ms) + ", grace " +
	       format_ms(grace_ms) + "\n";
}

// ---- relayed results ------------------------------------------------------------

namespace {

// a JSON value for a table cell or a field: *_bytes as sizes, *_ms as times
std::string cell(const std::string &key, const Json &v)
{
	if (v.is_null())
		return "-";
	if (v.is_string())
		return v.get<std::string>();
	if (v.is_boolean())
		return v.get<bool>() ? "yes" : "no";
	if (v.is_number_unsigned() || (v.is_number_integer() && v.get<int64_t>() >= 0)) {
		uint64_t n = v.get<uint64_t>();
		auto ends = [&](const char *suf) {
			std::string s = suf;
			return key.size() >= s.size() && key.compare(key.size() - s.size(), s.size(), s) == 0;
		};
		if (ends("_bytes") || key == "capacity" || key == "size")
			return format_bytes(n);
		if (ends("_ms"))
			return format_ms(n);
		return std::to_string(n);
	}
	if (v.is_number())
		return v.dump();
	if (v.is_array() && std::all_of(v.begin(), v.end(), [](const Json &e) { return e.is_string(); })) {
		std::string s;
		for (const auto &e : v)
			s += (s.empty() ? "" : ", ") + e.get<std::string>();
		return s.empty() ? "-" : s;
	}
	return v.dump();
}

enum class Case { Upper, Capital, Lower };

// "capacity_bytes" -> "CAPACITY" / "Capacity" / "capacity"; "_" -> " "
std::string title(std::string key, Case mode)
{
	for (const char *suf : {"_bytes", "_ms"}) {
		std::string s = suf;
		if (key.size() > s.size() && key.compare(key.size() - s.size(), s.size(), s) == 0)
			key.erase(key.size() - s.size());
	}
	for (auto &c : key) {
		if (c == '_')
			c = ' ';
		else if (mode == Case::Upper)
			c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
	}
	if (mode == Case::Capital && !key.empty())
		key[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(key[0])));
	return key;
}

bool is_object_array(const Json &v)
{
	return v.is_array() && !v.empty() &&
	       std::all_of(v.begin(), v.end(), [](const Json &e) { return e.is_object(); });
}

std::string object_table(const Json &rows)
{
	std::vector<std::string> keys;
	for (const auto &r : rows)
		for (const auto &[k, _] : r.items())
			if (std::find(keys.begin(), keys.end(), k) == keys.end())
				keys.push_back(k);
	std::vector<Table::Column> cols;
	for (const auto &k : keys) {
		bool numeric = std::all_of(rows.begin(), rows.end(), [&](const Json &r) {
			return !r.contains(k) || r[k].is_number();
		});
		cols.push_back({title(k, Case::Upper), numeric ? Table::Align::Right : Table::Align::Left});
	}
	Table t(cols);
	for (const auto &r : rows) {
		std::vector<std::string> cells;
		for (const auto &k : keys)
			cells.push_back(r.contains(k) ? cell(k, r[k]) : "-");
		t.add_row(cells);
	}
	return t.render();
}

std::string str(const Json &obj, const char *key, const char *dflt = "-")
{
	if (!obj.is_object() || !obj.contains(key) || obj[key].is_null())
		return dflt;
	return cell(key, obj[key]);
}

uint64_t u64(const Json &obj, const char *key)
{
	if (!obj.is_object() || !obj.contains(key) || !obj[key].is_number_unsigned())
		return 0;
	return obj[key].get<uint64_t>();
}

} // namespace

std::string generic_text(const Json &result)
{
	if (result.is_null())
		return "ok\n";
	if (is_object_array(result))
		return object_table(result);
	if (result.is_array() && result.empty())
		return "none\n";
	if (!result.is_object())
		return cell("", result) + "\n";
	std::vector<std::pair<std::string, std::string>> fields;
	std::string tables;
	for (const auto &[k, v] : result.items()) {
		if (is_object_array(v))
			tables += "\n" + title(k, Case::Upper) + "\n" + object_table(v);
		else if (v.is_object())
			for (const auto &[k2, v2] : v.items())
				fields.emplace_back(title(k, Case::Capital) + " " + title(k2, Case::Lower),
						    cell(k2, v2));
		else
			fields.emplace_back(title(k, Case::Capital), cell(k, v));
	}
	std::string out = fields.empty() ? "" : render_fields(fields);
	if (out.empty() && !tables.empty())
		tables.erase(0, 1);
	return out + tables;
}

namespace {

bool has_all(const Json &rows, std::initializer_list<const char *> keys)
{
	return is_object_array(rows) && std::all_of(rows.begin(), rows.end(), [&](const Json &r) {
		       return std::all_of(keys.begin(), keys.end(),
					  [&](const char *k) { return r.contains(k); });
	       });
}

// A list reply: `none` when it is empty, table(r) when every row has the
// keys, else the generic rendering (a daemon newer than this CLI).
std::string list_text(const Json &r, const char *none, std::initializer_list<const char *> keys,
		      std::string (*table)(const Json &))
{
	if (r.is_array() && r.empty())
		return none;
	if (!has_all(r, keys))
		return generic_text(r);
	return table(r);
}

std::string drives_table(const Json &rows)
{
	using A = Table::Align;
	Table t({{"ID", A::Right}, {"PATH"}, {"STATE"}, {"SIZE", A::Right}, {"USED", A::Right},
		 {"FREE", A::Right}, {"USE%", A::Right}});
	for (const auto &d : rows) {
		uint64_t size = u64(d, "size_bytes"), used = u64(d, "used_bytes");
		t.add_row({str(d, "id"), str(d, "path"), str(d, "state"), format_bytes(size),
			   format_bytes(used), format_bytes(u64(d, "free_bytes")),
			   format_percent(used, size)});
	}
	return t.render();
}

std::string filesystems_table(const Json &rows)
{
	using A = Table::Align;
	Table t({{"NAME"}, {"REPLICATION", A::Right}, {"CAPACITY", A::Right}, {"USED", A::Right},
		 {"USE%", A::Right}, {"FILES", A::Right}});
	for (const auto &fs : rows) {
		uint64_t cap = u64(fs, "capacity_bytes"), used = u64(fs, "used_bytes");
		t.add_row({str(fs, "name"), str(fs, "replication"), format_bytes(cap),
			   format_bytes(used), format_percent(used, cap), str(fs, "files")});
	}
	return t.render();
}

} // namespace

std::string drive_list_text(const Json &r)
{
	return list_text(r, "no drives\n", {"id", "path", "size_bytes"}, drives_table);
}

std::string drive_remove_text(const Json &r)
{
	if (!r.is_object() || !r.contains("id") || !r.contains("path"))
		return generic_text(r);
	return "removed drive " + str(r, "id") + " (" + str(r, "path") + ")\n";
}

namespace {

std::string block_devices_table(const Json &r)
{
	using A = Table::Align;
	Table t({{"PATH"}, {"SIZE", A::Right}, {"TYPE"}, {"MODEL"}, {"STATE"}});
	for (const auto &d : r) {
		bool rot = d.contains("rotational") && d["rotational"].is_boolean() &&
			   d["rotational"].get<bool>();
		std::string model = str(d, "model", "-");
		t.add_row({str(d, "path"), format_bytes(u64(d, "size_bytes")), rot ? "hdd" : "ssd",
			   model.empty() ? "-" : model, str(d, "state")});
	}
	return t.render();
}

} // namespace

std::string drive_scan_text(const Json &r)
{
	return list_text(r, "no block devices found\n", {"path", "size_bytes", "state"},
			 block_devices_table);
}

std::string fs_list_text(const Json &r)
{
	if (r.is_object() && r.contains("name") && r.contains("capacity_bytes"))
		return filesystems_table(Json::array({r}));
	return list_text(r, "no file systems\n", {"name", "capacity_bytes"}, filesystems_table);
}

std::string fs_delete_text(const Json &r)
{
	if (!r.is_object() || !r.contains("deleted") || !r["deleted"].is_string())
		return generic_text(r);
	return "deleted file system '" + r["deleted"].get<std::string>() + "'\n";
}

std::string scrub_text(const Json &r)
{
	if (!r.is_object() || !r.contains("chunks") || !r.contains("bad_blocks"))
		return generic_text(r);
	return "scrubbed " + str(r, "chunks") + " chunks: " + str(r, "blocks_checked") +
	       " blocks checked, " + str(r, "bad_blocks") + " bad, " + str(r, "repaired_blocks") +
	       " repaired\n";
}

namespace {

std::string hosts_table(const Json &rows)
{
	using A = Table::Align;
	Table t({{"HOSTNAME"}, {"ID", A::Right}, {"STATE"}, {"DRIVES", A::Right}, {"LOCAL"}});
	for (const auto &h : rows) {
		std::string drives = str(h, "drives");
		if (h.contains("drives_up") && u64(h, "drives_up") != u64(h, "drives"))
			drives = str(h, "drives_up") + "/" + drives;
		bool local = h.contains("local") && h["local"].is_boolean() && h["local"].get<bool>();
		t.add_row({str(h, "hostname"), str(h, "id"), str(h, "state"), drives,
			   local ? "yes" : "no"});
	}
	return t.render();
}

} // namespace

std::string host_list_text(const Json &r)
{
	return list_text(r, "no hosts\n", {"hostname", "id", "state"}, hosts_table);
}

std::string cluster_status_text(const Json &r)
{
	if (!r.is_object() || !r.contains("id") || !r.contains("hosts"))
		return generic_text(r);
	const Json empty = Json::object();
	std::string name = r.contains("name") && r["name"].is_string()
				   ? r["name"].get<std::string>()
				   : "(unnamed: 'weft cluster create NAME' names it)";
	const Json &hosts = r["hosts"];
	size_t nh = hosts.is_array() ? hosts.size() : 0, up = 0;
	if (hosts.is_array())
		for (const auto &h : hosts)
			up += str(h, "state") == "up";
	const Json &dr = r.contains("drives") ? r["drives"] : empty;
	const Json &red = r.contains("redundancy") ? r["redundancy"] : empty;
	std::vector<std::pair<std::string, std::string>> fields = {
		{"Name", name},
		{"ID", str(r, "id")},
		{"Mode", str(r, "mode")},
		{"Epoch", str(r, "epoch")},
		{"Hosts", std::to_string(nh) + " (" + std::to_string(up) + " up)"},
		{"Drives", str(dr, "total") + " (" + str(dr, "up") + " up)"},
	};
	if (r.contains("capacity") && r["capacity"].is_object()) {
		const Json &cap = r["capacity"];
		uint64_t raw = u64(cap, "raw_bytes"), used = u64(cap, "used_bytes");
		fields.emplace_back("Capacity", format_bytes(raw) + " raw, " + format_bytes(used) +
							" used (" + format_percent(used, raw) + "), " +
							format_bytes(u64(cap, "provisioned_bytes")) +
							" provisioned");
	}
	std::string redundancy = red.is_object() ? str(red, "state") : cell("redundancy", red);
	redundancy += ", " + str(r, "failure_domains") + " failure domain" +
		      (u64(r, "failure_domains") == 1 ? "" : "s");
	fields.emplace_back("Redundancy", redundancy);
	fields.emplace_back("File systems", str(r, "filesystems"));
	std::string out = render_fields(fields);
	out += "\nHOSTS\n";
	out += has_all(hosts, {"hostname", "id", "state"}) ? hosts_table(hosts) : "none\n";
	return out;
}

// ---- stats -------------------------------------------------------------------

namespace {

const char *const kOpNames[] = {
	"INVALID", "MOUNT", "UMOUNT", "LOOKUP", "FORGET", "GETATTR", "SETATTR", "STATFS",
	"READDIR", "MKNOD", "MKDIR", "UNLINK", "RMDIR", "RENAME", "LINK", "SYMLINK",
	"READLINK", "CREATE", "OPEN", "RELEASE", "READ", "WRITE", "FSYNC", "FALLOCATE",
	"LSEEK", "GETXATTR", "SETXATTR", "LISTXATTR", "REMOVEXATTR", "COPY_RANGE",
};
constexpr uint32_t kOpMgmt = 64;

double round1(double v)
{
	return std::round(v * 10) / 10;
}

} // namespace

std::string op_name(uint32_t opcode)
{
	if (opcode < std::size(kOpNames))
		return kOpNames[opcode];
	if (opcode == kOpMgmt)
		return "MGMT";
	return "OP" + std::to_string(opcode);
}

std::optional<uint32_t> op_code(const std::string &name)
{
	std::string up;
	for (char c : name)
		up += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
	for (uint32_t i = 1; i < std::size(kOpNames); i++)
		if (up == kOpNames[i])
			return i;
	if (up == "MGMT")
		return kOpMgmt;
	if (!up.empty() && std::all_of(up.begin(), up.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); }) &&
	    up.size() < 4) {
		uint32_t n = static_cast<uint32_t>(std::stoul(up));
		if (n >= 1 && n <= 255)
			return n;
	}
	if (up.rfind("OP", 0) == 0 && up.size() > 2 && up.size() < 6)
		return op_code(up.substr(2));
	return std::nullopt;
}

double hist_percentile_ns(const std::vector<uint64_t> &hist, double p)
{
	uint64_t total = 0;
	for (uint64_t h : hist)
		total += h;
	if (total == 0)
		return 0;
	const double target = std::max(1.0, std::ceil(p * static_cast<double>(total)));
	double cum = 0;
	for (size_t b = 0; b < hist.size(); b++) {
		if (hist[b] == 0)
			continue;
		const double next = cum + static_cast<double>(hist[b]);
		if (next >= target) {
			const double lo = b == 0 ? 0 : std::ldexp(1.0, static_cast<int>(b));
			const double hi = std::ldexp(1.0, static_cast<int>(b) + 1);
			return lo + (hi - lo) * (target - cum) / static_cast<double>(hist[b]);
		}
		cum = next;
	}
	return std::ldexp(1.0, static_cast<int>(hist.size()));
}

std::string format_latency_ns(double ns)
{
	char buf[32];
	if (ns < 1000)
		std::snprintf(buf, sizeof buf, "%.0f ns", ns);
	else if (ns < 1e6)
		std::snprintf(buf, sizeof buf, "%.1f us", ns / 1e3);
	else if (ns < 1e9)
		std::snprintf(buf, sizeof buf, "%.2f ms", ns / 1e6);
	else
		std::snprintf(buf, sizeof buf, "%.2f s", ns / 1e9);
	return buf;
}

namespace {

struct StatsRow {
	uint32_t opcode = 0;
	OpStats kernel;
	const OpStats *daemon = nullptr;
};

OpStats zero_stats(uint32_t opcode)
{
	OpStats s;
	s.opcode = opcode;
	s.hist.assign(WEFT_STATS_BUCKETS, 0);
	return s;
}

// Kernel rows in opcode order, each with weftd's counters for the opcode;
// an opcode only weftd counted gets zero kernel counters.
std::vector<StatsRow> stats_rows(const StatsView &v)
{
	std::vector<uint32_t> ops = v.only;
	if (ops.empty()) {
		for (const auto &k : v.kernel)
			if (k.count)
				ops.push_back(k.opcode);
		for (const auto &d : v.daemon_ops)
			if (d.count)
				ops.push_back(d.opcode);
		std::sort(ops.begin(), ops.end());
		ops.erase(std::unique(ops.begin(), ops.end()), ops.end());
	}
	std::vector<StatsRow> rows;
	for (uint32_t op : ops) {
		StatsRow r;
		r.opcode = op;
		r.kernel = zero_stats(op);
		for (const auto &k : v.kernel)
			if (k.opcode == op)
				r.kernel = k;
		for (const auto &d : v.daemon_ops)
			if (d.opcode == op)
				r.daemon = &d;
		rows.push_back(std::move(r));
	}
	return rows;
}

double avg_ns(const OpStats &s)
{
	return s.count ? static_cast<double>(s.total_ns) / static_cast<double>(s.count) : 0;
}

bool moves_data(uint32_t opcode)
{
	return opcode == WEFT_OP_READ || opcode == WEFT_OP_WRITE;
}

double per_second(uint64_t n, uint64_t window_ns)
{
	return window_ns ? static_cast<double>(n) * 1e9 / static_cast<double>(window_ns) : 0.0;
}

} // namespace

Json stats_json(const StatsView &v)
{
	Json ops = Json::array();
	for (const auto &r : stats_rows(v)) {
		const OpStats &s = r.kernel;
		Json o{{"op", op_name(r.opcode)},
		       {"opcode", r.opcode},
		       {"count", s.count},
		       {"errors", s.errors},
		       {"iops", round1(per_second(s.count, v.window_ns))},
		       {"bytes", s.bytes},
		       {"bytes_per_s", std::llround(per_second(s.bytes, v.window_ns))},
		       {"avg_us", round1(avg_ns(s) / 1e3)},
		       {"p50_us", round1(hist_percentile_ns(s.hist, 0.50) / 1e3)},
		       {"p99_us", round1(hist_percentile_ns(s.hist, 0.99) / 1e3)},
		       {"hist_log2_ns", s.hist}};
		if (v.daemon) {
			const OpStats d = r.daemon ? *r.daemon : zero_stats(r.opcode);
			o["weftd"] = Json{{"count", d.count},
					  {"errors", d.errors},
					  {"bytes", d.bytes},
					  {"avg_us", round1(avg_ns(d) / 1e3)},
					  {"p50_us", round1(hist_percentile_ns(d.hist, 0.50) / 1e3)},
					  {"p99_us", round1(hist_percentile_ns(d.hist, 0.99) / 1e3)},
					  {"hist_log2_ns", d.hist}};
		} else {
			o["weftd"] = nullptr;
		}
		ops.push_back(std::move(o));
	}
	Json weftd = nullptr;
	if (v.daemon)
		weftd = Json{{"channel", *v.daemon}, {"window_ms", v.daemon_window_ns / 1000000}};
	else if (!v.daemon_error.empty())
		weftd = Json{{"error", v.daemon_error}};
	return Json{{"window_ms", v.window_ns / 1000000}, {"ops", ops}, {"weftd", weftd}};
}

std::string stats_text(const StatsView &v)
{
	auto rows = stats_rows(v);
	std::string head = "over " + format_ms(v.window_ns / 1000000);
	if (v.daemon)
		head += "; WEFTD-*: time inside weftd '" + *v.daemon + "'";
	else if (!v.daemon_error.empty())
		head += "; weftd: " + v.daemon_error;
	if (rows.empty())
		return head + "\nno requests\n";
	using A = Table::Align;
	std::vector<Table::Column> cols = {{"OP"},		 {"COUNT", A::Right},
					   {"ERRORS", A::Right}, {"IOPS", A::Right},
					   {"THROUGHPUT", A::Right}, {"AVG", A::Right},
					   {"P50", A::Right},	 {"P99", A::Right}};
	if (v.daemon) {
		cols.push_back({"WEFTD-P50", A::Right});
		cols.push_back({"WEFTD-P99", A::Right});
	}
	Table t(cols);
	auto lat = [](const OpStats &s, double ns) {
		return s.count ? format_latency_ns(ns) : std::string("-");
	};
	for (const auto &r : rows) {
		const OpStats &s = r.kernel;
		char iops[32];
		std::snprintf(iops, sizeof iops, "%.1f", per_second(s.count, v.window_ns));
		std::string thru = "-";
		if (moves_data(r.opcode) || s.bytes)
			thru = format_bytes(static_cast<uint64_t>(per_second(s.bytes, v.window_ns))) + "/s";
		std::vector<std::string> cells = {op_name(r.opcode),
						  std::to_string(s.count),
						  std::to_string(s.errors),
						  iops,
						  thru,
						  lat(s, avg_ns(s)),
						  lat(s, hist_percentile_ns(s.hist, 0.50)),
						  lat(s, hist_percentile_ns(s.hist, 0.99))};
		if (v.daemon) {
			const OpStats d = r.daemon ? *r.daemon : zero_stats(r.opcode);
			cells.push_back(lat(d, hist_percentile_ns(d.hist, 0.50)));
			cells.push_back(lat(d, hist_percentile_ns(d.hist, 0.99)));
		}
		t.add_row(std::move(cells));
	}
	return head + "\n" + t.render();
}

Json queue_stats_json(const std::vector<QueueStats> &queues, uint64_t window_ms)
{
	Json out = Json::array();
	for (const auto &q : queues)
		out.push_back(Json{{"channel", q.channel},
				   {"queue", q.queue},
				   {"in_flight", q.in_flight},
				   {"polled", q.polled},
				   {"slept", q.slept},
				   {"daemon_woken", q.daemon_woken},
				   {"spin_found", q.spin_found},
				   {"spin_missed", q.spin_missed}});
	Json doc{{"queues", out}};
	if (window_ms)
		doc["window_ms"] = window_ms;
	return doc;
}

std::string queue_stats_text(const std::vector<QueueStats> &queues)
{
	if (queues.empty())
		return "no queues (no weftd attached)\n";
	using A = Table::Align;
	Table t({{"CHANNEL"}, {"QUEUE", A::Right}, {"IN FLIGHT", A::Right}, {"POLLED", A::Right},
		 {"SLEPT", A::Right}, {"POLLED%", A::Right}, {"DAEMON WAKE-UPS", A::Right},
		 {"SPIN FOUND", A::Right}, {"SPIN MISSED", A::Right}});
	for (const auto &q : queues)
		t.add_row({q.channel, std::to_string(q.queue), std::to_string(q.in_flight),
			   std::to_string(q.polled), std::to_string(q.slept),
			   format_percent(q.polled, q.polled + q.slept), std::to_string(q.daemon_woken),
			   std::to_string(q.spin_found), std::to_string(q.spin_missed)});
	return t.render();
}

std::string status_text(const Json &r)
{
	const Json empty = Json::object();
	const Json &d = r.is_object() && r.contains("daemon") ? r["daemon"] : empty;
	const Json &c = r.is_object() && r.contains("cluster") ? r["cluster"] : empty;
	const Json &red = r.is_object() && r.contains("redundancy") ? r["redundancy"] : empty;

	std::string daemon = str(d, "name") + " (weftd " + str(d, "version") + ", pid " + str(d, "pid") + ")";
	std::string hosts;
	if (c.is_object() && c.contains("hosts")) {
		const Json &h = c["hosts"];
		size_t n = h.is_array() ? h.size() : (h.is_number_unsigned() ? h.get<uint64_t>() : 0);
		hosts = ", " + std::to_string(n) + (n == 1 ? " host" : " hosts");
	}
	std::vector<std::pair<std::string, std::string>> fields = {
		{"Daemon", daemon},
		{"Data dir", str(d, "data_dir")},
		{"Queues", str(d, "queues") + " x " + str(d, "queue_depth")},
		{"Cluster", c.is_object() && c.contains("name") && c["name"].is_string()
				    ? c["name"].get<std::string>() + " (" + str(c, "mode") + hosts + ")"
				    : str(c, "mode") + hosts},
	};
	if (r.is_object() && r.contains("capacity") && r["capacity"].is_object()) {
		const Json &cap = r["capacity"];
		uint64_t raw = u64(cap, "raw_bytes"), used = u64(cap, "used_bytes");
		fields.emplace_back("Capacity", format_bytes(raw) + " raw, " + format_bytes(used) +
							" used (" + format_percent(used, raw) + "), " +
							format_bytes(u64(cap, "provisioned_bytes")) +
							" provisioned");
	}
	std::string redundancy = str(red, "state");
	if (red.is_object() && red.contains("chunks") && red["chunks"].is_object()) {
		const Json &ch = red["chunks"];
		redundancy += " (chunks: " + str(ch, "healthy") + " healthy, " + str(ch, "degraded") +
			      " degraded, " + str(ch, "unavailable") + " unavailable";
		if (u64(red, "rebuild_remaining"))
			redundancy += "; rebuild: " + str(red, "rebuild_remaining") + " left";
		if (u64(red, "failed_drives"))
			redundancy += "; failed drives: " + str(red, "failed_drives");
		redundancy += ")";
	}
	fields.emplace_back("Redundancy", redundancy);
	std::string out = render_fields(fields);

	out += "\nFILE SYSTEMS\n";
	const Json fss = r.is_object() && r.contains("filesystems") ? r["filesystems"] : Json::array();
	if (!fss.is_array() || fss.empty()) {
		out += "none\n";
	} else {
		out += filesystems_table(fss);
	}

	out += "\nDRIVES\n";
	const Json drives = r.is_object() && r.contains("drives") ? r["drives"] : Json::array();
	if (has_all(drives, {"id", "path", "size_bytes"}))
		out += drives_table(drives);
	else if (is_object_array(drives))
		out += object_table(drives);
	else if (drives.is_array() && drives.empty())
		out += "none\n";
	else
		out += cell("drives", drives) + "\n";
	return out;
}

} // namespace weft::cli

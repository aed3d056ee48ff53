// Output formatting, kept apart from the commands: units, aligned tables,
// and for every command its JSON document (stable field names) and its
// human rendering.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "control.h"

namespace weft::cli {

using Json = nlohmann::ordered_json;

// ---- units ----------------------------------------------------------------
// 0 B, 512 B, 1.0 KiB, 1.5 GiB, 16.0 EiB
std::string format_bytes(uint64_t bytes);
// 0 s, 250 ms, 1.5 s, 30 s
std::string format_ms(uint64_t ms);
// 15%, from used / capacity ("-" when capacity is 0)
std::string format_percent(uint64_t used, uint64_t capacity);

// "10GiB", "10G" (= GiB), "10GB" (= 10^9), "4096", "1.5T"; nullopt when bad
std::optional<uint64_t> parse_size(const std::string &s);
// seconds with an optional unit: "30", "1.5", "500ms", "2m", "1h"; in ms
std::optional<uint64_t> parse_duration_ms(const std::string &s);

// ---- tables ---------------------------------------------------------------
class Table {
public:
	enum class Align { Left, Right };
	struct Column {
		std::string title;
		Align align = Align::Left;
	};
	explicit Table(std::vector<Column> columns) : columns_(std::move(columns)) {}
	void add_row(std::vector<std::string> cells);
	bool empty() const { return rows_.empty(); }
	// header line, then one line per row; columns two spaces apart, no
	// trailing blanks
	std::string render() const;

private:
	std::vector<Column> columns_;
	std::vector<std::vector<std::string>> rows_;
};

// "Key:   value" lines, values aligned
std::string render_fields(const std::vector<std::pair<std::string, std::string>> &fields);

// ---- documents --------------------------------------------------------------
Json version_json(const ModuleVersion &module);
std::string version_text(const ModuleVersion &module);

Json channel_json(const ChannelInfo &c);
Json mount_json(const MountInfo &m);
Json local_status_json(const ModuleVersion &module, const std::vector<ChannelInfo> &channels,
		       const std::vector<MountInfo> &mounts);
std::string local_status_text(const ModuleVersion &module, const std::vector<ChannelInfo> &channels,
			      const std::vector<MountInfo> &mounts);

Json local_set_json(const std::string &channel, uint32_t timeout_ms, uint32_t grace_ms);
std::string local_set_text(const std::string &channel, uint32_t timeout_ms, uint32_t grace_ms);

// `weft status`: weftd's "status" result
std::string status_text(const Json &result);

// `weft drive list` / `drive add` (arrays of drives), `drive remove` (one
// drive), `drive scan`, `fs list` / `fs create` / `fs update`, `fs delete`,
// `scrub`.  Each falls back to generic_text for a shape it does not know.
std::string drive_list_text(const Json &result);
std::string drive_remove_text(const Json &result);
std::string drive_scan_text(const Json &result);
std::string fs_list_text(const Json &result);
std::string fs_delete_text(const Json &result);
std::string scrub_text(const Json &result);

// `weft cluster status` / `create` / `update` (the cluster object) and
// `weft cluster host list` (an array of hosts).
std::string cluster_status_text(const Json &result);
std::string host_list_text(const Json &result);

// ---- `weft stats` ------------------------------------------------------------
// Ring opcode names ("LOOKUP"); "OP<n>" for a number this CLI does not know.
std::string op_name(uint32_t opcode);
// By name (any case) or number; nullopt if unknown.
std::optional<uint32_t> op_code(const std::string &name);
// Latency percentile p (0..1) from a log2-ns histogram, in ns, linearly
// interpolated inside the bucket.  0 when the histogram is empty.
double hist_percentile_ns(const std::vector<uint64_t> &hist, double p);
// "850 ns", "24.3 us", "1.50 ms", "2.00 s"
std::string format_latency_ns(double ns);
// What `weft stats` shows: the module's counters and, when a weftd
// answered, that daemon's; already deltas when sampled over an interval.
struct StatsView {
	std::vector<OpStats> kernel;
	uint64_t window_ns = 0;	// the time they were counted over (IOPS = count / window)
	std::optional<std::string> daemon;	// the weftd whose counters are in daemon_ops
	std::vector<OpStats> daemon_ops;
	uint64_t daemon_window_ns = 0;
	std::string daemon_error;	// why there are none (empty: not asked)
	// only these opcodes, each shown even without requests (empty: all with requests)
	std::vector<uint32_t> only;
};
// One JSON document (--json) or a text table; the text of one interval of
// --live is the same table.
Json stats_json(const StatsView &v);
std::string stats_text(const StatsView &v);

// `weft stats --queues`: per-queue round trips (already differences when
// sampled over an interval); POLLED% is the share of completions that
// cost the caller no sleep.
Json queue_stats_json(const std::vector<QueueStats> &queues, uint64_t window_ms);
std::string queue_stats_text(const std::vector<QueueStats> &queues);

// Any other relayed result: an array of objects as a table, an object as
// fields (nested arrays of objects as titled tables), a scalar as is.
std::string generic_text(const Json &result);

} // namespace weft::cli

#include "mgmt_handler.h"

#include <sys/statvfs.h>
#include <unistd.h>

#include <cstring>

#include "log.h"

namespace weft {

using nlohmann::json;

namespace {

json error_reply(const Error &e)
{
	return json{{"status", "error"}, {"errno", e.code}, {"message", e.message}};
}

// ---- arguments: every key known, every value of its type -------------------

Status only_keys(const json &args, std::initializer_list<std::string_view> known)
{
	for (const auto &[key, value] : args.items()) {
		bool ok = false;
		for (std::string_view k : known)
			ok = ok || key == k;
		if (!ok)
			return make_error(EINVAL, "unknown argument '" + key + "'");
	}
	return {};
}

Result<std::optional<std::string>> opt_string(const json &args, const char *key)
{
	auto it = args.find(key);
	if (it == args.end() || it->is_null())
		return std::optional<std::string>();
	if (!it->is_string())
		return make_error(EINVAL, std::string("\"") + key + "\" must be a string");
	return std::optional<std::string>(it->get<std::string>());
}

Result<std::string> req_string(const json &args, const char *key)
{
	auto v = opt_string(args, key);
	if (!v)
		return v.error();
	if (!*v)
		return make_error(EINVAL, std::string("missing argument \"") + key + "\"");
	return **v;
}

Result<std::optional<uint64_t>> opt_u64(const json &args, const char *key, uint64_t max)
{
	auto it = args.find(key);
	if (it == args.end() || it->is_null())
		return std::optional<uint64_t>();
	if (!it->is_number_unsigned() && !(it->is_number_integer() && it->get<int64_t>() >= 0))
		return make_error(EINVAL, std::string("\"") + key +
						  "\" must be a non-negative integer");
	uint64_t v = it->get<uint64_t>();
	if (v > max)
		return make_error(ERANGE, std::string("\"") + key + "\" is too large (at most " +
						  std::to_string(max) + ")");
	return std::optional<uint64_t>(v);
}

Result<bool> opt_bool(const json &args, const char *key)
{
	auto it = args.find(key);
	if (it == args.end() || it->is_null())
		return false;
	if (!it->is_boolean())
		return make_error(EINVAL, std::string("\"") + key + "\" must be true or false");
	return it->get<bool>();
}

constexpr uint64_t kMaxReplication = 16;
constexpr uint64_t kMaxCapacity = 1ull << 60;	// 1 EiB

// "replication", when given: a replica count (bounded by kMaxReplication).
Result<std::optional<uint32_t>> opt_replication(const json &args)
{
	auto rep = opt_u64(args, "replication", kMaxReplication);
	if (!rep)
		return rep.error();
	if (!*rep)
		return std::optional<uint32_t>();
	return std::optional<uint32_t>(static_cast<uint32_t>(**rep));
}

json drive_json(const storage::DriveStatus &d)
{
	const uint64_t bs = 4096;
	return json{{"id", d.record.info.id},
		    {"path", d.record.path},
		    {"state", d.open ? storage::drive_state_name(d.record.info.state) : "missing"},
		    {"size_bytes", d.total_blocks * bs},
		    {"used_bytes", (d.total_blocks - d.free_blocks) * bs},
		    {"free_bytes", d.free_blocks * bs},
		    {"host", d.record.info.host_id},
		    {"uuid", d.record.uuid.to_string()}};
}

}  // namespace

MgmtHandler::MgmtHandler(MetadataStore &store, DaemonInfo info, ClusterState *cluster)
	: store_(store), info_(std::move(info)), cluster_(cluster)
{
	commands_["version"] = [this](const json &a) { return version(a); };
	commands_["status"] = [this](const json &a) { return status(a); };
	auto cmd = [this](Result<json> (MgmtHandler::*fn)(const json &)) {
		return [this, fn](const json &a) -> Result<json> {
			if (cluster_ == nullptr)
				return make_error(ENODEV, "weftd has no storage engine");
			return (this->*fn)(a);
		};
	};
	commands_["stats"] = [this](const json &a) { return stats(a); };
	commands_["cluster create"] = cmd(&MgmtHandler::cluster_create);
	commands_["cluster status"] = cmd(&MgmtHandler::cluster_status);
	commands_["cluster update"] = cmd(&MgmtHandler::cluster_update);
	commands_["cluster host list"] = cmd(&MgmtHandler::host_list);
	commands_["cluster host add"] = cmd(&MgmtHandler::host_add);
	commands_["cluster host remove"] = cmd(&MgmtHandler::host_remove);
	commands_["drive add"] = cmd(&MgmtHandler::drive_add);
	commands_["drive list"] = cmd(&MgmtHandler::drive_list);
	commands_["drive remove"] = cmd(&MgmtHandler::drive_remove);
	commands_["drive scan"] = cmd(&MgmtHandler::drive_scan);
	commands_["fs create"] = cmd(&MgmtHandler::fs_create);
	commands_["fs list"] = cmd(&MgmtHandler::fs_list);
	commands_["fs update"] = cmd(&MgmtHandler::fs_update);
	commands_["fs delete"] = cmd(&MgmtHandler::fs_delete);
	commands_["scrub"] = cmd(&MgmtHandler::scrub);
}

void MgmtHandler::register_with(Dispatcher &d)
{
	dispatcher_ = &d;
	d.add(WEFT_OP_MGMT, [this](const Request &r) { return handle(r); });
}

Reply MgmtHandler::handle(const Request &req)
{
	// Parse (reads in) completely before writing out: they share the slot.
	std::string_view text(reinterpret_cast<const char *>(req.in.data()), req.in.size());
	while (!text.empty() && text.back() == '\0')
		text.remove_suffix(1);
	// replace, not throw, on invalid UTF-8 echoed from a request
	const std::string reply =
		execute(text).dump(-1, ' ', false, json::error_handler_t::replace);
	if (reply.size() > req.out.size())
		return make_error(EMSGSIZE, "management reply larger than out_max");
	std::memcpy(req.out.data(), reply.data(), reply.size());
	return static_cast<uint32_t>(reply.size());
}

json MgmtHandler::execute(std::string_view text)
{
	json request = json::parse(text, nullptr, /*allow_exceptions=*/false);
	if (request.is_discarded() || !request.is_object())
		return error_reply(make_error(EINVAL, "request is not a JSON object"));
	auto cmd = request.find("command");
	if (cmd == request.end() || !cmd->is_string())
		return error_reply(make_error(EINVAL, "request has no \"command\" string"));
	const std::string name = cmd->get<std::string>();
	json args = json::object();
	if (auto a = request.find("args"); a != request.end()) {
		if (!a->is_object())
			return error_reply(make_error(EINVAL, "\"args\" is not an object"));
		args = *a;
	}
	auto it = commands_.find(name);
	if (it == commands_.end())
		return error_reply(make_error(EOPNOTSUPP, "unknown command '" + name + "'"));
	WEFT_LOG(kDebug) << "mgmt " << name;
	Result<json> result = it->second(args);
	if (!result)
		return error_reply(result.error());
	return json{{"status", "ok"}, {"result", std::move(*result)}};
}

Result<json> MgmtHandler::version(const json &)
{
	return json{{"version", WEFT_VERSION}, {"abi", WEFT_ABI_VERSION}};
}

Result<json> MgmtHandler::status(const json &args)
{
	WEFT_RETURN_IF_ERROR(only_keys(args, {}));
	json daemon{{"name", info_.name},
		    {"version", WEFT_VERSION},
		    {"data_dir", info_.data_dir},
		    {"pid", static_cast<int>(::getpid())},
		    {"queues", info_.geometry.nr_queues},
		    {"queue_depth", info_.geometry.queue_depth}};
	json filesystems = json::array();
	if (cluster_ == nullptr) {
		struct statvfs sv{};
		uint64_t capacity = 0, used = 0;
		if (::statvfs(info_.data_dir.c_str(), &sv) == 0) {
			const uint64_t frsize = sv.f_frsize ? sv.f_frsize : sv.f_bsize;
			capacity = static_cast<uint64_t>(sv.f_blocks) * frsize;
			used = static_cast<uint64_t>(sv.f_blocks - sv.f_bfree) * frsize;
		}
		for (const FsSummary &fs : store_.filesystems()) {
			filesystems.push_back({{"name", fs.name},
					       {"replication", fs.replication},
					       {"capacity_bytes", capacity},
					       {"used_bytes", used},
					       {"files", fs.files}});
		}
		return json{
			{"daemon", daemon},
			{"cluster", {{"mode", "single-node"}, {"hosts", 1}}},
			{"filesystems", filesystems},
			{"drives", json::array()},
			{"redundancy", {{"state", "healthy"}}},
		};
	}
	for (const FsConfig &fs : cluster_->filesystems())
		filesystems.push_back(fs_json(fs));
	json drives = json::array();
	for (const storage::DriveStatus &d : cluster_->drives())
		drives.push_back(drive_json(d));
	Capacity c = cluster_->capacity();
	storage::StoreCounters n = cluster_->counters();
	return json{
		{"daemon", daemon},
		{"cluster", {{"mode", "single-node"},
			     {"name", cluster_->cluster_name().empty()
					      ? json(nullptr)
					      : json(cluster_->cluster_name())},
			     {"hosts", 1},
			     {"uuid", cluster_->cluster_id()},
			     {"epoch", cluster_->epoch()},
			     {"failure_domains", c.failure_domains}}},
		{"capacity", {{"raw_bytes", c.raw_bytes},
			      {"used_bytes", c.raw_bytes - c.free_bytes},
			      {"free_bytes", c.free_bytes},
			      {"provisioned_bytes", c.provisioned_bytes}}},
		{"filesystems", filesystems},
		{"drives", drives},
		{"redundancy", redundancy_json()},
		{"integrity", {{"checksum_errors", n.checksum_errors},
			       {"repaired_blocks", n.repaired_blocks},
			       {"unrecoverable_blocks", n.unrecoverable_blocks},
			       {"drive_failures", n.drive_failures}}},
	};
}

Result<json> MgmtHandler::stats(const json &args)
{
	WEFT_RETURN_IF_ERROR(only_keys(args, {}));
	if (dispatcher_ == nullptr)
		return make_error(ENODEV, "weftd has no dispatcher to count requests");
	json ops = json::array();
	for (const OpCounters &o : dispatcher_->stats().snapshot())
		ops.push_back({{"opcode", o.opcode},
			       {"count", o.count},
			       {"errors", o.errors},
			       {"bytes", o.bytes},
			       {"total_ns", o.total_ns},
			       {"hist", o.hist}});
	return json{{"since_ns", dispatcher_->stats().since_ns()}, {"ops", ops}};
}

// ---- cluster --------------------------------------------------------------------

namespace {

constexpr const char *kNoMultiNodeAdd =
	"single-node cluster: adding hosts needs multi-node support, not available yet";
constexpr const char *kNoMultiNodeRemove =
	"single-node cluster: removing hosts needs multi-node support, not available yet";

json host_json(const HostInfo &h)
{
	return json{{"hostname", h.hostname}, {"id", h.id},	       {"state", h.state},
		    {"drives", h.drives},	  {"drives_up", h.drives_up}, {"local", h.local}};
}

}  // namespace

bool MgmtHandler::is_this_host(const std::string &host)
{
	if (host == "localhost" || host == "127.0.0.1" || host == "::1")
		return true;
	for (const HostInfo &h : cluster_->hosts()) {
		if (!h.local)
			continue;
		const std::string short_name = h.hostname.substr(0, h.hostname.find('.'));
		if (host == h.hostname || host == short_name || host == std::to_string(h.id))
			return true;
	}
	return false;
}

json MgmtHandler::cluster_json()
{
	const std::string name = cluster_->cluster_name();
	json hosts = json::array();
	for (const HostInfo &h : cluster_->hosts())
		hosts.push_back(host_json(h));
	uint32_t total = 0, up = 0;
	for (const storage::DriveStatus &d : cluster_->drives()) {
		total++;
		up += d.open && d.record.info.state == storage::DriveState::kUp;
	}
	Capacity c = cluster_->capacity();
	return json{{"name", name.empty() ? json(nullptr) : json(name)},
		    {"id", cluster_->cluster_id()},
		    {"mode", "single-node"},
		    {"epoch", cluster_->epoch()},
		    {"hosts", hosts},
		    {"drives", {{"total", total}, {"up", up}}},
		    {"capacity", {{"raw_bytes", c.raw_bytes},
				  {"used_bytes", c.raw_bytes - c.free_bytes},
				  {"free_bytes", c.free_bytes},
				  {"provisioned_bytes", c.provisioned_bytes}}},
		    {"failure_domains", c.failure_domains},
		    {"filesystems", cluster_->filesystems().size()},
		    {"redundancy", redundancy_json()}};
}

Result<json> MgmtHandler::cluster_create(const json &args)
{
	WEFT_RETURN_IF_ERROR(only_keys(args, {"name", "hosts"}));
	auto name = req_string(args, "name");
	if (!name)
		return name.error();
	if (auto it = args.find("hosts"); it != args.end() && !it->is_null()) {
		if (!it->is_array())
			return make_error(EINVAL, "\"hosts\" must be an array of strings");
		for (const json &h : *it) {
			if (!h.is_string() || h.get<std::string>().empty())
				return make_error(EINVAL, "\"hosts\" must be an array of strings");
			if (!is_this_host(h.get<std::string>()))
				return make_error(EOPNOTSUPP, std::string(kNoMultiNodeAdd) + " ('" +
								      h.get<std::string>() +
								      "' is not this host)");
		}
	}
	WEFT_RETURN_IF_ERROR(cluster_->create_cluster(*name));
	return cluster_json();
}

Result<json> MgmtHandler::cluster_status(const json &args)
{
	WEFT_RETURN_IF_ERROR(only_keys(args, {}));
	return cluster_json();
}

Result<json> MgmtHandler::cluster_update(const json &args)
{
	WEFT_RETURN_IF_ERROR(only_keys(args, {"name"}));
	auto name = opt_string(args, "name");
	if (!name)
		return name.error();
	if (!*name)
		return make_error(EINVAL, "nothing to update: give \"name\"");
	WEFT_RETURN_IF_ERROR(cluster_->rename_cluster(**name));
	return cluster_json();
}

Result<json> MgmtHandler::host_list(const json &args)
{
	WEFT_RETURN_IF_ERROR(only_keys(args, {}));
	json list = json::array();
	for (const HostInfo &h : cluster_->hosts())
		list.push_back(host_json(h));
	return list;
}

Result<json> MgmtHandler::host_add(const json &args)
{
	WEFT_RETURN_IF_ERROR(only_keys(args, {"host"}));
	auto host = req_string(args, "host");
	if (!host)
		return host.error();
	if (host->empty())
		return make_error(EINVAL, "\"host\" must not be empty");
	if (is_this_host(*host))
		return make_error(EEXIST, "host '" + *host + "' is this host: it is in the cluster already");
	return make_error(EOPNOTSUPP, kNoMultiNodeAdd);
}

Result<json> MgmtHandler::host_remove(const json &args)
{
	WEFT_RETURN_IF_ERROR(only_keys(args, {"host"}));
	auto host = req_string(args, "host");
	if (!host)
		return host.error();
	if (host->empty())
		return make_error(EINVAL, "\"host\" must not be empty");
	if (is_this_host(*host))
		return make_error(EBUSY, "host '" + *host +
						 "' is this host: a node cannot remove the host it runs on");
	return make_error(EOPNOTSUPP, kNoMultiNodeRemove);
}

json MgmtHandler::redundancy_json()
{
	auto r = cluster_->redundancy();
	if (!r)
		return json{{"state", "unknown"}, {"error", r.error().message}};
	uint32_t failed = 0;
	for (const storage::DriveStatus &d : cluster_->drives())
		failed += !d.open || d.record.info.state != storage::DriveState::kUp;
	const char *state = r->rebuilding	      ? "rebuilding"
			    : r->unavailable > 0      ? "unavailable"
			    : r->degraded > 0 || failed ? "degraded"
						      : "healthy";
	return json{{"state", state},
		    {"chunks", {{"healthy", r->healthy},
				{"degraded", r->degraded},
				{"unavailable", r->unavailable}}},
		    {"rebuild_remaining", r->rebuild_remaining},
		    {"failed_drives", failed}};
}

json MgmtHandler::fs_json(const FsConfig &fs)
{
	uint64_t files = 0, used = 0;
	for (const FsSummary &s : store_.filesystems())
		if (s.name == fs.name) {
			files = s.files;
			used = s.used_bytes;
		}
	return json{{"name", fs.name},
		    {"id", fs.id},
		    {"replication", fs.replication},
		    {"capacity_bytes", cluster_->fs_capacity(fs)},
		    {"used_bytes", used},
		    {"files", files},
		    {"thin", fs.capacity_bytes == 0}};
}

Result<json> MgmtHandler::drive_add(const json &args)
{
	WEFT_RETURN_IF_ERROR(only_keys(args, {"paths", "force"}));
	auto force = opt_bool(args, "force");
	if (!force)
		return force.error();
	auto it = args.find("paths");
	if (it == args.end() || !it->is_array() || it->empty())
		return make_error(EINVAL, "\"paths\" must be a non-empty array of strings");
	for (const json &p : *it)
		if (!p.is_string() || p.get<std::string>().empty())
			return make_error(EINVAL, "\"paths\" must be a non-empty array of strings");
	json added = json::array();
	for (const json &p : *it) {
		auto d = cluster_->add_drive(p.get<std::string>(), *force);
		if (!d) {
			std::string msg = d.error().message;
			if (!added.empty())
				msg += " (added before it: " + std::to_string(added.size()) + " drive" +
				       (added.size() == 1 ? "" : "s") + ")";
			return make_error(d.error().code, msg);
		}
		added.push_back(drive_json(*d));
	}
	return added;
}

Result<json> MgmtHandler::drive_list(const json &args)
{
	WEFT_RETURN_IF_ERROR(only_keys(args, {}));
	json list = json::array();
	for (const storage::DriveStatus &d : cluster_->drives())
		list.push_back(drive_json(d));
	return list;
}

Result<json> MgmtHandler::drive_remove(const json &args)
{
	WEFT_RETURN_IF_ERROR(only_keys(args, {"id"}));
	std::string id;
	auto it = args.find("id");
	if (it != args.end() && it->is_number_unsigned())
		id = std::to_string(it->get<uint64_t>());
	else if (auto s = req_string(args, "id"); s)
		id = *s;
	else
		return make_error(EINVAL, "\"id\" must be a drive id or path");
	if (id.empty())
		return make_error(EINVAL, "\"id\" must be a drive id or path");
	auto d = cluster_->remove_drive(id);
	if (!d)
		return d.error();
	return drive_json(*d);
}

Result<json> MgmtHandler::drive_scan(const json &args)
{
	WEFT_RETURN_IF_ERROR(only_keys(args, {}));
	json list = json::array();
	for (const ScannedDevice &d : cluster_->scan())
		list.push_back({{"path", d.path},
				{"size_bytes", d.size_bytes},
				{"model", d.model},
				{"rotational", d.rotational},
				{"state", d.state}});
	return list;
}

Result<json> MgmtHandler::fs_create(const json &args)
{
	WEFT_RETURN_IF_ERROR(only_keys(args, {"name", "capacity_bytes", "replication"}));
	auto name = req_string(args, "name");
	if (!name)
		return name.error();
	auto cap = opt_u64(args, "capacity_bytes", kMaxCapacity);
	if (!cap)
		return cap.error();
	auto r = opt_replication(args);
	if (!r)
		return r.error();
	auto fs = cluster_->create_fs(*name, *cap, *r);
	if (!fs)
		return fs.error();
	return fs_json(*fs);
}

Result<json> MgmtHandler::fs_list(const json &args)
{
	WEFT_RETURN_IF_ERROR(only_keys(args, {}));
	json list = json::array();
	for (const FsConfig &fs : cluster_->filesystems())
		list.push_back(fs_json(fs));
	return list;
}

Result<json> MgmtHandler::fs_update(const json &args)
{
	WEFT_RETURN_IF_ERROR(only_keys(args, {"name", "new_name", "capacity_bytes", "replication"}));
	auto name = req_string(args, "name");
	if (!name)
		return name.error();
	auto new_name = opt_string(args, "new_name");
	if (!new_name)
		return new_name.error();
	auto cap = opt_u64(args, "capacity_bytes", kMaxCapacity);
	if (!cap)
		return cap.error();
	auto r = opt_replication(args);
	if (!r)
		return r.error();
	auto fs = cluster_->update_fs(*name, *new_name, *cap, *r);
	if (!fs)
		return fs.error();
	// The namespace is keyed by name: it follows the catalog, or the new
	// name would mount a fresh, empty one.  ENOENT: never mounted, no
	// namespace yet (EOPNOTSUPP: a store without them).
	if (fs->name != *name) {
		Status m = store_.rename_filesystem(*name, fs->name);
		if (!m.ok() && m.error().code != ENOENT && m.error().code != EOPNOTSUPP) {
			if (!cluster_->update_fs(fs->name, *name, std::nullopt, std::nullopt))
				WEFT_LOG(kError) << "fs update: catalog names '" << fs->name
						 << "', the namespace '" << *name << "'";
			return make_error(m.error().code, "renaming the namespace of '" + *name +
								  "': " + m.error().message);
		}
	}
	return fs_json(*fs);
}

Result<json> MgmtHandler::fs_delete(const json &args)
{
	WEFT_RETURN_IF_ERROR(only_keys(args, {"name"}));
	auto name = req_string(args, "name");
	if (!name)
		return name.error();
	// The catalog refuses first (unknown, the default fs): only then is the
	// namespace dropped.  A store that cannot remove one (EOPNOTSUPP) or
	// never held this file system's namespace (ENOENT: it was served from
	// the default one) leaves nothing behind to remove.
	if (*name == ClusterState::kDefaultFs || !cluster_->find_fs(*name)) {
		WEFT_RETURN_IF_ERROR(cluster_->delete_fs(*name));	// refuses
		return json{{"deleted", *name}};
	}
	// What a mount of it may cache: its root and the names in the root (every
	// path walk starts there), noted before the namespace goes.  Beyond
	// kMaxForget names the rest expire with their entry timeout.
	constexpr size_t kMaxForget = 10000;
	std::vector<Invalidation> forget;
	if (auto root = store_.root_of(*name); root.ok() && invalidate_) {
		forget.push_back(Invalidation::inode(*root));
		(void)store_.read_dir(*root, kCookieDotDot, [&](const DirEntry &e) {
			forget.push_back(Invalidation::entry(*root, std::string(e.name)));
			return forget.size() <= kMaxForget;
		});
	}
	if (Status m = store_.remove_filesystem(*name);
	    !m.ok() && m.error().code != EOPNOTSUPP && m.error().code != ENOENT)
		return make_error(m.error().code, "removing the namespace of '" + *name +
							  "': " + m.error().message);
	WEFT_RETURN_IF_ERROR(cluster_->delete_fs(*name));
	if (invalidate_ && !forget.empty())
		invalidate_(std::move(forget));
	return json{{"deleted", *name}};
}

Result<json> MgmtHandler::scrub(const json &args)
{
	WEFT_RETURN_IF_ERROR(only_keys(args, {}));
	auto r = cluster_->scrub();
	if (!r)
		return r.error();
	return json{{"chunks", r->chunks},
		    {"blocks_checked", r->blocks_checked},
		    {"bad_blocks", r->bad_blocks},
		    {"repaired_blocks", r->repaired_blocks}};
}

}  // namespace weft

// MgmtHandler: WEFT_OP_MGMT, JSON management requests relayed by the
// kernel from `weft` (netlink).  Contract (the CLI codes against it):
//   request  {"command":"<name>","args":{...}}
//   reply    {"status":"ok","result":{...}}
//        or  {"status":"error","errno":<positive int>,"message":"<one line>"}
// The CQE result is 0 whenever a JSON reply was written (errors included);
// it is -EMSGSIZE when the reply does not fit in out_max.
// Commands (docs/cli.md; fields in docs/weft.8): version, status, stats,
// cluster create|status|update, cluster host list|add|remove,
// drive add|list|remove|scan, fs create|list|update|delete, scrub -- the
// cluster ones over a ClusterState (the storage engine and the catalog).
//   cluster create {"name", "hosts"?: [..]} -> cluster status
//   cluster update {"name"}                 -> cluster status
//   cluster status {} -> {"name" (null until created), "id", "mode",
//       "epoch", "hosts": [host], "drives": {"total","up"},
//       "capacity": {"raw_bytes","used_bytes","free_bytes","provisioned_bytes"},
//       "failure_domains", "filesystems", "redundancy"}
//   cluster host list {} -> [{"hostname","id","state","drives","drives_up","local"}]
//   cluster host add|remove {"host"}: single-node for now -- another host is
//       EOPNOTSUPP, removing this host EBUSY, adding it EEXIST
//   stats {} -> {"since_ns", "ops": [{"opcode","count","errors","bytes",
//       "total_ns","hist": [WEFT_STATS_BUCKETS]}]}: weftd's own per-opcode
//       counters (Dispatcher), opcodes with requests only
#ifndef WEFT_DAEMON_MGMT_HANDLER_H
#define WEFT_DAEMON_MGMT_HANDLER_H

#include <functional>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cluster_state.h"
#include "dispatcher.h"
#include "metadata_store.h"
#include "ring_transport.h"

namespace weft {

struct DaemonInfo {
	std::string name;
	std::string data_dir;
	RingGeometry geometry;
};

class MgmtHandler {
public:
	// cluster: the node's storage and catalog; without one (tests of the
	// protocol alone) status reports statvfs of the data dir and the
	// drive / fs / scrub commands answer ENODEV.
	MgmtHandler(MetadataStore &store, DaemonInfo info, ClusterState *cluster = nullptr);

	// Given the invalidations that make the kernel forget a file system
	// whose namespace `fs delete` dropped (weftd posts them to a Notifier).
	void on_invalidate(std::function<void(std::vector<Invalidation>)> fn)
	{
		invalidate_ = std::move(fn);
	}

	void register_with(Dispatcher &d);
	Reply handle(const Request &req);

	// The JSON reply for one request text (what handle() writes).
	nlohmann::json execute(std::string_view request_text);

private:
	using Command = std::function<Result<nlohmann::json>(const nlohmann::json &args)>;

	Result<nlohmann::json> version(const nlohmann::json &args);
	Result<nlohmann::json> status(const nlohmann::json &args);
	Result<nlohmann::json> stats(const nlohmann::json &args);
	Result<nlohmann::json> cluster_create(const nlohmann::json &args);
	Result<nlohmann::json> cluster_status(const nlohmann::json &args);
	Result<nlohmann::json> cluster_update(const nlohmann::json &args);
	Result<nlohmann::json> host_list(const nlohmann::json &args);
	Result<nlohmann::json> host_add(const nlohmann::json &args);
	Result<nlohmann::json> host_remove(const nlohmann::json &args);
	Result<nlohmann::json> drive_add(const nlohmann::json &args);
	Result<nlohmann::json> drive_list(const nlohmann::json &args);
	Result<nlohmann::json> drive_remove(const nlohmann::json &args);
	Result<nlohmann::json> drive_scan(const nlohmann::json &args);
	Result<nlohmann::json> fs_create(const nlohmann::json &args);
	Result<nlohmann::json> fs_list(const nlohmann::json &args);
	Result<nlohmann::json> fs_update(const nlohmann::json &args);
	Result<nlohmann::json> fs_delete(const nlohmann::json &args);
	Result<nlohmann::json> scrub(const nlohmann::json &args);

	nlohmann::json fs_json(const FsConfig &fs);
	nlohmann::json redundancy_json();
	nlohmann::json cluster_json();
	// Whether a "host" argument names this host (hostname, short name,
	// host id, localhost).
	bool is_this_host(const std::string &host);

	MetadataStore &store_;
	DaemonInfo info_;
	ClusterState *cluster_;
	const Dispatcher *dispatcher_ = nullptr;	// for "stats" (register_with)
	std::map<std::string, Command, std::less<>> commands_;
	std::function<void(std::vector<Invalidation>)> invalidate_;
};

}  // namespace weft

#endif

// MgmtHandler: WEFT_OP_MGMT, JSON management requests relayed by the
// kernel from `weft` (netlink).  Contract (the CLI codes against it):
//   request  {"command":"<name>","args":{...}}
//   reply    {"status":"ok","result":{...}}
//        or  {"status":"error","errno":<positive int>,"message":"<one line>"}
// The CQE result is 0 whenever a JSON reply was written (errors included);
// it is -EMSGSIZE when the reply does not fit in out_max.
#ifndef WEFT_DAEMON_MGMT_HANDLER_H
#define WEFT_DAEMON_MGMT_HANDLER_H

#include <functional>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

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
	MgmtHandler(MetadataStore &store, DaemonInfo info);

	void register_with(Dispatcher &d);
	Reply handle(const Request &req);

	// The JSON reply for one request text (what handle() writes).
	nlohmann::json execute(std::string_view request_text);

private:
	using Command = std::function<Result<nlohmann::json>(const nlohmann::json &args)>;

	Result<nlohmann::json> version(const nlohmann::json &args);
	Result<nlohmann::json> status(const nlohmann::json &args);

	MetadataStore &store_;
	DaemonInfo info_;
	std::map<std::string, Command, std::less<>> commands_;
};

}  // namespace weft

#endif

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

}  // namespace

MgmtHandler::MgmtHandler(MetadataStore &store, DaemonInfo info)
	: store_(store), info_(std::move(info))
{
	commands_["version"] = [this](const json &a) { return version(a); };
	commands_["status"] = [this](const json &a) { return status(a); };
}

void MgmtHandler::register_with(Dispatcher &d)
{
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

Result<json> MgmtHandler::status(const json &)
{
	struct statvfs sv{};
	uint64_t capacity = 0, used = 0;
	if (::statvfs(info_.data_dir.c_str(), &sv) == 0) {
		const uint64_t frsize = sv.f_frsize ? sv.f_frsize : sv.f_bsize;
		capacity = static_cast<uint64_t>(sv.f_blocks) * frsize;
		used = static_cast<uint64_t>(sv.f_blocks - sv.f_bfree) * frsize;
	}
	json filesystems = json::array();
	for (const FsSummary &fs : store_.filesystems()) {
		filesystems.push_back({{"name", fs.name},
				       {"replication", fs.replication},
				       {"capacity_bytes", capacity},
				       {"used_bytes", used},
				       {"files", fs.files}});
	}
	return json{
		{"daemon", {{"name", info_.name},
			    {"version", WEFT_VERSION},
			    {"data_dir", info_.data_dir},
			    {"pid", static_cast<int>(::getpid())},
			    {"queues", info_.geometry.nr_queues},
			    {"queue_depth", info_.geometry.queue_depth}}},
		{"cluster", {{"mode", "single-node"}, {"hosts", 1}}},
		{"filesystems", filesystems},
		{"drives", json::array()},
		{"redundancy", {{"state", "healthy"}}},
	};
}

}  // namespace weft

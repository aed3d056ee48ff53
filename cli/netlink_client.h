// Control over the real `weft` generic-netlink family (libnl-genl-3).
#pragma once

#include <memory>

#include "control.h"

struct nl_sock;
struct nl_msg;
struct nlattr;

namespace weft::cli {

class NetlinkClient : public Control {
public:
	// Connects and resolves the family; throws NoModuleError when weft.ko
	// is not loaded, Error when generic netlink itself is unusable.
	NetlinkClient();
	~NetlinkClient() override;
	NetlinkClient(const NetlinkClient &) = delete;
	NetlinkClient &operator=(const NetlinkClient &) = delete;

	ModuleVersion version() override;
	std::vector<ChannelInfo> channels() override;
	std::vector<MountInfo> mounts() override;
	std::vector<OpStats> op_stats() override;
	std::vector<QueueStats> queue_stats() override;
	void set(const std::string &channel, std::optional<uint32_t> timeout_ms,
		 std::optional<uint32_t> grace_ms) override;
	std::string mgmt(const std::optional<std::string> &channel,
			 const std::string &request) override;

private:
	using Fill = std::function<void(nl_msg *)>;
	using OnReply = std::function<void(nlattr **attrs)>;
	// Sends one request and receives every reply message (a dump's parts,
	// or a doit reply) until the ack / done; throws KernelError on a
	// netlink error.
	void transact(uint8_t cmd, bool dump, const Fill &fill, const OnReply &on_reply);

	struct SockDeleter {
		void operator()(nl_sock *sk) const;
	};
	std::unique_ptr<nl_sock, SockDeleter> sock_;
	int family_ = -1;
};

} // namespace weft::cli

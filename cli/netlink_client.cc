#include "netlink_client.h"

#include <cerrno>
#include <cstring>
#include <exception>

#include <linux/netlink.h>
#include <netlink/attr.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/handlers.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>
#include <sys/socket.h>

#include <weft_netlink.h>
#include <weft_ring.h>

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

namespace weft::cli {

namespace {

struct MsgDeleter {
	void operator()(nl_msg *m) const { nlmsg_free(m); }
};
struct CbDeleter {
	void operator()(nl_cb *cb) const { nl_cb_put(cb); }
};

std::string attr_string(const nlattr *a)
{
	if (!a)
		return {};
	const char *p = static_cast<const char *>(nla_data(a));
	int len = nla_len(a);
	return std::string(p, strnlen(p, len > 0 ? static_cast<size_t>(len) : 0));
}

uint32_t attr_u32(const nlattr *a)
{
	return a && nla_len(a) >= 4 ? nla_get_u32(const_cast<nlattr *>(a)) : 0;
}

uint64_t attr_u64(const nlattr *a)
{
	return a && nla_len(a) >= 8 ? nla_get_u64(const_cast<nlattr *>(a)) : 0;
}

// Receive state shared with the libnl callbacks.
struct Transaction {
	const std::function<void(nlattr **)> *on_reply;
	bool done = false;
	int errnum = 0;
	std::string extack;
	std::exception_ptr failure;
};

int on_valid(nl_msg *msg, void *arg)
{
	auto *t = static_cast<Transaction *>(arg);
	nlattr *tb[WEFT_A_MAX + 1] = {};
	if (genlmsg_parse(nlmsg_hdr(msg), 0, tb, WEFT_A_MAX, nullptr) < 0) {
		t->failure = std::make_exception_ptr(Error("malformed reply from the kernel module"));
		t->done = true;
		return NL_STOP;
	}
	try {
		(*t->on_reply)(tb);
	} catch (...) {
		t->failure = std::current_exception();
		t->done = true;
		return NL_STOP;
	}
	return NL_OK;
}

int on_finish(nl_msg *, void *arg)
{
	static_cast<Transaction *>(arg)->done = true;
	return NL_STOP;
}

// NLMSG_ERROR with a non-zero error: keep the errno and the extack message.
int on_error(sockaddr_nl *, nlmsgerr *e, void *arg)
{
	auto *t = static_cast<Transaction *>(arg);
	const nlmsghdr *nlh = reinterpret_cast<const nlmsghdr *>(
		reinterpret_cast<const char *>(e) - NLMSG_HDRLEN);
	t->errnum = e->error < 0 ? -e->error : e->error;
	t->done = true;
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return NL_STOP;
	size_t payload = sizeof(*e);
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		payload += e->msg.nlmsg_len - NLMSG_HDRLEN;
	size_t off = NLMSG_HDRLEN + NLMSG_ALIGN(payload);
	if (nlh->nlmsg_len <= off)
		return NL_STOP;
	nlattr *tb[NLMSGERR_ATTR_MAX + 1] = {};
	auto *attrs = reinterpret_cast<nlattr *>(const_cast<char *>(
		reinterpret_cast<const char *>(nlh) + off));
	if (nla_parse(tb, NLMSGERR_ATTR_MAX, attrs, static_cast<int>(nlh->nlmsg_len - off),
		      nullptr) == 0 && tb[NLMSGERR_ATTR_MSG])
		t->extack = attr_string(tb[NLMSGERR_ATTR_MSG]);
	return NL_STOP;
}

void set_sockopt(nl_sock *sk, int opt)
{
	int one = 1;
	// best effort: without them errors just lose their message
	(void)setsockopt(nl_socket_get_fd(sk), SOL_NETLINK, opt, &one, sizeof(one));
}

} // namespace

void NetlinkClient::SockDeleter::operator()(nl_sock *sk) const
{
	nl_socket_free(sk);
}

NetlinkClient::NetlinkClient()
{
	sock_.reset(nl_socket_alloc());
	if (!sock_)
		throw Error("out of memory");
	int err = genl_connect(sock_.get());
	if (err < 0)
		throw Error(std::string("cannot open a generic netlink socket: ") + nl_geterror(err));
	nl_socket_enable_msg_peek(sock_.get());	// MGMT replies are up to 60 KiB
	set_sockopt(sock_.get(), NETLINK_EXT_ACK);
	set_sockopt(sock_.get(), NETLINK_CAP_ACK);
	family_ = genl_ctrl_resolve(sock_.get(), WEFT_GENL_NAME);
	if (family_ == -NLE_OBJ_NOTFOUND)
		throw NoModuleError();
	if (family_ < 0)
		throw Error(std::string("cannot resolve the 'weft' netlink family: ") +
			    nl_geterror(family_));
}

NetlinkClient::~NetlinkClient() = default;

void NetlinkClient::transact(uint8_t cmd, bool dump, const Fill &fill, const OnReply &on_reply)
{
	std::unique_ptr<nl_msg, MsgDeleter> msg(nlmsg_alloc_size(WEFT_MGMT_MAX + 4096));
	if (!msg)
		throw Error("out of memory");
	if (!genlmsg_put(msg.get(), NL_AUTO_PORT, NL_AUTO_SEQ, family_, 0,
			 dump ? NLM_F_DUMP : 0, cmd, WEFT_GENL_VERSION))
		throw Error("cannot build a netlink request");
	if (fill)
		fill(msg.get());

	std::unique_ptr<nl_cb, CbDeleter> cb(nl_cb_alloc(NL_CB_DEFAULT));
	if (!cb)
		throw Error("out of memory");
	Transaction t{&on_reply};
	nl_cb_set(cb.get(), NL_CB_VALID, NL_CB_CUSTOM, on_valid, &t);
	nl_cb_set(cb.get(), NL_CB_FINISH, NL_CB_CUSTOM, on_finish, &t);
	nl_cb_set(cb.get(), NL_CB_ACK, NL_CB_CUSTOM, on_finish, &t);
	nl_cb_err(cb.get(), NL_CB_CUSTOM, on_error, &t);

	int err = nl_send_auto(sock_.get(), msg.get());	// adds NLM_F_REQUEST | NLM_F_ACK
	if (err < 0)
		throw Error(std::string("cannot send to the kernel module: ") + nl_geterror(err));
	while (!t.done) {
		err = nl_recvmsgs(sock_.get(), cb.get());
		if (err < 0 && !t.done)
			throw Error(std::string("cannot receive from the kernel module: ") +
				    nl_geterror(err));
	}
	if (t.failure)
		std::rethrow_exception(t.failure);
	if (t.errnum)
		throw KernelError(t.errnum, t.extack);
}

ModuleVersion NetlinkClient::version()
{
	ModuleVersion v;
	bool got = false;
	transact(WEFT_CMD_VERSION, false, {}, [&](nlattr **tb) {
		v.version = attr_string(tb[WEFT_A_MODULE_VERSION]);
		v.abi_version = attr_u32(tb[WEFT_A_ABI_VERSION]);
		got = true;
	});
	if (!got)
		throw Error("no version reply from the kernel module");
	return v;
}

std::vector<ChannelInfo> NetlinkClient::channels()
{
	std::vector<ChannelInfo> out;
	transact(WEFT_CMD_CHANNEL_LIST, true, {}, [&](nlattr **tb) {
		if (!tb[WEFT_A_CHANNEL])
			return;
		nlattr *ch[WEFT_A_CH_MAX + 1] = {};
		if (nla_parse_nested(ch, WEFT_A_CH_MAX, tb[WEFT_A_CHANNEL], nullptr) < 0)
			throw Error("malformed channel list from the kernel module");
		ChannelInfo c;
		c.name = attr_string(ch[WEFT_A_CH_NAME]);
		c.state = attr_string(ch[WEFT_A_CH_STATE]);
		c.queues = attr_u32(ch[WEFT_A_CH_QUEUES]);
		c.queue_depth = attr_u32(ch[WEFT_A_CH_DEPTH]);
		c.max_io_bytes = attr_u32(ch[WEFT_A_CH_MAX_IO]);
		c.timeout_ms = attr_u32(ch[WEFT_A_CH_TIMEOUT_MS]);
		c.grace_ms = attr_u32(ch[WEFT_A_CH_GRACE_MS]);
		c.mounts = attr_u32(ch[WEFT_A_CH_MOUNTS]);
		c.submitted = attr_u64(ch[WEFT_A_CH_SUBMITTED]);
		c.completed = attr_u64(ch[WEFT_A_CH_COMPLETED]);
		c.rejected = attr_u64(ch[WEFT_A_CH_REJECTED]);
		c.timed_out = attr_u64(ch[WEFT_A_CH_TIMEDOUT]);
		out.push_back(std::move(c));
	});
	return out;
}

std::vector<MountInfo> NetlinkClient::mounts()
{
	std::vector<MountInfo> out;
	transact(WEFT_CMD_MOUNT_LIST, true, {}, [&](nlattr **tb) {
		if (!tb[WEFT_A_MOUNT])
			return;
		nlattr *mn[WEFT_A_MNT_MAX + 1] = {};
		if (nla_parse_nested(mn, WEFT_A_MNT_MAX, tb[WEFT_A_MOUNT], nullptr) < 0)
			throw Error("malformed mount list from the kernel module");
		out.push_back({attr_string(mn[WEFT_A_MNT_CHANNEL]), attr_string(mn[WEFT_A_MNT_FSNAME]),
			       attr_string(mn[WEFT_A_MNT_OPTIONS])});
	});
	return out;
}

std::vector<OpStats> NetlinkClient::op_stats()
{
	std::vector<OpStats> out;
	transact(WEFT_CMD_OP_STATS, true, {}, [&](nlattr **tb) {
		if (!tb[WEFT_A_OP_STATS])
			return;
		nlattr *a[WEFT_A_OPS_MAX + 1] = {};
		if (nla_parse_nested(a, WEFT_A_OPS_MAX, tb[WEFT_A_OP_STATS], nullptr) < 0)
			throw Error("malformed op statistics from the kernel module");
		OpStats s;
		s.opcode = attr_u32(a[WEFT_A_OPS_OPCODE]);
		s.count = attr_u64(a[WEFT_A_OPS_COUNT]);
		s.errors = attr_u64(a[WEFT_A_OPS_ERRORS]);
		s.total_ns = attr_u64(a[WEFT_A_OPS_TOTAL_NS]);
		s.since_ns = attr_u64(a[WEFT_A_OPS_SINCE_NS]);
		s.bytes = attr_u64(a[WEFT_A_OPS_BYTES]);	// absent from older modules: 0
		if (a[WEFT_A_OPS_HIST]) {
			const int len = nla_len(a[WEFT_A_OPS_HIST]);
			if (len < 0 || len % sizeof(uint64_t) != 0)
				throw Error("malformed op statistics from the kernel module");
			s.hist.resize(static_cast<size_t>(len) / sizeof(uint64_t));
			std::memcpy(s.hist.data(), nla_data(a[WEFT_A_OPS_HIST]), static_cast<size_t>(len));
		}
		out.push_back(std::move(s));
	});
	return out;
}

std::vector<QueueStats> NetlinkClient::queue_stats()
{
	std::vector<QueueStats> out;
	transact(WEFT_CMD_QUEUE_STATS, true, {}, [&](nlattr **tb) {
		if (!tb[WEFT_A_QUEUE_STATS])
			return;
		nlattr *a[WEFT_A_QS_MAX + 1] = {};
		if (nla_parse_nested(a, WEFT_A_QS_MAX, tb[WEFT_A_QUEUE_STATS], nullptr) < 0)
			throw Error("malformed queue statistics from the kernel module");
		QueueStats s;
		s.channel = attr_string(a[WEFT_A_QS_CHANNEL]);
		s.queue = attr_u32(a[WEFT_A_QS_QUEUE]);
		s.in_flight = attr_u32(a[WEFT_A_QS_IN_FLIGHT]);
		s.polled = attr_u64(a[WEFT_A_QS_POLLED]);
		s.slept = attr_u64(a[WEFT_A_QS_SLEPT]);
		s.daemon_woken = attr_u64(a[WEFT_A_QS_DAEMON_WOKEN]);
		s.spin_found = attr_u64(a[WEFT_A_QS_SPIN_FOUND]);
		s.spin_missed = attr_u64(a[WEFT_A_QS_SPIN_MISSED]);
		out.push_back(std::move(s));
	});
	return out;
}

void NetlinkClient::set(const std::string &channel, std::optional<uint32_t> timeout_ms,
			std::optional<uint32_t> grace_ms)
{
	transact(
		WEFT_CMD_SET, false,
		[&](nl_msg *m) {
			if (nla_put_string(m, WEFT_A_CHANNEL_NAME, channel.c_str()) < 0 ||
			    (timeout_ms && nla_put_u32(m, WEFT_A_TIMEOUT_MS, *timeout_ms) < 0) ||
			    (grace_ms && nla_put_u32(m, WEFT_A_GRACE_MS, *grace_ms) < 0))
				throw Error("cannot build a netlink request");
		},
		[](nlattr **) {});
}

std::string NetlinkClient::mgmt(const std::optional<std::string> &channel,
				const std::string &request)
{
	if (request.size() > WEFT_MGMT_MAX)
		throw Error("management request too large");
	std::string reply;
	bool got = false;
	transact(
		WEFT_CMD_MGMT, false,
		[&](nl_msg *m) {
			if ((channel && nla_put_string(m, WEFT_A_CHANNEL_NAME, channel->c_str()) < 0) ||
			    nla_put_string(m, WEFT_A_JSON, request.c_str()) < 0)
				throw Error("cannot build a netlink request");
		},
		[&](nlattr **tb) {
			if (tb[WEFT_A_JSON]) {
				reply = attr_string(tb[WEFT_A_JSON]);
				got = true;
			}
		});
	if (!got)
		throw Error("no management reply from the kernel module");
	return reply;
}

} // namespace weft::cli

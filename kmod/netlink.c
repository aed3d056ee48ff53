// SPDX-License-Identifier: GPL-2.0
/*
 * The `weft` generic-netlink family (uapi/weft_netlink.h): the only way the
 * `weft` CLI talks to the module.
 *
 *   VERSION       do    module version and ring ABI version
 *   CHANNEL_LIST  dump  one message per channel (attached daemon name)
 *   MOUNT_LIST    dump  one message per mount
 *   SET           do    admin: per-request timeout / grace period of a channel
 *   MGMT          do    admin: JSON request relayed to weftd, JSON reply
 *   OP_STATS      dump  one message per opcode with requests (stats.c)
 *
 * Every request attribute has a policy and is validated strictly (the core
 * refuses unknown attributes, trailing data and reply-only attributes before
 * a handler runs).  The family is parallel_ops: MGMT sleeps until weftd
 * answers or times out and must not hold the global genetlink mutex, so the
 * handlers rely only on the locking of the channel registry (chan.c).
 */
#include <linux/module.h>
#include <linux/errno.h>
#include <linux/string.h>
#include <linux/mm.h>
#include <net/genetlink.h>

#include "weft.h"
#include "stats.h"

/* not const: 6.1's nla_policy.range is a plain pointer */
static struct netlink_range_validation weft_timeout_range __ro_after_init = {
	.min = WEFT_SET_TIMEOUT_MIN_MS,
	.max = WEFT_SET_TIMEOUT_MAX_MS,
};

static struct netlink_range_validation weft_grace_range __ro_after_init = {
	.min = 0,
	.max = WEFT_SET_GRACE_MAX_MS,
};

static const struct nla_policy weft_genl_policy[WEFT_A_MAX + 1] = {
	/* reply-only attributes: a request carrying one is refused */
	[WEFT_A_MODULE_VERSION]	= { .type = NLA_REJECT, .reject_message = "reply-only attribute" },
	[WEFT_A_ABI_VERSION]	= { .type = NLA_REJECT, .reject_message = "reply-only attribute" },
	[WEFT_A_CHANNEL]	= { .type = NLA_REJECT, .reject_message = "reply-only attribute" },
	[WEFT_A_MOUNT]		= { .type = NLA_REJECT, .reject_message = "reply-only attribute" },
	[WEFT_A_OP_STATS]	= { .type = NLA_REJECT, .reject_message = "reply-only attribute" },
	[WEFT_A_QUEUE_STATS]	= { .type = NLA_REJECT, .reject_message = "reply-only attribute" },
	/* request attributes */
	[WEFT_A_CHANNEL_NAME]	= { .type = NLA_NUL_STRING, .len = WEFT_NAME_MAX - 1 },
	[WEFT_A_TIMEOUT_MS]	= NLA_POLICY_FULL_RANGE(NLA_U32, &weft_timeout_range),
	[WEFT_A_GRACE_MS]	= NLA_POLICY_FULL_RANGE(NLA_U32, &weft_grace_range),
	[WEFT_A_JSON]		= { .type = NLA_NUL_STRING, .len = WEFT_MGMT_MAX },
};

static struct genl_family weft_genl_family;

/*
 * Turn an error of the channel registry into the netlink errno, with an
 * extack message for the ones a user can act on.  Restart codes never leave
 * the kernel: a killed or interrupted caller sees -EINTR.
 */
static int weft_nl_chan_err(struct genl_info *info, int err, const char *name)
{
	switch (err) {
	case -ERESTARTSYS:
	case -ERESTARTNOINTR:
	case -ERESTARTNOHAND:
	case -ERESTART_RESTARTBLOCK:
		err = -EINTR;
		fallthrough;
	case -EINTR:
		GENL_SET_ERR_MSG(info, "interrupted");
		break;
	case -ENOENT:
		if (name)
			GENL_SET_ERR_MSG(info, "no such channel (no weftd attached under that name)");
		else
			GENL_SET_ERR_MSG(info, "no weftd attached");
		break;
	case -ENOTCONN:
	case -ESHUTDOWN:
		GENL_SET_ERR_MSG(info, "no weftd attached");
		break;
	case -ENOTUNIQ:
		GENL_SET_ERR_MSG(info, "several weftd attached: name a channel");
		break;
	case -ETIMEDOUT:
		GENL_SET_ERR_MSG(info, "weftd did not answer in time");
		break;
	case -ECONNRESET:
	case -EPIPE:
		GENL_SET_ERR_MSG(info, "weftd went away before answering");
		break;
	case -EMSGSIZE:
	case -E2BIG:
		GENL_SET_ERR_MSG(info, "management message too large");
		break;
	case -EPROTO:
	case -EBADMSG:
		GENL_SET_ERR_MSG(info, "weftd sent an invalid reply");
		break;
	default:
		break;
	}
	return err;
}

/* A channel name attribute, or NULL; refuses the empty name. */
static int weft_nl_name(struct genl_info *info, const char **name)
{
	struct nlattr *a = info->attrs[WEFT_A_CHANNEL_NAME];

	*name = NULL;
	if (!a)
		return 0;
	*name = nla_data(a);		/* NLA_NUL_STRING: terminated */
	if (!**name) {
		NL_SET_ERR_MSG_ATTR(info->extack, a, "empty channel name");
		return -EINVAL;
	}
	return 0;
}

static int weft_nl_version(struct sk_buff *skb, struct genl_info *info)
{
	struct sk_buff *msg;
	void *hdr;

	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &weft_genl_family, 0, WEFT_CMD_VERSION);
	if (!hdr)
		goto nospace;
	if (nla_put_string(msg, WEFT_A_MODULE_VERSION, WEFT_MODULE_VERSION) ||
	    nla_put_u32(msg, WEFT_A_ABI_VERSION, WEFT_ABI_VERSION))
		goto nospace;
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);

nospace:
	nlmsg_free(msg);
	return -EMSGSIZE;
}

/*
 * Dumps.  weft_chan_list() / weft_mount_list() walk the registry under its
 * lock, so the fill callbacks only write into the preallocated skb (no
 * allocation, no sleeping).  cb->args[0] counts the entries already sent
 * (for OP_STATS: the next opcode); a later pass skips that many.  Every
 * message holds one nest: weft_nl_dump_open() starts both,
 * weft_nl_dump_close() ends them or takes the message back.
 */
struct weft_nl_dump {
	struct sk_buff *skb;
	struct netlink_callback *cb;
	void *hdr;
	long idx;
	long skip;
};

/* True (and counted) for an entry an earlier pass has sent. */
static bool weft_nl_dump_skip(struct weft_nl_dump *d)
{
	if (d->idx >= d->skip)
		return false;
	d->idx++;
	return true;
}

/* One message of cmd holding a nest of type; NULL when the skb is full. */
static struct nlattr *weft_nl_dump_open(struct weft_nl_dump *d, u8 cmd, int type)
{
	struct nlattr *nest;

	d->hdr = genlmsg_put(d->skb, NETLINK_CB(d->cb->skb).portid,
			     d->cb->nlh->nlmsg_seq, &weft_genl_family,
			     NLM_F_MULTI, cmd);
	if (!d->hdr)
		return NULL;
	nest = nla_nest_start(d->skb, type);
	if (!nest)
		genlmsg_cancel(d->skb, d->hdr);
	return nest;
}

/* put_failed: an nla_put into the nest ran out of room (-EMSGSIZE). */
static int weft_nl_dump_close(struct weft_nl_dump *d, struct nlattr *nest, bool put_failed)
{
	if (put_failed) {
		genlmsg_cancel(d->skb, d->hdr);
		return -EMSGSIZE;
	}
	nla_nest_end(d->skb, nest);
	genlmsg_end(d->skb, d->hdr);
	d->idx++;
	return 0;
}

static int weft_nl_dump_done(struct weft_nl_dump *d, int err)
{
	d->cb->args[0] = d->idx;
	if (err && err != -EMSGSIZE)
		return err;
	/* one entry larger than an empty skb: cannot happen, but never loop */
	if (err == -EMSGSIZE && d->skb->len == 0)
		return -EMSGSIZE;
	return d->skb->len;
}

/* A string from one of the registry's fixed arrays, never read past it. */
static int weft_nla_put_strn(struct sk_buff *skb, int type, const char *s, size_t size)
{
	size_t len = strnlen(s, size - 1);
	struct nlattr *a = nla_reserve(skb, type, len + 1);

	if (!a)
		return -EMSGSIZE;
	memcpy(nla_data(a), s, len);
	((char *)nla_data(a))[len] = '\0';
	return 0;
}

static int weft_nl_fill_chan(const struct weft_chan_info *ci, void *arg)
{
	struct weft_nl_dump *d = arg;
	struct sk_buff *skb = d->skb;
	struct nlattr *nest;

	if (weft_nl_dump_skip(d))
		return 0;
	nest = weft_nl_dump_open(d, WEFT_CMD_CHANNEL_LIST, WEFT_A_CHANNEL);
	if (!nest)
		return -EMSGSIZE;
	return weft_nl_dump_close(d, nest,
		weft_nla_put_strn(skb, WEFT_A_CH_NAME, ci->name, sizeof(ci->name)) ||
		nla_put_string(skb, WEFT_A_CH_STATE, ci->state ? ci->state : "unknown") ||
		nla_put_u32(skb, WEFT_A_CH_QUEUES, ci->nr_queues) ||
		nla_put_u32(skb, WEFT_A_CH_DEPTH, ci->queue_depth) ||
		nla_put_u32(skb, WEFT_A_CH_MAX_IO, ci->max_io_size) ||
		nla_put_u32(skb, WEFT_A_CH_TIMEOUT_MS, ci->timeout_ms) ||
		nla_put_u32(skb, WEFT_A_CH_GRACE_MS, ci->grace_ms) ||
		nla_put_u32(skb, WEFT_A_CH_MOUNTS, ci->mounts) ||
		nla_put_u64_64bit(skb, WEFT_A_CH_SUBMITTED, ci->submitted, WEFT_A_CH_PAD) ||
		nla_put_u64_64bit(skb, WEFT_A_CH_COMPLETED, ci->completed, WEFT_A_CH_PAD) ||
		nla_put_u64_64bit(skb, WEFT_A_CH_REJECTED, ci->rejected, WEFT_A_CH_PAD) ||
		nla_put_u64_64bit(skb, WEFT_A_CH_TIMEDOUT, ci->timedout, WEFT_A_CH_PAD));
}

static int weft_nl_channel_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct weft_nl_dump d = { .skb = skb, .cb = cb, .skip = cb->args[0] };

	return weft_nl_dump_done(&d, weft_chan_list(weft_nl_fill_chan, &d));
}

static int weft_nl_fill_mount(const struct weft_mount_info *mi, void *arg)
{
	struct weft_nl_dump *d = arg;
	struct sk_buff *skb = d->skb;
	struct nlattr *nest;

	if (weft_nl_dump_skip(d))
		return 0;
	nest = weft_nl_dump_open(d, WEFT_CMD_MOUNT_LIST, WEFT_A_MOUNT);
	if (!nest)
		return -EMSGSIZE;
	return weft_nl_dump_close(d, nest,
		weft_nla_put_strn(skb, WEFT_A_MNT_CHANNEL, mi->channel, sizeof(mi->channel)) ||
		weft_nla_put_strn(skb, WEFT_A_MNT_FSNAME, mi->fsname, sizeof(mi->fsname)) ||
		weft_nla_put_strn(skb, WEFT_A_MNT_OPTIONS, mi->options, sizeof(mi->options)));
}

static int weft_nl_mount_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct weft_nl_dump d = { .skb = skb, .cb = cb, .skip = cb->args[0] };

	return weft_nl_dump_done(&d, weft_mount_list(weft_nl_fill_mount, &d));
}

/* cb->args[0]: the next opcode to look at */
static int weft_nl_op_stats_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct weft_nl_dump d = { .skb = skb, .cb = cb };
	struct weft_op_stats st;
	struct nlattr *nest;
	u32 op = cb->args[0];
	int err = 0;

	for (; op < WEFT_OP_MAX; op++) {
		if (!weft_stats_read(op, &st) || !st.count)
			continue;
		nest = weft_nl_dump_open(&d, WEFT_CMD_OP_STATS, WEFT_A_OP_STATS);
		err = nest ? weft_nl_dump_close(&d, nest,
			nla_put_u32(skb, WEFT_A_OPS_OPCODE, op) ||
			nla_put_u64_64bit(skb, WEFT_A_OPS_COUNT, st.count, WEFT_A_OPS_PAD) ||
			nla_put_u64_64bit(skb, WEFT_A_OPS_ERRORS, st.errors, WEFT_A_OPS_PAD) ||
			nla_put_u64_64bit(skb, WEFT_A_OPS_TOTAL_NS, st.total_ns, WEFT_A_OPS_PAD) ||
			nla_put(skb, WEFT_A_OPS_HIST, sizeof(st.hist), st.hist) ||
			nla_put_u64_64bit(skb, WEFT_A_OPS_SINCE_NS, weft_stats_since_ns(),
					  WEFT_A_OPS_PAD) ||
			nla_put_u64_64bit(skb, WEFT_A_OPS_BYTES, st.bytes, WEFT_A_OPS_PAD))
			   : -EMSGSIZE;
		if (err)
			break;
	}
	d.idx = op;
	return weft_nl_dump_done(&d, err);
}

static int weft_nl_fill_queue(const struct weft_queue_info *qi, void *arg)
{
	const struct weft_queue_stats *st = &qi->stats;
	struct weft_nl_dump *d = arg;
	struct sk_buff *skb = d->skb;
	struct nlattr *nest;

	if (weft_nl_dump_skip(d))
		return 0;
	nest = weft_nl_dump_open(d, WEFT_CMD_QUEUE_STATS, WEFT_A_QUEUE_STATS);
	if (!nest)
		return -EMSGSIZE;
	return weft_nl_dump_close(d, nest,
		weft_nla_put_strn(skb, WEFT_A_QS_CHANNEL, qi->channel, sizeof(qi->channel)) ||
		nla_put_u32(skb, WEFT_A_QS_QUEUE, qi->queue) ||
		nla_put_u32(skb, WEFT_A_QS_IN_FLIGHT, qi->in_flight) ||
		nla_put_u64_64bit(skb, WEFT_A_QS_POLLED, st->polled, WEFT_A_QS_PAD) ||
		nla_put_u64_64bit(skb, WEFT_A_QS_SLEPT, st->slept, WEFT_A_QS_PAD) ||
		nla_put_u64_64bit(skb, WEFT_A_QS_DAEMON_WOKEN, st->daemon_woken, WEFT_A_QS_PAD) ||
		nla_put_u64_64bit(skb, WEFT_A_QS_SPIN_FOUND, st->spin_found, WEFT_A_QS_PAD) ||
		nla_put_u64_64bit(skb, WEFT_A_QS_SPIN_MISSED, st->spin_missed, WEFT_A_QS_PAD));
}

static int weft_nl_queue_stats_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct weft_nl_dump d = { .skb = skb, .cb = cb, .skip = cb->args[0] };

	return weft_nl_dump_done(&d, weft_queue_list(weft_nl_fill_queue, &d));
}

static int weft_nl_set(struct sk_buff *skb, struct genl_info *info)
{
	const u32 *timeout = NULL, *grace = NULL;
	u32 timeout_ms, grace_ms;
	const char *name;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, WEFT_A_CHANNEL_NAME))
		return -EINVAL;
	err = weft_nl_name(info, &name);
	if (err)
		return err;
	if (info->attrs[WEFT_A_TIMEOUT_MS]) {
		timeout_ms = nla_get_u32(info->attrs[WEFT_A_TIMEOUT_MS]);
		timeout = &timeout_ms;
	}
	if (info->attrs[WEFT_A_GRACE_MS]) {
		grace_ms = nla_get_u32(info->attrs[WEFT_A_GRACE_MS]);
		grace = &grace_ms;
	}
	if (!timeout && !grace) {
		GENL_SET_ERR_MSG(info, "nothing to set: give a timeout and/or a grace period");
		return -EINVAL;
	}
	err = weft_chan_set(name, timeout, grace);
	return err ? weft_nl_chan_err(info, err, name) : 0;
}

static int weft_nl_mgmt(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *req = info->attrs[WEFT_A_JSON];
	char *out = NULL;
	size_t out_len = 0, len;
	struct sk_buff *msg;
	struct nlattr *a;
	const char *name;
	void *hdr;
	int err;

	if (GENL_REQ_ATTR_CHECK(info, WEFT_A_JSON))
		return -EINVAL;
	err = weft_nl_name(info, &name);
	if (err)
		return err;
	len = strnlen(nla_data(req), nla_len(req));
	if (!len) {
		NL_SET_ERR_MSG_ATTR(info->extack, req, "empty management request");
		return -EINVAL;
	}

	err = weft_chan_mgmt(name, nla_data(req), len, &out, &out_len);
	if (err)
		return weft_nl_chan_err(info, err, name);
	if (out_len > WEFT_MGMT_MAX) {
		err = weft_nl_chan_err(info, -EMSGSIZE, name);
		goto out;
	}

	err = -ENOMEM;
	msg = genlmsg_new(nla_total_size(out_len + 1), GFP_KERNEL);
	if (!msg)
		goto out;
	hdr = genlmsg_put_reply(msg, info, &weft_genl_family, 0, WEFT_CMD_MGMT);
	if (!hdr)
		goto nospace;
	a = nla_reserve(msg, WEFT_A_JSON, out_len + 1);
	if (!a)
		goto nospace;
	if (out_len)
		memcpy(nla_data(a), out, out_len);
	((char *)nla_data(a))[out_len] = '\0';
	genlmsg_end(msg, hdr);
	err = genlmsg_reply(msg, info);
	goto out;

nospace:
	nlmsg_free(msg);
	err = -EMSGSIZE;
out:
	kvfree(out);
	return err;
}

static const struct genl_small_ops weft_genl_ops[] = {
	{
		.cmd	= WEFT_CMD_VERSION,
		.doit	= weft_nl_version,
	},
	{
		.cmd	= WEFT_CMD_CHANNEL_LIST,
		.dumpit	= weft_nl_channel_dump,
	},
	{
		.cmd	= WEFT_CMD_MOUNT_LIST,
		.dumpit	= weft_nl_mount_dump,
	},
	{
		.cmd	= WEFT_CMD_SET,
		.flags	= GENL_ADMIN_PERM,
		.doit	= weft_nl_set,
	},
	{
		.cmd	= WEFT_CMD_MGMT,
		.flags	= GENL_ADMIN_PERM,
		.doit	= weft_nl_mgmt,
	},
	{
		.cmd	= WEFT_CMD_OP_STATS,
		.dumpit	= weft_nl_op_stats_dump,
	},
	{
		.cmd	= WEFT_CMD_QUEUE_STATS,
		.dumpit	= weft_nl_queue_stats_dump,
	},
};

static struct genl_family weft_genl_family __ro_after_init = {
	.name		= WEFT_GENL_NAME,
	.version	= WEFT_GENL_VERSION,
	.maxattr	= WEFT_A_MAX,
	.policy		= weft_genl_policy,
	.netnsok	= false,
	.parallel_ops	= true,
	.module		= THIS_MODULE,
	.small_ops	= weft_genl_ops,
	.n_small_ops	= ARRAY_SIZE(weft_genl_ops),
};

/* The op statistics live with the family that reports them. */
int weft_netlink_init(void)
{
	int err = weft_stats_init();

	if (err)
		return err;
	err = genl_register_family(&weft_genl_family);
	if (err)
		weft_stats_exit();
	return err;
}

void weft_netlink_exit(void)
{
	genl_unregister_family(&weft_genl_family);
	weft_stats_exit();
}

// SPDX-License-Identifier: GPL-2.0
/*
 * The `weft` generic-netlink family (uapi/weft_netlink.h).
 */
#include <linux/module.h>
#include <net/genetlink.h>

#include "weft.h"

static const struct nla_policy weft_genl_policy[WEFT_A_MAX + 1] = {
	[WEFT_A_MODULE_VERSION]	= { .type = NLA_NUL_STRING },
	[WEFT_A_ABI_VERSION]	= { .type = NLA_U32 },
	[WEFT_A_CHANNEL]	= { .type = NLA_NESTED },
	[WEFT_A_CHANNEL_NAME]	= { .type = NLA_NUL_STRING, .len = WEFT_NAME_MAX - 1 },
	[WEFT_A_TIMEOUT_MS]	= { .type = NLA_U32 },
	[WEFT_A_GRACE_MS]	= { .type = NLA_U32 },
	[WEFT_A_JSON]		= { .type = NLA_NUL_STRING, .len = WEFT_MGMT_MAX },
	[WEFT_A_MOUNT]		= { .type = NLA_NESTED },
};

static struct genl_family weft_genl_family;

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

static const struct genl_small_ops weft_genl_ops[] = {
	{
		.cmd	= WEFT_CMD_VERSION,
		.doit	= weft_nl_version,
	},
};

static struct genl_family weft_genl_family __ro_after_init = {
	.name		= WEFT_GENL_NAME,
	.version	= WEFT_GENL_VERSION,
	.maxattr	= WEFT_A_MAX,
	.policy		= weft_genl_policy,
	.netnsok	= false,
	.resv_start_op	= WEFT_CMD_MAX + 1,
	.module		= THIS_MODULE,
	.small_ops	= weft_genl_ops,
	.n_small_ops	= ARRAY_SIZE(weft_genl_ops),
};

int weft_netlink_init(void)
{
	return genl_register_family(&weft_genl_family);
}

void weft_netlink_exit(void)
{
	genl_unregister_family(&weft_genl_family);
}

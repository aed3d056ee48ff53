// SPDX-License-Identifier: GPL-2.0
/* 6.2+: generic netlink families may carry struct genl_split_ops. */
#include <net/genetlink.h>

const struct genl_split_ops weft_test_ops[1];

// SPDX-License-Identifier: GPL-2.0
/*
 * The `weft` file system type.
 */
#include <linux/fs_context.h>
#include <linux/module.h>

#include "weft.h"

static int weft_get_tree(struct fs_context *fc)
{
	return invalfc(fc, "weft: no weftd attached");
}

static const struct fs_context_operations weft_context_ops = {
	.get_tree	= weft_get_tree,
};

static int weft_init_fs_context(struct fs_context *fc)
{
	fc->ops = &weft_context_ops;
	return 0;
}

struct file_system_type weft_fs_type = {
	.owner			= THIS_MODULE,
	.name			= "weft",
	.init_fs_context	= weft_init_fs_context,
	.kill_sb		= kill_anon_super,
};

// SPDX-License-Identifier: GPL-2.0
/* 6.5+: filemap_splice_read() replaces generic_file_splice_read(). */
#include <linux/fs.h>

ssize_t weft_test(struct file *in, loff_t *ppos, struct pipe_inode_info *pipe,
		  size_t len, unsigned int flags)
{
	return filemap_splice_read(in, ppos, pipe, len, flags);
}

// SPDX-License-Identifier: GPL-2.0
/* 6.12+: ->write_begin and ->write_end take a folio, before a page. */
#include <linux/fs.h>

static int weft_wb(struct file *file, struct address_space *mapping, loff_t pos,
		   unsigned int len, struct folio **foliop, void **fsdata)
{
	return 0;
}

static int weft_we(struct file *file, struct address_space *mapping, loff_t pos,
		   unsigned int len, unsigned int copied, struct folio *folio, void *fsdata)
{
	return 0;
}

const struct address_space_operations weft_test_aops = {
	.write_begin	= weft_wb,
	.write_end	= weft_we,
};

// SPDX-License-Identifier: GPL-2.0
/* 6.3+: write_cache_pages() calls back with a folio, before with a page. */
#include <linux/writeback.h>

static int weft_cb(struct folio *folio, struct writeback_control *wbc, void *data)
{
	return 0;
}

int weft_test(struct address_space *mapping, struct writeback_control *wbc)
{
	return write_cache_pages(mapping, wbc, weft_cb, NULL);
}

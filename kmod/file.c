// SPDX-License-Identifier: GPL-2.0
/*
 * Regular files and symlink targets.
 *
 * Reads go through the page cache (read_folio, readahead: one READ per
 * up to max_io bytes).  Writes, by default, go through a writeback cache,
 * as FUSE's -o writeback_cache: write() copies into the page cache
 * (write_begin/write_end), moves i_size and mtime here, and dirties the
 * pages; ->writepages sends runs of contiguous dirty folios to weftd as
 * one WRITE of up to max_io bytes each.  A WRITE that fails is recorded
 * on the mapping (mapping_set_error): fsync and close() report it.  While
 * data or times are unsent the kernel owns i_size, mtime and ctime
 * (inode.c: weft_owns_size); ->write_inode sends the times after the data.
 * fsync writes back and waits, then asks weftd for durability (FSYNC).
 *
 * With -o nowriteback, writes are write-through: write_iter sends the data
 * to weftd in requests of up to max_io bytes, then drops the cached pages
 * of the range.  O_DIRECT writes always take that path, after writing back
 * the dirty pages of their range.
 */
#include <linux/build_bug.h>
#include <linux/falloc.h>
#include <linux/highmem.h>
#include <linux/pagemap.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/uio.h>
#include <linux/writeback.h>

#include "weft.h"

/* the wire structs this file sends: same sizes as daemon/uapi_check.cc */
static_assert(sizeof(struct weft_create_in) == 24);
static_assert(sizeof(struct weft_rename_in) == 24);
static_assert(sizeof(struct weft_link_in) == 16);
static_assert(sizeof(struct weft_setattr_in) == 64);
static_assert(offsetof(struct weft_setattr_in, size) == 16);
static_assert(offsetof(struct weft_setattr_in, atime_nsec) == 48);
static_assert(sizeof(struct weft_open_out) == 16);
static_assert(sizeof(struct weft_create_out) == 128);
static_assert(offsetof(struct weft_create_out, fh) == 112);
static_assert(sizeof(struct weft_write_out) == 8);
static_assert(sizeof(struct weft_fallocate_in) == 24);
static_assert(offsetof(struct weft_fallocate_in, mode) == 16);
static_assert(sizeof(struct weft_lseek_out) == 8);
static_assert(WEFT_FALLOC_KEEP_SIZE == FALLOC_FL_KEEP_SIZE &&
	      WEFT_FALLOC_PUNCH_HOLE == FALLOC_FL_PUNCH_HOLE &&
	      WEFT_FALLOC_ZERO_RANGE == FALLOC_FL_ZERO_RANGE);
static_assert(WEFT_SEEK_DATA == SEEK_DATA && WEFT_SEEK_HOLE == SEEK_HOLE);

static u32 weft_max_io(const struct inode *inode)
{
	return WEFT_SB(inode->i_sb)->chan->max_io;
}

/*
 * The bounce buffer for an I/O of want bytes: at most max_io, and no more
 * than the I/O needs (a 4 KiB read must not kvmalloc max_io: an order-6
 * allocation, or a vmalloc and its TLB flush, per request).
 */
static u32 weft_io_size(const struct inode *inode, size_t want)
{
	return min_t(size_t, weft_max_io(inode), max_t(size_t, PAGE_ALIGN(want), PAGE_SIZE));
}

/* ------------------------------------------------------------------ */
/* open / release                                                      */

static int weft_open(struct inode *inode, struct file *file)
{
	struct weft_open_out out;
	struct weft_req req;
	int err;

	err = generic_file_open(inode, file);
	if (err)
		return err;
	weft_req_init(&req, WEFT_OP_OPEN, weft_nodeid(inode));
	req.sqe.u.rw.flags = file->f_flags;
	req.out = &out;
	req.out_max = sizeof(out);
	err = weft_send(inode, &req);
	if (err)
		return err;
	if (req.out_len != sizeof(out))
		return -EIO;
	file->private_data = (void *)(uintptr_t)out.fh;
	return 0;
}

/*
 * The open of a file CREATE made and opened (WEFT_CREATE_OPEN): the handle
 * came with the creation, so no OPEN.  A file the VFS opened is released
 * by ->release, also when a check after the open failed; one it did not
 * open releases its handle here.
 */
int weft_open_created(struct file *file, struct dentry *dentry, u64 fh)
{
	struct inode *inode = d_inode(dentry);
	int err = finish_open(file, dentry, generic_file_open);

	if (file->f_mode & FMODE_OPENED)
		file->private_data = (void *)(uintptr_t)fh;
	else if (err)
		weft_release_handle(inode->i_sb, weft_nodeid(inode), fh);
	return err;
}

/*
 * Nothing to report to close(), so nothing to wait for (as FUSE sends its
 * RELEASE in the background): the request is req.c's to send and free.
 * Dirty pages went out in ->flush.  Only when memory is short is it sent
 * synchronously.  The daemon drops the handle, or dies and drops them all.
 */
void weft_release_handle(struct super_block *sb, u64 nodeid, u64 fh)
{
	struct weft_chan *chan = WEFT_SB(sb)->chan;
	struct weft_req *areq, req;

	areq = weft_req_alloc_async(WEFT_OP_RELEASE, nodeid);
	if (areq) {
		areq->sqe.fh = fh;
		weft_req_send_async(chan, areq);
		return;
	}
	weft_req_init(&req, WEFT_OP_RELEASE, nodeid);
	req.sqe.fh = fh;
	weft_req_send(chan, &req);
}

static int weft_release(struct inode *inode, struct file *file)
{
	weft_release_handle(inode->i_sb, weft_nodeid(inode), (uintptr_t)file->private_data);
	return 0;
}

/* ------------------------------------------------------------------ */
/* reads                                                               */

/* READ of up to len bytes at pos into buf; returns bytes read or -errno */
static ssize_t weft_read_range(struct inode *inode, loff_t pos, void *buf, u32 len)
{
	struct weft_req req;
	int err;

	weft_req_init(&req, WEFT_OP_READ, weft_nodeid(inode));
	req.sqe.u.rw.offset = pos;
	req.sqe.u.rw.size = len;
	req.out = buf;
	req.out_max = len;	/* req.c rejects a longer reply */
	err = weft_send(inode, &req);
	if (err)
		return err;
	return req.out_len;
}

/* copy n bytes of buf to folio at offset, zero-filling short data */
static void weft_fill_folio(struct folio *folio, const u8 *buf, size_t n)
{
	size_t off = 0, len = folio_size(folio);

	while (off < len) {
		size_t chunk = min_t(size_t, PAGE_SIZE - offset_in_page(off), len - off);
		u8 *kaddr = kmap_local_folio(folio, off);
		size_t copy = off < n ? min(chunk, n - off) : 0;

		if (copy)
			memcpy(kaddr, buf + off, copy);
		if (copy < chunk)
			memset(kaddr + copy, 0, chunk - copy);
		kunmap_local(kaddr);
		off += chunk;
	}
}

/* read a locked folio from weftd and mark it uptodate; it stays locked */
static int weft_fill_folio_sync(struct inode *inode, struct folio *folio)
{
	size_t len = folio_size(folio);
	ssize_t n;
	void *buf;

	buf = kvmalloc(len, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	n = weft_read_range(inode, folio_pos(folio), buf, len);
	if (n >= 0) {
		weft_fill_folio(folio, buf, n);
		folio_mark_uptodate(folio);
	}
	kvfree(buf);
	return n < 0 ? n : 0;
}

static int weft_read_folio(struct file *file, struct folio *folio)
{
	int err = weft_fill_folio_sync(folio->mapping->host, folio);

	folio_unlock(folio);
	return err;
}

/*
 * Readahead: the folios of rac in batches of up to max_io bytes, one READ
 * per batch.  Folios left out (an error) are unlocked, not uptodate: the
 * reader falls back to read_folio and sees the error itself.
 */
static void weft_readahead(struct readahead_control *rac)
{
	struct inode *inode = rac->mapping->host;
	u32 max = weft_io_size(inode, readahead_length(rac));
	struct folio **batch;
	unsigned int nr, i;
	size_t bytes, off;
	ssize_t n;
	void *buf;

	buf = kvmalloc(max, GFP_KERNEL);
	batch = kmalloc_array(max / PAGE_SIZE, sizeof(*batch), GFP_KERNEL);
	if (!buf || !batch)
		goto out;
	for (;;) {
		struct folio *folio;

		nr = 0;
		bytes = 0;
		/* this file's folios are single pages (no large folios) */
		while (nr < max / PAGE_SIZE && readahead_count(rac)) {
			folio = readahead_folio(rac);
			if (!folio)
				break;
			if (folio_size(folio) != PAGE_SIZE) {
				folio_unlock(folio);	/* read_folio will do it */
				continue;
			}
			batch[nr++] = folio;
			bytes += PAGE_SIZE;
		}
		if (!nr)
			break;
		n = weft_read_range(inode, folio_pos(batch[0]), buf, bytes);
		for (i = 0, off = 0; i < nr; off += folio_size(batch[i]), i++) {
			if (n >= 0) {
				weft_fill_folio(batch[i], buf + off,
						(size_t)n > off ? (size_t)n - off : 0);
				folio_mark_uptodate(batch[i]);
			}
			folio_unlock(batch[i]);
		}
	}
out:
	kfree(batch);
	kvfree(buf);
}

/* ------------------------------------------------------------------ */
/* writeback: dirty folios to weftd, contiguous runs in one WRITE      */

/*
 * A run of contiguous folios under writeback whose bytes (up to i_size)
 * were copied to buf; sent as WRITEs of up to max_io bytes.  Folios here
 * are single pages (weft never enables large folios on its mappings), so
 * one always fits a buffer of at least PAGE_SIZE.
 */
struct weft_wb_batch {
	struct inode *inode;
	void *buf;
	size_t cap;		/* bytes buf holds */
	loff_t pos;		/* file offset of buf[0] */
	size_t len;		/* bytes in buf */
	struct folio **folios;
	unsigned int nr, max_nr;
	int err;		/* first error of this writeback */
};

/* buffers for up to cap bytes; falls back to one page under memory pressure */
static int weft_wb_init(struct weft_wb_batch *b, struct inode *inode, size_t cap)
{
	memset(b, 0, sizeof(*b));
	b->inode = inode;
	cap = max_t(size_t, round_down(cap, PAGE_SIZE), PAGE_SIZE);
	if (cap > PAGE_SIZE) {
		b->buf = kvmalloc(cap, GFP_KERNEL | __GFP_NOWARN);
		b->folios = kmalloc_array(cap / PAGE_SIZE, sizeof(*b->folios),
					  GFP_KERNEL | __GFP_NOWARN);
		if (!b->buf || !b->folios) {
			kvfree(b->buf);
			kfree(b->folios);
			cap = PAGE_SIZE;
		}
	}
	if (cap == PAGE_SIZE) {
		b->buf = kmalloc(PAGE_SIZE, GFP_KERNEL);
		b->folios = kmalloc(sizeof(*b->folios), GFP_KERNEL);
		if (!b->buf || !b->folios) {
			kfree(b->buf);
			kfree(b->folios);
			return -ENOMEM;
		}
	}
	b->cap = cap;
	b->max_nr = cap / PAGE_SIZE;
	return 0;
}

static void weft_wb_free(struct weft_wb_batch *b)
{
	kvfree(b->buf);
	kfree(b->folios);
}

/*
 * Send the batch and end writeback on its folios.  A failure (weftd's
 * errno, ENOTCONN for a daemon that is gone, EIO for a reply that makes no
 * progress) is recorded on the mapping for fsync and close(); the folios
 * end clean all the same, so a dead daemon never pins dirty pages.
 */
static void weft_wb_flush(struct weft_wb_batch *b)
{
	struct inode *inode = b->inode;
	u32 max = weft_max_io(inode);
	size_t done = 0;
	unsigned int i;
	int err = 0;

	if (!b->nr)
		return;
	while (done < b->len) {
		u32 len = min_t(size_t, b->len - done, max);
		struct weft_write_out out;
		struct weft_req req;

		weft_req_init(&req, WEFT_OP_WRITE, weft_nodeid(inode));
		req.sqe.u.rw.offset = b->pos + done;
		req.sqe.u.rw.size = len;
		req.in = b->buf + done;
		req.in_len = len;
		req.out = &out;
		req.out_max = sizeof(out);
		err = weft_send(inode, &req);
		if (!err && (req.out_len != sizeof(out) || !out.size || out.size > len))
			err = -EIO;
		if (err)
			break;
		done += out.size;	/* a short WRITE: send the rest again */
	}
	if (err) {
		mapping_set_error(inode->i_mapping, err);
		if (!b->err)
			b->err = err;
	}
	/* before the writeback bit clears: a GETATTR sent earlier is stale */
	weft_size_changed(inode);
	weft_attr_expire(inode);
	for (i = 0; i < b->nr; i++) {
		folio_end_writeback(b->folios[i]);
		folio_put(b->folios[i]);
	}
	b->nr = 0;
	b->len = 0;
}

/*
 * write_cache_pages callback: the folio is locked and its dirty bit
 * cleared for I/O; copy it into the batch (sending the batch first when
 * this folio does not continue it or does not fit), start writeback,
 * unlock.  The bytes past i_size are not sent.
 */
static int weft_writepage(struct folio *folio, struct writeback_control *wbc, void *data)
{
	struct weft_wb_batch *b = data;
	loff_t pos = folio_pos(folio), size = i_size_read(b->inode);
	size_t len, off;

	if (pos >= size) {
		folio_unlock(folio);	/* truncated meanwhile: nothing to write */
		return 0;
	}
	len = min_t(loff_t, folio_size(folio), size - pos);
	if (b->nr && (pos != b->pos + b->len || b->len + len > b->cap || b->nr == b->max_nr))
		weft_wb_flush(b);
	if (WARN_ON_ONCE(len > b->cap)) {
		/* cannot happen with single-page folios; never lose it silently */
		mapping_set_error(folio->mapping, -EIO);
		folio_unlock(folio);
		return -EIO;
	}
	for (off = 0; off < len; off += PAGE_SIZE) {
		void *kaddr = kmap_local_folio(folio, off);

		memcpy(b->buf + b->len + off, kaddr, min_t(size_t, PAGE_SIZE, len - off));
		kunmap_local(kaddr);
	}
	folio_get(folio);
	folio_start_writeback(folio);
	folio_unlock(folio);
	if (!b->nr)
		b->pos = pos;
	b->folios[b->nr++] = folio;
	b->len += len;
	return 0;
}

WEFT_WRITEPAGE_CB(weft_writepage_cb, weft_writepage)

static int weft_writepages(struct address_space *mapping, struct writeback_control *wbc)
{
	struct weft_wb_batch b;
	unsigned int nofs;
	int err;

	/* what reclaim would do while we allocate must not re-enter the fs */
	nofs = memalloc_nofs_save();
	err = weft_wb_init(&b, mapping->host,
			   weft_io_size(mapping->host, i_size_read(mapping->host)));
	if (!err) {
		err = write_cache_pages(mapping, wbc, weft_writepage_cb, &b);
		weft_wb_flush(&b);
		if (!err)
			err = b.err;
		weft_wb_free(&b);
	}
	memalloc_nofs_restore(nofs);
	return err;
}

/* a dirty folio that invalidate_inode_pages2() wants gone: write it first */
static int weft_launder_folio(struct folio *folio)
{
	struct writeback_control wbc = {
		.sync_mode	= WB_SYNC_ALL,
		.nr_to_write	= 1,
	};
	struct weft_wb_batch b;
	unsigned int nofs;
	int err;

	nofs = memalloc_nofs_save();
	err = weft_wb_init(&b, folio->mapping->host, folio_size(folio));
	memalloc_nofs_restore(nofs);
	if (err)
		return err;
	if (folio_clear_dirty_for_io(folio)) {
		err = weft_writepage(folio, &wbc, &b);
		weft_wb_flush(&b);
		if (!err)
			err = b.err;
		folio_lock(folio);	/* the caller expects it locked still */
	}
	weft_wb_free(&b);
	return err;
}

/* writeback cache: a dirtied folio (write() or a shared mapping) moved mtime */
static bool weft_dirty_folio(struct address_space *mapping, struct folio *folio)
{
	struct inode *inode = mapping->host;

	if (WEFT_SB(inode->i_sb)->writeback)
		set_bit(WEFT_I_TIMES_DIRTY, &WEFT_I(inode)->flags);
	return filemap_dirty_folio(mapping, folio);
}

/* ------------------------------------------------------------------ */
/* buffered writes into the page cache (writeback cache)               */

/*
 * The folio at pos, locked, with the bytes around [pos, pos + len) valid:
 * read from weftd unless the write covers it or it lies past i_size.
 */
static int weft_write_begin_folio(struct file *file, struct address_space *mapping,
				  loff_t pos, unsigned int len, struct folio **foliop)
{
	struct inode *inode = mapping->host;
	struct folio *folio;
	struct page *page;
	int err;

	page = grab_cache_page_write_begin(mapping, pos >> PAGE_SHIFT);
	if (!page)
		return -ENOMEM;
	folio = page_folio(page);
	*foliop = folio;
	if (folio_test_uptodate(folio))
		return 0;
	/* a whole-folio write: write_end marks it uptodate if all was copied */
	if (!offset_in_folio(folio, pos) && len >= folio_size(folio))
		return 0;
	if (folio_pos(folio) >= i_size_read(inode)) {
		folio_zero_range(folio, 0, folio_size(folio));
		folio_mark_uptodate(folio);
		return 0;
	}
	err = weft_fill_folio_sync(inode, folio);
	if (err) {
		folio_unlock(folio);
		folio_put(folio);
	}
	return err;
}

/* under the inode lock (write_iter): i_size moves here, weftd learns it at writeback */
static int weft_write_end_folio(struct file *file, struct address_space *mapping,
				loff_t pos, unsigned int len, unsigned int copied,
				struct folio *folio)
{
	struct inode *inode = mapping->host;

	if (!folio_test_uptodate(folio)) {
		/* a whole-folio write that copied less: nothing valid to keep */
		if (copied < len)
			copied = 0;
		else
			folio_mark_uptodate(folio);
	}
	if (copied) {
		if (pos + copied > i_size_read(inode))
			i_size_write(inode, pos + copied);
		folio_mark_dirty(folio);
	}
	folio_unlock(folio);
	folio_put(folio);
	return copied;
}

WEFT_WRITE_BEGIN(weft_write_begin, weft_write_begin_folio)
WEFT_WRITE_END(weft_write_end, weft_write_end_folio)

/* ------------------------------------------------------------------ */
/* O_DIRECT                                                            */

/*
 * As a local file system on a 512-byte-sector drive: file offset and length
 * 512-byte multiples, else EINVAL.  Memory alignment is not asked for (the
 * data goes through a kernel buffer; drives differ in what they need).
 */
#define WEFT_DIO_ALIGN	512

static bool weft_dio_aligned(loff_t pos, struct iov_iter *iter)
{
	return !((pos | iov_iter_count(iter)) & (WEFT_DIO_ALIGN - 1));
}

/* bypasses the page cache, after writing back what mappings dirtied */
static ssize_t weft_direct_read(struct kiocb *iocb, struct iov_iter *to)
{
	struct inode *inode = file_inode(iocb->ki_filp);
	u32 max = weft_io_size(inode, iov_iter_count(to));
	loff_t pos = iocb->ki_pos;
	ssize_t done = 0, n = 0;
	void *buf;
	int err;

	if (!weft_dio_aligned(pos, to))
		return -EINVAL;
	if (!iov_iter_count(to))
		return 0;
	err = filemap_write_and_wait_range(inode->i_mapping, pos,
					   pos + iov_iter_count(to) - 1);
	if (err)
		return err;
	buf = kvmalloc(max, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	while (iov_iter_count(to)) {
		u32 len = min_t(size_t, iov_iter_count(to), max);
		size_t copied;

		n = weft_read_range(inode, pos, buf, len);
		if (n <= 0)
			break;
		copied = copy_to_iter(buf, n, to);
		pos += copied;
		done += copied;
		if (copied < n) {
			n = -EFAULT;
			break;
		}
		if (n < len)
			break;	/* end of file */
	}
	kvfree(buf);
	iocb->ki_pos = pos;
	file_accessed(iocb->ki_filp);
	return done ? done : n;
}

static ssize_t weft_read_iter(struct kiocb *iocb, struct iov_iter *to)
{
	if (iocb->ki_flags & IOCB_DIRECT)
		return weft_direct_read(iocb, to);
	return generic_file_read_iter(iocb, to);
}

const struct address_space_operations weft_file_aops = {
	.direct_IO	= noop_direct_IO,	/* O_DIRECT is allowed: weft_read_iter/write_iter */
	.read_folio	= weft_read_folio,
	.readahead	= weft_readahead,
	.writepages	= weft_writepages,
	.dirty_folio	= weft_dirty_folio,
	.launder_folio	= weft_launder_folio,
	.write_begin	= weft_write_begin,
	.write_end	= weft_write_end,
};

/* ------------------------------------------------------------------ */
/* writes                                                              */

/*
 * Writeback cache: O_APPEND asks weftd for the size first when the cached
 * one has expired (another client may have grown the file; a size with
 * unsent local writes stays, weft_owns_size).
 */
static ssize_t weft_cache_write_iter(struct kiocb *iocb, struct iov_iter *from)
{
	struct inode *inode = file_inode(iocb->ki_filp);
	ssize_t ret;

	inode_lock(inode);
	if ((iocb->ki_flags & IOCB_APPEND) &&
	    !time_before(jiffies, READ_ONCE(WEFT_I(inode)->attr_expires))) {
		ret = weft_revalidate(inode);
		if (ret)
			goto unlock;
	}
	ret = generic_write_checks(iocb, from);
	if (ret > 0)
		ret = __generic_file_write_iter(iocb, from);
unlock:
	inode_unlock(inode);
	if (ret > 0)
		ret = generic_write_sync(iocb, ret);
	return ret;
}

static ssize_t weft_write_iter(struct kiocb *iocb, struct iov_iter *from)
{
	struct file *file = iocb->ki_filp;
	struct inode *inode = file_inode(file);
	u32 max = weft_io_size(inode, iov_iter_count(from));
	ssize_t ret, written = 0;
	loff_t start, pos;
	void *buf;

	if (!(iocb->ki_flags & IOCB_DIRECT) && WEFT_SB(inode->i_sb)->writeback)
		return weft_cache_write_iter(iocb, from);
	buf = kvmalloc(max, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	inode_lock(inode);
	ret = generic_write_checks(iocb, from);
	if (ret <= 0)
		goto unlock;
	/* O_DIRECT writes take the same write-through path, aligned */
	if ((iocb->ki_flags & IOCB_DIRECT) && !weft_dio_aligned(iocb->ki_pos, from)) {
		ret = -EINVAL;
		goto unlock;
	}
	ret = file_remove_privs(file);
	if (ret)
		goto unlock;
	start = pos = iocb->ki_pos;
	/* dirty pages of the range (write(), mappings) reach weftd before this write */
	ret = filemap_write_and_wait_range(inode->i_mapping, start,
					   start + iov_iter_count(from) - 1);
	if (ret)
		goto unlock;
	while (iov_iter_count(from)) {
		struct weft_write_out out;
		struct weft_req req;
		size_t len = min_t(size_t, iov_iter_count(from), max);
		size_t got = copy_from_iter(buf, len, from);

		if (!got) {
			ret = -EFAULT;
			break;
		}
		weft_req_init(&req, WEFT_OP_WRITE, weft_nodeid(inode));
		req.sqe.fh = (uintptr_t)file->private_data;
		req.sqe.u.rw.offset = pos;
		req.sqe.u.rw.size = got;
		req.in = buf;
		req.in_len = got;
		req.out = &out;
		req.out_max = sizeof(out);
		ret = weft_send(inode, &req);
		/* a daemon that takes nothing would make writers spin: EIO */
		if (!ret && (req.out_len != sizeof(out) || !out.size || out.size > got))
			ret = -EIO;
		if (ret) {
			iov_iter_revert(from, got);
			break;
		}
		pos += out.size;
		written += out.size;
		if (out.size < got) {
			iov_iter_revert(from, got - out.size);
			break;
		}
	}
	if (written) {
		/* what the cache held of the range is stale now */
		invalidate_inode_pages2_range(inode->i_mapping, start >> PAGE_SHIFT,
					      (pos - 1) >> PAGE_SHIFT);
		if (pos > i_size_read(inode))
			i_size_write(inode, pos);
		weft_size_changed(inode);
		weft_attr_expire(inode);
		iocb->ki_pos = pos;
	}
unlock:
	inode_unlock(inode);
	kvfree(buf);
	if (written)
		return generic_write_sync(iocb, written);
	return ret;
}

/*
 * close(): dirty pages and unsent times go out, as fuse_flush does, and a
 * writeback error not reported yet (background writeback that failed) is
 * returned; fsync still sees it too (errseq, per open file).
 */
static int weft_flush(struct file *file, fl_owner_t id)
{
	struct inode *inode = file_inode(file);
	int err, err2;

	err = write_inode_now(inode, 1);
	err2 = filemap_check_errors(file->f_mapping);
	return err ? err : err2;
}

static int weft_fsync(struct file *file, loff_t start, loff_t end, int datasync)
{
	struct inode *inode = file_inode(file);
	struct weft_req req;
	int err;

	/* data first, then the times buffered writes set, then durability */
	err = file_write_and_wait_range(file, start, end);
	if (err)
		return err;
	if (!datasync) {
		err = weft_write_times(inode);
		if (err)
			return err;
	}
	weft_req_init(&req, WEFT_OP_FSYNC, weft_nodeid(inode));
	req.sqe.fh = (uintptr_t)file->private_data;
	req.sqe.u.rw.flags = datasync ? WEFT_FSYNC_DATASYNC : 0;
	return weft_send(inode, &req);
}

/*
 * fallocate: mode 0, KEEP_SIZE, PUNCH_HOLE|KEEP_SIZE, ZERO_RANGE[|KEEP_SIZE]
 * (the VFS already refused PUNCH_HOLE without KEEP_SIZE).  What mappings
 * dirtied in the range reaches weftd first; the cached pages of a punched
 * or zeroed range are dropped after, under the invalidate lock so no
 * fault brings old data back in between.
 */
static long weft_fallocate(struct file *file, int mode, loff_t offset, loff_t len)
{
	struct inode *inode = file_inode(file);
	struct address_space *mapping = inode->i_mapping;
	bool zeroes = mode & (FALLOC_FL_PUNCH_HOLE | FALLOC_FL_ZERO_RANGE);
	struct weft_fallocate_in in = {};
	struct weft_attr_out out;
	struct weft_req req;
	loff_t end;
	int err;

	if (mode & ~(FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE | FALLOC_FL_ZERO_RANGE))
		return -EOPNOTSUPP;
	if (check_add_overflow(offset, len, &end))
		return -EFBIG;
	inode_lock(inode);
	if (!(mode & FALLOC_FL_KEEP_SIZE)) {
		err = inode_newsize_ok(inode, end);
		if (err)
			goto unlock;
	}
	err = file_remove_privs(file);
	if (err)
		goto unlock;
	filemap_invalidate_lock(mapping);
	if (zeroes) {
		err = filemap_write_and_wait_range(mapping, offset, end - 1);
		if (err)
			goto unlock_mapping;
	}
	in.offset = offset;
	in.length = len;
	in.mode = mode;
	weft_req_init(&req, WEFT_OP_FALLOCATE, weft_nodeid(inode));
	req.in = &in;
	req.in_len = sizeof(in);
	req.out = &out;
	req.out_max = sizeof(out);
	err = weft_send(inode, &req);
	if (err)
		goto unlock_mapping;
	if (req.out_len != sizeof(out) || !weft_attr_valid(&out.attr) ||
	    ((inode->i_mode ^ out.attr.mode) & S_IFMT)) {
		err = -EIO;
		goto unlock_mapping;
	}
	if (zeroes)
		truncate_pagecache_range(inode, offset, end - 1);
	weft_update_attr(inode, &out.attr, out.attr_valid_ns);
	/* a size this kernel owns (unsent writes) grows here too */
	if (!(mode & FALLOC_FL_KEEP_SIZE) && end > i_size_read(inode))
		i_size_write(inode, end);
unlock_mapping:
	filemap_invalidate_unlock(mapping);
unlock:
	inode_unlock(inode);
	return err;
}

/*
 * SEEK_DATA / SEEK_HOLE ask weftd, after what mappings dirtied reached it
 * (dirty pages are data it has not seen yet).  The answer must not lie
 * before the offset asked.
 */
static loff_t weft_llseek(struct file *file, loff_t offset, int whence)
{
	struct inode *inode = file_inode(file);
	struct weft_lseek_out out;
	struct weft_req req;
	int err;

	if (whence != SEEK_DATA && whence != SEEK_HOLE)
		return generic_file_llseek(file, offset, whence);
	if (offset < 0)
		return -ENXIO;
	err = filemap_write_and_wait(inode->i_mapping);
	if (err)
		return err;
	weft_req_init(&req, WEFT_OP_LSEEK, weft_nodeid(inode));
	req.sqe.fh = (uintptr_t)file->private_data;
	req.sqe.u.rw.offset = offset;
	req.sqe.u.rw.flags = whence;
	req.out = &out;
	req.out_max = sizeof(out);
	err = weft_send(inode, &req);
	if (err)
		return err;
	if (req.out_len != sizeof(out) || out.offset < offset ||
	    out.offset > inode->i_sb->s_maxbytes)
		return -EIO;
	return vfs_setpos(file, out.offset, inode->i_sb->s_maxbytes);
}

const struct file_operations weft_file_operations = {
	.llseek		= weft_llseek,
	.fallocate	= weft_fallocate,
	.open		= weft_open,
	.release	= weft_release,
	.read_iter	= weft_read_iter,
	.write_iter	= weft_write_iter,
	.fsync		= weft_fsync,
	.mmap		= generic_file_mmap,
	.flush		= weft_flush,
	.splice_read	= weft_splice_read,
	.splice_write	= iter_file_splice_write,
};

/* ------------------------------------------------------------------ */
/* symlinks                                                            */

const char *weft_get_link(struct dentry *dentry, struct inode *inode,
			  struct delayed_call *done)
{
	struct weft_req req;
	char *buf;
	int err;

	if (!dentry)
		return ERR_PTR(-ECHILD);	/* RCU walk: no sleeping */
	buf = kmalloc(WEFT_SYMLINK_MAX + 1, GFP_KERNEL);
	if (!buf)
		return ERR_PTR(-ENOMEM);
	weft_req_init(&req, WEFT_OP_READLINK, weft_nodeid(inode));
	req.out = buf;
	req.out_max = min_t(u32, WEFT_SYMLINK_MAX, weft_max_io(inode));
	err = weft_send(inode, &req);
	if (!err && (!req.out_len || memchr(buf, '\0', req.out_len)))
		err = -EIO;
	if (err) {
		kfree(buf);
		return ERR_PTR(err);
	}
	buf[req.out_len] = '\0';
	set_delayed_call(done, kfree_link, buf);
	return buf;
}

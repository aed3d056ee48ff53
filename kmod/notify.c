// SPDX-License-Identifier: GPL-2.0
/*
 * Daemon -> kernel cache invalidation: WEFT_IOC_NOTIFY on /dev/weft.
 *
 * weftd tells the kernel that something it may have cached changed behind
 * its back (another client, a management command): an inode's attributes
 * and a range of its page cache (WEFT_NOTIFY_INVAL_INODE), or one name in a
 * directory (WEFT_NOTIFY_INVAL_ENTRY).  Every super block served by the
 * daemon's channel is visited; the answer is 0 when at least one of them
 * had something cached, -ENOENT when none did (as FUSE answers), another
 * -errno for a malformed notification.  Nothing a daemon sends here is worth
 * a warning: it is validated and refused with an errno.
 *
 * Locking: weft_notify_sem protects the list of live super blocks.  A
 * notification holds it shared for its whole walk; a super block leaves the
 * list (exclusive) at the very start of ->kill_sb, so a notification never
 * touches a super block that umount is tearing down, and umount waits for
 * the notifications in progress.  The daemon's channel cannot go away under
 * the ioctl: the open file holds it until release, which cannot run while
 * an ioctl on the file does.  Nothing here takes s_umount, so the order is
 * always s_umount -> weft_notify_sem -> i_rwsem.
 *
 * A notification may wait (a directory's i_rwsem, folio locks held by a
 * read that waits for weftd): weftd sends them from a thread that serves no
 * queue, and every wait here is killable or bounded by a request timeout.
 */
#include <linux/dcache.h>
#include <linux/pagemap.h>
#include <linux/posix_acl.h>
#include <linux/rwsem.h>
#include <linux/stringhash.h>
#include <linux/uaccess.h>

#include "weft.h"

static DECLARE_RWSEM(weft_notify_sem);
static LIST_HEAD(weft_notify_sbs);	/* struct weft_sb, under weft_notify_sem */

/* end of fill_super: sb may be notified from now on */
void weft_notify_sb_add(struct super_block *sb)
{
	struct weft_sb *sbi = WEFT_SB(sb);

	down_write(&weft_notify_sem);
	sbi->sb = sb;
	list_add_tail(&sbi->notify_node, &weft_notify_sbs);
	up_write(&weft_notify_sem);
}

/* start of kill_sb: waits for the notifications walking sb */
void weft_notify_sb_del(struct super_block *sb)
{
	struct weft_sb *sbi = WEFT_SB(sb);

	if (!sbi || !sbi->sb)
		return;		/* fill_super failed before weft_notify_sb_add() */
	down_write(&weft_notify_sem);
	list_del(&sbi->notify_node);
	sbi->sb = NULL;
	up_write(&weft_notify_sem);
}

static int weft_notify_test(struct inode *inode, void *data)
{
	return WEFT_I(inode)->nodeid == *(u64 *)data;
}

/* the cached inode of nodeid in sb (a reference), or NULL */
static struct inode *weft_notify_ilookup(struct super_block *sb, u64 nodeid)
{
	return ilookup5(sb, (unsigned long)nodeid, weft_notify_test, &nodeid);
}

static int weft_inval_inode(struct super_block *sb, const struct weft_notify *n)
{
	struct inode *inode = weft_notify_ilookup(sb, n->nodeid);
	pgoff_t first, last;
	int err = 0;

	if (!inode)
		return -ENOENT;
	/* the next getattr (and permission check on ACLs) asks weftd */
	weft_attr_expire(inode);
	forget_all_cached_acls(inode);
	if (n->len && S_ISREG(inode->i_mode)) {
		first = n->offset >> PAGE_SHIFT;
		last = n->len < 0 ? (pgoff_t)-1 : (n->offset + n->len - 1) >> PAGE_SHIFT;
		/* -EBUSY: a page stayed (dirty and mapped), as FUSE reports it */
		err = invalidate_inode_pages2_range(inode->i_mapping, first, last);
	}
	iput(inode);
	return err;
}

static int weft_inval_entry(struct super_block *sb, const struct weft_notify *n)
{
	struct qstr name = QSTR_INIT(n->name, n->namelen);
	struct dentry *dir, *entry;
	struct inode *parent;
	int err;

	parent = weft_notify_ilookup(sb, n->nodeid);
	if (!parent)
		return -ENOENT;
	err = -ENOTDIR;
	if (!S_ISDIR(parent->i_mode))
		goto out_iput;
	/* as fuse_reverse_inval_entry: no lookup or create in dir meanwhile */
	err = down_write_killable(&parent->i_rwsem);
	if (err)
		goto out_iput;
	/* its size, times and link count changed with the entry */
	weft_attr_expire(parent);
	err = -ENOENT;
	dir = d_find_alias(parent);
	if (!dir)
		goto out_unlock;
	name.hash = full_name_hash(dir, name.name, name.len);
	entry = d_lookup(dir, &name);
	dput(dir);
	if (!entry)
		goto out_unlock;	/* nothing cached under that name */
	/* positive or negative: the next lookup asks weftd again */
	WRITE_ONCE(entry->d_time, jiffies - 1);
	if (d_really_is_positive(entry))
		weft_attr_expire(d_inode(entry));
	/* a mount point stays (d_invalidate would detach what is mounted) */
	if (!d_mountpoint(entry))
		d_invalidate(entry);
	dput(entry);
	err = 0;
out_unlock:
	up_write(&parent->i_rwsem);
out_iput:
	iput(parent);
	return err;
}

/* everything in n, read once from user space, checked before use */
static int weft_notify_check(const struct weft_notify *n)
{
	u64 end;

	if (!n->nodeid)
		return -EINVAL;
	switch (n->type) {
	case WEFT_NOTIFY_INVAL_INODE:
		if (n->namelen || memchr_inv(n->name, 0, sizeof(n->name)))
			return -EINVAL;
		if (n->offset < 0 || n->len < -1)
			return -EINVAL;
		if (n->len > 0 && check_add_overflow((u64)n->offset, (u64)n->len, &end))
			return -EINVAL;
		if (n->len > 0 && end > (u64)MAX_LFS_FILESIZE)
			return -EINVAL;
		return 0;
	case WEFT_NOTIFY_INVAL_ENTRY:
		if (n->offset || n->len)
			return -EINVAL;
		if (!n->namelen)
			return -EINVAL;
		if (n->namelen > NAME_MAX)
			return -ENAMETOOLONG;
		if (memchr(n->name, '/', n->namelen) || memchr(n->name, '\0', n->namelen))
			return -EINVAL;
		if ((n->namelen == 1 && n->name[0] == '.') ||
		    (n->namelen == 2 && n->name[0] == '.' && n->name[1] == '.'))
			return -EINVAL;
		/* the rest of name is reserved: zero */
		if (memchr_inv(n->name + n->namelen, 0, sizeof(n->name) - n->namelen))
			return -EINVAL;
		return 0;
	}
	return -EINVAL;
}

long weft_notify(struct weft_daemon *d, const struct weft_notify __user *un)
{
	struct weft_chan *chan = READ_ONCE(d->chan);
	struct weft_notify *n;
	struct weft_sb *sbi;
	int err, r;

	BUILD_BUG_ON(sizeof(n->name) != NAME_MAX + 1);
	if (!chan)
		return -ENOTCONN;
	n = memdup_user(un, sizeof(*n));
	if (IS_ERR(n))
		return PTR_ERR(n);
	err = weft_notify_check(n);
	if (err)
		goto out;

	err = -ENOENT;
	if (down_read_killable(&weft_notify_sem)) {
		err = -EINTR;
		goto out;
	}
	list_for_each_entry(sbi, &weft_notify_sbs, notify_node) {
		if (sbi->chan != chan)
			continue;
		if (n->type == WEFT_NOTIFY_INVAL_INODE)
			r = weft_inval_inode(sbi->sb, n);
		else
			r = weft_inval_entry(sbi->sb, n);
		/* done somewhere wins; else the first real error; else ENOENT */
		if (!r)
			err = 0;
		else if (r != -ENOENT && err == -ENOENT)
			err = r;
		if (r == -EINTR || fatal_signal_pending(current)) {
			err = -EINTR;
			break;
		}
	}
	up_read(&weft_notify_sem);
out:
	kfree(n);
	return err;
}

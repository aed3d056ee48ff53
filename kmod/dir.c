// SPDX-License-Identifier: GPL-2.0
/*
 * Directories: lookup, dentry revalidation, readdir.
 *
 * A dentry is trusted until d_time (jiffies), from the daemon's
 * entry_valid_ns capped by the mount's entry_timeout (negative_timeout for
 * negative dentries); after that d_revalidate asks the daemon again.
 *
 * Directory positions: 0 and 1 are "." and ".."; a daemon cookie c (the
 * off of a weft_dirent, continuing after it) is position c + 2.
 */
#include <linux/dcache.h>
#include <linux/namei.h>
#include <linux/slab.h>

#include "weft.h"

#define WEFT_READDIR_BUF	(64u << 10)

static int weft_lookup_name(struct inode *dir, const struct qstr *name,
			    struct weft_entry_out *out)
{
	struct weft_req req;

	if (name->len > NAME_MAX)
		return -ENAMETOOLONG;
	weft_req_init(&req, WEFT_OP_LOOKUP, weft_nodeid(dir));
	req.in = name->name;
	req.in_len = name->len;
	req.out = out;
	req.out_max = sizeof(*out);
	return weft_send(dir, &req);
}

static void weft_set_entry_time(struct dentry *dentry, const struct weft_entry_out *e)
{
	struct weft_sb *sbi = WEFT_SB(dentry->d_sb);

	if (e && e->nodeid)
		dentry->d_time = weft_expiry(e->entry_valid_ns, sbi->entry_timeout);
	else
		dentry->d_time = weft_expiry(e ? e->entry_valid_ns : U64_MAX,
					     sbi->negative_timeout);
}

static struct dentry *weft_lookup(struct inode *dir, struct dentry *dentry, unsigned int flags)
{
	struct weft_entry_out out;
	struct inode *inode = NULL;
	struct dentry *ret;
	int err;

	err = weft_lookup_name(dir, &dentry->d_name, &out);
	if (err == -ENOENT) {
		weft_set_entry_time(dentry, NULL);
		return d_splice_alias(NULL, dentry);
	}
	if (err)
		return ERR_PTR(err);
	if (out.nodeid) {
		if (out.nodeid == weft_nodeid(dir))
			return ERR_PTR(-EIO);	/* a directory in itself */
		inode = weft_iget(dir->i_sb, out.nodeid, &out.attr, out.attr_valid_ns);
		if (IS_ERR(inode))
			return ERR_CAST(inode);
	}
	ret = d_splice_alias(inode, dentry);
	if (!IS_ERR(ret))
		weft_set_entry_time(ret ? ret : dentry, &out);
	return ret;
}

static int weft_d_revalidate(struct dentry *dentry, unsigned int flags)
{
	struct weft_entry_out out;
	struct name_snapshot name;
	struct inode *inode;
	struct dentry *parent;
	int err, ret;

	if (time_before(jiffies, READ_ONCE(dentry->d_time)))
		return 1;
	if (flags & LOOKUP_RCU)
		return -ECHILD;
	inode = d_inode(dentry);
	if (!inode)
		return 0;	/* negative and expired: look it up again */

	parent = dget_parent(dentry);
	take_dentry_name_snapshot(&name, dentry);
	err = weft_lookup_name(d_inode(parent), &name.name, &out);
	release_dentry_name_snapshot(&name);
	dput(parent);
	if (err == -ENOENT)
		return 0;
	if (err)
		return err;
	if (out.nodeid != weft_nodeid(inode) || ((inode->i_mode ^ out.attr.mode) & S_IFMT)) {
		ret = 0;
	} else {
		weft_update_attr(inode, &out.attr, out.attr_valid_ns);
		weft_set_entry_time(dentry, &out);
		ret = 1;
	}
	return ret;
}

const struct dentry_operations weft_dentry_operations = {
	.d_revalidate	= weft_d_revalidate,
};

static int weft_readdir(struct file *file, struct dir_context *ctx)
{
	struct inode *dir = file_inode(file);
	struct weft_chan *chan = WEFT_SB(dir->i_sb)->chan;
	const struct weft_dirent *de;
	struct weft_req req;
	u32 size, pos = 0;
	void *buf;
	int err;

	if (!dir_emit_dots(file, ctx))
		return 0;
	size = min(chan->max_io, WEFT_READDIR_BUF);
	buf = kvmalloc(size, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	weft_req_init(&req, WEFT_OP_READDIR, weft_nodeid(dir));
	req.sqe.u.readdir.pos = ctx->pos - 2;
	req.out = buf;
	req.out_max = size;
	err = weft_send(dir, &req);
	if (err)
		goto out;
	/* validated when reaped; parsed again here, from our own copy */
	while ((err = weft_dirent_next(buf, req.out_len, &pos, &de)) > 0) {
		bool dots = (de->namelen == 1 && de->name[0] == '.') ||
			    (de->namelen == 2 && de->name[0] == '.' && de->name[1] == '.');

		if (!dots && !dir_emit(ctx, de->name, de->namelen, de->ino, de->type))
			break;
		ctx->pos = de->off + 2;
	}
out:
	kvfree(buf);
	return err < 0 ? err : 0;
}

const struct file_operations weft_dir_operations = {
	.llseek		= generic_file_llseek,
	.read		= generic_read_dir,
	.iterate_shared	= weft_readdir,
};

const struct inode_operations weft_dir_inode_operations = {
	.lookup		= weft_lookup,
	.getattr	= weft_getattr,
};

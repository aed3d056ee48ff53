// SPDX-License-Identifier: GPL-2.0
/*
 * Directories: lookup, dentry revalidation, readdir, and the namespace
 * operations (create, mknod, mkdir, symlink, link, unlink, rmdir, rename).
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

/*
 * An open directory keeps what getdents64 did not take of its last READDIR
 * reply.  A reply holds up to WEFT_READDIR_BUF of records and a getdents64
 * buffer is usually smaller (32 KiB for ls and glibc): asking again from
 * where the caller stopped made weftd read and send entries twice or more.
 * The rest is used only by a call that continues at its position (no
 * seek in between); lock serialises calls sharing the file.
 */
struct weft_dir_file {
	struct mutex lock;
	void *buf;		/* the reply, NULL when none is kept */
	u32 len;		/* its bytes */
	u32 pos;		/* its next record */
	loff_t next;		/* the ctx->pos that record continues from */
};

static int weft_dir_open(struct inode *inode, struct file *file)
{
	struct weft_dir_file *df = kzalloc(sizeof(*df), GFP_KERNEL);

	if (!df)
		return -ENOMEM;
	mutex_init(&df->lock);
	file->private_data = df;
	return 0;
}

static void weft_dir_file_drop(struct weft_dir_file *df)
{
	kvfree(df->buf);
	df->buf = NULL;
}

static int weft_dir_release(struct inode *inode, struct file *file)
{
	struct weft_dir_file *df = file->private_data;

	weft_dir_file_drop(df);
	kfree(df);
	return 0;
}

/* a READDIR reply from ctx's position into df (kept while records remain) */
static int weft_dir_fetch(struct inode *dir, struct weft_dir_file *df, struct dir_context *ctx)
{
	u32 size = min(WEFT_SB(dir->i_sb)->chan->max_io, WEFT_READDIR_BUF);
	struct weft_req req;
	int err;

	df->buf = kvmalloc(size, GFP_KERNEL);
	if (!df->buf)
		return -ENOMEM;
	weft_req_init(&req, WEFT_OP_READDIR, weft_nodeid(dir));
	req.sqe.u.readdir.pos = ctx->pos - 2;
	req.out = df->buf;
	req.out_max = size;
	err = weft_send(dir, &req);
	if (err) {
		weft_dir_file_drop(df);
		return err;
	}
	/* validated when reaped; parsed again from this copy as it is used */
	df->len = req.out_len;
	df->pos = 0;
	df->next = ctx->pos;
	return 0;
}

static int weft_readdir(struct file *file, struct dir_context *ctx)
{
	struct weft_dir_file *df = file->private_data;
	struct inode *dir = file_inode(file);
	const struct weft_dirent *de;
	bool fetched = false;
	int err = 0;
	u32 at;

	if (!dir_emit_dots(file, ctx))
		return 0;
	if (mutex_lock_killable(&df->lock))
		return -EINTR;
	if (df->buf && df->next != ctx->pos)
		weft_dir_file_drop(df);	/* a seek since: start over there */
	for (;;) {
		if (!df->buf) {
			/* one round trip per call at most: getdents64 comes back */
			if (fetched)
				break;
			err = weft_dir_fetch(dir, df, ctx);
			if (err)
				break;
			fetched = true;
		}
		at = df->pos;
		err = weft_dirent_next(df->buf, df->len, &df->pos, &de);
		if (err <= 0) {
			weft_dir_file_drop(df);	/* used up (or malformed) */
			if (err < 0 || df->len == 0)
				break;	/* an empty reply: the end */
			continue;
		}
		if (!((de->namelen == 1 && de->name[0] == '.') ||
		      (de->namelen == 2 && de->name[0] == '.' && de->name[1] == '.')) &&
		    !dir_emit(ctx, de->name, de->namelen, de->ino, de->type)) {
			df->pos = at;	/* the caller is full: this record comes next */
			break;
		}
		ctx->pos = de->off + 2;
		df->next = ctx->pos;
	}
	mutex_unlock(&df->lock);
	return err < 0 ? err : 0;
}

/*
 * fsync on a directory: weftd commits namespace changes as they happen;
 * FSYNC on the directory's node makes every earlier commit durable (its
 * store syncs its log), as a local file system's directory fsync does.
 */
static int weft_dir_fsync(struct file *file, loff_t start, loff_t end, int datasync)
{
	struct inode *dir = file_inode(file);
	struct weft_req req;

	weft_req_init(&req, WEFT_OP_FSYNC, weft_nodeid(dir));
	req.sqe.u.rw.flags = datasync ? WEFT_FSYNC_DATASYNC : 0;
	return weft_send(dir, &req);
}

const struct file_operations weft_dir_operations = {
	.open		= weft_dir_open,
	.release	= weft_dir_release,
	.llseek		= generic_file_llseek,
	.read		= generic_read_dir,
	.iterate_shared	= weft_readdir,
	.fsync		= weft_dir_fsync,
};

/* ------------------------------------------------------------------ */
/* namespace changes                                                   */

/* the next getattr of inode asks the daemon (its nlink, times changed) */
void weft_attr_expire(struct inode *inode)
{
	WRITE_ONCE(WEFT_I(inode)->attr_expires, jiffies - 1);
}

/*
 * an entry reply for a node of type `type` just made under dir: out_max
 * bytes (with WEFT_CREATE_OPEN the handle follows the entry)
 */
static bool weft_new_entry_valid(const struct weft_req *req, const struct weft_entry_out *e,
				 struct inode *dir, umode_t type)
{
	return req->out_len == req->out_max && e->nodeid && e->nodeid != weft_nodeid(dir) &&
	       weft_attr_valid(&e->attr) && (e->attr.mode & S_IFMT) == type;
}

/*
 * CREATE, MKNOD, MKDIR, SYMLINK: mode has its type; target for SYMLINK.
 * With tmpfile (O_TMPFILE; dentry is its unnamed one) a CREATE of a file
 * in no directory, opened on tmpfile.  With fh (CREATE only) weftd opens
 * the new file in the same step (WEFT_CREATE_OPEN): its handle goes to
 * *fh, which the caller opens its file with (weft_open_created()) -- one
 * round trip instead of CREATE then OPEN.  O_TMPFILE always opens so.
 */
static int weft_make_node(WEFT_IDMAP_ARG, struct inode *dir, struct dentry *dentry, u32 opcode,
			  umode_t mode, dev_t rdev, const char *target, struct file *tmpfile,
			  u64 *fh)
{
	size_t namelen = tmpfile ? 0 : dentry->d_name.len, tlen = target ? strlen(target) : 0;
	bool opens = fh || tmpfile;
	struct posix_acl *default_acl, *acl;
	struct weft_create_in *in;
	struct weft_create_out out;	/* .entry, and .fh when opens */
	struct weft_req req;
	struct inode *inode;
	void *acls = NULL;
	u32 acls_len = 0;
	kgid_t gid;
	int err;

	if (namelen > NAME_MAX)
		return -ENAMETOOLONG;
	if (tlen > WEFT_SYMLINK_MAX)
		return -ENAMETOOLONG;
	if (target && !tlen)
		return -ENOENT;
	if (sizeof(*in) + namelen + tlen > WEFT_SB(dir->i_sb)->chan->max_io)
		return -ENAMETOOLONG;
	/* the umask, or the directory's default ACL, shapes the mode */
	err = weft_acl_prepare(dir, &mode, &default_acl, &acl);
	if (err)
		return err;
	/* inherited ACLs travel in the request: weftd stores them atomically */
	if (!target) {
		acls = weft_acl_encode(default_acl, acl, &acls_len);
		if (IS_ERR(acls)) {
			err = PTR_ERR(acls);
			acls = NULL;
			goto out_acl;
		}
	}
	err = -E2BIG;	/* ACLs larger than this ring's slots can carry */
	if (sizeof(*in) + namelen + tlen + acls_len > WEFT_SB(dir->i_sb)->chan->max_io)
		goto out_acl;
	err = -ENOMEM;
	in = kmalloc(sizeof(*in) + namelen + tlen + acls_len, GFP_KERNEL);
	if (!in)
		goto out_acl;
	/*
	 * Owner as inode_init_owner() would choose it: the caller's fsuid and
	 * fsgid seen through the mount's idmap; setgid directories.
	 */
	gid = mapped_fsgid(idmap, i_user_ns(dir));
	if (dir->i_mode & S_ISGID) {
		gid = dir->i_gid;
		if (S_ISDIR(mode))
			mode |= S_ISGID;
	}
	in->mode = mode;
	in->rdev = new_encode_dev(rdev);
	in->uid = from_kuid_munged(&init_user_ns, mapped_fsuid(idmap, i_user_ns(dir)));
	in->gid = from_kgid_munged(&init_user_ns, gid);
	in->namelen = namelen;
	in->flags = tmpfile ? WEFT_CREATE_TMPFILE : 0;
	if (opens)
		in->flags |= WEFT_CREATE_OPEN;
	if (acls_len)
		in->flags |= WEFT_CREATE_ACLS;
	memcpy(in + 1, dentry->d_name.name, namelen);
	if (tlen)
		memcpy((char *)(in + 1) + namelen, target, tlen);
	if (acls_len)
		memcpy((char *)(in + 1) + namelen, acls, acls_len);

	weft_req_init(&req, opcode, weft_nodeid(dir));
	req.in = in;
	req.in_len = sizeof(*in) + namelen + tlen + acls_len;
	req.out = &out;
	req.out_max = opens ? sizeof(out) : sizeof(out.entry);
	err = weft_send(dir, &req);
	kfree(in);
	if (err)
		goto out_acl;
	err = -EIO;
	if (!weft_new_entry_valid(&req, &out.entry, dir, mode & S_IFMT))
		goto out_acl;
	inode = weft_iget(dir->i_sb, out.entry.nodeid, &out.entry.attr, out.entry.attr_valid_ns);
	if (IS_ERR(inode)) {
		err = PTR_ERR(inode);
		goto out_release;
	}
	weft_acl_cache_new(inode, default_acl, acl);
	if (tmpfile) {
		if (inode->i_nlink) {	/* weftd linked it somewhere */
			iput(inode);
			err = -EIO;
			goto out_release;
		}
		set_nlink(inode, 1);	/* d_tmpfile() drops the creation link */
		d_tmpfile(tmpfile, inode);
		err = weft_open_created(tmpfile, tmpfile->f_path.dentry, out.fh);
		goto out_acl;
	}
	/* an exclusive create from weft_atomic_open() skipped the lookup */
	if (d_in_lookup(dentry))
		d_add(dentry, inode);
	else
		d_instantiate(dentry, inode);
	weft_set_entry_time(dentry, &out.entry);
	weft_attr_expire(dir);
	if (fh)
		*fh = out.fh;
	err = 0;
	goto out_acl;
out_release:
	/* weftd opened what this kernel will not use */
	if (opens)
		weft_release_handle(dir->i_sb, out.entry.nodeid, out.fh);
out_acl:
	kfree(acls);
	posix_acl_release(default_acl);
	posix_acl_release(acl);
	return err;
}

static int weft_tmpfile(WEFT_IDMAP_ARG, struct inode *dir, struct file *file, umode_t mode)
{
	return weft_make_node(idmap, dir, file->f_path.dentry, WEFT_OP_CREATE,
			      (mode & ~S_IFMT) | S_IFREG, 0, NULL, file, NULL);
}

static int weft_create(WEFT_IDMAP_ARG, struct inode *dir, struct dentry *dentry,
		       umode_t mode, bool excl)
{
	return weft_make_node(idmap, dir, dentry, WEFT_OP_CREATE, (mode & ~S_IFMT) | S_IFREG,
			      0, NULL, NULL, NULL);
}

/*
 * open() of a name the dcache does not know (or knows negative).  An
 * exclusive create needs no LOOKUP first: CREATE answers EEXIST itself, so
 * open(O_CREAT|O_EXCL) of a new file costs one round trip less.  Anything
 * else is looked up first (as fuse_atomic_open does); a name that exists,
 * or an open without O_CREAT (also when the VFS dropped it: may_o_create()
 * failed), is left to the VFS to open.  A created file is opened here.
 */
static int weft_atomic_open(struct inode *dir, struct dentry *dentry, struct file *file,
			    unsigned int flags, umode_t mode)
{
	struct dentry *res = NULL;
	u64 fh;
	int err;

	if (d_in_lookup(dentry) && (flags & (O_CREAT | O_EXCL)) != (O_CREAT | O_EXCL)) {
		res = weft_lookup(dir, dentry, 0);
		if (IS_ERR(res))
			return PTR_ERR(res);
		if (res)
			dentry = res;
	}
	if (!(flags & O_CREAT) || d_really_is_positive(dentry))
		return finish_no_open(file, res);
	err = weft_make_node(weft_file_idmap(file), dir, dentry, WEFT_OP_CREATE,
			     (mode & ~S_IFMT) | S_IFREG, 0, NULL, NULL, &fh);
	if (!err) {
		file->f_mode |= FMODE_CREATED;
		err = weft_open_created(file, dentry, fh);
	}
	dput(res);
	return err;
}

static int weft_mknod(WEFT_IDMAP_ARG, struct inode *dir, struct dentry *dentry,
		      umode_t mode, dev_t rdev)
{
	switch (mode & S_IFMT) {
	case S_IFREG:
		return weft_make_node(idmap, dir, dentry, WEFT_OP_CREATE, mode, 0, NULL, NULL, NULL);
	case S_IFCHR:
	case S_IFBLK:
	case S_IFIFO:
	case S_IFSOCK:
		return weft_make_node(idmap, dir, dentry, WEFT_OP_MKNOD, mode, rdev, NULL, NULL, NULL);
	}
	return -EINVAL;
}

static int weft_mkdir(WEFT_IDMAP_ARG, struct inode *dir, struct dentry *dentry, umode_t mode)
{
	return weft_make_node(idmap, dir, dentry, WEFT_OP_MKDIR, (mode & ~S_IFMT) | S_IFDIR,
			      0, NULL, NULL, NULL);
}

static int weft_symlink(WEFT_IDMAP_ARG, struct inode *dir, struct dentry *dentry,
			const char *target)
{
	return weft_make_node(idmap, dir, dentry, WEFT_OP_SYMLINK, S_IFLNK | 0777, 0, target,
			      NULL, NULL);
}

static int weft_link(struct dentry *old, struct inode *dir, struct dentry *dentry)
{
	struct inode *inode = d_inode(old);
	size_t namelen = dentry->d_name.len;
	struct weft_link_in *in;
	struct weft_entry_out out;
	struct weft_req req;
	int err;

	if (namelen > NAME_MAX)
		return -ENAMETOOLONG;
	in = kmalloc(sizeof(*in) + namelen, GFP_KERNEL);
	if (!in)
		return -ENOMEM;
	in->nodeid = weft_nodeid(inode);
	in->namelen = namelen;
	in->pad = 0;
	memcpy(in + 1, dentry->d_name.name, namelen);
	weft_req_init(&req, WEFT_OP_LINK, weft_nodeid(dir));
	req.in = in;
	req.in_len = sizeof(*in) + namelen;
	req.out = &out;
	req.out_max = sizeof(out);
	err = weft_send(dir, &req);
	kfree(in);
	if (err)
		return err;
	if (req.out_len != sizeof(out) || out.nodeid != weft_nodeid(inode) ||
	    !weft_attr_valid(&out.attr) || ((out.attr.mode ^ inode->i_mode) & S_IFMT))
		return -EIO;
	weft_update_attr(inode, &out.attr, out.attr_valid_ns);
	ihold(inode);
	d_instantiate(dentry, inode);
	weft_set_entry_time(dentry, &out);
	weft_attr_expire(dir);
	return 0;
}

/* UNLINK or RMDIR of dentry under dir */
static int weft_remove(struct inode *dir, struct dentry *dentry, u32 opcode)
{
	struct inode *inode = d_inode(dentry);
	struct weft_req req;
	int err;

	weft_req_init(&req, opcode, weft_nodeid(dir));
	req.in = dentry->d_name.name;
	req.in_len = dentry->d_name.len;
	err = weft_send(dir, &req);
	if (err)
		return err;
	if (opcode == WEFT_OP_RMDIR)
		clear_nlink(inode);
	else if (inode->i_nlink)
		drop_nlink(inode);
	weft_attr_expire(inode);
	weft_attr_expire(dir);
	return 0;
}

static int weft_unlink(struct inode *dir, struct dentry *dentry)
{
	return weft_remove(dir, dentry, WEFT_OP_UNLINK);
}

static int weft_rmdir(struct inode *dir, struct dentry *dentry)
{
	return weft_remove(dir, dentry, WEFT_OP_RMDIR);
}

static int weft_rename(WEFT_IDMAP_ARG, struct inode *olddir, struct dentry *old,
		       struct inode *newdir, struct dentry *new, unsigned int flags)
{
	size_t oldlen = old->d_name.len, newlen = new->d_name.len;
	struct inode *target = d_inode(new);
	struct weft_rename_in *in;
	struct weft_req req;
	int err;

	/* RENAME_WHITEOUT: the VFS checked CAP_MKNOD; weftd makes the 0:0 node */
	if (flags & ~(RENAME_NOREPLACE | RENAME_EXCHANGE | RENAME_WHITEOUT))
		return -EINVAL;
	if (oldlen > NAME_MAX || newlen > NAME_MAX)
		return -ENAMETOOLONG;
	in = kmalloc(sizeof(*in) + oldlen + newlen, GFP_KERNEL);
	if (!in)
		return -ENOMEM;
	in->newdir = weft_nodeid(newdir);
	in->flags = 0;
	if (flags & RENAME_NOREPLACE)
		in->flags |= WEFT_RENAME_NOREPLACE;
	if (flags & RENAME_EXCHANGE)
		in->flags |= WEFT_RENAME_EXCHANGE;
	if (flags & RENAME_WHITEOUT)
		in->flags |= WEFT_RENAME_WHITEOUT;
	in->oldnamelen = oldlen;
	in->newnamelen = newlen;
	in->pad = 0;
	memcpy(in + 1, old->d_name.name, oldlen);
	memcpy((char *)(in + 1) + oldlen, new->d_name.name, newlen);
	weft_req_init(&req, WEFT_OP_RENAME, weft_nodeid(olddir));
	req.in = in;
	req.in_len = sizeof(*in) + oldlen + newlen;
	err = weft_send(olddir, &req);
	kfree(in);
	if (err)
		return err;
	if (target && !(flags & RENAME_EXCHANGE)) {
		/* the replaced node lost a name (a directory: its only one) */
		if (S_ISDIR(target->i_mode))
			clear_nlink(target);
		else if (target->i_nlink)
			drop_nlink(target);
	}
	if (target)
		weft_attr_expire(target);
	weft_attr_expire(d_inode(old));
	weft_attr_expire(olddir);
	weft_attr_expire(newdir);
	return 0;
}

const struct inode_operations weft_dir_inode_operations = {
	.lookup		= weft_lookup,
	.getattr	= weft_getattr,
	.setattr	= weft_setattr,
	.create		= weft_create,
	.atomic_open	= weft_atomic_open,
	.mknod		= weft_mknod,
	.mkdir		= weft_mkdir,
	.symlink	= weft_symlink,
	.link		= weft_link,
	.unlink		= weft_unlink,
	.rmdir		= weft_rmdir,
	.rename		= weft_rename,
	.tmpfile	= weft_tmpfile,
	.listxattr	= weft_listxattr,
	.WEFT_IOP_GET_ACL = weft_get_inode_acl,
	.set_acl	= weft_set_acl,
};

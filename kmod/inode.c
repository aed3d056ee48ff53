// SPDX-License-Identifier: GPL-2.0
/*
 * The `weft` file system type: mount (fs_context), super block, inodes,
 * getattr, statfs.  Directory operations are in dir.c.
 *
 *   mount -t weft [NAME/]FS DIR -o timeout=S,grace=S,attr_timeout=S,
 *                               entry_timeout=S,negative_timeout=S,
 *                               writeback|nowriteback
 */
#include <linux/backing-dev.h>
#include <linux/fs_context.h>
#include <linux/fs_parser.h>
#include <linux/module.h>
#include <linux/namei.h>
#include <linux/pagemap.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/statfs.h>
#include <linux/string.h>

#include "weft.h"

static struct kmem_cache *weft_inode_cachep;
static LIST_HEAD(weft_mounts);	/* struct weft_sb, under weft_chan_mutex */

/* ------------------------------------------------------------------ */
/* requests on behalf of the file system                               */

int weft_send(struct inode *inode, struct weft_req *req)
{
	return weft_req_send(WEFT_SB(inode->i_sb)->chan, req);
}

/* jiffies until which something valid for valid_ns, capped at cap_s, holds */
unsigned long weft_expiry(u64 valid_ns, u32 cap_s)
{
	u64 cap_ns = (u64)cap_s * NSEC_PER_SEC;

	return jiffies + nsecs_to_jiffies(min(valid_ns, cap_ns));
}

/* ------------------------------------------------------------------ */
/* inodes                                                              */

static void weft_set_times(struct inode *inode, const struct weft_attr *a)
{
	weft_inode_set_atime(inode, (struct timespec64){ a->atime_sec, a->atime_nsec });
	weft_inode_set_mtime(inode, (struct timespec64){ a->mtime_sec, a->mtime_nsec });
	weft_inode_set_ctime(inode, (struct timespec64){ a->ctime_sec, a->ctime_nsec });
}

/*
 * Writeback cache: while this inode has data or times weftd has not seen
 * (dirty or writeback pages, unsent mtime), the kernel owns i_size, mtime
 * and ctime, as FUSE's writeback_cache does; weftd's are older.
 */
static bool weft_owns_size(struct inode *inode)
{
	struct address_space *mapping = inode->i_mapping;

	return S_ISREG(inode->i_mode) && WEFT_SB(inode->i_sb)->writeback &&
	       (test_bit(WEFT_I_TIMES_DIRTY, &WEFT_I(inode)->flags) ||
		mapping_tagged(mapping, PAGECACHE_TAG_DIRTY) ||
		mapping_tagged(mapping, PAGECACHE_TAG_WRITEBACK));
}

/* a local write moved data or size: attributes asked for before are stale */
void weft_size_changed(struct inode *inode)
{
	struct weft_inode *wi = WEFT_I(inode);

	spin_lock(&wi->lock);
	wi->size_ver++;
	spin_unlock(&wi->lock);
}

/*
 * attr was validated (weft_attr_valid) when its completion was reaped.
 * ver: wi->size_ver when the request was sent (U64_MAX: do not check); a
 * writeback that completed since makes the size and times in attr stale.
 */
static void weft_apply_attr(struct inode *inode, const struct weft_attr *a, u64 attr_valid_ns,
			    u64 ver)
{
	struct weft_inode *wi = WEFT_I(inode);
	bool keep;

	spin_lock(&wi->lock);
	keep = weft_owns_size(inode) || (ver != U64_MAX && ver != wi->size_ver);
	inode->i_mode = (inode->i_mode & S_IFMT) | (a->mode & ~S_IFMT);
	/* set-id bits from elsewhere: writes must check for privileges again */
	if (is_sxid(a->mode) && IS_NOSEC(inode))
		inode->i_flags &= ~S_NOSEC;
	set_nlink(inode, a->nlink);
	inode->i_uid = make_kuid(&init_user_ns, a->uid);
	inode->i_gid = make_kgid(&init_user_ns, a->gid);
	if (!keep)
		i_size_write(inode, a->size);
	inode->i_blocks = a->blocks;
	/*
	 * Cached ACLs stay across attribute updates: an ACL change made
	 * elsewhere (another mount, later another client) reaches this inode
	 * as weftd's inode invalidation (notify.c), not as a moved ctime --
	 * which every create in a directory moves too, and re-reading the
	 * default ACL cost each create a GETXATTR.
	 */
	if (keep)
		weft_inode_set_atime(inode, (struct timespec64){ a->atime_sec, a->atime_nsec });
	else
		weft_set_times(inode, a);
	wi->attr_expires = weft_expiry(attr_valid_ns, WEFT_SB(inode->i_sb)->attr_timeout);
	spin_unlock(&wi->lock);
}

void weft_update_attr(struct inode *inode, const struct weft_attr *a, u64 attr_valid_ns)
{
	weft_apply_attr(inode, a, attr_valid_ns, U64_MAX);
}

static int weft_inode_test(struct inode *inode, void *data)
{
	return WEFT_I(inode)->nodeid == *(u64 *)data;
}

static int weft_inode_set(struct inode *inode, void *data)
{
	WEFT_I(inode)->nodeid = *(u64 *)data;
	return 0;
}

static void weft_init_inode(struct inode *inode, const struct weft_attr *a)
{
	inode->i_mode = a->mode & S_IFMT;
	inode->i_ino = a->ino ? a->ino : WEFT_I(inode)->nodeid;
	inode->i_generation = a->generation;
	switch (a->mode & S_IFMT) {
	case S_IFDIR:
		inode->i_op = &weft_dir_inode_operations;
		inode->i_fop = &weft_dir_operations;
		break;
	case S_IFREG:
		inode->i_op = &weft_file_inode_operations;
		inode->i_fop = &weft_file_operations;
		inode->i_mapping->a_ops = &weft_file_aops;
		break;
	case S_IFLNK:
		inode->i_op = &weft_symlink_inode_operations;
		inode_nohighmem(inode);
		break;
	default:
		inode->i_op = &weft_special_inode_operations;
		init_special_inode(inode, a->mode & S_IFMT, new_decode_dev(a->rdev));
		break;
	}
}

/* the inode for nodeid, created or refreshed from attr */
struct inode *weft_iget(struct super_block *sb, u64 nodeid,
			const struct weft_attr *attr, u64 attr_valid_ns)
{
	struct inode *inode;

	inode = iget5_locked(sb, (unsigned long)nodeid, weft_inode_test, weft_inode_set, &nodeid);
	if (!inode)
		return ERR_PTR(-ENOMEM);
	if (inode->i_state & I_NEW) {
		weft_init_inode(inode, attr);
		weft_update_attr(inode, attr, attr_valid_ns);
		unlock_new_inode(inode);
		return inode;
	}
	if ((inode->i_mode ^ attr->mode) & S_IFMT) {
		/* the daemon changed a node's type under us */
		iput(inode);
		return ERR_PTR(-EIO);
	}
	weft_update_attr(inode, attr, attr_valid_ns);
	return inode;
}

/* GETATTR: refresh the cached attributes from weftd */
int weft_revalidate(struct inode *inode)
{
	struct weft_inode *wi = WEFT_I(inode);
	struct weft_attr_out out;
	struct weft_req req;
	u64 ver;
	int err;

	spin_lock(&wi->lock);
	ver = wi->size_ver;
	spin_unlock(&wi->lock);
	weft_req_init(&req, WEFT_OP_GETATTR, weft_nodeid(inode));
	req.out = &out;
	req.out_max = sizeof(out);
	err = weft_send(inode, &req);
	if (err)
		return err;
	if ((inode->i_mode ^ out.attr.mode) & S_IFMT)
		return -EIO;
	weft_apply_attr(inode, &out.attr, out.attr_valid_ns, ver);
	return 0;
}

int weft_getattr(WEFT_IDMAP_ARG, const struct path *path, struct kstat *stat,
		 u32 request_mask, unsigned int flags)
{
	struct inode *inode = d_inode(path->dentry);
	unsigned int sync = flags & AT_STATX_SYNC_TYPE;
	int err;

	if (sync == AT_STATX_FORCE_SYNC ||
	    (sync != AT_STATX_DONT_SYNC &&
	     !time_before(jiffies, READ_ONCE(WEFT_I(inode)->attr_expires)))) {
		err = weft_revalidate(inode);
		if (err)
			return err;
	}
	weft_generic_fillattr(idmap, request_mask, inode, stat);
	return 0;
}

/* SETATTR with in; out is the validated reply */
static int weft_send_setattr(struct inode *inode, const struct weft_setattr_in *in,
			     struct weft_attr_out *out)
{
	struct weft_req req;
	int err;

	weft_req_init(&req, WEFT_OP_SETATTR, weft_nodeid(inode));
	req.in = in;
	req.in_len = sizeof(*in);
	req.out = out;
	req.out_max = sizeof(*out);
	err = weft_send(inode, &req);
	if (err)
		return err;
	if (req.out_len != sizeof(*out) || !weft_attr_valid(&out->attr) ||
	    ((inode->i_mode ^ out->attr.mode) & S_IFMT))
		return -EIO;
	return 0;
}

/*
 * The kernel checks permissions (setattr_prepare: owner, CAP_CHOWN/FOWNER,
 * the setgid bit); notify_change() already turned ATTR_KILL_SUID/SGID into
 * a mode change.  The daemon applies exactly what is sent; every time is
 * explicit (the VFS filled in "now" where the caller did not say).
 */
int weft_setattr(WEFT_IDMAP_ARG, struct dentry *dentry, struct iattr *attr)
{
	struct inode *inode = d_inode(dentry);
	unsigned int valid = attr->ia_valid;
	struct weft_setattr_in in = {};
	struct weft_attr_out out;
	int err;

	err = setattr_prepare(idmap, dentry, attr);
	if (err)
		return err;
	if (valid & ATTR_MODE) {
		in.valid |= WEFT_SETATTR_MODE;
		in.mode = attr->ia_mode & 07777;
	}
	if (valid & ATTR_UID) {
		kuid_t uid = from_vfsuid(idmap, i_user_ns(inode), attr->ia_vfsuid);

		in.valid |= WEFT_SETATTR_UID;
		in.uid = from_kuid(&init_user_ns, uid);
	}
	if (valid & ATTR_GID) {
		kgid_t gid = from_vfsgid(idmap, i_user_ns(inode), attr->ia_vfsgid);

		in.valid |= WEFT_SETATTR_GID;
		in.gid = from_kgid(&init_user_ns, gid);
	}
	if (valid & ATTR_SIZE) {
		if (!S_ISREG(inode->i_mode))
			return S_ISDIR(inode->i_mode) ? -EISDIR : -EINVAL;
		/* what mappings dirtied reaches weftd before the size changes */
		err = filemap_write_and_wait(inode->i_mapping);
		if (err)
			return err;
		in.valid |= WEFT_SETATTR_SIZE;
		in.size = attr->ia_size;
	}
	if (valid & ATTR_ATIME) {
		in.valid |= WEFT_SETATTR_ATIME;
		in.atime_sec = attr->ia_atime.tv_sec;
		in.atime_nsec = attr->ia_atime.tv_nsec;
	}
	if (valid & ATTR_MTIME) {
		/* an explicit mtime replaces the one buffered writes left */
		clear_bit(WEFT_I_TIMES_DIRTY, &WEFT_I(inode)->flags);
		in.valid |= WEFT_SETATTR_MTIME;
		in.mtime_sec = attr->ia_mtime.tv_sec;
		in.mtime_nsec = attr->ia_mtime.tv_nsec;
	}
	if (valid & ATTR_CTIME) {
		in.valid |= WEFT_SETATTR_CTIME;
		in.ctime_sec = attr->ia_ctime.tv_sec;
		in.ctime_nsec = attr->ia_ctime.tv_nsec;
	}
	if (!in.valid)
		return 0;

	err = weft_send_setattr(inode, &in, &out);
	if (err)
		return err;
	if (valid & ATTR_SIZE)
		truncate_setsize(inode, attr->ia_size);
	weft_update_attr(inode, &out.attr, out.attr_valid_ns);
	/* the access ACL's mask and others entries follow the new mode */
	if ((valid & ATTR_MODE) && IS_POSIXACL(inode))
		return weft_posix_acl_chmod(idmap, dentry, inode->i_mode);
	return 0;
}

/*
 * Writeback cache: tell weftd the mtime and ctime buffered writes set here
 * (after their data, so its WRITEs do not move them again).  From
 * ->write_inode, fsync and close.
 */
int weft_write_times(struct inode *inode)
{
	struct weft_setattr_in in = {};
	struct weft_attr_out out;
	struct timespec64 t;
	int err;

	if (!test_and_clear_bit(WEFT_I_TIMES_DIRTY, &WEFT_I(inode)->flags))
		return 0;
	in.valid = WEFT_SETATTR_MTIME | WEFT_SETATTR_CTIME;
	t = weft_inode_get_mtime(inode);
	in.mtime_sec = t.tv_sec;
	in.mtime_nsec = t.tv_nsec;
	t = weft_inode_get_ctime(inode);
	in.ctime_sec = t.tv_sec;
	in.ctime_nsec = t.tv_nsec;
	err = weft_send_setattr(inode, &in, &out);
	if (err)
		return err;	/* weftd keeps the times of its last WRITE */
	weft_update_attr(inode, &out.attr, out.attr_valid_ns);
	return 0;
}

static int weft_write_inode(struct inode *inode, struct writeback_control *wbc)
{
	return weft_write_times(inode);
}

/* a mode change (an ACL was set) with ctime now */
int weft_setattr_mode(struct inode *inode, umode_t mode)
{
	struct weft_setattr_in in = {};
	struct weft_attr_out out;
	struct timespec64 now;
	int err;

	ktime_get_real_ts64(&now);
	in.valid = WEFT_SETATTR_MODE | WEFT_SETATTR_CTIME;
	in.mode = mode & 07777;
	in.ctime_sec = now.tv_sec;
	in.ctime_nsec = now.tv_nsec;
	err = weft_send_setattr(inode, &in, &out);
	if (err)
		return err;
	weft_update_attr(inode, &out.attr, out.attr_valid_ns);
	return 0;
}

const struct inode_operations weft_file_inode_operations = {
	.getattr		= weft_getattr,
	.setattr		= weft_setattr,
	.listxattr		= weft_listxattr,
	.WEFT_IOP_GET_ACL	= weft_get_inode_acl,
	.set_acl		= weft_set_acl,
};

const struct inode_operations weft_symlink_inode_operations = {
	.get_link	= weft_get_link,
	.getattr	= weft_getattr,
	.setattr	= weft_setattr,
	.listxattr	= weft_listxattr,
};

const struct inode_operations weft_special_inode_operations = {
	.getattr		= weft_getattr,
	.setattr		= weft_setattr,
	.listxattr		= weft_listxattr,
	.WEFT_IOP_GET_ACL	= weft_get_inode_acl,
	.set_acl		= weft_set_acl,
};

/* ------------------------------------------------------------------ */
/* super block                                                         */

static struct inode *weft_alloc_inode(struct super_block *sb)
{
	struct weft_inode *wi;

	wi = alloc_inode_sb(sb, weft_inode_cachep, GFP_KERNEL);
	if (!wi)
		return NULL;
	wi->nodeid = 0;
	wi->attr_expires = jiffies;
	wi->flags = 0;
	wi->size_ver = 0;
	spin_lock_init(&wi->lock);
	return &wi->vfs_inode;
}

static void weft_free_inode(struct inode *inode)
{
	kmem_cache_free(weft_inode_cachep, WEFT_I(inode));
}

static int weft_statfs(struct dentry *dentry, struct kstatfs *buf)
{
	struct super_block *sb = dentry->d_sb;
	struct weft_statfs_out out;
	struct weft_req req;
	int err;

	weft_req_init(&req, WEFT_OP_STATFS, WEFT_SB(sb)->root_nodeid);
	req.out = &out;
	req.out_max = sizeof(out);
	err = weft_req_send(WEFT_SB(sb)->chan, &req);
	if (err)
		return err;
	buf->f_type = WEFT_SUPER_MAGIC;
	buf->f_bsize = out.bsize ? out.bsize : PAGE_SIZE;
	buf->f_frsize = out.frsize ? out.frsize : buf->f_bsize;
	buf->f_blocks = out.blocks;
	buf->f_bfree = out.bfree;
	buf->f_bavail = out.bavail;
	buf->f_files = out.files;
	buf->f_ffree = out.ffree;
	buf->f_namelen = (out.namelen && out.namelen <= NAME_MAX) ? out.namelen : NAME_MAX;
	return 0;
}

int weft_mount_options(struct weft_sb *sbi, char *buf, size_t len)
{
	int n = 0;

	if (sbi->set & WEFT_OPT_TIMEOUT)
		n += scnprintf(buf + n, len - n, "timeout=%u,", sbi->timeout);
	if (sbi->set & WEFT_OPT_GRACE)
		n += scnprintf(buf + n, len - n, "grace=%u,", sbi->grace);
	n += scnprintf(buf + n, len - n, "attr_timeout=%u,entry_timeout=%u,negative_timeout=%u",
		       sbi->attr_timeout, sbi->entry_timeout, sbi->negative_timeout);
	if (!sbi->writeback)
		n += scnprintf(buf + n, len - n, ",nowriteback");
	return n;
}

static int weft_show_options(struct seq_file *m, struct dentry *root)
{
	char buf[256];

	weft_mount_options(WEFT_SB(root->d_sb), buf, sizeof(buf));
	seq_putc(m, ',');
	seq_puts(m, buf);
	return 0;
}

static int weft_show_devname(struct seq_file *m, struct dentry *root)
{
	struct weft_sb *sbi = WEFT_SB(root->d_sb);

	seq_escape(m, sbi->chan->name, " \t\n\\");
	seq_putc(m, '/');
	seq_escape(m, sbi->fsname, " \t\n\\");
	return 0;
}

static void weft_evict_inode(struct inode *inode)
{
	truncate_inode_pages_final(&inode->i_data);
	clear_inode(inode);
}

static const struct super_operations weft_super_operations = {
	.alloc_inode	= weft_alloc_inode,
	.free_inode	= weft_free_inode,
	.evict_inode	= weft_evict_inode,
	.write_inode	= weft_write_inode,
	.statfs		= weft_statfs,
	.show_options	= weft_show_options,
	.show_devname	= weft_show_devname,
};

/* caller holds weft_chan_mutex */
int weft_mount_list_locked(int (*fn)(const struct weft_mount_info *info, void *arg), void *arg)
{
	struct weft_mount_info info;
	struct weft_sb *sbi;
	int ret = 0;

	list_for_each_entry(sbi, &weft_mounts, node) {
		memset(&info, 0, sizeof(info));
		strscpy(info.channel, sbi->chan->name, sizeof(info.channel));
		strscpy(info.fsname, sbi->fsname, sizeof(info.fsname));
		weft_mount_options(sbi, info.options, sizeof(info.options));
		ret = fn(&info, arg);
		if (ret)
			break;
	}
	return ret;
}

static void weft_sb_free(struct weft_sb *sbi)
{
	if (!sbi)
		return;
	if (sbi->chan) {
		mutex_lock(&weft_chan_mutex);
		list_del_init(&sbi->node);
		sbi->chan->mounts--;
		mutex_unlock(&weft_chan_mutex);
		weft_chan_put(sbi->chan);
	}
	kfree(sbi);
}

/* ------------------------------------------------------------------ */
/* mount                                                               */

struct weft_fs_context {
	struct weft_sb *sbi;		/* until the super block takes it */
	struct weft_mount_out root;	/* the daemon's MOUNT reply */
};

enum { Opt_timeout, Opt_grace, Opt_attr_timeout, Opt_entry_timeout, Opt_negative_timeout,
	Opt_writeback };

static const struct fs_parameter_spec weft_fs_parameters[] = {
	fsparam_u32("timeout",		Opt_timeout),
	fsparam_u32("grace",		Opt_grace),
	fsparam_u32("attr_timeout",	Opt_attr_timeout),
	fsparam_u32("entry_timeout",	Opt_entry_timeout),
	fsparam_u32("negative_timeout",	Opt_negative_timeout),
	fsparam_flag_no("writeback",	Opt_writeback),
	{}
};

static int weft_parse_param(struct fs_context *fc, struct fs_parameter *param)
{
	struct weft_fs_context *ctx = fc->fs_private;
	struct weft_sb *sbi = ctx->sbi;
	struct fs_parse_result result;
	int opt;

	if (!strcmp(param->key, "source"))
		return -ENOPARAM;	/* the VFS keeps it in fc->source */
	opt = fs_parse(fc, weft_fs_parameters, param, &result);
	if (opt == -ENOPARAM)
		return invalfc(fc, "unknown mount option '%s'", param->key);
	if (opt < 0)
		return opt;
	switch (opt) {
	case Opt_timeout:
		if (!result.uint_32 || result.uint_32 > WEFT_MAX_TIMEOUT_MS / 1000)
			return invalfc(fc, "timeout must be 1..%u seconds",
				       WEFT_MAX_TIMEOUT_MS / 1000);
		sbi->timeout = result.uint_32;
		sbi->set |= WEFT_OPT_TIMEOUT;
		break;
	case Opt_grace:
		if (result.uint_32 > WEFT_MAX_GRACE_MS / 1000)
			return invalfc(fc, "grace must be 0..%u seconds",
				       WEFT_MAX_GRACE_MS / 1000);
		sbi->grace = result.uint_32;
		sbi->set |= WEFT_OPT_GRACE;
		break;
	case Opt_attr_timeout:
		sbi->attr_timeout = result.uint_32;
		break;
	case Opt_entry_timeout:
		sbi->entry_timeout = result.uint_32;
		break;
	case Opt_negative_timeout:
		sbi->negative_timeout = result.uint_32;
		break;
	case Opt_writeback:
		sbi->writeback = !result.negated;
		break;
	}
	return 0;
}

static int weft_fill_super(struct super_block *sb, struct fs_context *fc)
{
	struct weft_fs_context *ctx = fc->fs_private;
	struct weft_mount_out *m = &ctx->root;
	struct weft_sb *sbi = WEFT_SB(sb);
	struct inode *root;
	u32 bs = m->block_size;
	int err;

	sb->s_magic = WEFT_SUPER_MAGIC;
	sb->s_op = &weft_super_operations;
	sb->s_d_op = &weft_dentry_operations;
	sb->s_time_gran = 1;
	sb->s_xattr = weft_xattr_handlers;
	/*
	 * POSIX ACLs: weft applies the umask or default ACL itself.  SB_NOSEC:
	 * a write skips the security.capability lookup once a file is known to
	 * have no privileges to drop (cleared by chmod u+s/g+s, security.*).
	 */
	sb->s_flags |= SB_POSIXACL | SB_NOSEC;
	sb->s_maxbytes = (m->max_file_size && m->max_file_size <= MAX_LFS_FILESIZE) ?
			 m->max_file_size : MAX_LFS_FILESIZE;
	if (bs < 512 || bs > PAGE_SIZE || !is_power_of_2(bs))
		bs = PAGE_SIZE;
	sb->s_blocksize = bs;
	sb->s_blocksize_bits = ilog2(bs);
	sbi->root_nodeid = m->root.nodeid;

	root = weft_iget(sb, m->root.nodeid, &m->root.attr, m->root.attr_valid_ns);
	if (IS_ERR(root))
		return PTR_ERR(root);
	sb->s_root = d_make_root(root);
	if (!sb->s_root)
		return -ENOMEM;
	/* a backing device of our own: background writeback of mapped pages */
	err = super_setup_bdi(sb);
	if (err)
		return err;
	/* readahead and writeback in requests as large as the ring carries */
	sb->s_bdi->ra_pages = max_t(unsigned long, VM_READAHEAD_PAGES,
				    sbi->chan->max_io >> PAGE_SHIFT);
	sb->s_bdi->io_pages = sb->s_bdi->ra_pages;

	mutex_lock(&weft_chan_mutex);
	list_add_tail(&sbi->node, &weft_mounts);
	mutex_unlock(&weft_chan_mutex);
	weft_notify_sb_add(sb);		/* weftd may invalidate from now on */
	return 0;
}

/* "NAME/FS" or "FS": find the channel (with a reference) */
static int weft_parse_source(struct fs_context *fc, struct weft_sb *sbi,
			     struct weft_chan **chanp)
{
	char name[WEFT_NAME_MAX];
	const char *src = fc->source, *fs, *slash;
	struct weft_chan *chan;
	int n;

	if (!src || !*src)
		return invalfc(fc, "no source given; use [NAME/]FS");
	slash = strchr(src, '/');
	if (slash) {
		if (slash == src || slash - src >= WEFT_NAME_MAX)
			return invalfc(fc, "bad weftd name in '%s'", src);
		memcpy(name, src, slash - src);
		name[slash - src] = '\0';
		fs = slash + 1;
	} else {
		name[0] = '\0';
		fs = src;
	}
	if (!*fs || strchr(fs, '/') || strlen(fs) >= WEFT_FSNAME_MAX)
		return invalfc(fc, "bad file system name in '%s'", src);
	strscpy(sbi->fsname, fs, sizeof(sbi->fsname));

	chan = weft_chan_find_get(name[0] ? name : NULL, &n);
	if (!chan) {
		if (name[0]) {
			errorfc(fc, "no weftd attached as '%s'", name);
			return -ENOENT;
		}
		if (n > 1)
			return invalfc(fc, "%d weftd attached; say which: NAME/%s", n, fs);
		errorfc(fc, "no weftd attached");
		return -ENOENT;
	}
	*chanp = chan;
	return 0;
}

static int weft_get_tree(struct fs_context *fc)
{
	struct weft_fs_context *ctx = fc->fs_private;
	struct weft_sb *sbi = ctx->sbi;
	struct weft_chan *chan = NULL;
	struct weft_req req;
	u32 ms;
	int err;

	err = weft_parse_source(fc, sbi, &chan);
	if (err)
		return err;
	mutex_lock(&weft_chan_mutex);
	sbi->chan = chan;
	chan->mounts++;
	mutex_unlock(&weft_chan_mutex);

	if (sbi->set & WEFT_OPT_TIMEOUT) {
		ms = sbi->timeout * 1000;
		weft_chan_set_timeouts(chan, &ms, NULL);
	}
	if (sbi->set & WEFT_OPT_GRACE) {
		ms = sbi->grace * 1000;
		weft_chan_set_timeouts(chan, NULL, &ms);
	}

	weft_req_init(&req, WEFT_OP_MOUNT, 0);
	req.in = sbi->fsname;
	req.in_len = strlen(sbi->fsname);
	req.out = &ctx->root;
	req.out_max = sizeof(ctx->root);
	err = weft_req_send(chan, &req);
	if (err == -ENOENT) {
		errorfc(fc, "weftd '%s' has no file system '%s'", chan->name, sbi->fsname);
		return err;
	}
	if (err) {
		errorfc(fc, "mounting %s/%s failed: error %d", chan->name, sbi->fsname, err);
		return err;
	}

	fc->s_fs_info = sbi;
	ctx->sbi = NULL;
	return get_tree_nodev(fc, weft_fill_super);
}

static void weft_free_fc(struct fs_context *fc)
{
	struct weft_fs_context *ctx = fc->fs_private;

	if (ctx) {
		weft_sb_free(ctx->sbi);
		kfree(ctx);
	}
	/* set when get_tree_nodev() failed before the super block took it */
	weft_sb_free(fc->s_fs_info);
	fc->s_fs_info = NULL;
}

static const struct fs_context_operations weft_context_ops = {
	.free		= weft_free_fc,
	.parse_param	= weft_parse_param,
	.get_tree	= weft_get_tree,
};

static int weft_init_fs_context(struct fs_context *fc)
{
	struct weft_fs_context *ctx;
	struct weft_sb *sbi;

	ctx = kzalloc(sizeof(*ctx), GFP_KERNEL);
	sbi = kzalloc(sizeof(*sbi), GFP_KERNEL);
	if (!ctx || !sbi) {
		kfree(ctx);
		kfree(sbi);
		return -ENOMEM;
	}
	INIT_LIST_HEAD(&sbi->node);
	sbi->attr_timeout = 1;
	sbi->entry_timeout = 1;
	sbi->negative_timeout = 0;
	sbi->writeback = true;
	ctx->sbi = sbi;
	fc->fs_private = ctx;
	fc->ops = &weft_context_ops;
	return 0;
}

static void weft_kill_sb(struct super_block *sb)
{
	struct weft_sb *sbi = WEFT_SB(sb);

	weft_notify_sb_del(sb);		/* waits for notifications walking sb */
	kill_anon_super(sb);
	weft_sb_free(sbi);
}

static void weft_inode_init_once(void *p)
{
	struct weft_inode *wi = p;

	inode_init_once(&wi->vfs_inode);
}

/* module init, before register_filesystem() */
int weft_fs_init(void)
{
	weft_inode_cachep = kmem_cache_create("weft_inode", sizeof(struct weft_inode), 0,
					      SLAB_RECLAIM_ACCOUNT | SLAB_ACCOUNT,
					      weft_inode_init_once);
	return weft_inode_cachep ? 0 : -ENOMEM;
}

/* module exit, after unregister_filesystem(): no inode is left */
void weft_fs_exit(void)
{
	rcu_barrier();	/* free_inode runs after an RCU grace period */
	kmem_cache_destroy(weft_inode_cachep);
}

struct file_system_type weft_fs_type = {
	.owner			= THIS_MODULE,
	.name			= "weft",
	.init_fs_context	= weft_init_fs_context,
	.parameters		= weft_fs_parameters,
	.kill_sb		= weft_kill_sb,
	.fs_flags		= FS_ALLOW_IDMAP,	/* idmap passed through everywhere */
};

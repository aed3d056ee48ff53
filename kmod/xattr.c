// SPDX-License-Identifier: GPL-2.0
/*
 * Extended attributes and POSIX ACLs.
 *
 * The VFS checks who may read or write which namespace (user.* only on
 * regular files and directories, trusted.* with CAP_SYS_ADMIN, ACLs by the
 * owner) before a handler here runs; weftd stores names and values.  ACLs
 * are the system.posix_acl_* xattrs in the VFS's on-disk format
 * (posix_acl_to_xattr, ids in the initial user namespace) and are cached
 * in the inode as the VFS caches them.
 *
 * Every reply is checked: a value never longer than asked, a size probe
 * within XATTR_SIZE_MAX, a name list of NUL-terminated, non-empty names.
 */
#include <linux/slab.h>
#include <linux/xattr.h>

#include "weft.h"

static_assert(sizeof(struct weft_xattr_out) == 8);
static_assert(sizeof(struct weft_setxattr_in) == 16);
static_assert(sizeof(struct weft_create_acls) == 16);
static_assert(WEFT_XATTR_SIZE_MAX == XATTR_SIZE_MAX);
static_assert(WEFT_XATTR_NAME_MAX == XATTR_NAME_MAX);

static u32 weft_max_io_of(const struct inode *inode)
{
	return WEFT_SB(inode->i_sb)->chan->max_io;
}

/*
 * The value of name into value (size bytes; 0 asks for its size only).
 * Returns its length or -errno: ENODATA when absent, ERANGE when larger than
 * size, E2BIG when larger than this mount's ring slots can carry.
 */
int weft_xattr_get(struct inode *inode, const char *name, void *value, size_t size)
{
	size_t namelen = strlen(name);
	struct weft_xattr_out probe;
	struct weft_req req;
	u32 room;
	int err;

	if (!namelen || namelen > XATTR_NAME_MAX)
		return -ERANGE;
	weft_req_init(&req, WEFT_OP_GETXATTR, weft_nodeid(inode));
	req.in = name;
	req.in_len = namelen;
	if (!size) {
		req.sqe.u.rw.size = 0;
		req.out = &probe;
		req.out_max = sizeof(probe);
		err = weft_send(inode, &req);
		if (err)
			return err;
		if (req.out_len != sizeof(probe) || probe.size > XATTR_SIZE_MAX)
			return -EIO;
		return probe.size;
	}
	room = min_t(size_t, size, min_t(u32, weft_max_io_of(inode), XATTR_SIZE_MAX));
	req.sqe.u.rw.size = room;
	req.out = value;
	req.out_max = room;
	err = weft_send(inode, &req);
	if (err == -ERANGE && room < size)
		return -E2BIG;	/* larger than a slot of this ring */
	if (err)
		return err;
	if (req.out_len > room)
		return -EIO;
	return req.out_len;
}

/* Sets name to value (size bytes), or removes it when value is NULL. */
int weft_xattr_set(struct inode *inode, const char *name, const void *value, size_t size,
		   int flags)
{
	size_t namelen = strlen(name);
	struct weft_setxattr_in *in;
	struct weft_req req;
	size_t len;
	int err;

	if (!namelen || namelen > XATTR_NAME_MAX)
		return -ERANGE;
	if (!value) {
		weft_req_init(&req, WEFT_OP_REMOVEXATTR, weft_nodeid(inode));
		req.in = name;
		req.in_len = namelen;
		err = weft_send(inode, &req);
		goto done;
	}
	if (size > XATTR_SIZE_MAX)
		return -E2BIG;
	len = sizeof(*in) + namelen + size;
	if (len > weft_max_io_of(inode))
		return -E2BIG;	/* cannot travel in one slot of this ring */
	in = kvmalloc(len, GFP_KERNEL);
	if (!in)
		return -ENOMEM;
	in->namelen = namelen;
	in->size = size;
	in->flags = 0;
	if (flags & XATTR_CREATE)
		in->flags |= WEFT_XATTR_CREATE;
	if (flags & XATTR_REPLACE)
		in->flags |= WEFT_XATTR_REPLACE;
	in->pad = 0;
	memcpy(in + 1, name, namelen);
	memcpy((char *)(in + 1) + namelen, value, size);
	weft_req_init(&req, WEFT_OP_SETXATTR, weft_nodeid(inode));
	req.in = in;
	req.in_len = len;
	err = weft_send(inode, &req);
	kvfree(in);
done:
	if (!err)
		weft_attr_expire(inode);	/* ctime changed */
	return err;
}

/* ------------------------------------------------------------------ */
/* handlers: user., trusted., security.                                */

static int weft_xattr_handler_get(const struct xattr_handler *handler, struct dentry *dentry,
				  struct inode *inode, const char *name, void *buffer,
				  size_t size)
{
	return weft_xattr_get(inode, xattr_full_name(handler, name), buffer, size);
}

static int weft_xattr_handler_set(const struct xattr_handler *handler, WEFT_IDMAP_ARG,
				  struct dentry *dentry, struct inode *inode, const char *name,
				  const void *value, size_t size, int flags)
{
	int err = weft_xattr_set(inode, xattr_full_name(handler, name), value, size, flags);

	/* security.capability and friends: writes must look again (SB_NOSEC) */
	if (!err && handler->prefix && !strcmp(handler->prefix, XATTR_SECURITY_PREFIX))
		inode->i_flags &= ~S_NOSEC;
	return err;
}

static const struct xattr_handler weft_user_xattr_handler = {
	.prefix	= XATTR_USER_PREFIX,
	.get	= weft_xattr_handler_get,
	.set	= weft_xattr_handler_set,
};

static const struct xattr_handler weft_trusted_xattr_handler = {
	.prefix	= XATTR_TRUSTED_PREFIX,
	.get	= weft_xattr_handler_get,
	.set	= weft_xattr_handler_set,
};

static const struct xattr_handler weft_security_xattr_handler = {
	.prefix	= XATTR_SECURITY_PREFIX,
	.get	= weft_xattr_handler_get,
	.set	= weft_xattr_handler_set,
};

/* non-const elements: converts to either kernel's s_xattr type */
const struct xattr_handler *weft_xattr_handlers[] = {
	&weft_user_xattr_handler,
	&weft_trusted_xattr_handler,
	&weft_security_xattr_handler,
	WEFT_ACL_XATTR_HANDLERS
	NULL
};

/* ------------------------------------------------------------------ */
/* listxattr                                                           */

/* which names the caller may see, as local file systems filter them */
static bool weft_xattr_listable(struct inode *inode, const char *name, size_t len)
{
	if (!strncmp(name, XATTR_USER_PREFIX, XATTR_USER_PREFIX_LEN) ||
	    !strncmp(name, XATTR_SECURITY_PREFIX, XATTR_SECURITY_PREFIX_LEN))
		return true;
	if (!strncmp(name, XATTR_TRUSTED_PREFIX, XATTR_TRUSTED_PREFIX_LEN))
		return capable(CAP_SYS_ADMIN);
	if (!strcmp(name, XATTR_NAME_POSIX_ACL_ACCESS) ||
	    !strcmp(name, XATTR_NAME_POSIX_ACL_DEFAULT))
		return IS_POSIXACL(inode);
	return false;	/* a namespace this kernel does not serve */
}

/*
 * The whole list comes from weftd (validated: names of 1..XATTR_NAME_MAX
 * bytes, each NUL terminated), is filtered in place, then sized or copied.
 */
ssize_t weft_listxattr(struct dentry *dentry, char *list, size_t size)
{
	struct inode *inode = d_inode(dentry);
	u32 room = min_t(u32, weft_max_io_of(inode), XATTR_LIST_MAX);
	size_t pos = 0, kept = 0, len;
	struct weft_req req;
	char *buf;
	int err;

	buf = kvmalloc(room, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	weft_req_init(&req, WEFT_OP_LISTXATTR, weft_nodeid(inode));
	req.out = buf;
	req.out_max = room;
	err = weft_send(inode, &req);
	if (err == -ERANGE)
		err = -E2BIG;	/* more names than a slot (or XATTR_LIST_MAX) holds */
	if (err)
		goto out;
	err = -EIO;
	if (req.out_len > room || (req.out_len && buf[req.out_len - 1]))
		goto out;
	while (pos < req.out_len) {
		len = strnlen(buf + pos, req.out_len - pos);
		if (!len || len > XATTR_NAME_MAX)
			goto out;
		if (weft_xattr_listable(inode, buf + pos, len)) {
			memmove(buf + kept, buf + pos, len + 1);
			kept += len + 1;
		}
		pos += len + 1;
	}
	err = kept;
	if (size) {
		if (kept > size)
			err = -ERANGE;
		else
			memcpy(list, buf, kept);
	}
out:
	kvfree(buf);
	return err;
}

/* ------------------------------------------------------------------ */
/* POSIX ACLs                                                          */

static const char *weft_acl_name(int type)
{
	return type == ACL_TYPE_ACCESS ? XATTR_NAME_POSIX_ACL_ACCESS :
					 XATTR_NAME_POSIX_ACL_DEFAULT;
}

/* ->get_acl (6.1) / ->get_inode_acl (6.2+): the VFS caches the result */
struct posix_acl *weft_get_inode_acl(struct inode *inode, int type, bool rcu)
{
	struct posix_acl *acl;
	size_t room;
	void *buf;
	int n;

	if (rcu)
		return ERR_PTR(-ECHILD);
	if (type != ACL_TYPE_ACCESS && type != ACL_TYPE_DEFAULT)
		return ERR_PTR(-EINVAL);
	room = min_t(u32, weft_max_io_of(inode), XATTR_SIZE_MAX);
	buf = kvmalloc(room, GFP_KERNEL);
	if (!buf)
		return ERR_PTR(-ENOMEM);
	n = weft_xattr_get(inode, weft_acl_name(type), buf, room);
	if (n == -ENODATA)
		acl = NULL;
	else if (n < 0)
		acl = ERR_PTR(n);
	else
		acl = posix_acl_from_xattr(&init_user_ns, buf, n);
	kvfree(buf);
	/* a malformed or disordered ACL from weftd is the daemon's fault */
	if (IS_ERR(acl) && PTR_ERR(acl) == -EINVAL)
		acl = ERR_PTR(-EIO);
	if (!IS_ERR_OR_NULL(acl) && posix_acl_valid(&init_user_ns, acl)) {
		posix_acl_release(acl);
		acl = ERR_PTR(-EIO);
	}
	return acl;
}

/* stores acl (NULL: removes it) as its xattr; does not touch the mode */
static int weft_acl_store(struct inode *inode, int type, struct posix_acl *acl)
{
	size_t size;
	void *value;
	int err;

	if (!acl) {
		err = weft_xattr_set(inode, weft_acl_name(type), NULL, 0, 0);
		return err == -ENODATA ? 0 : err;
	}
	size = posix_acl_xattr_size(acl->a_count);
	if (size > XATTR_SIZE_MAX)
		return -E2BIG;
	value = kvmalloc(size, GFP_KERNEL);
	if (!value)
		return -ENOMEM;
	err = posix_acl_to_xattr(&init_user_ns, acl, value, size);
	if (err >= 0)
		err = weft_xattr_set(inode, weft_acl_name(type), value, size, 0);
	kvfree(value);
	return err;
}

/* ->set_acl: an access ACL may change the mode (or be folded into it) */
int weft_set_acl(WEFT_IDMAP_ARG, WEFT_SET_ACL_TARGET *target, struct posix_acl *acl, int type)
{
	struct inode *inode = weft_set_acl_inode(target);
	umode_t mode = inode->i_mode;
	int err;

	if (type == ACL_TYPE_DEFAULT && !S_ISDIR(inode->i_mode))
		return acl ? -EACCES : 0;
	if (type == ACL_TYPE_ACCESS && acl) {
		err = posix_acl_update_mode(idmap, inode, &mode, &acl);
		if (err)
			return err;
	}
	if (mode != inode->i_mode) {
		err = weft_setattr_mode(inode, mode);
		if (err)
			return err;
	}
	err = weft_acl_store(inode, type, acl);
	if (err)
		return err;
	set_cached_acl(inode, type, acl);
	return 0;
}

/*
 * A node made in a directory with ACLs: its mode (already with the umask
 * applied when dir has no default ACL) and the ACLs to give it after
 * creation.  The caller releases *default_acl and *acl.
 */
int weft_acl_prepare(struct inode *dir, umode_t *mode, struct posix_acl **default_acl,
		     struct posix_acl **acl)
{
	*default_acl = NULL;
	*acl = NULL;
	if (!IS_POSIXACL(dir))
		return 0;	/* the VFS applied the umask */
	return posix_acl_create(dir, mode, default_acl, acl);
}

/*
 * The ACLs weft_acl_prepare() chose, as the WEFT_CREATE_ACLS extension of a
 * create request (struct weft_create_acls, then the access and default
 * values in the xattr format): weftd stores them with the node, in one
 * atomic change.  NULL with *len 0 when there are none; ERR_PTR on failure.
 */
void *weft_acl_encode(struct posix_acl *default_acl, struct posix_acl *acl, u32 *len)
{
	size_t alen = acl ? posix_acl_xattr_size(acl->a_count) : 0;
	size_t dlen = default_acl ? posix_acl_xattr_size(default_acl->a_count) : 0;
	struct weft_create_acls *ext;
	int err;

	*len = 0;
	if (!alen && !dlen)
		return NULL;
	if (alen > XATTR_SIZE_MAX || dlen > XATTR_SIZE_MAX)
		return ERR_PTR(-E2BIG);
	ext = kzalloc(sizeof(*ext) + alen + dlen, GFP_KERNEL);
	if (!ext)
		return ERR_PTR(-ENOMEM);
	ext->version = WEFT_CREATE_ACLS_VERSION;
	ext->access_len = alen;
	ext->default_len = dlen;
	if (alen) {
		err = posix_acl_to_xattr(&init_user_ns, acl, ext + 1, alen);
		if (err < 0)
			goto fail;
	}
	if (dlen) {
		err = posix_acl_to_xattr(&init_user_ns, default_acl, (char *)(ext + 1) + alen, dlen);
		if (err < 0)
			goto fail;
	}
	*len = sizeof(*ext) + alen + dlen;
	return ext;
fail:
	kfree(ext);
	return ERR_PTR(err);
}

/* a node made with the ACLs weft_acl_prepare() chose: cache them (or none) */
void weft_acl_cache_new(struct inode *inode, struct posix_acl *default_acl,
			struct posix_acl *acl)
{
	if (IS_POSIXACL(inode)) {
		set_cached_acl(inode, ACL_TYPE_DEFAULT, default_acl);
		set_cached_acl(inode, ACL_TYPE_ACCESS, acl);
	}
}

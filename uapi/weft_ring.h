/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * Weft ring ABI: the only contract between weft.ko and weftd.
 *
 * weftd opens /dev/weft (CAP_SYS_ADMIN), attaches under a name with
 * WEFT_IOC_ATTACH (queue count, queue depth, max I/O size) and mmaps one
 * region of weft_attach.region_size bytes at offset 0:
 *
 *   [region header, 4 KiB]
 *   per queue q, at header.queue_offset + q * header.queue_stride:
 *     [struct weft_queue_ctl, 4 KiB]   ring indices and flags
 *     [sq: depth * struct weft_sqe]    kernel -> daemon requests
 *     [cq: depth * struct weft_cqe]    daemon -> kernel completions
 *     [depth * max_io data buffers]    one per slot (tag), page aligned
 *
 * The kernel produces SQ entries (writes sq_tail), the daemon consumes them
 * (writes sq_head).  The daemon produces CQ entries (writes cq_tail), the
 * kernel consumes them (writes cq_head).  Producers publish the tail with a
 * release store after filling entries; consumers load it with acquire.
 *
 * A request names its slot (tag) and a generation; the completion must echo
 * both.  Input payloads (names, write data, JSON) are in the slot's data
 * buffer, as are output payloads (attributes, dirents, read data).  The
 * kernel reads every daemon-written value once, validates it, then uses it.
 *
 * Everything is little-endian, naturally aligned, with explicit padding.
 * Bump WEFT_ABI_VERSION on any incompatible change.
 */
#ifndef _UAPI_LINUX_WEFT_RING_H
#define _UAPI_LINUX_WEFT_RING_H

#include <linux/types.h>
#include <linux/ioctl.h>

#define WEFT_ABI_VERSION	3	/* 3: CREATE that opens (WEFT_CREATE_OPEN) */
#define WEFT_REGION_MAGIC	0x54464557u	/* "WEFT" */
#define WEFT_DEV_NAME		"weft"		/* /dev/weft */

#define WEFT_NAME_MAX		32	/* daemon (channel) name incl. NUL */
#define WEFT_FSNAME_MAX		64	/* file system name incl. NUL */
#define WEFT_MAX_QUEUES		64
#define WEFT_MAX_DEPTH		1024	/* power of two */
#define WEFT_MIN_IO_SIZE	4096
#define WEFT_MAX_IO_SIZE	(1u << 20)
#define WEFT_DEFAULT_IO_SIZE	(256u << 10)
#define WEFT_PAGE_ALIGN		4096

/* ------------------------------------------------------------------ */
/* ioctls on /dev/weft                                                 */

struct weft_attach {
	__u32 abi_version;	/* in: WEFT_ABI_VERSION */
	__u32 nr_queues;	/* in: wanted (0 = one per CPU); out: granted */
	__u32 queue_depth;	/* in: wanted (power of two); out: granted */
	__u32 max_io_size;	/* in: wanted per-slot buffer; out: granted */
	__u64 region_size;	/* out: bytes to mmap at offset 0 */
	__u32 flags;		/* out: WEFT_ATTACH_* */
	__u32 pending;		/* out: requests waiting from a previous daemon */
	char name[WEFT_NAME_MAX];	/* in: channel name, NUL terminated */
	__u64 reserved[4];	/* must be zero */
};

/* out flags */
#define WEFT_ATTACH_RESUMED	(1u << 0)	/* re-attached within grace */

struct weft_enter {
	__u32 queue;		/* in: queue index */
	__u32 flags;		/* in: WEFT_ENTER_* */
	__u32 spin_us;		/* in: busy-poll this long before sleeping */
	__u32 timeout_ms;	/* in: max sleep, 0 = until work or signal */
	__u32 reaped;		/* out: completions consumed */
	__u32 rejected;		/* out: completions rejected as invalid */
	__u32 available;	/* out: SQ entries ready for the daemon */
	__u32 pad;
};

#define WEFT_ENTER_WAIT		(1u << 0)	/* sleep until SQ has work */

#define WEFT_IOC_MAGIC		0xB7
#define WEFT_IOC_ATTACH		_IOWR(WEFT_IOC_MAGIC, 1, struct weft_attach)
/* reap this queue's CQ, then (with WEFT_ENTER_WAIT) wait for SQ entries */
#define WEFT_IOC_ENTER		_IOWR(WEFT_IOC_MAGIC, 2, struct weft_enter)
/* daemon -> kernel cache invalidation, see struct weft_notify */
#define WEFT_IOC_NOTIFY		_IOW(WEFT_IOC_MAGIC, 3, struct weft_notify)

/* ------------------------------------------------------------------ */
/* shared region                                                       */

struct weft_region_header {
	__u32 magic;		/* WEFT_REGION_MAGIC */
	__u32 abi_version;
	__u32 nr_queues;
	__u32 queue_depth;
	__u32 max_io_size;
	__u32 pad;
	__u64 queue_offset;	/* offset of queue 0 */
	__u64 queue_stride;	/* bytes between queues */
	__u64 sq_offset;	/* within a queue */
	__u64 cq_offset;	/* within a queue */
	__u64 data_offset;	/* within a queue; slot t at data_offset + t * max_io_size */
};

#define WEFT_CACHELINE 64

/* One cache line per producer/consumer index: no false sharing. */
struct weft_queue_ctl {
	__u32 sq_head;		/* daemon writes */
	__u32 pad0[15];
	__u32 sq_tail;		/* kernel writes */
	__u32 pad1[15];
	__u32 cq_head;		/* kernel writes */
	__u32 pad2[15];
	__u32 cq_tail;		/* daemon writes */
	__u32 pad3[15];
	__u32 flags;		/* daemon writes: WEFT_QCTL_* */
	__u32 pad4[15];
	__u32 kflags;		/* kernel writes: WEFT_QKF_* */
	__u32 pad5[15];
};

#define WEFT_QCTL_SLEEPING	(1u << 0)	/* daemon may sleep: kernel must wake it */
#define WEFT_QKF_DEAD		(1u << 0)	/* channel is being torn down */

/* ------------------------------------------------------------------ */
/* opcodes                                                             */

enum weft_opcode {
	WEFT_OP_INVALID		= 0,
	WEFT_OP_MOUNT		= 1,	/* in: fs name; out: weft_mount_out */
	WEFT_OP_UMOUNT		= 2,
	WEFT_OP_LOOKUP		= 3,	/* in: name; out: weft_entry_out */
	WEFT_OP_FORGET		= 4,
	WEFT_OP_GETATTR		= 5,	/* out: weft_attr_out */
	WEFT_OP_SETATTR		= 6,
	WEFT_OP_STATFS		= 7,	/* out: weft_statfs_out */
	WEFT_OP_READDIR		= 8,	/* out: packed weft_dirent */
	WEFT_OP_MKNOD		= 9,
	WEFT_OP_MKDIR		= 10,
	WEFT_OP_UNLINK		= 11,
	WEFT_OP_RMDIR		= 12,
	WEFT_OP_RENAME		= 13,
	WEFT_OP_LINK		= 14,
	WEFT_OP_SYMLINK		= 15,
	WEFT_OP_READLINK	= 16,
	WEFT_OP_CREATE		= 17,
	WEFT_OP_OPEN		= 18,
	WEFT_OP_RELEASE		= 19,
	WEFT_OP_READ		= 20,
	WEFT_OP_WRITE		= 21,
	WEFT_OP_FSYNC		= 22,
	WEFT_OP_FALLOCATE	= 23,
	WEFT_OP_LSEEK		= 24,
	WEFT_OP_GETXATTR	= 25,
	WEFT_OP_SETXATTR	= 26,
	WEFT_OP_LISTXATTR	= 27,
	WEFT_OP_REMOVEXATTR	= 28,
	WEFT_OP_COPY_RANGE	= 29,
	WEFT_OP_MGMT		= 64,	/* in/out: JSON management request */
	WEFT_OP_MAX
};

/* ------------------------------------------------------------------ */
/* submission entry: 128 bytes                                         */

struct weft_sqe {
	__u32 opcode;		/* enum weft_opcode */
	__u32 tag;		/* slot index, 0 .. queue_depth-1 */
	__u32 gen;		/* slot generation; echo in the completion */
	__u32 flags;
	__u64 nodeid;		/* inode the op is on (parent for namespace ops) */
	__u64 fh;		/* daemon's open handle, when the op has one */
	__u64 unique;		/* monotonically increasing request id (tracing) */
	__u32 uid;		/* caller's fsuid, in the mount's user namespace */
	__u32 gid;		/* caller's fsgid */
	__u32 pid;
	__u32 in_len;		/* bytes of input payload in the slot's buffer */
	__u32 out_max;		/* room for output payload in the slot's buffer */
	__u32 pad;
	union {
		struct {
			__u64 pos;	/* readdir cookie to continue from */
		} readdir;
		struct {
			__u64 offset;
			__u32 size;
			__u32 flags;
		} rw;
		__u8 raw[64];
	} u;
};

/* completion entry: 32 bytes */
struct weft_cqe {
	__u32 tag;
	__u32 gen;
	__s32 result;		/* 0 or -errno (-1 .. -WEFT_MAX_ERRNO) */
	__u32 out_len;		/* output payload bytes in the slot's buffer */
	__u64 flags;
	__u64 reserved;
};

#define WEFT_MAX_ERRNO		4095

/* ------------------------------------------------------------------ */
/* payloads                                                            */

struct weft_attr {
	__u64 ino;
	__u64 size;
	__u64 blocks;		/* 512-byte units */
	__s64 atime_sec;
	__s64 mtime_sec;
	__s64 ctime_sec;
	__u32 atime_nsec;
	__u32 mtime_nsec;
	__u32 ctime_nsec;
	__u32 mode;
	__u32 nlink;
	__u32 uid;
	__u32 gid;
	__u32 rdev;
	__u32 blksize;
	__u32 generation;
};

struct weft_attr_out {
	__u64 attr_valid_ns;	/* how long the kernel may cache it */
	struct weft_attr attr;
};

struct weft_entry_out {
	__u64 nodeid;		/* 0 = negative entry */
	__u64 entry_valid_ns;
	__u64 attr_valid_ns;
	struct weft_attr attr;
};

struct weft_mount_out {
	__u32 abi_version;
	__u32 block_size;
	__u64 max_file_size;
	struct weft_entry_out root;
};

struct weft_statfs_out {
	__u64 blocks;		/* in bsize units */
	__u64 bfree;
	__u64 bavail;
	__u64 files;
	__u64 ffree;
	__u32 bsize;
	__u32 namelen;
	__u32 frsize;
	__u32 pad;
};

/*
 * READDIR output: a sequence of records, each 8-byte aligned.  off is the
 * cookie that continues the listing after this entry (stable across
 * concurrent changes).  name is not NUL terminated.
 */
struct weft_dirent {
	__u64 ino;
	__u64 off;
	__u32 namelen;
	__u32 type;		/* DT_* */
	char name[];
};

#define WEFT_DIRENT_ALIGN(x)	(((x) + 7) & ~(__u64)7)
#define WEFT_DIRENT_SIZE(namelen) \
	WEFT_DIRENT_ALIGN(sizeof(struct weft_dirent) + (namelen))

/*
 * Namespace and data payloads (issue 4).  Names are never NUL terminated;
 * their lengths are given explicitly.  Every reply is validated by the
 * kernel before use.
 */

/*
 * CREATE, MKNOD, MKDIR, SYMLINK (sqe.nodeid = parent):
 * in = struct weft_create_in, then namelen bytes of name, then (SYMLINK
 * only) the target: the rest of in_len, 1..4095 bytes, no NUL.
 * out = struct weft_entry_out (nodeid != 0, attr of the new node).
 * mode is final (umask and setgid stripping already applied by the VFS);
 * uid/gid are the owner the kernel chose (setgid directories included).
 * CREATE with WEFT_CREATE_TMPFILE (O_TMPFILE): no name (namelen 0); the
 * file is made with no link (nlink 0) and lives while open or until a
 * LINK names it.  With WEFT_CREATE_ACLS, inherited ACLs follow the name
 * (struct weft_create_acls below).  CREATE with WEFT_CREATE_OPEN also
 * opens the new file, as OPEN would, in the same step: out = struct
 * weft_create_out, whose fh the kernel RELEASEs like OPEN's.
 */
struct weft_create_in {
	__u32 mode;		/* S_IF* | permissions */
	__u32 rdev;		/* MKNOD of S_IFCHR/S_IFBLK: new_encode_dev() */
	__u32 uid;
	__u32 gid;
	__u32 namelen;		/* 1..255 */
	__u32 flags;		/* WEFT_CREATE_*; zero for the other opcodes */
};

#define WEFT_CREATE_TMPFILE	(1u << 0)
#define WEFT_CREATE_ACLS	(1u << 1)	/* a struct weft_create_acls follows the name */
#define WEFT_CREATE_OPEN	(1u << 2)	/* CREATE only: open it too (weft_create_out) */

/* CREATE with WEFT_CREATE_OPEN: the new entry and its open handle. */
struct weft_create_out {
	struct weft_entry_out entry;
	__u64 fh;		/* as weft_open_out.fh */
	__u64 pad;		/* zero */
};

/*
 * WEFT_CREATE_ACLS (CREATE, MKNOD, MKDIR; never SYMLINK): the POSIX ACLs the
 * new node inherits from its directory's default ACL, as posix_acl_create()
 * computed them, stored by the daemon in the same atomic change as the node
 * itself.  After the name: this header, then access_len bytes of the
 * system.posix_acl_access value, then default_len bytes of the
 * system.posix_acl_default value (directories only), in the VFS's xattr
 * format (struct posix_acl_xattr_header + entries, ids in the initial user
 * namespace).  The header plus both values are exactly the rest of in_len;
 * at least one value is present; each is at most WEFT_XATTR_SIZE_MAX bytes.
 * version is WEFT_CREATE_ACLS_VERSION; a daemon refuses another (EPROTO).
 */
struct weft_create_acls {
	__u32 version;		/* WEFT_CREATE_ACLS_VERSION */
	__u32 access_len;	/* bytes of system.posix_acl_access, 0 = none */
	__u32 default_len;	/* bytes of system.posix_acl_default, 0 = none */
	__u32 pad;		/* zero */
};

#define WEFT_CREATE_ACLS_VERSION	1

/* UNLINK, RMDIR (sqe.nodeid = parent): in = name; out = nothing. */

/*
 * RENAME (sqe.nodeid = old parent): in = struct weft_rename_in, old name,
 * new name.  out = nothing.  flags: RENAME_NOREPLACE (1), RENAME_EXCHANGE (2),
 * RENAME_WHITEOUT (4: in the same atomic change the old name becomes a
 * whiteout, a character device 0:0 owned by the caller; not with EXCHANGE).
 */
struct weft_rename_in {
	__u64 newdir;		/* new parent nodeid */
	__u32 flags;
	__u32 oldnamelen;	/* 1..255 */
	__u32 newnamelen;	/* 1..255 */
	__u32 pad;		/* zero */
};

#define WEFT_RENAME_NOREPLACE	(1u << 0)
#define WEFT_RENAME_EXCHANGE	(1u << 1)
#define WEFT_RENAME_WHITEOUT	(1u << 2)	/* old name becomes a char device 0:0 */

/*
 * LINK (sqe.nodeid = new parent): in = struct weft_link_in, then the new
 * name; out = struct weft_entry_out of the linked inode.
 */
struct weft_link_in {
	__u64 nodeid;		/* existing inode */
	__u32 namelen;		/* 1..255 */
	__u32 pad;		/* zero */
};

/* READLINK (sqe.nodeid = symlink): out = target, 1..4095 bytes, no NUL. */

/*
 * SETATTR (sqe.nodeid = inode): in = struct weft_setattr_in; out = struct
 * weft_attr_out after the change.  Only fields named in valid are applied.
 */
struct weft_setattr_in {
	__u32 valid;		/* WEFT_SETATTR_* */
	__u32 mode;		/* permission bits only (07777) */
	__u32 uid;
	__u32 gid;
	__u64 size;
	__s64 atime_sec;
	__s64 mtime_sec;
	__s64 ctime_sec;
	__u32 atime_nsec;
	__u32 mtime_nsec;
	__u32 ctime_nsec;
	__u32 pad;		/* zero */
};

#define WEFT_SETATTR_MODE	(1u << 0)
#define WEFT_SETATTR_UID	(1u << 1)
#define WEFT_SETATTR_GID	(1u << 2)
#define WEFT_SETATTR_SIZE	(1u << 3)
#define WEFT_SETATTR_ATIME	(1u << 4)
#define WEFT_SETATTR_MTIME	(1u << 5)
#define WEFT_SETATTR_CTIME	(1u << 6)

/*
 * OPEN (sqe.nodeid = inode, u.rw.flags = open flags): out = struct
 * weft_open_out.  RELEASE (sqe.fh = the handle): out = nothing.  An
 * unlinked inode lives on while it has open handles.
 */
struct weft_open_out {
	__u64 fh;
	__u32 open_flags;	/* reserved, zero */
	__u32 pad;
};

/*
 * READ (sqe.nodeid, u.rw.offset, u.rw.size <= out_max): out = the bytes at
 * offset, at most size; fewer means end of file.
 * WRITE (u.rw.offset, u.rw.size = in_len): in = the data; out = struct
 * weft_write_out, size <= u.rw.size.
 * FSYNC (u.rw.flags = WEFT_FSYNC_DATASYNC or 0): out = nothing; completes
 * once the inode's data (and, without DATASYNC, attributes) are durable.
 */
struct weft_write_out {
	__u32 size;		/* bytes written */
	__u32 pad;
};

#define WEFT_FSYNC_DATASYNC	(1u << 0)

#define WEFT_SYMLINK_MAX	4095	/* target bytes, without NUL */

/*
 * Extended attributes.  Names are full ("user.x", "trusted.y",
 * "security.z", "system.posix_acl_access"), 1..WEFT_XATTR_NAME_MAX bytes,
 * not NUL terminated; values are 0..WEFT_XATTR_SIZE_MAX bytes.  The kernel
 * checks permissions (namespaces, CAP_SYS_ADMIN for trusted.*) before asking.
 *
 * GETXATTR (sqe.nodeid, u.rw.size = room for the value, 0 = only its size):
 * in = name.  out: with size 0, struct weft_xattr_out; else the value, at
 * most size bytes (ERANGE when larger).  ENODATA when absent.
 * SETXATTR: in = struct weft_setxattr_in, name, value; out = nothing.
 * flags: WEFT_XATTR_CREATE (EEXIST when present), WEFT_XATTR_REPLACE
 * (ENODATA when absent).
 * LISTXATTR: out = every name, each followed by a NUL, at most out_max
 * bytes (ERANGE when the list is longer).  The kernel filters what the
 * caller may see.
 * REMOVEXATTR: in = name; out = nothing; ENODATA when absent.
 */
#define WEFT_XATTR_NAME_MAX	255
#define WEFT_XATTR_SIZE_MAX	65536

struct weft_xattr_out {
	__u32 size;		/* value bytes */
	__u32 pad;
};

struct weft_setxattr_in {
	__u32 namelen;		/* 1..WEFT_XATTR_NAME_MAX */
	__u32 size;		/* value bytes that follow the name */
	__u32 flags;		/* WEFT_XATTR_* */
	__u32 pad;		/* zero */
};

#define WEFT_XATTR_CREATE	(1u << 0)
#define WEFT_XATTR_REPLACE	(1u << 1)

/*
 * FALLOCATE (sqe.nodeid): in = struct weft_fallocate_in; out = struct
 * weft_attr_out after the change.  mode: 0 (allocate, may grow the file),
 * KEEP_SIZE, PUNCH_HOLE|KEEP_SIZE (the range reads as zeros), ZERO_RANGE
 * [|KEEP_SIZE]; anything else EOPNOTSUPP.  Values are FALLOC_FL_*.
 */
struct weft_fallocate_in {
	__u64 offset;
	__u64 length;		/* > 0 */
	__u32 mode;
	__u32 pad;		/* zero */
};

#define WEFT_FALLOC_KEEP_SIZE	0x01
#define WEFT_FALLOC_PUNCH_HOLE	0x02
#define WEFT_FALLOC_ZERO_RANGE	0x10

/*
 * LSEEK (sqe.nodeid, u.rw.offset, u.rw.flags = WEFT_SEEK_DATA or
 * WEFT_SEEK_HOLE): out = struct weft_lseek_out, the first offset >= the
 * one asked that is data (a hole; end of file counts as one).  ENXIO when
 * there is none (offset at or past the end of the file).  Allocated zeros
 * may be reported as data, data never as a hole.
 */
struct weft_lseek_out {
	__u64 offset;
};

#define WEFT_SEEK_DATA		3
#define WEFT_SEEK_HOLE		4

/* ------------------------------------------------------------------ */
/* daemon -> kernel notifications (WEFT_IOC_NOTIFY)                    */

enum weft_notify_type {
	WEFT_NOTIFY_INVAL_INODE	= 1,	/* attrs of nodeid, pages [offset, offset+len) */
	WEFT_NOTIFY_INVAL_ENTRY	= 2,	/* name under parent nodeid */
};

struct weft_notify {
	__u32 type;
	__u32 namelen;
	__u64 nodeid;
	__s64 offset;
	__s64 len;		/* -1 = to end of file, 0 = attributes only */
	char name[256];
};

#endif /* _UAPI_LINUX_WEFT_RING_H */

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * weft.ko internal interfaces.  One file per concern, as in fs/fuse:
 *   main.c     module init/exit
 *   dev.c      /dev/weft: attach, mmap, enter (the daemon's side of the ring)
 *   chan.c     channel registry: one per daemon name, outlives its daemon
 *              by the grace period; control-plane entry points
 *   req.c      request lifecycle: slots, SQ publish, CQ reap and validation
 *   region.c   the shared region: NUMA-local pages per queue, mmap
 *   netlink.c  the `weft` generic-netlink family
 *   inode.c    file system type, mount, super block, inodes, getattr
 *   dir.c      lookup, d_revalidate, readdir, namespace changes, O_TMPFILE
 *   file.c     regular files: open/release, page cache reads and readahead,
 *              buffered writes (writeback cache, or write-through with
 *              -o nowriteback), batched writeback, O_DIRECT, fsync,
 *              fallocate, SEEK_DATA/SEEK_HOLE; symlink targets
 *   xattr.c    extended attributes and POSIX ACLs
 *   notify.c   daemon -> kernel cache invalidation (WEFT_IOC_NOTIFY)
 */
#ifndef _WEFT_H
#define _WEFT_H

#include <linux/fs.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/miscdevice.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include "compat.h"
#include "weft_ring.h"
#include "weft_netlink.h"

#ifndef WEFT_MODULE_VERSION
#define WEFT_MODULE_VERSION "unknown"
#endif

#define WEFT_SUPER_MAGIC	0x57454654	/* "WEFT" */
#define WEFT_DEFAULT_TIMEOUT_MS	60000u
#define WEFT_MAX_TIMEOUT_MS	(24u * 3600 * 1000)
#define WEFT_MAX_GRACE_MS	(24u * 3600 * 1000)
/* largest region one daemon may map: depth * max_io * queues adds up fast */
#define WEFT_REGION_MAX		(1ull << 30)
/* longest busy-poll WEFT_IOC_ENTER honours */
#define WEFT_MAX_SPIN_US	1000u

/* dev.c */
extern struct miscdevice weft_miscdev;

/* inode.c */
extern struct file_system_type weft_fs_type;

/* ------------------------------------------------------------------ */
/* channels and queues (chan.c, req.c)                                 */

enum weft_chan_state {
	WEFT_CHAN_ATTACHED,	/* a daemon is attached */
	WEFT_CHAN_WAITING,	/* daemon gone, within the grace period */
	WEFT_CHAN_DEAD,		/* every request fails with ENOTCONN */
};

enum weft_slot_state {
	WEFT_SLOT_FREE,
	WEFT_SLOT_RESERVED,	/* owned by a request not (yet, or no longer) published */
	WEFT_SLOT_INFLIGHT,	/* published; the daemon owns the data buffer */
	WEFT_SLOT_ZOMBIE,	/* published, caller gone: kept until completed */
};

struct weft_req;
struct weft_mount_info;

struct weft_slot {
	struct weft_req *req;	/* NULL unless RESERVED or INFLIGHT */
	u32 gen;
	u8 state;
};

/*
 * How a queue's round trips went, for `weft stats --queues`: whether the
 * caller's completion was found by polling or needed a sleep and a
 * wake-up, and whether the daemon's ENTER found work while it spun.
 * Counted without the lock (a lost increment is harmless).
 */
struct weft_queue_stats {
	unsigned long polled;		/* completion seen while the caller polled */
	unsigned long slept;		/* the caller slept for its completion */
	unsigned long daemon_woken;	/* a submission woke a sleeping daemon */
	unsigned long spin_found;	/* ENTER's spin found a request */
	unsigned long spin_missed;	/* ENTER spun, then slept */
};

/*
 * One queue: a submission ring, a completion ring and depth slots.  The
 * ring pointers point into the current daemon's region and are NULL while
 * no daemon is attached.  Everything is protected by lock, a spinlock:
 * every critical section is short and never sleeps (it wakes tasks at
 * most).  nr_free and sq_tail are also read locklessly by wait
 * conditions; daemon_cpu and poll_us are lockless hints (req.c, dev.c).
 */
struct weft_queue {
	spinlock_t lock;
	struct weft_chan *chan;
	u32 idx;
	struct weft_queue_ctl *ctl;
	struct weft_sqe *sq;
	struct weft_cqe *cq;
	u8 *data;
	u32 sq_tail;		/* kernel's copy: never read back from ctl */
	u32 sq_head;		/* last validated daemon sq_head */
	u32 cq_head;		/* kernel's copy */
	u32 nr_free;
	u16 *free;		/* stack of free tags */
	struct weft_slot *slots;
	struct list_head pending;	/* RESERVED requests waiting for the SQ */
	struct list_head backlog;	/* async requests waiting for a slot */
	wait_queue_head_t slot_wq;	/* callers waiting for a free slot */
	wait_queue_head_t daemon_wq;	/* daemon waiting in ENTER for SQ entries */
	int daemon_cpu;		/* CPU the daemon busy-polls or serves on, -1: asleep */
	u32 poll_us;		/* how long a caller may poll for its completion */
	struct weft_queue_stats qs;	/* how round trips went (req.c, dev.c) */
};

struct weft_daemon;

struct weft_chan {
	struct kref kref;
	struct list_head node;		/* weft_chans, while registered */
	bool registered;
	char name[WEFT_NAME_MAX];
	int state;			/* enum weft_chan_state; written under weft_chan_mutex */
	struct weft_daemon *daemon;
	u32 nr_queues, depth, max_io;
	struct weft_queue *queues;
	u32 timeout_ms, grace_ms;
	unsigned int mounts;
	atomic64_t unique;
	atomic64_t submitted, completed, rejected, timedout;
	struct delayed_work grace_work;
	unsigned long grace_deadline;	/* jiffies, while WAITING */
};

/* The region shared with one daemon (region.c). */
struct weft_region {
	size_t size;
	unsigned long nr_pages;
	struct page **pages;	/* in region order */
	void *hdr;		/* kernel view of the header page */
	u32 nr_queues;
	void **qbase;		/* kernel view of each queue */
};

/* The daemon's open /dev/weft. */
struct weft_daemon {
	struct mutex lock;
	struct weft_chan *chan;	/* set once attached */
	struct weft_region *region;
};

extern struct mutex weft_chan_mutex;

/* chan.c */
u64 weft_queue_stride(u32 depth, u32 max_io);
struct weft_chan *weft_chan_find_get(const char *name, int *nr_attached);
void weft_chan_put(struct weft_chan *chan);
int weft_chan_attach(struct weft_daemon *d, struct weft_attach *at);
void weft_chan_detach(struct weft_daemon *d);
int weft_chan_set_timeouts(struct weft_chan *chan, const u32 *timeout_ms, const u32 *grace_ms);
void weft_chan_exit(void);

/*
 * A request.  The caller owns it (often on its stack) and the buffers it
 * points to; req.c guarantees that once weft_req_send() returns no one
 * references it any more.  An asynchronous one (weft_req_alloc_async(),
 * weft_req_send_async()) belongs to req.c from the send on, which frees it
 * when the daemon completes it or goes away.
 */
struct weft_req {
	/* in: opcode, nodeid, fh, u set by the caller; the rest by req.c */
	struct weft_sqe sqe;
	const void *in;
	u32 in_len;
	void *out;		/* kernel buffer of out_max bytes */
	u32 out_max;
	unsigned int flags;	/* WEFT_REQF_* */
	/* out */
	int result;
	u32 out_len;
	/* private to req.c, under q->lock */
	struct weft_queue *q;
	struct list_head list;
	int state;		/* DONE is stored with release: then req is the caller's */
	struct task_struct *task;	/* the caller, woken on completion; NULL: async */
	u64 start_ns;			/* async: when it was sent (stats) */
};

#define WEFT_REQF_NOGRACE	(1u << 0)	/* fail at once if no daemon attached */
#define WEFT_REQF_ASYNC		(1u << 1)	/* nobody waits: req.c frees it */

enum weft_req_state {
	WEFT_REQ_NEW,
	WEFT_REQ_PENDING,
	WEFT_REQ_INFLIGHT,
	WEFT_REQ_DONE,
};

/* region.c */
struct weft_region *weft_region_alloc(const struct weft_region_header *h);
void weft_region_free(struct weft_region *r);
int weft_region_mmap(struct weft_region *r, struct vm_area_struct *vma);

/* req.c */
void weft_req_init(struct weft_req *req, u32 opcode, u64 nodeid);
int weft_req_send(struct weft_chan *chan, struct weft_req *req);
struct weft_req *weft_req_alloc_async(u32 opcode, u64 nodeid);
void weft_req_send_async(struct weft_chan *chan, struct weft_req *req);
int weft_queues_alloc(struct weft_chan *chan);
void weft_queues_free(struct weft_chan *chan);
u32 weft_queue_connect(struct weft_queue *q, u8 *base, const struct weft_region_header *h);
void weft_queue_disconnect(struct weft_queue *q, bool fail);
void weft_queue_reap(struct weft_queue *q, u32 *reaped, u32 *rejected);
u32 weft_queue_available(struct weft_queue *q, u32 *rejected);
bool weft_attr_valid(const struct weft_attr *a);
int weft_dirent_next(const void *buf, u32 len, u32 *pos, const struct weft_dirent **de);

/* ------------------------------------------------------------------ */
/* file system (inode.c, dir.c)                                        */

struct weft_sb {
	struct weft_chan *chan;
	struct list_head node;		/* weft_mounts */
	char fsname[WEFT_FSNAME_MAX];
	u64 root_nodeid;
	u32 attr_timeout, entry_timeout, negative_timeout;	/* seconds */
	u32 timeout, grace;		/* seconds, when set (mount options) */
	unsigned int set;		/* WEFT_OPT_* given at mount */
	bool writeback;			/* writeback cache (default), else write-through */
	/* notify.c: the live super block, under weft_notify_sem */
	struct super_block *sb;
	struct list_head notify_node;
};

#define WEFT_OPT_TIMEOUT	(1u << 0)
#define WEFT_OPT_GRACE		(1u << 1)

struct weft_inode {
	struct inode vfs_inode;
	u64 nodeid;
	unsigned long attr_expires;	/* jiffies */
	spinlock_t lock;		/* attribute updates */
	unsigned long flags;		/* WEFT_I_* bits */
	u64 size_ver;			/* under lock: bumped when local writes move data or size */
};

/*
 * WEFT_I_TIMES_DIRTY: a buffered write moved mtime/ctime here that weftd has
 * not been told yet (writeback cache: the kernel owns them until then).
 */
#define WEFT_I_TIMES_DIRTY	0

static inline struct weft_inode *WEFT_I(const struct inode *inode)
{
	return container_of(inode, struct weft_inode, vfs_inode);
}

static inline struct weft_sb *WEFT_SB(const struct super_block *sb)
{
	return sb->s_fs_info;
}

static inline u64 weft_nodeid(const struct inode *inode)
{
	return WEFT_I(inode)->nodeid;
}

/* inode.c */
int weft_fs_init(void);
void weft_fs_exit(void);
struct inode *weft_iget(struct super_block *sb, u64 nodeid,
			const struct weft_attr *attr, u64 attr_valid_ns);
void weft_update_attr(struct inode *inode, const struct weft_attr *attr, u64 attr_valid_ns);
unsigned long weft_expiry(u64 valid_ns, u32 cap_s);
int weft_send(struct inode *inode, struct weft_req *req);
int weft_mount_options(struct weft_sb *sbi, char *buf, size_t len);
int weft_mount_list_locked(int (*fn)(const struct weft_mount_info *info, void *arg), void *arg);
extern const struct inode_operations weft_file_inode_operations;
extern const struct inode_operations weft_symlink_inode_operations;
extern const struct inode_operations weft_special_inode_operations;
int weft_getattr(WEFT_IDMAP_ARG, const struct path *path, struct kstat *stat,
		 u32 request_mask, unsigned int flags);
int weft_setattr(WEFT_IDMAP_ARG, struct dentry *dentry, struct iattr *attr);
int weft_setattr_mode(struct inode *inode, umode_t mode);
int weft_revalidate(struct inode *inode);
int weft_write_times(struct inode *inode);
void weft_size_changed(struct inode *inode);

/* xattr.c */
extern const struct xattr_handler *weft_xattr_handlers[];
int weft_xattr_get(struct inode *inode, const char *name, void *value, size_t size);
int weft_xattr_set(struct inode *inode, const char *name, const void *value, size_t size,
		   int flags);
ssize_t weft_listxattr(struct dentry *dentry, char *list, size_t size);
struct posix_acl *weft_get_inode_acl(struct inode *inode, int type, bool rcu);
int weft_set_acl(WEFT_IDMAP_ARG, WEFT_SET_ACL_TARGET *target, struct posix_acl *acl, int type);
int weft_acl_prepare(struct inode *dir, umode_t *mode, struct posix_acl **default_acl,
		     struct posix_acl **acl);
void *weft_acl_encode(struct posix_acl *default_acl, struct posix_acl *acl, u32 *len);
void weft_acl_cache_new(struct inode *inode, struct posix_acl *default_acl,
			struct posix_acl *acl);

/* dir.c */
extern const struct inode_operations weft_dir_inode_operations;
extern const struct file_operations weft_dir_operations;
extern const struct dentry_operations weft_dentry_operations;
void weft_attr_expire(struct inode *inode);

/* notify.c */
void weft_notify_sb_add(struct super_block *sb);
void weft_notify_sb_del(struct super_block *sb);
long weft_notify(struct weft_daemon *d, const struct weft_notify __user *un);

/* file.c */
extern const struct file_operations weft_file_operations;
extern const struct address_space_operations weft_file_aops;
int weft_open_created(struct file *file, struct dentry *dentry, u64 fh);
void weft_release_handle(struct super_block *sb, u64 nodeid, u64 fh);
const char *weft_get_link(struct dentry *dentry, struct inode *inode,
			  struct delayed_call *done);

/*
 * Channel registry (chan.c), for the control plane (netlink.c).  A channel
 * is one daemon attachment name; it outlives its daemon by the grace period.
 */
struct weft_chan_info {
	char name[WEFT_NAME_MAX];
	const char *state;		/* "attached", "waiting" (in grace), "dead" */
	u32 nr_queues, queue_depth, max_io_size;
	u32 timeout_ms, grace_ms, mounts;
	u64 submitted, completed, rejected, timedout;
};

struct weft_queue_info {
	char channel[WEFT_NAME_MAX];
	u32 queue, in_flight;
	struct weft_queue_stats stats;
};

struct weft_mount_info {
	char channel[WEFT_NAME_MAX];
	char fsname[WEFT_FSNAME_MAX];
	char options[256];
};

/*
 * Call fn for each channel / mount until it returns non-zero; returns that.
 * fn runs under the registry mutex: it must not call back into weft_chan_*.
 */
int weft_chan_list(int (*fn)(const struct weft_chan_info *info, void *arg), void *arg);
int weft_mount_list(int (*fn)(const struct weft_mount_info *info, void *arg), void *arg);
int weft_queue_list(int (*fn)(const struct weft_queue_info *info, void *arg), void *arg);
/* Set per-request timeout and/or grace period; NULL leaves one unchanged. */
int weft_chan_set(const char *name, const u32 *timeout_ms, const u32 *grace_ms);
/*
 * Relay a JSON management request to the daemon attached as name (NULL: the
 * only attached daemon) as WEFT_OP_MGMT; on success *out is a kvmalloc'ed
 * reply of *out_len bytes (not NUL terminated) that the caller kvfree()s.
 */
int weft_chan_mgmt(const char *name, const char *json, size_t len,
		   char **out, size_t *out_len);

/* netlink.c */
int weft_netlink_init(void);
void weft_netlink_exit(void);

#endif /* _WEFT_H */

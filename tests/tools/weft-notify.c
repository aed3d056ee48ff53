// SPDX-License-Identifier: GPL-2.0
/*
 * weft-notify: checks daemon -> kernel invalidation (WEFT_IOC_NOTIFY)
 * against the real weft.ko.
 *
 *   weft-notify NAME MNT
 *
 * Attaches as NAME, serves a tiny tree with hour-long attribute and entry
 * timeouts, mounts NAME/default on MNT (attr_timeout, entry_timeout and
 * negative_timeout of an hour) and then, from its main thread while its
 * queue threads serve the kernel:
 *   - changes a file's contents, size and mode, a name's presence, and shows
 *     that the kernel still sees the old values (its caches are on), then
 *     sends the notification and shows that it sees the new ones at once;
 *   - sends malformed notifications and checks each errno;
 *   - sends notifications in a loop from another thread while the file
 *     system is mounted and unmounted over and over.
 * Exit status 0 only if every check held; a failure prints one line.  The
 * kernel log (no warning) is the VM rig's to judge.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <weft_ring.h>

#define HOUR_NS (3600ull * 1000000000ull)

static const char *prog = "weft-notify";

#include "tool_common.h"

/* ------------------------------------------------------------------ */
/* ring access (as tests/tools/weft-hostile.c)                         */

struct q {
	struct weft_queue_ctl *ctl;
	struct weft_sqe *sq;
	struct weft_cqe *cq;
	uint8_t *data;
	uint32_t depth, max_io, idx;
	uint32_t sq_head, cq_tail;
};

static int dev_fd = -1;
static struct weft_attach at;
static uint8_t *base;
static struct weft_region_header hdr;

static void ring_attach(const char *name)
{
	dev_fd = open(DEV, O_RDWR | O_CLOEXEC);
	if (dev_fd < 0)
		die("open %s: %s", DEV, strerror(errno));
	at.abi_version = WEFT_ABI_VERSION;
	at.queue_depth = 64;
	at.max_io_size = 64 << 10;
	snprintf(at.name, sizeof(at.name), "%s", name);
	if (ioctl(dev_fd, WEFT_IOC_ATTACH, &at))
		die("attach as %s: %s", name, strerror(errno));
	base = mmap(NULL, at.region_size, PROT_READ | PROT_WRITE, MAP_SHARED, dev_fd, 0);
	if (base == MAP_FAILED)
		die("mmap: %s", strerror(errno));
	memcpy(&hdr, base, sizeof(hdr));
}

static void ring_queue(uint32_t i, struct q *q)
{
	uint8_t *b = base + hdr.queue_offset + i * hdr.queue_stride;

	memset(q, 0, sizeof(*q));
	q->ctl = (void *)b;
	q->sq = (void *)(b + hdr.sq_offset);
	q->cq = (void *)(b + hdr.cq_offset);
	q->data = b + hdr.data_offset;
	q->depth = hdr.queue_depth;
	q->max_io = hdr.max_io_size;
	q->idx = i;
}

static int ring_enter(uint32_t queue, bool wait, uint32_t timeout_ms)
{
	struct weft_enter en = { .queue = queue, .timeout_ms = timeout_ms };

	en.flags = wait ? WEFT_ENTER_WAIT : 0;
	return ioctl(dev_fd, WEFT_IOC_ENTER, &en) ? -errno : 0;
}

static bool sq_take(struct q *q, struct weft_sqe *out)
{
	uint32_t tail = __atomic_load_n(&q->ctl->sq_tail, __ATOMIC_ACQUIRE);

	if (tail == q->sq_head)
		return false;
	memcpy(out, &q->sq[q->sq_head & (q->depth - 1)], sizeof(*out));
	q->sq_head++;
	__atomic_store_n(&q->ctl->sq_head, q->sq_head, __ATOMIC_RELEASE);
	return true;
}

static void cq_post(struct q *q, uint32_t tag, uint32_t gen, int32_t result, uint32_t out_len)
{
	struct weft_cqe *c = &q->cq[q->cq_tail & (q->depth - 1)];

	memset(c, 0, sizeof(*c));
	c->tag = tag;
	c->gen = gen;
	c->result = result;
	c->out_len = out_len;
	q->cq_tail++;
	__atomic_store_n(&q->ctl->cq_tail, q->cq_tail, __ATOMIC_RELEASE);
}

/* ------------------------------------------------------------------ */
/* the tree: / (1) holds f (2, a file) and, when present, g (3, a file) */

static pthread_mutex_t tree_mu = PTHREAD_MUTEX_INITIALIZER;
static char f_data[64] = "hello";
static uint32_t f_len = 5, f_mode = S_IFREG | 0644;
static bool f_present = true, g_present;

static void fill_attr(struct weft_attr *a, uint64_t id)
{
	memset(a, 0, sizeof(*a));
	a->ino = id;
	a->atime_sec = a->mtime_sec = a->ctime_sec = 1700000000;
	a->blksize = 4096;
	switch (id) {
	case 1:
		a->mode = S_IFDIR | 0755;
		a->nlink = 2;
		break;
	case 2:
		a->mode = f_mode;
		a->nlink = f_present;
		a->size = f_len;
		break;
	default:
		a->mode = S_IFREG | 0600;
		a->nlink = 1;
		break;
	}
}

static int32_t entry_reply(uint64_t id, void *buf, uint32_t *out_len)
{
	struct weft_entry_out e;

	memset(&e, 0, sizeof(e));
	e.nodeid = id;
	e.entry_valid_ns = HOUR_NS;
	e.attr_valid_ns = HOUR_NS;
	fill_attr(&e.attr, id);
	memcpy(buf, &e, sizeof(e));
	*out_len = sizeof(e);
	return 0;
}

static int32_t serve_one(const struct weft_sqe *s, void *buf, uint32_t *out_len)
{
	*out_len = 0;
	if (s->nodeid > 3)
		return -ESTALE;
	switch (s->opcode) {
	case WEFT_OP_MOUNT: {
		struct weft_mount_out m;

		if (s->in_len != 7 || memcmp(buf, "default", 7))
			return -ENOENT;
		memset(&m, 0, sizeof(m));
		m.abi_version = WEFT_ABI_VERSION;
		m.block_size = 4096;
		m.max_file_size = 1ull << 40;
		m.root.nodeid = 1;
		m.root.entry_valid_ns = HOUR_NS;
		m.root.attr_valid_ns = HOUR_NS;
		fill_attr(&m.root.attr, 1);
		memcpy(buf, &m, sizeof(m));
		*out_len = sizeof(m);
		return 0;
	}
	case WEFT_OP_GETATTR: {
		struct weft_attr_out a;

		memset(&a, 0, sizeof(a));
		a.attr_valid_ns = HOUR_NS;
		fill_attr(&a.attr, s->nodeid);
		memcpy(buf, &a, sizeof(a));
		*out_len = sizeof(a);
		return 0;
	}
	case WEFT_OP_LOOKUP:
		if (s->nodeid != 1)
			return -ENOENT;
		if (f_present && s->in_len == 1 && !memcmp(buf, "f", 1))
			return entry_reply(2, buf, out_len);
		if (g_present && s->in_len == 1 && !memcmp(buf, "g", 1))
			return entry_reply(3, buf, out_len);
		return -ENOENT;
	case WEFT_OP_OPEN: {
		struct weft_open_out o = { .fh = s->nodeid };

		memcpy(buf, &o, sizeof(o));
		*out_len = sizeof(o);
		return 0;
	}
	case WEFT_OP_READ:
		if (s->nodeid != 2)
			return 0;
		if (s->u.rw.offset < f_len) {
			uint32_t n = f_len - s->u.rw.offset;

			if (n > s->u.rw.size)
				n = s->u.rw.size;
			memcpy(buf, f_data + s->u.rw.offset, n);
			*out_len = n;
		}
		return 0;
	case WEFT_OP_GETXATTR:
		return -ENODATA;
	case WEFT_OP_LISTXATTR:
	case WEFT_OP_RELEASE:
	case WEFT_OP_FORGET:
	case WEFT_OP_UMOUNT:
	case WEFT_OP_FSYNC:
		return 0;
	default:
		return -ENOSYS;
	}
}

static void *serve_queue(void *arg)
{
	struct q *q = arg;
	struct weft_sqe s;

	for (;;) {
		bool any = false;

		while (sq_take(q, &s)) {
			uint32_t out_len = 0;
			int32_t res = -EIO;

			if (s.tag < q->depth) {
				pthread_mutex_lock(&tree_mu);
				res = serve_one(&s, q->data + (size_t)s.tag * q->max_io, &out_len);
				pthread_mutex_unlock(&tree_mu);
			}
			cq_post(q, s.tag, s.gen, res, out_len);
			any = true;
		}
		if (any) {
			if (ring_enter(q->idx, false, 0))
				die("ENTER: %s", strerror(errno));
			continue;
		}
		__atomic_fetch_or(&q->ctl->flags, WEFT_QCTL_SLEEPING, __ATOMIC_SEQ_CST);
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		if (__atomic_load_n(&q->ctl->sq_tail, __ATOMIC_ACQUIRE) == q->sq_head) {
			int e = ring_enter(q->idx, true, 1000);

			if (e && e != -EINTR)
				die("ENTER: %s", strerror(-e));
		}
		__atomic_fetch_and(&q->ctl->flags, ~WEFT_QCTL_SLEEPING, __ATOMIC_SEQ_CST);
	}
	return NULL;
}

/* ------------------------------------------------------------------ */
/* checks                                                              */

static char path_f[4096], path_g[4096];
static const char *mnt, *chan_name;

/* 0 or the errno of WEFT_IOC_NOTIFY on fd */
static int notify_fd(int fd, const struct weft_notify *n)
{
	return ioctl(fd, WEFT_IOC_NOTIFY, n) ? errno : 0;
}

static int inval_inode(uint64_t nodeid, int64_t offset, int64_t len)
{
	struct weft_notify n = { .type = WEFT_NOTIFY_INVAL_INODE, .nodeid = nodeid,
				 .offset = offset, .len = len };

	return notify_fd(dev_fd, &n);
}

static int inval_entry(uint64_t parent, const char *name)
{
	struct weft_notify n = { .type = WEFT_NOTIFY_INVAL_ENTRY, .nodeid = parent };

	n.namelen = strlen(name);
	memcpy(n.name, name, n.namelen);
	return notify_fd(dev_fd, &n);
}

static void expect(const char *what, int got, int want)
{
	if (got != want)
		die("%s: got %s, want %s", what, errname(got), errname(want));
}

static void do_mount(void)
{
	char src[64];

	snprintf(src, sizeof(src), "%s/default", chan_name);
	if (mount(src, mnt, "weft", 0,
		  "attr_timeout=3600,entry_timeout=3600,negative_timeout=3600"))
		die("mount %s on %s: %s", src, mnt, strerror(errno));
}

static off_t size_of(const char *p)
{
	struct stat st;

	if (stat(p, &st))
		die("stat %s: %s", p, strerror(errno));
	return st.st_size;
}

static mode_t mode_of(const char *p)
{
	struct stat st;

	if (stat(p, &st))
		die("stat %s: %s", p, strerror(errno));
	return st.st_mode & 07777;
}

static int stat_errno(const char *p)
{
	struct stat st;

	return stat(p, &st) ? errno : 0;
}

/* the file's bytes (NUL terminated) through the page cache */
static const char *contents(const char *p)
{
	static char buf[128];
	ssize_t n;
	int fd = open(p, O_RDONLY);

	if (fd < 0)
		die("open %s: %s", p, strerror(errno));
	n = pread(fd, buf, sizeof(buf) - 1, 0);
	if (n < 0)
		die("read %s: %s", p, strerror(errno));
	buf[n] = 0;
	close(fd);
	return buf;
}

static void set_file(const char *data, uint32_t mode)
{
	pthread_mutex_lock(&tree_mu);
	snprintf(f_data, sizeof(f_data), "%s", data);
	f_len = strlen(data);
	f_mode = S_IFREG | mode;
	pthread_mutex_unlock(&tree_mu);
}

static void check_inode(void)
{
	if (size_of(path_f) != 5 || strcmp(contents(path_f), "hello"))
		die("f is not 'hello' at the start");
	/* same size, other bytes: the page cache still holds the old ones */
	set_file("HELLO", 0644);
	if (strcmp(contents(path_f), "hello"))
		die("the page cache is off: new bytes seen without a notification");
	/* attributes only: the size and mode are new, the pages stay */
	set_file("HELLO world", 0600);
	if (size_of(path_f) != 5 || mode_of(path_f) != 0644)
		die("attribute cache is off: new size/mode seen without a notification");
	expect("INVAL_INODE f attrs", inval_inode(2, 0, 0), 0);
	if (size_of(path_f) != 11 || mode_of(path_f) != 0600)
		die("after INVAL_INODE(len 0): size %lld mode %o, want 11 0600",
		    (long long)size_of(path_f), mode_of(path_f));
	if (strncmp(contents(path_f), "hello", 5))
		die("INVAL_INODE with len 0 dropped the page cache");
	/* a page range: offset 0, to the end of the file */
	expect("INVAL_INODE f pages", inval_inode(2, 0, -1), 0);
	if (strcmp(contents(path_f), "HELLO world"))
		die("after INVAL_INODE(0, -1): '%s', want 'HELLO world'", contents(path_f));
	/* a range that does not cover page 0 leaves it */
	set_file("howdy world", 0600);
	expect("INVAL_INODE f page 1..", inval_inode(2, 4096, 4096), 0);
	if (strcmp(contents(path_f), "HELLO world"))
		die("INVAL_INODE(4096, 4096) dropped page 0");
	expect("INVAL_INODE f page 0", inval_inode(2, 0, 1), 0);
	if (strcmp(contents(path_f), "howdy world"))
		die("after INVAL_INODE(0, 1): '%s', want 'howdy world'", contents(path_f));
}

static void check_entry(void)
{
	/* a negative entry is cached ... */
	expect("stat g (absent)", stat_errno(path_g), ENOENT);
	pthread_mutex_lock(&tree_mu);
	g_present = true;
	pthread_mutex_unlock(&tree_mu);
	expect("stat g (created behind the kernel's back)", stat_errno(path_g), ENOENT);
	/* ... until weftd says the name changed */
	expect("INVAL_ENTRY g", inval_entry(1, "g"), 0);
	expect("stat g after INVAL_ENTRY", stat_errno(path_g), 0);

	/* a positive one likewise */
	pthread_mutex_lock(&tree_mu);
	f_present = false;
	pthread_mutex_unlock(&tree_mu);
	expect("stat f (removed behind the kernel's back)", stat_errno(path_f), 0);
	expect("INVAL_ENTRY f", inval_entry(1, "f"), 0);
	expect("stat f after INVAL_ENTRY", stat_errno(path_f), ENOENT);
	pthread_mutex_lock(&tree_mu);
	f_present = true;
	pthread_mutex_unlock(&tree_mu);
	expect("INVAL_ENTRY f again", inval_entry(1, "f"), 0);
	expect("stat f back", stat_errno(path_f), 0);

	/* a name nothing cached, a parent that is not a directory */
	expect("INVAL_ENTRY of an uncached name", inval_entry(1, "never-looked-up"), ENOENT);
	expect("INVAL_ENTRY under a file", inval_entry(2, "x"), ENOTDIR);
}

static void check_hostile(void)
{
	struct weft_notify n;
	int fd;

	memset(&n, 0, sizeof(n));
	n.nodeid = 1;
	expect("type 0", notify_fd(dev_fd, &n), EINVAL);
	n.type = 3;
	expect("type 3", notify_fd(dev_fd, &n), EINVAL);
	n.type = 0xffffffffu;
	expect("type ~0", notify_fd(dev_fd, &n), EINVAL);

	memset(&n, 0, sizeof(n));
	n.type = WEFT_NOTIFY_INVAL_ENTRY;
	n.nodeid = 1;
	n.namelen = 256;
	memset(n.name, 'a', sizeof(n.name));
	expect("namelen 256", notify_fd(dev_fd, &n), ENAMETOOLONG);
	n.namelen = 0xffffffffu;
	expect("namelen ~0", notify_fd(dev_fd, &n), ENAMETOOLONG);
	memset(&n, 0, sizeof(n));
	n.type = WEFT_NOTIFY_INVAL_ENTRY;
	n.nodeid = 1;
	expect("namelen 0", notify_fd(dev_fd, &n), EINVAL);
	n.namelen = 3;
	memcpy(n.name, "a/b", 3);
	expect("name with '/'", notify_fd(dev_fd, &n), EINVAL);
	memcpy(n.name, "a\0b", 3);
	expect("name with NUL", notify_fd(dev_fd, &n), EINVAL);
	memcpy(n.name, "abc", 3);
	n.name[10] = 'x';
	expect("bytes after the name", notify_fd(dev_fd, &n), EINVAL);
	n.name[10] = 0;
	n.len = 1;
	expect("entry with a length", notify_fd(dev_fd, &n), EINVAL);
	n.len = 0;
	n.namelen = 2;
	memcpy(n.name, "..", 3);
	expect("name '..'", notify_fd(dev_fd, &n), EINVAL);
	n.namelen = 1;
	n.name[1] = 0;
	expect("name '.'", notify_fd(dev_fd, &n), EINVAL);

	expect("INVAL_INODE nodeid 0", inval_inode(0, 0, 0), EINVAL);
	expect("INVAL_INODE len -2", inval_inode(2, 0, -2), EINVAL);
	expect("INVAL_INODE offset -1", inval_inode(2, -1, 1), EINVAL);
	expect("INVAL_INODE offset+len overflows", inval_inode(2, INT64_MAX, INT64_MAX), EINVAL);
	memset(&n, 0, sizeof(n));
	n.type = WEFT_NOTIFY_INVAL_INODE;
	n.nodeid = 2;
	n.namelen = 1;
	n.name[0] = 'x';
	expect("INVAL_INODE with a name", notify_fd(dev_fd, &n), EINVAL);
	/* unknown nodeids: nothing cached, as FUSE answers */
	expect("INVAL_INODE of an unknown nodeid", inval_inode(999999, 0, -1), ENOENT);
	expect("INVAL_ENTRY under an unknown nodeid", inval_entry(999999, "f"), ENOENT);
	/* the argument in no mapped memory */
	if (ioctl(dev_fd, WEFT_IOC_NOTIFY, (void *)8) == 0 || errno != EFAULT)
		die("notify from a bad pointer: %s, want EFAULT", errname(errno));
	/* a /dev/weft fd that never attached */
	fd = open(DEV, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		die("open %s: %s", DEV, strerror(errno));
	memset(&n, 0, sizeof(n));
	n.type = WEFT_NOTIFY_INVAL_INODE;
	n.nodeid = 1;
	expect("notify before attach", notify_fd(fd, &n), ENOTCONN);
	close(fd);
}

static volatile bool hammer_stop;
static unsigned long hammer_count[3];	/* OK, ENOENT, other */

static void *hammer(void *arg)
{
	(void)arg;
	while (!hammer_stop) {
		int e1 = inval_inode(1, 0, -1), e2 = inval_entry(1, "f"), e3 = inval_inode(2, 0, -1);
		int es[3] = { e1, e2, e3 };

		for (int i = 0; i < 3; i++) {
			if (es[i] == 0)
				hammer_count[0]++;
			else if (es[i] == ENOENT)
				hammer_count[1]++;
			else
				hammer_count[2]++;
		}
	}
	return NULL;
}

static void check_umount_race(void)
{
	pthread_t t;
	int i;

	if (pthread_create(&t, NULL, hammer, NULL))
		die("pthread_create");
	for (i = 0; i < 30; i++) {
		if (i)
			do_mount();
		/* something cached to invalidate: the root, f, its pages */
		contents(path_f);
		if (umount(mnt))
			die("umount %s: %s", mnt, strerror(errno));
	}
	hammer_stop = true;
	pthread_join(t, NULL);
	if (hammer_count[2])
		die("%lu notifications failed with an errno other than ENOENT during umount",
		    hammer_count[2]);
	expect("INVAL_INODE with nothing mounted", inval_inode(1, 0, 0), ENOENT);
	printf("%s: %d mount/umount cycles under %lu notifications (%lu done, %lu ENOENT)\n",
	       prog, i, hammer_count[0] + hammer_count[1], hammer_count[0], hammer_count[1]);
}

int main(int argc, char **argv)
{
	pthread_t t;

	if (argc != 3) {
		fprintf(stderr, "usage: %s NAME MNT\n", prog);
		return 2;
	}
	chan_name = argv[1];
	mnt = argv[2];
	snprintf(path_f, sizeof(path_f), "%s/f", mnt);
	snprintf(path_g, sizeof(path_g), "%s/g", mnt);
	ring_attach(chan_name);
	for (uint32_t i = 0; i < at.nr_queues; i++) {
		struct q *q = calloc(1, sizeof(*q));

		if (!q)
			die("out of memory");
		ring_queue(i, q);
		if (pthread_create(&t, NULL, serve_queue, q))
			die("pthread_create");
	}
	do_mount();
	check_inode();
	printf("%s: inode invalidation ok\n", prog);
	check_entry();
	printf("%s: entry invalidation ok\n", prog);
	check_hostile();
	printf("%s: malformed notifications refused\n", prog);
	check_umount_race();
	printf("%s: all checks held\n", prog);
	return 0;
}

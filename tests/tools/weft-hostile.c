// SPDX-License-Identifier: GPL-2.0
/*
 * weft-hostile: plays weftd against the real weft.ko, well or badly.
 *
 *   weft-hostile open                 open /dev/weft; prints OK or the errno name
 *   weft-hostile attach NAME          attach once; prints OK or the errno name
 *   weft-hostile invalid              every malformed ATTACH / mmap is refused
 *   weft-hostile serve NAME [FS]      a small well-behaved daemon serving FS
 *                                     (default "default"): / holds "hello"
 *                                     (file, 5 bytes) and "sub" (directory)
 *   weft-hostile hostile NAME MNT     attach, mount NAME/default on MNT, then
 *                                     answer the caller's requests with garbage
 *                                     and check that every bad completion is
 *                                     rejected and the caller gets EIO, and
 *                                     that close() does not wait for RELEASE
 *
 * Exit status 0 only if every check held; a failure prints one line.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
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
#include <sys/syscall.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include <weft_ring.h>

static const char *prog = "weft-hostile";

#include "tool_common.h"

/* ------------------------------------------------------------------ */
/* ring access                                                         */

struct ring {
	int fd;
	struct weft_attach at;
	uint8_t *base;
	struct weft_region_header h;
};

struct q {
	struct weft_queue_ctl *ctl;
	struct weft_sqe *sq;
	struct weft_cqe *cq;
	uint8_t *data;
	uint32_t depth, max_io;
	uint32_t sq_head, cq_tail;	/* ours */
};

static int ring_attach(struct ring *r, const char *name, uint32_t queues, uint32_t depth,
		       uint32_t max_io)
{
	memset(r, 0, sizeof(*r));
	r->fd = open(DEV, O_RDWR | O_CLOEXEC);
	if (r->fd < 0)
		return -errno;
	r->at.abi_version = WEFT_ABI_VERSION;
	r->at.nr_queues = queues;
	r->at.queue_depth = depth;
	r->at.max_io_size = max_io;
	snprintf(r->at.name, sizeof(r->at.name), "%s", name);
	if (ioctl(r->fd, WEFT_IOC_ATTACH, &r->at)) {
		int e = errno;

		close(r->fd);
		return -e;
	}
	r->base = mmap(NULL, r->at.region_size, PROT_READ | PROT_WRITE, MAP_SHARED, r->fd, 0);
	if (r->base == MAP_FAILED)
		die("mmap of %llu bytes: %s", (unsigned long long)r->at.region_size,
		    strerror(errno));
	memcpy(&r->h, r->base, sizeof(r->h));
	if (r->h.magic != WEFT_REGION_MAGIC || r->h.nr_queues != r->at.nr_queues ||
	    r->h.queue_depth != r->at.queue_depth)
		die("region header does not match the attach reply");
	return 0;
}

static void ring_queue(struct ring *r, uint32_t i, struct q *q)
{
	uint8_t *b = r->base + r->h.queue_offset + i * r->h.queue_stride;

	memset(q, 0, sizeof(*q));
	q->ctl = (void *)b;
	q->sq = (void *)(b + r->h.sq_offset);
	q->cq = (void *)(b + r->h.cq_offset);
	q->data = b + r->h.data_offset;
	q->depth = r->h.queue_depth;
	q->max_io = r->h.max_io_size;
}

static int ring_enter(struct ring *r, uint32_t queue, bool wait, uint32_t timeout_ms,
		      struct weft_enter *en)
{
	memset(en, 0, sizeof(*en));
	en->queue = queue;
	en->flags = wait ? WEFT_ENTER_WAIT : 0;
	en->timeout_ms = timeout_ms;
	return ioctl(r->fd, WEFT_IOC_ENTER, en) ? -errno : 0;
}

/* next SQE, consumed; false if none */
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

static void *slot_buf(struct q *q, uint32_t tag)
{
	return q->data + (size_t)tag * q->max_io;
}

/* ------------------------------------------------------------------ */
/* a tiny file system: / (1) holds hello (2, file) and sub (3, dir)    */

struct node {
	uint64_t id;
	const char *name;
	uint32_t mode, nlink;
	uint64_t size;
};

static const struct node nodes[] = {
	{ 1, "",      S_IFDIR | 0755, 3, 0 },
	{ 2, "hello", S_IFREG | 0644, 1, 5 },
	{ 3, "sub",   S_IFDIR | 0755, 2, 0 },
};

static const struct node *node_get(uint64_t id)
{
	for (size_t i = 0; i < sizeof(nodes) / sizeof(nodes[0]); i++)
		if (nodes[i].id == id)
			return &nodes[i];
	return NULL;
}

static void fill_attr(struct weft_attr *a, const struct node *n)
{
	memset(a, 0, sizeof(*a));
	a->ino = n->id;
	a->size = n->size;
	a->blocks = (n->size + 511) / 512;
	a->atime_sec = a->mtime_sec = a->ctime_sec = 1700000000;
	a->mode = n->mode;
	a->nlink = n->nlink;
	a->blksize = 4096;
}

/* handle one request well; returns the result, *out_len the payload */
static int32_t serve_one(const char *fsname, const struct weft_sqe *s, void *buf,
			 uint32_t *out_len)
{
	const struct node *n = node_get(s->nodeid);

	*out_len = 0;
	switch (s->opcode) {
	case WEFT_OP_MOUNT: {
		struct weft_mount_out m;

		if (s->in_len != strlen(fsname) || memcmp(buf, fsname, s->in_len))
			return -ENOENT;
		memset(&m, 0, sizeof(m));
		m.abi_version = WEFT_ABI_VERSION;
		m.block_size = 4096;
		m.max_file_size = 1ull << 40;
		m.root.nodeid = 1;
		fill_attr(&m.root.attr, node_get(1));
		memcpy(buf, &m, sizeof(m));
		*out_len = sizeof(m);
		return 0;
	}
	case WEFT_OP_GETATTR: {
		struct weft_attr_out a;

		if (!n)
			return -ESTALE;
		memset(&a, 0, sizeof(a));
		fill_attr(&a.attr, n);
		memcpy(buf, &a, sizeof(a));
		*out_len = sizeof(a);
		return 0;
	}
	case WEFT_OP_LOOKUP: {
		struct weft_entry_out e;

		if (s->nodeid != 1)
			return -ENOENT;
		for (size_t i = 1; i < sizeof(nodes) / sizeof(nodes[0]); i++) {
			if (strlen(nodes[i].name) != s->in_len ||
			    memcmp(nodes[i].name, buf, s->in_len))
				continue;
			memset(&e, 0, sizeof(e));
			e.nodeid = nodes[i].id;
			e.entry_valid_ns = 1000000000ull;
			fill_attr(&e.attr, &nodes[i]);
			memcpy(buf, &e, sizeof(e));
			*out_len = sizeof(e);
			return 0;
		}
		return -ENOENT;
	}
	case WEFT_OP_STATFS: {
		struct weft_statfs_out f;

		memset(&f, 0, sizeof(f));
		f.blocks = 1000;
		f.bfree = f.bavail = 900;
		f.files = 100;
		f.ffree = 97;
		f.bsize = f.frsize = 4096;
		f.namelen = 255;
		memcpy(buf, &f, sizeof(f));
		*out_len = sizeof(f);
		return 0;
	}
	case WEFT_OP_READDIR: {
		uint8_t *p = buf;
		uint32_t off = 0;

		if (!n || !S_ISDIR(n->mode))
			return -ENOTDIR;
		if (s->nodeid != 1)
			return 0;
		for (size_t i = 1 + s->u.readdir.pos; i < sizeof(nodes) / sizeof(nodes[0]); i++) {
			struct weft_dirent *d = (void *)(p + off);
			uint32_t len = strlen(nodes[i].name);

			if (off + WEFT_DIRENT_SIZE(len) > s->out_max)
				break;
			memset(d, 0, WEFT_DIRENT_SIZE(len));
			d->ino = nodes[i].id;
			d->off = i;
			d->namelen = len;
			d->type = S_ISDIR(nodes[i].mode) ? DT_DIR : DT_REG;
			memcpy(d->name, nodes[i].name, len);
			off += WEFT_DIRENT_SIZE(len);
		}
		*out_len = off;
		return 0;
	}
	case WEFT_OP_OPEN: {
		struct weft_open_out o;

		if (!n)
			return -ENOENT;
		memset(&o, 0, sizeof(o));
		o.fh = n->id;
		memcpy(buf, &o, sizeof(o));
		*out_len = sizeof(o);
		return 0;
	}
	case WEFT_OP_RELEASE:
		return 0;
	case WEFT_OP_MGMT: {
		static const char reply[] = "{\"ok\":true}";

		memcpy(buf, reply, sizeof(reply) - 1);
		*out_len = sizeof(reply) - 1;
		return 0;
	}
	default:
		return -ENOSYS;
	}
}

/* ------------------------------------------------------------------ */
/* serve                                                               */

struct server {
	struct ring r;
	const char *fsname;
	uint32_t queue;
};

static void *serve_queue(void *arg)
{
	struct server *sv = arg;
	struct weft_enter en;
	struct weft_sqe s;
	struct q q;

	ring_queue(&sv->r, sv->queue, &q);
	for (;;) {
		bool any = false;

		while (sq_take(&q, &s)) {
			uint32_t out_len = 0;
			int32_t res = -EIO;

			if (s.tag < q.depth)
				res = serve_one(sv->fsname, &s, slot_buf(&q, s.tag), &out_len);
			cq_post(&q, s.tag, s.gen, res, out_len);
			any = true;
		}
		if (any) {
			if (ring_enter(&sv->r, sv->queue, false, 0, &en))
				die("ENTER: %s", strerror(errno));
			continue;
		}
		/* say we may sleep, then look once more (pairs with the kernel's mb) */
		__atomic_fetch_or(&q.ctl->flags, WEFT_QCTL_SLEEPING, __ATOMIC_SEQ_CST);
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		if (__atomic_load_n(&q.ctl->sq_tail, __ATOMIC_ACQUIRE) == q.sq_head) {
			int e = ring_enter(&sv->r, sv->queue, true, 1000, &en);

			if (e && e != -EINTR)
				die("ENTER: %s", strerror(-e));
		}
		__atomic_fetch_and(&q.ctl->flags, ~WEFT_QCTL_SLEEPING, __ATOMIC_SEQ_CST);
	}
	return NULL;
}

static __attribute__((noreturn)) void cmd_serve(const char *name, const char *fsname)
{
	struct server *sv;
	struct ring r;
	pthread_t t;
	int e;

	e = ring_attach(&r, name, 0, 64, 64 << 10);
	if (e)
		die("attach as '%s': %s", name, strerror(-e));
	printf("%s: attached as %s (%u queues x %u)%s, %u pending\n", prog, name,
	       r.at.nr_queues, r.at.queue_depth,
	       (r.at.flags & WEFT_ATTACH_RESUMED) ? " resumed" : "", r.at.pending);
	fflush(stdout);
	for (uint32_t i = 0; i < r.at.nr_queues; i++) {
		sv = calloc(1, sizeof(*sv));
		sv->r = r;
		sv->fsname = fsname;
		sv->queue = i;
		if (pthread_create(&t, NULL, serve_queue, sv))
			die("pthread_create");
	}
	for (;;)
		pause();
}

/* ------------------------------------------------------------------ */
/* open / attach / invalid                                             */

static int cmd_open(void)
{
	int fd = open(DEV, O_RDWR);

	printf("%s\n", fd < 0 ? errname(errno) : "OK");
	return 0;
}

static int cmd_attach(const char *name)
{
	struct ring r;
	int e = ring_attach(&r, name, 1, 8, 4096);

	printf("%s\n", errname(-e));
	return 0;
}

static void expect_attach_einval(const char *what, void (*mod)(struct weft_attach *))
{
	struct weft_attach at;
	int fd = open(DEV, O_RDWR), ret;

	if (fd < 0)
		die("open: %s", strerror(errno));
	memset(&at, 0, sizeof(at));
	at.abi_version = WEFT_ABI_VERSION;
	at.nr_queues = 1;
	at.queue_depth = 8;
	at.max_io_size = 4096;
	strcpy(at.name, "inv");
	mod(&at);
	ret = ioctl(fd, WEFT_IOC_ATTACH, &at);
	if (ret == 0 || errno != EINVAL)
		die("attach with %s: got %s, want EINVAL", what, ret ? errname(errno) : "OK");
	close(fd);
}

static void m_abi(struct weft_attach *a) { a->abi_version = 99; }
static void m_queues(struct weft_attach *a) { a->nr_queues = WEFT_MAX_QUEUES + 1; }
static void m_depth0(struct weft_attach *a) { a->queue_depth = 0; }
static void m_depth3(struct weft_attach *a) { a->queue_depth = 3; }
static void m_depthbig(struct weft_attach *a) { a->queue_depth = WEFT_MAX_DEPTH * 2; }
static void m_iosmall(struct weft_attach *a) { a->max_io_size = WEFT_MIN_IO_SIZE - 1; }
static void m_iobig(struct weft_attach *a) { a->max_io_size = WEFT_MAX_IO_SIZE + 1; }
static void m_noname(struct weft_attach *a) { a->name[0] = 0; }
static void m_nonul(struct weft_attach *a) { memset(a->name, 'x', sizeof(a->name)); }
static void m_reserved(struct weft_attach *a) { a->reserved[3] = 1; }

static int cmd_invalid(void)
{
	struct weft_enter en;
	struct ring r;
	void *p;
	int e;

	expect_attach_einval("a wrong abi_version", m_abi);
	expect_attach_einval("nr_queues > WEFT_MAX_QUEUES", m_queues);
	expect_attach_einval("depth 0", m_depth0);
	expect_attach_einval("depth 3", m_depth3);
	expect_attach_einval("depth > WEFT_MAX_DEPTH", m_depthbig);
	expect_attach_einval("max_io_size too small", m_iosmall);
	expect_attach_einval("max_io_size too big", m_iobig);
	expect_attach_einval("an empty name", m_noname);
	expect_attach_einval("an unterminated name", m_nonul);
	expect_attach_einval("reserved bits", m_reserved);

	e = ring_attach(&r, "inv", 1, 8, 5000);
	if (e)
		die("valid attach: %s", strerror(-e));
	if (r.at.max_io_size != 8192)
		die("max_io_size 5000 granted as %u, want 8192", r.at.max_io_size);
	if (!ioctl(r.fd, WEFT_IOC_ATTACH, &r.at))
		die("second ATTACH on one fd succeeded");
	p = mmap(NULL, r.at.region_size, PROT_READ | PROT_WRITE, MAP_PRIVATE, r.fd, 0);
	if (p != MAP_FAILED)
		die("MAP_PRIVATE mapping allowed");
	p = mmap(NULL, r.at.region_size - 4096, PROT_READ | PROT_WRITE, MAP_SHARED, r.fd, 0);
	if (p != MAP_FAILED)
		die("short mapping allowed");
	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, r.fd, 4096);
	if (p != MAP_FAILED)
		die("mapping at an offset allowed");
	if (ring_enter(&r, 1, false, 0, &en) != -EINVAL)
		die("ENTER on queue 1 of 1 not refused");
	memset(&en, 0, sizeof(en));
	en.flags = 0x80;
	if (ioctl(r.fd, WEFT_IOC_ENTER, &en) == 0 || errno != EINVAL)
		die("ENTER with unknown flags not refused");
	if (ring_enter(&r, 0, true, 10, &en) || en.available)
		die("ENTER with nothing to do failed");
	printf("%s: invalid attach/mmap/enter refused\n", prog);
	return 0;
}

/* ------------------------------------------------------------------ */
/* hostile                                                             */

static struct ring hr;
static struct q hq;
static const char *hmnt;

/* run fn in a child; returns its pid */
static pid_t spawn(int (*fn)(void))
{
	pid_t pid = fork();

	if (pid < 0)
		die("fork");
	if (pid == 0)
		_exit(fn());
	return pid;
}

static int child_stat(void)
{
	struct stat st;

	return stat(hmnt, &st) ? errno : 0;
}

static int child_stat_hello(void)
{
	char p[4096];
	struct stat st;

	snprintf(p, sizeof(p), "%s/hello", hmnt);
	return stat(p, &st) ? errno : 0;
}

/*
 * raw getdents64: opendir() would fstat (GETATTR) first.  Start past "."
 * and "..": with them already in the buffer getdents would report those
 * and keep the error for the next call.
 */
static int child_readdir(void)
{
	char buf[4096];
	long n;
	int fd = open(hmnt, O_RDONLY | O_DIRECTORY);

	if (fd < 0)
		return errno;
	if (lseek(fd, 2, SEEK_SET) != 2)
		return errno;
	while ((n = syscall(SYS_getdents64, fd, buf, sizeof(buf))) > 0)
		;
	return n < 0 ? errno : 0;
}

static int child_mount(void)
{
	char src[64];

	snprintf(src, sizeof(src), "%s/default", hr.at.name);
	return mount(src, hmnt, "weft", 0,
		     "attr_timeout=0,entry_timeout=0,timeout=3") ? errno : 0;
}

static int reap(pid_t pid)
{
	int st;

	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		die("child did not exit");
	return WEXITSTATUS(st);
}

/*
 * wait (up to 10 s) for the next request.  A RELEASE is asynchronous: a
 * child that closed a file may exit before its RELEASE arrives, so one
 * found here is answered (and reaped at once, out of the next check's
 * counts) on the way.
 */
static void next_req(struct weft_sqe *s, uint32_t opcode)
{
	struct weft_enter en;

	for (int i = 0; i < 100; i++) {
		if (sq_take(&hq, s)) {
			if (s->opcode == WEFT_OP_RELEASE && opcode != WEFT_OP_RELEASE) {
				cq_post(&hq, s->tag, s->gen, 0, 0);
				ring_enter(&hr, 0, false, 0, &en);
				i--;
				continue;
			}
			if (s->opcode != opcode)
				die("got opcode %u, want %u", s->opcode, opcode);
			return;
		}
		ring_enter(&hr, 0, true, 100, &en);
	}
	die("no request (opcode %u) arrived", opcode);
}

/* serve other requests well until one with opcode arrives */
static void next_req_serving(struct weft_sqe *s, uint32_t opcode)
{
	struct weft_enter en;
	uint32_t len;

	for (int i = 0; i < 200; i++) {
		while (sq_take(&hq, s)) {
			int32_t res;

			if (s->opcode == opcode)
				return;
			res = serve_one("default", s, slot_buf(&hq, s->tag), &len);
			cq_post(&hq, s->tag, s->gen, res, len);
		}
		ring_enter(&hr, 0, true, 100, &en);
	}
	die("no request (opcode %u) arrived", opcode);
}

/* ENTER without waiting; check the counts */
static void enter_expect(const char *what, uint32_t reaped, uint32_t rejected)
{
	struct weft_enter en;

	if (ring_enter(&hr, 0, false, 0, &en))
		die("ENTER after %s: %s", what, strerror(errno));
	if (en.reaped != reaped || en.rejected != rejected)
		die("%s: reaped %u rejected %u, want %u and %u", what, en.reaped,
		    en.rejected, reaped, rejected);
}

/* serve requests well until the child exits */
static int serve_child(pid_t pid)
{
	struct weft_enter en;
	struct weft_sqe s;
	int st;

	for (;;) {
		while (sq_take(&hq, &s)) {
			uint32_t len;
			int32_t res = serve_one("default", &s, slot_buf(&hq, s.tag), &len);

			cq_post(&hq, s.tag, s.gen, res, len);
		}
		ring_enter(&hr, 0, true, 50, &en);
		if (waitpid(pid, &st, WNOHANG) == pid)
			return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	}
}

/* one bad completion for a GETATTR: the caller must get EIO */
static void bad_getattr(const char *what, int32_t result, uint32_t out_len,
			void (*spoil)(struct weft_attr_out *))
{
	struct weft_attr_out a;
	struct weft_sqe s;
	pid_t pid = spawn(child_stat);
	int ret;

	next_req(&s, WEFT_OP_GETATTR);
	memset(&a, 0, sizeof(a));
	fill_attr(&a.attr, node_get(1));
	if (spoil)
		spoil(&a);
	memcpy(slot_buf(&hq, s.tag), &a, sizeof(a));
	cq_post(&hq, s.tag, s.gen, result, out_len);
	enter_expect(what, 0, 1);
	ret = reap(pid);
	if (ret != EIO)
		die("%s: caller got %s, want EIO", what, errname(ret));
}

/* getxattr of the mount's root: size 0 probes, else an 8-byte buffer */
static int child_getxattr_probe(void)
{
	return getxattr(hmnt, "user.x", NULL, 0) < 0 ? errno : 0;
}

static int child_getxattr_8(void)
{
	char v[8];

	return getxattr(hmnt, "user.x", v, sizeof(v)) < 0 ? errno : 0;
}

static int child_listxattr(void)
{
	char list[256];

	return listxattr(hmnt, list, sizeof(list)) < 0 ? errno : 0;
}

/* SEEK_DATA from offset 2 of /hello */
static int child_seek_data(void)
{
	char p[4096];
	int fd, err = 0;

	snprintf(p, sizeof(p), "%s/hello", hmnt);
	fd = open(p, O_RDONLY);
	if (fd < 0)
		return errno;
	if (lseek(fd, 2, SEEK_DATA) < 0)
		err = errno;
	close(fd);
	return err;
}

/*
 * One reply to the request child makes (opcode), payload of out_len bytes:
 * the reply is accepted by the ring (reaped, or rejected when want_rejected)
 * and the caller must get EIO.
 */
static void bad_reply(const char *what, int (*child)(void), uint32_t opcode,
		      const void *payload, uint32_t out_len, bool want_rejected)
{
	struct weft_enter en;
	struct weft_sqe s;
	pid_t pid = spawn(child);
	int ret;

	next_req_serving(&s, opcode);
	memcpy(slot_buf(&hq, s.tag), payload, out_len);
	cq_post(&hq, s.tag, s.gen, 0, out_len);
	if (ring_enter(&hr, 0, false, 0, &en))
		die("ENTER after %s: %s", what, strerror(errno));
	if (en.rejected != (want_rejected ? 1u : 0u))
		die("%s: rejected %u", what, en.rejected);
	/* the child's RELEASE (lseek case) is served by serve_child-like loop */
	for (;;) {
		int st;

		while (sq_take(&hq, &s)) {
			uint32_t len;
			int32_t res = serve_one("default", &s, slot_buf(&hq, s.tag), &len);

			cq_post(&hq, s.tag, s.gen, res, len);
		}
		ring_enter(&hr, 0, true, 50, &en);
		if (waitpid(pid, &st, WNOHANG) == pid) {
			ret = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
			break;
		}
	}
	if (ret != EIO)
		die("%s: caller got %s, want EIO", what, errname(ret));
}

/* open and close /hello: close() must not wait for the RELEASE's answer */
static int child_open_close(void)
{
	char p[4096];
	int fd;

	snprintf(p, sizeof(p), "%s/hello", hmnt);
	fd = open(p, O_RDONLY);
	if (fd < 0)
		return errno;
	return close(fd) ? errno : 0;
}

/*
 * The RELEASE of a child's open+close, served up to it and left unanswered:
 * the child must have returned from close() (it exits at once) well within
 * the mount's timeout=3 that a waiting close() would have run into.
 */
static void async_release(const char *what, struct weft_sqe *s)
{
	pid_t pid = spawn(child_open_close);
	int st;

	next_req_serving(s, WEFT_OP_RELEASE);
	for (int i = 0; i < 150; i++) {	/* 1.5 s */
		if (waitpid(pid, &st, WNOHANG) == pid) {
			if (!WIFEXITED(st) || WEXITSTATUS(st))
				die("%s: open+close failed: %s", what,
				    WIFEXITED(st) ? errname(WEXITSTATUS(st)) : "killed");
			return;
		}
		usleep(10000);
	}
	die("%s: close() waited for the RELEASE's answer", what);
}

static void spoil_mode(struct weft_attr_out *a) { a->attr.mode = 0170000; }
static void spoil_nsec(struct weft_attr_out *a) { a->attr.mtime_nsec = 2000000000u; }

static int cmd_hostile(const char *name, const char *mnt)
{
	struct weft_attr_out a;
	struct weft_sqe s;
	uint32_t len;
	pid_t pid;
	int e, ret;

	hmnt = mnt;
	e = ring_attach(&hr, name, 1, 8, 4096);
	if (e)
		die("attach as '%s': %s", name, strerror(-e));
	ring_queue(&hr, 0, &hq);

	/* mount, served well */
	ret = serve_child(spawn(child_mount));
	if (ret)
		die("mount %s/default on %s: %s", name, mnt, errname(ret));

	/* 1: garbage around one request, then a good answer and a duplicate */
	pid = spawn(child_stat);
	next_req(&s, WEFT_OP_GETATTR);
	cq_post(&hq, 1000, s.gen, 0, 0);
	enter_expect("unknown tag", 0, 1);
	cq_post(&hq, s.tag, s.gen + 1, 0, 0);
	enter_expect("stale generation", 0, 1);
	cq_post(&hq, s.tag, s.gen - 1, 0, 0);
	enter_expect("old generation", 0, 1);
	cq_post(&hq, (s.tag + 1) % hq.depth, 1, 0, 0);
	enter_expect("slot never issued", 0, 1);
	hq.cq_tail += 100000;	/* wild tail: the kernel resyncs its head to it */
	__atomic_store_n(&hq.ctl->cq_tail, hq.cq_tail, __ATOMIC_RELEASE);
	enter_expect("wild cq_tail", 0, 1);
	__atomic_store_n(&hq.ctl->sq_head, hq.sq_head + 5000, __ATOMIC_RELEASE);
	enter_expect("wild sq_head", 0, 1);
	__atomic_store_n(&hq.ctl->sq_head, hq.sq_head, __ATOMIC_RELEASE);
	enter_expect("restored sq_head", 0, 0);
	if (waitpid(pid, NULL, WNOHANG) != 0)
		die("caller returned before its request was completed");
	serve_one("default", &s, slot_buf(&hq, s.tag), &len);
	cq_post(&hq, s.tag, s.gen, 0, len);
	enter_expect("good completion", 1, 0);
	cq_post(&hq, s.tag, s.gen, 0, len);
	enter_expect("duplicate completion", 0, 1);
	ret = reap(pid);
	if (ret)
		die("caller of the good completion got %s", errname(ret));

	/* 2: bad fields of a valid tag+gen: rejected, the caller gets EIO */
	bad_getattr("positive result", 7, sizeof(a), NULL);
	bad_getattr("huge errno", -100000, 0, NULL);
	bad_getattr("INT_MIN result", INT32_MIN, 0, NULL);
	bad_getattr("out_len beyond the slot", 0, 1u << 30, NULL);
	bad_getattr("out_len beyond out_max", 0, 4096, NULL);
	bad_getattr("short attr reply", 0, sizeof(a) - 8, NULL);
	bad_getattr("invalid file type", 0, sizeof(a), spoil_mode);
	bad_getattr("nanoseconds out of range", 0, sizeof(a), spoil_nsec);

	/* 3: malformed directory listings */
	{
		static const struct { const char *what; uint32_t namelen; const char *name;
				      uint32_t type; uint32_t out_len; } bad[] = {
			{ "dirent namelen 0", 0, "", DT_REG, 24 },
			{ "dirent with '/'", 3, "a/b", DT_REG, 32 },
			{ "dirent with NUL", 3, "a\0b", DT_REG, 32 },
			{ "dirent past the end", 200, "abc", DT_REG, 32 },
			{ "dirent bad type", 3, "abc", 3, 32 },
			{ "dirent truncated header", 3, "abc", DT_REG, 20 },
		};
		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			struct weft_dirent *d = slot_buf(&hq, 0);

			pid = spawn(child_readdir);
			next_req(&s, WEFT_OP_READDIR);
			d = slot_buf(&hq, s.tag);
			memset(d, 0, 64);
			d->ino = 5;
			d->off = 1;
			d->namelen = bad[i].namelen;
			d->type = bad[i].type;
			memcpy(d->name, bad[i].name, bad[i].namelen > 3 ? 3 : bad[i].namelen);
			cq_post(&hq, s.tag, s.gen, 0, bad[i].out_len);
			enter_expect(bad[i].what, 0, 1);
			ret = reap(pid);
			if (ret != EIO)
				die("%s: caller got %s, want EIO", bad[i].what, errname(ret));
		}
	}

	/* 4: a lookup reply with a bad attr */
	pid = spawn(child_stat_hello);
	next_req(&s, WEFT_OP_LOOKUP);
	{
		struct weft_entry_out en;

		memset(&en, 0, sizeof(en));
		en.nodeid = 2;
		en.attr.mode = 0;
		memcpy(slot_buf(&hq, s.tag), &en, sizeof(en));
		cq_post(&hq, s.tag, s.gen, 0, sizeof(en));
	}
	enter_expect("lookup with a bad attr", 0, 1);
	ret = reap(pid);
	if (ret != EIO)
		die("lookup with a bad attr: caller got %s, want EIO", errname(ret));

	/* 4b: xattr and lseek replies the kernel must refuse */
	{
		struct weft_xattr_out big = { .size = 65537 };
		struct weft_lseek_out before = { .offset = 1 };
		static const char value16[16] = "0123456789abcdef";
		static const char unterminated[] = "user.a";	/* sent without its NUL */
		static const char empty_name[] = "\0user.a";	/* sent with one NUL after */
		static const char too_long[300] = "user.";

		bad_reply("xattr size probe above XATTR_SIZE_MAX", child_getxattr_probe,
			  WEFT_OP_GETXATTR, &big, sizeof(big), false);
		bad_reply("xattr size probe of the wrong length", child_getxattr_probe,
			  WEFT_OP_GETXATTR, &big, 4, false);
		bad_reply("xattr value longer than asked", child_getxattr_8,
			  WEFT_OP_GETXATTR, value16, sizeof(value16), true);
		bad_reply("xattr list not NUL terminated", child_listxattr,
			  WEFT_OP_LISTXATTR, unterminated, 6, false);
		bad_reply("xattr list with an empty name", child_listxattr,
			  WEFT_OP_LISTXATTR, empty_name, 8, false);
		{
			char lst[257];

			memcpy(lst, too_long, sizeof(lst));
			memset(lst + 5, 'x', 251);	/* a 256-byte name */
			lst[256] = '\0';
			bad_reply("xattr list with a name over 255 bytes", child_listxattr,
				  WEFT_OP_LISTXATTR, lst, sizeof(lst), false);
		}
		bad_reply("SEEK_DATA before the offset asked", child_seek_data,
			  WEFT_OP_LSEEK, &before, sizeof(before), false);
		bad_reply("SEEK_DATA reply of the wrong length", child_seek_data,
			  WEFT_OP_LSEEK, &before, 4, false);
	}

	/* 5: no answer: the caller times out (timeout=3); a late answer is harmless */
	pid = spawn(child_stat);
	next_req(&s, WEFT_OP_GETATTR);
	ret = reap(pid);
	if (ret != ETIMEDOUT)
		die("unanswered request: caller got %s, want ETIMEDOUT", errname(ret));
	serve_one("default", &s, slot_buf(&hq, s.tag), &len);
	cq_post(&hq, s.tag, s.gen, 0, len);
	enter_expect("late completion of an abandoned request", 1, 0);
	cq_post(&hq, s.tag, s.gen, 0, len);
	enter_expect("second late completion", 0, 1);

	/*
	 * 5b: RELEASE is asynchronous: nobody waits for it, the kernel frees it
	 * on its completion.  Garbage for its tag is rejected like any other; a
	 * bad completion drops it (the tag is free: a second answer is
	 * rejected); one left unanswered is dropped when the daemon goes away.
	 */
	async_release("async RELEASE, stale generation", &s);
	cq_post(&hq, s.tag, s.gen + 1, 0, 0);
	enter_expect("async RELEASE, stale generation", 0, 1);
	cq_post(&hq, s.tag, s.gen, 0, 0);
	enter_expect("async RELEASE, good completion", 1, 0);
	cq_post(&hq, s.tag, s.gen, 0, 0);
	enter_expect("async RELEASE, duplicate completion", 0, 1);
	async_release("async RELEASE, positive result", &s);
	cq_post(&hq, s.tag, s.gen, 5, 0);
	enter_expect("async RELEASE, positive result", 0, 1);
	cq_post(&hq, s.tag, s.gen, 0, 0);
	enter_expect("async RELEASE, answer after a dropping one", 0, 1);
	async_release("async RELEASE, out_len beyond out_max", &s);
	cq_post(&hq, s.tag, s.gen, 0, 16);
	enter_expect("async RELEASE, out_len beyond out_max", 0, 1);
	async_release("async RELEASE, never answered", &s);	/* dropped at exit */

	/* 6: after all that, a well-served request works */
	ret = serve_child(spawn(child_stat_hello));
	if (ret)
		die("stat after the garbage: %s", errname(ret));
	ret = serve_child(spawn(child_readdir));
	if (ret)
		die("readdir after the garbage: %s", errname(ret));

	if (umount2(mnt, 0))
		die("umount %s: %s", mnt, strerror(errno));
	printf("%s: every bad completion rejected, callers got EIO\n", prog);
	return 0;
}

int main(int argc, char **argv)
{
	signal(SIGPIPE, SIG_IGN);
	if (argc >= 2 && !strcmp(argv[1], "open"))
		return cmd_open();
	if (argc >= 3 && !strcmp(argv[1], "attach"))
		return cmd_attach(argv[2]);
	if (argc >= 2 && !strcmp(argv[1], "invalid"))
		return cmd_invalid();
	if (argc >= 3 && !strcmp(argv[1], "serve"))
		cmd_serve(argv[2], argc >= 4 ? argv[3] : "default");
	if (argc >= 4 && !strcmp(argv[1], "hostile"))
		return cmd_hostile(argv[2], argv[3]);
	fprintf(stderr, "usage: %s open | attach NAME | invalid | serve NAME [FS] | "
		"hostile NAME MNT\n", prog);
	return 2;
}

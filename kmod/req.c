// SPDX-License-Identifier: GPL-2.0
/*
 * Request lifecycle: slot (tag) allocation, publishing to the submission
 * ring, reaping and validating the completion ring.
 *
 * A slot is FREE, RESERVED (owned by a request that is not published:
 * the SQ is full, no daemon is attached, or it waits for re-issue after a
 * daemon restart), INFLIGHT (published; the daemon owns the data buffer)
 * or ZOMBIE (published but its caller gave up: the slot is not reused
 * until the daemon completes it or goes away, so a late write into the
 * data buffer never lands in someone else's request).
 *
 * An asynchronous request (RELEASE: close() needs no answer) has no
 * caller waiting.  It is heap-allocated and belongs to this file from
 * weft_req_send_async() on: it waits on the queue's backlog while no slot
 * is free (close() never blocks), then lives like any other request, and
 * whoever finishes it (the reaper, or a disconnect) accounts and frees it,
 * under q->lock, exactly once.  It is never re-issued to another daemon:
 * the handle it closes belonged to the daemon that went away.  It needs no
 * channel reference: queues are freed only after weft_chan_kill() has
 * finished everything in them (chan.c).
 *
 * Everything the daemon writes (sq_head, cq_tail, CQEs, output payloads)
 * is read once, validated, and only then used.
 */
#include <linux/cred.h>
#include <linux/delay.h>
#include <linux/jiffies.h>
#include <linux/ktime.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/sched/stat.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/vmalloc.h>

#include "weft.h"
#include "stats.h"

void weft_req_init(struct weft_req *req, u32 opcode, u64 nodeid)
{
	memset(req, 0, sizeof(*req));
	req->sqe.opcode = opcode;
	req->sqe.nodeid = nodeid;
	INIT_LIST_HEAD(&req->list);
}

int weft_queues_alloc(struct weft_chan *chan)
{
	u32 i, t;

	chan->queues = kcalloc(chan->nr_queues, sizeof(*chan->queues), GFP_KERNEL);
	if (!chan->queues)
		return -ENOMEM;
	for (i = 0; i < chan->nr_queues; i++) {
		struct weft_queue *q = &chan->queues[i];

		spin_lock_init(&q->lock);
		q->chan = chan;
		q->daemon_cpu = -1;
		q->idx = i;
		INIT_LIST_HEAD(&q->pending);
		INIT_LIST_HEAD(&q->backlog);
		init_waitqueue_head(&q->slot_wq);
		init_waitqueue_head(&q->daemon_wq);
		q->slots = kvcalloc(chan->depth, sizeof(*q->slots), GFP_KERNEL);
		q->free = kvcalloc(chan->depth, sizeof(*q->free), GFP_KERNEL);
		if (!q->slots || !q->free)
			goto fail;
		for (t = 0; t < chan->depth; t++)
			q->free[t] = chan->depth - 1 - t;
		q->nr_free = chan->depth;
	}
	return 0;
fail:
	weft_queues_free(chan);
	return -ENOMEM;
}

void weft_queues_free(struct weft_chan *chan)
{
	u32 i;

	if (!chan->queues)
		return;
	for (i = 0; i < chan->nr_queues; i++) {
		kvfree(chan->queues[i].slots);
		kvfree(chan->queues[i].free);
	}
	kfree(chan->queues);
	chan->queues = NULL;
}

/* ------------------------------------------------------------------ */
/* slots                                                               */

static void weft_slot_free(struct weft_queue *q, u32 tag)
{
	struct weft_slot *slot = &q->slots[tag];

	slot->state = WEFT_SLOT_FREE;
	slot->req = NULL;
	q->free[q->nr_free] = tag;
	WRITE_ONCE(q->nr_free, q->nr_free + 1);
}

static void weft_slot_get(struct weft_queue *q, struct weft_req *req)
{
	u32 tag = q->free[q->nr_free - 1];
	struct weft_slot *slot = &q->slots[tag];

	WRITE_ONCE(q->nr_free, q->nr_free - 1);
	slot->state = WEFT_SLOT_RESERVED;
	slot->req = req;
	slot->gen++;
	req->sqe.tag = tag;
	req->sqe.gen = slot->gen;
	req->q = q;
}

/*
 * The end of an async request: counted with the time since it was sent,
 * then freed.  It is on no list and holds no slot any more.
 */
static void weft_req_drop(struct weft_req *req, int result)
{
	weft_stats_account(req, result, ktime_get_ns() - req->start_ns);
	kfree(req);
}

/*
 * Caller holds q->lock; req's slot and q are gone after this, and so may be
 * req itself: its caller returns as soon as it sees DONE, without the lock.
 * So the caller's task is read before the release store, and woken after
 * it under RCU: the caller is blocked in weft_req_send_wait() until then
 * (it cannot pass the lock we hold), and an exited task's task_struct is
 * freed only after an RCU grace period.  A task polling for its completion
 * is running: waking it costs no IPI.
 */
static void weft_req_finish(struct weft_queue *q, struct weft_req *req, int result)
{
	struct task_struct *task = req->task;

	if (req->state == WEFT_REQ_PENDING)
		list_del_init(&req->list);
	weft_slot_free(q, req->sqe.tag);
	if (req->flags & WEFT_REQF_ASYNC) {
		weft_req_drop(req, result);
		return;
	}
	req->result = result;
	rcu_read_lock();
	smp_store_release(&req->state, WEFT_REQ_DONE);
	wake_up_process(task);
	rcu_read_unlock();
}

/* ------------------------------------------------------------------ */
/* submission ring                                                     */

/*
 * The daemon's sq_head, read once: it may only move forward, up to our
 * tail.  Anything else is ignored (and counted): we keep the last good one,
 * which only ever makes us publish less.
 */
static u32 weft_sq_head(struct weft_queue *q, u32 *rejected)
{
	u32 head = READ_ONCE(q->ctl->sq_head);

	if (head - q->sq_head > q->sq_tail - q->sq_head) {
		if (rejected)
			(*rejected)++;
		atomic64_inc(&q->chan->rejected);
		return q->sq_head;
	}
	q->sq_head = head;
	return head;
}

static bool weft_publish(struct weft_queue *q, struct weft_req *req)
{
	struct weft_chan *chan = q->chan;
	u32 tag = req->sqe.tag;

	if (!q->ctl || q->sq_tail - weft_sq_head(q, NULL) >= chan->depth)
		return false;
	if (req->in_len)
		memcpy(q->data + (size_t)tag * chan->max_io, req->in, req->in_len);
	req->sqe.unique = atomic64_inc_return(&chan->unique);
	memcpy(&q->sq[q->sq_tail & (chan->depth - 1)], &req->sqe, sizeof(req->sqe));
	q->sq_tail++;
	smp_store_release(&q->ctl->sq_tail, q->sq_tail);
	q->slots[tag].state = WEFT_SLOT_INFLIGHT;
	req->state = WEFT_REQ_INFLIGHT;
	atomic64_inc(&chan->submitted);
	return true;
}

/*
 * Wake the daemon only if a thread of it sleeps in ENTER: one that polls
 * (in ENTER or in user space) sees sq_tail move by itself, and the wake-up
 * would be wasted.  The full barrier orders our sq_tail store before the
 * waitqueue check; ENTER queues itself, then re-checks sq_tail (the
 * wait_event pattern), so one of us always sees the other.  The daemon's
 * WEFT_QCTL_SLEEPING flag is not needed for that and is not read: it is a
 * cache line the daemon writes on every ENTER.
 */
static void weft_wake_daemon(struct weft_queue *q)
{
	smp_mb();
	if (waitqueue_active(&q->daemon_wq)) {
		data_race(q->qs.daemon_woken++);
		wake_up(&q->daemon_wq);
	}
}

/* publish pending requests while the SQ has room; caller holds q->lock */
static void weft_flush_pending(struct weft_queue *q)
{
	struct weft_req *req, *tmp;
	bool any = false;

	if (!q->ctl)
		return;
	list_for_each_entry_safe(req, tmp, &q->pending, list) {
		if (!weft_publish(q, req))
			break;
		list_del_init(&req->list);
		any = true;
	}
	if (any)
		weft_wake_daemon(q);
}

/*
 * req has a slot (weft_slot_get): publish it, or queue it for SQ room;
 * caller holds q->lock.
 */
static void weft_req_start(struct weft_queue *q, struct weft_req *req)
{
	if (weft_publish(q, req)) {
		weft_wake_daemon(q);
	} else {
		req->state = WEFT_REQ_PENDING;
		list_add_tail(&req->list, &q->pending);
	}
}

/* give free slots to async requests of the backlog; caller holds q->lock */
static void weft_feed_backlog(struct weft_queue *q)
{
	struct weft_req *req;

	while (q->nr_free && !list_empty(&q->backlog)) {
		req = list_first_entry(&q->backlog, struct weft_req, list);
		list_del_init(&req->list);
		weft_slot_get(q, req);
		weft_req_start(q, req);
	}
}

/* SQ entries the daemon has not consumed yet; caller holds q->lock */
u32 weft_queue_available(struct weft_queue *q, u32 *rejected)
{
	if (!q->ctl)
		return 0;
	weft_flush_pending(q);
	return q->sq_tail - weft_sq_head(q, rejected);
}

/* ------------------------------------------------------------------ */
/* daemon attach / detach                                              */

/* a daemon's region is in place: returns how many waiting requests it gets */
u32 weft_queue_connect(struct weft_queue *q, u8 *base, const struct weft_region_header *h)
{
	struct weft_req *req;
	u32 n = 0;

	spin_lock(&q->lock);
	q->ctl = (struct weft_queue_ctl *)base;
	q->sq = (struct weft_sqe *)(base + h->sq_offset);
	q->cq = (struct weft_cqe *)(base + h->cq_offset);
	q->data = base + h->data_offset;
	q->sq_tail = 0;
	q->sq_head = 0;
	q->cq_head = 0;
	list_for_each_entry(req, &q->pending, list)
		n++;
	weft_flush_pending(q);
	spin_unlock(&q->lock);
	return n;
}

/*
 * The daemon is gone (its region is about to be freed).  fail: every
 * request fails with ENOTCONN.  Otherwise published requests go back to the
 * pending list with a new generation, to be re-issued to the next daemon.
 * Zombies are freed either way: nobody can write their buffers any more.
 */
void weft_queue_disconnect(struct weft_queue *q, bool fail)
{
	struct weft_chan *chan = q->chan;
	struct weft_req *req, *tmp;
	u32 t;

	spin_lock(&q->lock);
	WRITE_ONCE(q->daemon_cpu, -1);	/* no caller polls for a gone daemon */
	WRITE_ONCE(q->poll_us, 0);
	q->ctl = NULL;
	q->sq = NULL;
	q->cq = NULL;
	q->data = NULL;
	for (t = 0; t < chan->depth; t++) {
		struct weft_slot *slot = &q->slots[t];

		switch (slot->state) {
		case WEFT_SLOT_ZOMBIE:
			weft_slot_free(q, t);
			break;
		case WEFT_SLOT_INFLIGHT:
			req = slot->req;
			if (fail || (req->flags & WEFT_REQF_ASYNC)) {
				weft_req_finish(q, req, -ENOTCONN);
			} else {
				slot->state = WEFT_SLOT_RESERVED;
				slot->gen++;
				req->sqe.gen = slot->gen;
				req->state = WEFT_REQ_PENDING;
				list_add_tail(&req->list, &q->pending);
			}
			break;
		default:
			break;
		}
	}
	/* async requests are dropped either way: their daemon is gone */
	list_for_each_entry_safe(req, tmp, &q->pending, list)
		if (fail || (req->flags & WEFT_REQF_ASYNC))
			weft_req_finish(q, req, -ENOTCONN);
	list_for_each_entry_safe(req, tmp, &q->backlog, list) {
		list_del_init(&req->list);
		weft_req_drop(req, -ENOTCONN);
	}
	spin_unlock(&q->lock);
	/* slot waiters re-check the channel state */
	wake_up_all(&q->slot_wq);
}

/* ------------------------------------------------------------------ */
/* completion validation                                               */

bool weft_attr_valid(const struct weft_attr *a)
{
	switch (a->mode & S_IFMT) {
	case S_IFREG:
	case S_IFDIR:
	case S_IFLNK:
	case S_IFCHR:
	case S_IFBLK:
	case S_IFIFO:
	case S_IFSOCK:
		break;
	default:
		return false;
	}
	return a->atime_nsec < NSEC_PER_SEC && a->mtime_nsec < NSEC_PER_SEC &&
	       a->ctime_nsec < NSEC_PER_SEC;
}

static bool weft_entry_valid(const struct weft_entry_out *e)
{
	return !e->nodeid || weft_attr_valid(&e->attr);
}

static bool weft_dtype_valid(u32 type)
{
	switch (type) {
	case DT_UNKNOWN:
	case DT_FIFO:
	case DT_CHR:
	case DT_DIR:
	case DT_BLK:
	case DT_REG:
	case DT_LNK:
	case DT_SOCK:
	case DT_WHT:
		return true;
	}
	return false;
}

/* a name from the daemon: 1..255 bytes, no '/' and no NUL */
static bool weft_name_valid(const char *name, u32 len)
{
	return len >= 1 && len <= NAME_MAX && !memchr(name, '/', len) &&
	       !memchr(name, '\0', len);
}

/*
 * Next READDIR record at *pos of a kernel copy of the reply.  Returns 1 and
 * the record, 0 at the end, -EIO for a malformed record.  The cookie must
 * leave room for the two positions the kernel uses for "." and "..".
 */
int weft_dirent_next(const void *buf, u32 len, u32 *pos, const struct weft_dirent **dep)
{
	const struct weft_dirent *de;
	u32 rest, reclen;

	if (*pos >= len)
		return 0;
	rest = len - *pos;
	if ((*pos & 7) || rest < sizeof(*de))
		return -EIO;
	de = buf + *pos;
	if (de->namelen < 1 || de->namelen > NAME_MAX)
		return -EIO;
	reclen = WEFT_DIRENT_SIZE(de->namelen);
	if (reclen > rest || !weft_dtype_valid(de->type) ||
	    !weft_name_valid(de->name, de->namelen) || de->off > (u64)LLONG_MAX - 2)
		return -EIO;
	*pos += reclen;
	*dep = de;
	return 1;
}

static bool weft_dirents_valid(const void *buf, u32 len)
{
	const struct weft_dirent *de;
	u32 pos = 0;
	int ret;

	while ((ret = weft_dirent_next(buf, len, &pos, &de)) > 0)
		;
	return ret == 0;
}

/* length and content check of a successful reply, in kernel memory */
static bool weft_out_valid(u32 opcode, const void *out, u32 len)
{
	switch (opcode) {
	case WEFT_OP_MOUNT: {
		const struct weft_mount_out *m = out;

		return len == sizeof(*m) && m->root.nodeid &&
		       weft_attr_valid(&m->root.attr) && S_ISDIR(m->root.attr.mode);
	}
	case WEFT_OP_LOOKUP:
		return len == sizeof(struct weft_entry_out) && weft_entry_valid(out);
	case WEFT_OP_GETATTR:
		return len == sizeof(struct weft_attr_out) &&
		       weft_attr_valid(&((const struct weft_attr_out *)out)->attr);
	case WEFT_OP_STATFS:
		return len == sizeof(struct weft_statfs_out);
	case WEFT_OP_READDIR:
		return weft_dirents_valid(out, len);
	default:
		return true;
	}
}

/* one CQE, already copied out of the ring; returns false if rejected */
static bool weft_complete_one(struct weft_queue *q, const struct weft_cqe *c)
{
	struct weft_chan *chan = q->chan;
	struct weft_slot *slot;
	struct weft_req *req;
	bool bad = false;

	if (c->tag >= chan->depth)
		return false;
	slot = &q->slots[c->tag];
	if (slot->state != WEFT_SLOT_INFLIGHT && slot->state != WEFT_SLOT_ZOMBIE)
		return false;	/* never issued, already completed, or not published */
	if (c->gen != slot->gen)
		return false;	/* stale */
	if (slot->state == WEFT_SLOT_ZOMBIE) {
		weft_slot_free(q, c->tag);
		return true;
	}
	req = slot->req;
	if (c->result > 0 || c->result < -WEFT_MAX_ERRNO || c->out_len > req->sqe.out_max)
		bad = true;
	if (!bad && c->result == 0) {
		/* one copy out of shared memory, then validate the copy */
		if (c->out_len)
			memcpy(req->out, q->data + (size_t)c->tag * chan->max_io, c->out_len);
		if (!weft_out_valid(req->sqe.opcode, req->out, c->out_len))
			bad = true;
	}
	if (bad) {
		req->out_len = 0;
		weft_req_finish(q, req, -EIO);
		return false;
	}
	req->out_len = c->result ? 0 : c->out_len;
	weft_req_finish(q, req, c->result);
	atomic64_inc(&chan->completed);
	return true;
}

/* Consume this queue's CQ: one acquire load of cq_tail, one read per field. */
void weft_queue_reap(struct weft_queue *q, u32 *reaped, u32 *rejected)
{
	struct weft_chan *chan = q->chan;
	u32 tail, n, i, freed;

	spin_lock(&q->lock);
	if (!q->ctl)
		goto out;
	freed = q->nr_free;
	tail = smp_load_acquire(&q->ctl->cq_tail);
	n = tail - q->cq_head;
	if (n > chan->depth) {
		/* wild tail: nothing in the ring can be trusted to be new */
		(*rejected)++;
		atomic64_inc(&chan->rejected);
		q->cq_head = tail;
		n = 0;
	}
	for (i = 0; i < n; i++) {
		const struct weft_cqe *src = &q->cq[(q->cq_head + i) & (chan->depth - 1)];
		struct weft_cqe c;

		c.tag = READ_ONCE(src->tag);
		c.gen = READ_ONCE(src->gen);
		c.result = READ_ONCE(src->result);
		c.out_len = READ_ONCE(src->out_len);
		if (weft_complete_one(q, &c)) {
			(*reaped)++;
		} else {
			(*rejected)++;
			atomic64_inc(&chan->rejected);
		}
	}
	q->cq_head += n;
	smp_store_release(&q->ctl->cq_head, q->cq_head);
	weft_feed_backlog(q);
	if (q->nr_free != freed) {
		weft_flush_pending(q);
		wake_up(&q->slot_wq);
	}
out:
	spin_unlock(&q->lock);
}

/* ------------------------------------------------------------------ */
/* the caller's side                                                   */

static void weft_req_fill_creds(struct weft_req *req)
{
	req->sqe.uid = from_kuid_munged(&init_user_ns, current_fsuid());
	req->sqe.gid = from_kgid_munged(&init_user_ns, current_fsgid());
	req->sqe.pid = task_tgid_nr(current);
}

static bool weft_slot_ready(struct weft_queue *q)
{
	return READ_ONCE(q->nr_free) || READ_ONCE(q->chan->state) == WEFT_CHAN_DEAD;
}

static bool weft_req_done(struct weft_req *req)
{
	return smp_load_acquire(&req->state) == WEFT_REQ_DONE;
}

/*
 * Busy-wait up to the queue's poll_us for req's completion, while the
 * daemon is known to be awake on another CPU (polling its SQ or serving;
 * dev.c keeps daemon_cpu) and nothing else wants this CPU.  A round trip
 * that fits costs neither a sleep nor a wake-up IPI on either side.  When
 * the daemon sleeps or runs here, or another task is runnable here (the
 * daemon may be it), the caller sleeps at once: polling would only delay
 * the work it waits for.
 */
static bool weft_req_poll(struct weft_queue *q, struct weft_req *req)
{
	u32 us = READ_ONCE(q->poll_us);
	u64 end;
	int cpu;

	if (!us)
		return false;
	end = ktime_get_ns() + (u64)min(us, WEFT_MAX_SPIN_US) * NSEC_PER_USEC;
	do {
		if (weft_req_done(req))
			return true;
		cpu = READ_ONCE(q->daemon_cpu);
		if (cpu < 0 || cpu == raw_smp_processor_id() || need_resched() ||
		    !single_task_running() || fatal_signal_pending(current))
			return false;
		cpu_relax();
	} while (ktime_get_ns() < end);
	return weft_req_done(req);
}

/*
 * Killable wait for req's completion, at most timeout jiffies.  Returns 1
 * when it completed, 0 on timeout, -EINTR on a fatal signal.  The
 * completer stores DONE, then wakes req->task (weft_req_finish); setting
 * our state before checking DONE pairs with that, so no wake-up is lost.
 */
static int weft_req_wait(struct weft_queue *q, struct weft_req *req, unsigned long timeout)
{
	int ret = 1;

	if (weft_req_poll(q, req)) {
		data_race(q->qs.polled++);
		return 1;
	}
	data_race(q->qs.slept++);
	for (;;) {
		set_current_state(TASK_KILLABLE);
		if (weft_req_done(req))
			break;
		if (fatal_signal_pending(current)) {
			ret = -EINTR;
			break;
		}
		if (!timeout) {
			ret = 0;
			break;
		}
		timeout = schedule_timeout(timeout);
	}
	__set_current_state(TASK_RUNNING);
	return ret;
}

/*
 * Send req on chan and wait for its completion, killable, within the
 * channel's per-request timeout.  Returns the daemon's result (0 or
 * -errno), -ENOTCONN when the daemon is gone, -ETIMEDOUT, -EINTR (killed),
 * or -EIO for a completion that failed validation.
 */
static int weft_req_send_wait(struct weft_chan *chan, struct weft_req *req)
{
	unsigned long deadline, left;
	struct weft_queue *q;
	int state, ret;
	long w;

	if (req->in_len > chan->max_io || req->out_max > chan->max_io)
		return -EMSGSIZE;
	state = READ_ONCE(chan->state);
	if (state == WEFT_CHAN_DEAD ||
	    (state == WEFT_CHAN_WAITING && (req->flags & WEFT_REQF_NOGRACE)))
		return -ENOTCONN;

	weft_req_fill_creds(req);
	req->task = current;
	req->sqe.in_len = req->in_len;
	req->sqe.out_max = req->out_max;
	deadline = jiffies + msecs_to_jiffies(READ_ONCE(chan->timeout_ms));
	q = &chan->queues[raw_smp_processor_id() % chan->nr_queues];

	/* a slot: killable wait while the queue is full */
	for (;;) {
		spin_lock(&q->lock);
		if (READ_ONCE(chan->state) == WEFT_CHAN_DEAD) {
			spin_unlock(&q->lock);
			return -ENOTCONN;
		}
		if (q->nr_free) {
			weft_slot_get(q, req);
			weft_req_start(q, req);
			spin_unlock(&q->lock);
			break;
		}
		spin_unlock(&q->lock);
		left = time_after(deadline, jiffies) ? deadline - jiffies : 0;
		w = wait_event_killable_timeout(q->slot_wq, weft_slot_ready(q), left);
		if (w < 0)
			return -EINTR;
		if (!w && !weft_slot_ready(q)) {
			atomic64_inc(&chan->timedout);
			return -ETIMEDOUT;
		}
	}

	left = time_after(deadline, jiffies) ? deadline - jiffies : 0;
	w = weft_req_wait(q, req, left);
	/* DONE (acquire): the completer no longer touches req */
	if (w > 0)
		return req->result;

	/* under the lock: a completion racing with our timeout or signal wins */
	spin_lock(&q->lock);
	if (req->state == WEFT_REQ_DONE) {
		ret = req->result;
	} else {
		struct weft_slot *slot = &q->slots[req->sqe.tag];

		if (req->state == WEFT_REQ_PENDING) {
			list_del_init(&req->list);
			weft_slot_free(q, req->sqe.tag);
			wake_up(&q->slot_wq);
		} else {
			/* published: the daemon may still write the buffer */
			slot->state = WEFT_SLOT_ZOMBIE;
			slot->req = NULL;
		}
		req->state = WEFT_REQ_DONE;
		if (w < 0) {
			ret = -EINTR;
		} else {
			atomic64_inc(&chan->timedout);
			ret = -ETIMEDOUT;
		}
	}
	spin_unlock(&q->lock);
	return ret;
}

/* Every request, however it ends, is counted with its latency (stats.c). */
int weft_req_send(struct weft_chan *chan, struct weft_req *req)
{
	u64 start = ktime_get_ns();
	int ret = weft_req_send_wait(chan, req);

	weft_stats_account(req, ret, ktime_get_ns() - start);
	return ret;
}

/*
 * An async request for weft_req_send_async(): opcode and nodeid set, the
 * caller fills sqe fields (fh, u) only.  NULL when memory is short: the
 * caller then sends it synchronously instead.
 */
struct weft_req *weft_req_alloc_async(u32 opcode, u64 nodeid)
{
	struct weft_req *req = kmalloc(sizeof(*req), GFP_KERNEL);

	if (req)
		weft_req_init(req, opcode, nodeid);
	return req;
}

/*
 * Send req (from weft_req_alloc_async(), no input or output payload)
 * without waiting: it is the daemon's to complete, and req.c's to free.
 * Never blocks: with no slot free it waits on the queue's backlog, fed as
 * completions free slots.  Sent only to an attached daemon; one that goes
 * away drops it (its handles went with it), as does a dead channel.
 */
void weft_req_send_async(struct weft_chan *chan, struct weft_req *req)
{
	struct weft_queue *q;

	req->flags |= WEFT_REQF_ASYNC;
	req->start_ns = ktime_get_ns();
	if (WARN_ON_ONCE(req->in_len || req->out_max)) {
		weft_req_drop(req, -EINVAL);
		return;
	}
	weft_req_fill_creds(req);
	req->task = NULL;
	req->sqe.in_len = 0;
	req->sqe.out_max = 0;
	q = &chan->queues[raw_smp_processor_id() % chan->nr_queues];

	spin_lock(&q->lock);
	/* the state moves under weft_chan_mutex, before the queues are (dis)connected */
	if (READ_ONCE(chan->state) != WEFT_CHAN_ATTACHED) {
		spin_unlock(&q->lock);
		weft_req_drop(req, -ENOTCONN);
		return;
	}
	if (q->nr_free && list_empty(&q->backlog)) {
		weft_slot_get(q, req);
		weft_req_start(q, req);
	} else {
		list_add_tail(&req->list, &q->backlog);
	}
	spin_unlock(&q->lock);
}

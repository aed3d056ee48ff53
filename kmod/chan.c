// SPDX-License-Identifier: GPL-2.0
/*
 * Channels: one per daemon attachment name.
 *
 * A channel is created when a daemon first attaches under a name and is
 * registered (findable by name) until it dies.  When its daemon's fd is
 * released the channel either dies at once (grace 0: every request fails
 * with ENOTCONN) or waits for the grace period (state WAITING): requests
 * stay queued and are re-issued when a new daemon attaches under the same
 * name; when the grace expires it dies.  A dead channel is unregistered, so
 * the name is free for a new daemon, but lives on while mounts reference it;
 * their requests fail with ENOTCONN at once.
 *
 * weft_chan_mutex protects the registry, channel state transitions, the
 * daemon pointer, mount counts and the mount list.
 */
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/vmalloc.h>

#include "weft.h"

DEFINE_MUTEX(weft_chan_mutex);
static LIST_HEAD(weft_chans);

static const char *const weft_chan_state_names[] = {
	[WEFT_CHAN_ATTACHED]	= "attached",
	[WEFT_CHAN_WAITING]	= "waiting",
	[WEFT_CHAN_DEAD]	= "dead",
};

static void weft_chan_release(struct kref *kref)
{
	struct weft_chan *chan = container_of(kref, struct weft_chan, kref);

	weft_queues_free(chan);
	kfree(chan);
}

void weft_chan_put(struct weft_chan *chan)
{
	kref_put(&chan->kref, weft_chan_release);
}

/* caller holds weft_chan_mutex */
static struct weft_chan *weft_chan_find(const char *name)
{
	struct weft_chan *chan;

	list_for_each_entry(chan, &weft_chans, node)
		if (!strcmp(chan->name, name))
			return chan;
	return NULL;
}

/*
 * Look up a registered channel by name, or with name NULL the only one.
 * Returns a reference, or NULL; *nr_attached tells how many are registered
 * (to tell "none" from "several" when name is NULL).
 */
struct weft_chan *weft_chan_find_get(const char *name, int *nr_attached)
{
	struct weft_chan *chan = NULL, *c;
	int n = 0;

	mutex_lock(&weft_chan_mutex);
	list_for_each_entry(c, &weft_chans, node)
		n++;
	if (name)
		chan = weft_chan_find(name);
	else if (n == 1)
		chan = list_first_entry(&weft_chans, struct weft_chan, node);
	if (chan)
		kref_get(&chan->kref);
	mutex_unlock(&weft_chan_mutex);
	if (nr_attached)
		*nr_attached = n;
	return chan;
}

/* caller holds weft_chan_mutex; the channel is not attached */
static void weft_chan_kill(struct weft_chan *chan)
{
	u32 i;

	WRITE_ONCE(chan->state, WEFT_CHAN_DEAD);
	for (i = 0; i < chan->nr_queues; i++)
		weft_queue_disconnect(&chan->queues[i], true);
	if (chan->registered) {
		list_del_init(&chan->node);
		chan->registered = false;
		weft_chan_put(chan);	/* the registry's reference */
	}
}

static void weft_chan_grace_expired(struct work_struct *work)
{
	struct weft_chan *chan = container_of(to_delayed_work(work), struct weft_chan,
					      grace_work);

	mutex_lock(&weft_chan_mutex);
	if (chan->state == WEFT_CHAN_WAITING &&
	    time_before(jiffies, chan->grace_deadline)) {
		/* an older run that raced with a re-attach and a new detach */
		mod_delayed_work(system_wq, &chan->grace_work, chan->grace_deadline - jiffies);
	} else if (chan->state == WEFT_CHAN_WAITING) {
		pr_info("weft: no weftd re-attached as '%s' within %u ms; failing its requests\n",
			chan->name, chan->grace_ms);
		kref_get(&chan->kref);
		weft_chan_kill(chan);
		mutex_unlock(&weft_chan_mutex);
		weft_chan_put(chan);
		return;
	}
	mutex_unlock(&weft_chan_mutex);
}

static struct weft_chan *weft_chan_create(const struct weft_attach *at)
{
	struct weft_chan *chan;

	chan = kzalloc(sizeof(*chan), GFP_KERNEL);
	if (!chan)
		return NULL;
	kref_init(&chan->kref);		/* the registry's reference */
	INIT_LIST_HEAD(&chan->node);
	strscpy(chan->name, at->name, sizeof(chan->name));
	chan->state = WEFT_CHAN_DEAD;
	chan->nr_queues = at->nr_queues;
	chan->depth = at->queue_depth;
	chan->max_io = at->max_io_size;
	chan->timeout_ms = WEFT_DEFAULT_TIMEOUT_MS;
	INIT_DELAYED_WORK(&chan->grace_work, weft_chan_grace_expired);
	if (weft_queues_alloc(chan)) {
		kfree(chan);
		return NULL;
	}
	return chan;
}

/* bytes per queue: ctl page, SQ, CQ (page aligned), data buffers */
u64 weft_queue_stride(u32 depth, u32 max_io)
{
	u64 sq_bytes = (u64)depth * sizeof(struct weft_sqe);
	u64 cq_bytes = (u64)depth * sizeof(struct weft_cqe);

	return PAGE_ALIGN(PAGE_SIZE + sq_bytes + cq_bytes) + (u64)depth * max_io;
}

static void weft_region_header(struct weft_region_header *h, const struct weft_chan *chan)
{
	size_t sq_bytes = (size_t)chan->depth * sizeof(struct weft_sqe);
	size_t cq_bytes = (size_t)chan->depth * sizeof(struct weft_cqe);

	memset(h, 0, sizeof(*h));
	h->magic = WEFT_REGION_MAGIC;
	h->abi_version = WEFT_ABI_VERSION;
	h->nr_queues = chan->nr_queues;
	h->queue_depth = chan->depth;
	h->max_io_size = chan->max_io;
	h->queue_offset = PAGE_SIZE;
	h->sq_offset = PAGE_SIZE;	/* after struct weft_queue_ctl's page */
	h->cq_offset = h->sq_offset + sq_bytes;
	h->data_offset = PAGE_ALIGN(h->cq_offset + cq_bytes);
	h->queue_stride = h->data_offset + (u64)chan->depth * chan->max_io;
}

static u64 weft_region_size(const struct weft_region_header *h)
{
	return h->queue_offset + (u64)h->nr_queues * h->queue_stride;
}

/*
 * Attach daemon d under at->name (validated by dev.c).  A channel waiting
 * within its grace period is resumed with its own geometry; a live one
 * refuses with EBUSY.  Allocates and lays out the region; fills the out
 * fields of at.
 */
int weft_chan_attach(struct weft_daemon *d, struct weft_attach *at)
{
	struct weft_region_header h;
	struct weft_chan *chan;
	struct weft_region *region;
	bool resumed = false;
	u32 pending = 0, i;
	u64 size;
	int err;

	mutex_lock(&weft_chan_mutex);
	chan = weft_chan_find(at->name);
	if (chan && chan->state == WEFT_CHAN_ATTACHED) {
		mutex_unlock(&weft_chan_mutex);
		pr_err("weft: a weftd is already attached as '%s'\n", at->name);
		return -EBUSY;
	}
	if (chan) {
		resumed = true;
	} else {
		chan = weft_chan_create(at);
		if (!chan) {
			err = -ENOMEM;
			goto out_unlock;
		}
	}

	weft_region_header(&h, chan);
	size = weft_region_size(&h);
	if (size > WEFT_REGION_MAX) {
		err = -ENOMEM;
		goto out_new;
	}
	region = weft_region_alloc(&h);
	if (!region) {
		err = -ENOMEM;
		goto out_new;
	}

	if (resumed) {
		cancel_delayed_work(&chan->grace_work);	/* a running one re-checks the state */
	} else {
		list_add_tail(&chan->node, &weft_chans);
		chan->registered = true;
	}
	kref_get(&chan->kref);		/* the daemon's reference */
	d->chan = chan;
	d->region = region;
	chan->daemon = d;
	WRITE_ONCE(chan->state, WEFT_CHAN_ATTACHED);
	for (i = 0; i < chan->nr_queues; i++)
		pending += weft_queue_connect(&chan->queues[i], region->qbase[i], &h);
	mutex_unlock(&weft_chan_mutex);

	at->nr_queues = chan->nr_queues;
	at->queue_depth = chan->depth;
	at->max_io_size = chan->max_io;
	at->region_size = size;
	at->flags = resumed ? WEFT_ATTACH_RESUMED : 0;
	at->pending = pending;
	pr_info("weft: weftd %s as '%s' (%u queues x %u, %u KiB I/O)%s\n",
		resumed ? "re-attached" : "attached", chan->name, chan->nr_queues,
		chan->depth, chan->max_io >> 10, resumed ? ", resuming requests" : "");
	return 0;

out_new:
	if (!resumed)
		weft_chan_put(chan);
out_unlock:
	mutex_unlock(&weft_chan_mutex);
	return err;
}

/* The daemon's fd is released: no mapping of its region remains. */
void weft_chan_detach(struct weft_daemon *d)
{
	struct weft_chan *chan = d->chan;
	u32 i;

	if (!chan)
		return;
	mutex_lock(&weft_chan_mutex);
	chan->daemon = NULL;
	if (chan->grace_ms) {
		WRITE_ONCE(chan->state, WEFT_CHAN_WAITING);
		for (i = 0; i < chan->nr_queues; i++)
			weft_queue_disconnect(&chan->queues[i], false);
		chan->grace_deadline = jiffies + msecs_to_jiffies(chan->grace_ms);
		mod_delayed_work(system_wq, &chan->grace_work, msecs_to_jiffies(chan->grace_ms));
		pr_info("weft: weftd '%s' detached; waiting %u ms for it to return\n",
			chan->name, chan->grace_ms);
	} else {
		weft_chan_kill(chan);
		pr_info("weft: weftd '%s' detached\n", chan->name);
	}
	mutex_unlock(&weft_chan_mutex);
	/* a grace run that lost the race with our attach must not outlive chan */
	if (READ_ONCE(chan->state) == WEFT_CHAN_DEAD)
		cancel_delayed_work_sync(&chan->grace_work);
	d->chan = NULL;
	weft_chan_put(chan);
	weft_region_free(d->region);
	d->region = NULL;
}

int weft_chan_set_timeouts(struct weft_chan *chan, const u32 *timeout_ms, const u32 *grace_ms)
{
	if (timeout_ms && (*timeout_ms < 1 || *timeout_ms > WEFT_MAX_TIMEOUT_MS))
		return -EINVAL;
	if (grace_ms && *grace_ms > WEFT_MAX_GRACE_MS)
		return -EINVAL;
	mutex_lock(&weft_chan_mutex);
	if (timeout_ms)
		WRITE_ONCE(chan->timeout_ms, *timeout_ms);
	if (grace_ms)
		chan->grace_ms = *grace_ms;
	mutex_unlock(&weft_chan_mutex);
	return 0;
}

/* ------------------------------------------------------------------ */
/* control plane (netlink.c)                                           */

int weft_chan_list(int (*fn)(const struct weft_chan_info *info, void *arg), void *arg)
{
	struct weft_chan_info info;
	struct weft_chan *chan;
	int ret = 0;

	mutex_lock(&weft_chan_mutex);
	list_for_each_entry(chan, &weft_chans, node) {
		memset(&info, 0, sizeof(info));
		strscpy(info.name, chan->name, sizeof(info.name));
		info.state = weft_chan_state_names[chan->state];
		info.nr_queues = chan->nr_queues;
		info.queue_depth = chan->depth;
		info.max_io_size = chan->max_io;
		info.timeout_ms = chan->timeout_ms;
		info.grace_ms = chan->grace_ms;
		info.mounts = chan->mounts;
		info.submitted = atomic64_read(&chan->submitted);
		info.completed = atomic64_read(&chan->completed);
		info.rejected = atomic64_read(&chan->rejected);
		info.timedout = atomic64_read(&chan->timedout);
		ret = fn(&info, arg);
		if (ret)
			break;
	}
	mutex_unlock(&weft_chan_mutex);
	return ret;
}

int weft_queue_list(int (*fn)(const struct weft_queue_info *info, void *arg), void *arg)
{
	struct weft_queue_info info;
	struct weft_chan *chan;
	int ret = 0;
	u32 i;

	mutex_lock(&weft_chan_mutex);
	list_for_each_entry(chan, &weft_chans, node) {
		for (i = 0; i < chan->nr_queues && !ret; i++) {
			const struct weft_queue *q = &chan->queues[i];

			memset(&info, 0, sizeof(info));
			strscpy(info.channel, chan->name, sizeof(info.channel));
			info.queue = i;
			info.in_flight = chan->depth - data_race(q->nr_free);
			info.stats = data_race(q->qs);
			ret = fn(&info, arg);
		}
		if (ret)
			break;
	}
	mutex_unlock(&weft_chan_mutex);
	return ret;
}

int weft_mount_list(int (*fn)(const struct weft_mount_info *info, void *arg), void *arg)
{
	int ret;

	mutex_lock(&weft_chan_mutex);
	ret = weft_mount_list_locked(fn, arg);
	mutex_unlock(&weft_chan_mutex);
	return ret;
}

static struct weft_chan *weft_chan_get_errno(const char *name, int *err)
{
	struct weft_chan *chan;
	int n;

	chan = weft_chan_find_get(name, &n);
	if (!chan)
		*err = (!name && n > 1) ? -ENOTUNIQ : -ENOENT;
	return chan;
}

int weft_chan_set(const char *name, const u32 *timeout_ms, const u32 *grace_ms)
{
	struct weft_chan *chan;
	int err;

	chan = weft_chan_get_errno(name, &err);
	if (!chan)
		return err;
	err = weft_chan_set_timeouts(chan, timeout_ms, grace_ms);
	weft_chan_put(chan);
	return err;
}

int weft_chan_mgmt(const char *name, const char *json, size_t len,
		   char **out, size_t *out_len)
{
	struct weft_chan *chan;
	struct weft_req req;
	void *buf;
	int err;

	chan = weft_chan_get_errno(name, &err);
	if (!chan)
		return err;
	err = -EMSGSIZE;
	if (len > chan->max_io)
		goto out_put;
	err = -ENOMEM;
	buf = kvmalloc(chan->max_io, GFP_KERNEL);
	if (!buf)
		goto out_put;
	weft_req_init(&req, WEFT_OP_MGMT, 0);
	req.in = json;
	req.in_len = len;
	req.out = buf;
	req.out_max = chan->max_io;
	err = weft_req_send(chan, &req);
	if (err) {
		kvfree(buf);
		goto out_put;
	}
	*out = buf;
	*out_len = req.out_len;
out_put:
	weft_chan_put(chan);
	return err;
}

/* Module exit: no daemon and no mount is left; channels may wait in grace. */
void weft_chan_exit(void)
{
	struct weft_chan *chan;

	for (;;) {
		mutex_lock(&weft_chan_mutex);
		chan = list_first_entry_or_null(&weft_chans, struct weft_chan, node);
		if (chan)
			kref_get(&chan->kref);
		mutex_unlock(&weft_chan_mutex);
		if (!chan)
			break;
		cancel_delayed_work_sync(&chan->grace_work);
		mutex_lock(&weft_chan_mutex);
		weft_chan_kill(chan);
		mutex_unlock(&weft_chan_mutex);
		weft_chan_put(chan);
	}
}

// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/weft: the daemon's side of the ring.  Only CAP_SYS_ADMIN may open it.
 *
 * One open file is one daemon: WEFT_IOC_ATTACH once, then mmap the region
 * (MAP_SHARED, offset 0, exactly region_size bytes), then WEFT_IOC_ENTER
 * per queue to commit completions and wait for requests.  The region is
 * the kernel's (region.c) and lives until the file is released, which
 * also means no mapping of it is left (each mapping holds the file).
 */
#include <linux/build_bug.h>
#include <linux/capability.h>
#include <linux/delay.h>
#include <linux/ktime.h>
#include <linux/log2.h>
#include <linux/math64.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/sched/signal.h>
#include <linux/sched/stat.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "weft.h"

/* the same layout daemon/uapi_check.cc asserts on the C++ side */
static void __maybe_unused weft_abi_asserts(void)
{
	BUILD_BUG_ON(sizeof(struct weft_attach) != 96);
	BUILD_BUG_ON(sizeof(struct weft_enter) != 32);
	BUILD_BUG_ON(sizeof(struct weft_region_header) != 64);
	BUILD_BUG_ON(sizeof(struct weft_queue_ctl) != 6 * 64);
	BUILD_BUG_ON(offsetof(struct weft_queue_ctl, sq_tail) != 64);
	BUILD_BUG_ON(offsetof(struct weft_queue_ctl, cq_head) != 128);
	BUILD_BUG_ON(offsetof(struct weft_queue_ctl, cq_tail) != 192);
	BUILD_BUG_ON(offsetof(struct weft_queue_ctl, flags) != 256);
	BUILD_BUG_ON(offsetof(struct weft_queue_ctl, kflags) != 320);
	BUILD_BUG_ON(sizeof(struct weft_sqe) != 128);
	BUILD_BUG_ON(offsetof(struct weft_sqe, u) != 64);
	BUILD_BUG_ON(sizeof(struct weft_cqe) != 32);
	BUILD_BUG_ON(sizeof(struct weft_attr) != 88);
	BUILD_BUG_ON(sizeof(struct weft_attr_out) != 96);
	BUILD_BUG_ON(sizeof(struct weft_entry_out) != 112);
	BUILD_BUG_ON(sizeof(struct weft_mount_out) != 128);
	BUILD_BUG_ON(sizeof(struct weft_statfs_out) != 56);
	BUILD_BUG_ON(sizeof(struct weft_dirent) != 24);
	BUILD_BUG_ON(sizeof(struct weft_notify) != 288);
	/* the region layout puts each queue_ctl in its own page */
	BUILD_BUG_ON(sizeof(struct weft_queue_ctl) > PAGE_SIZE);
	BUILD_BUG_ON(PAGE_SIZE < WEFT_PAGE_ALIGN);
	BUILD_BUG_ON(!is_power_of_2(WEFT_MAX_DEPTH));
	BUILD_BUG_ON(WEFT_MAX_DEPTH > 65536);	/* tags fit the u16 free stack */
}

static int weft_dev_open(struct inode *inode, struct file *file)
{
	struct weft_daemon *d;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	d = kzalloc(sizeof(*d), GFP_KERNEL);
	if (!d)
		return -ENOMEM;
	mutex_init(&d->lock);
	file->private_data = d;
	return 0;
}

static int weft_dev_release(struct inode *inode, struct file *file)
{
	struct weft_daemon *d = file->private_data;

	weft_chan_detach(d);
	kfree(d);
	return 0;
}

static int weft_attach_check(struct weft_attach *at)
{
	u64 max_queues;
	size_t n;
	int i;

	if (at->abi_version != WEFT_ABI_VERSION)
		return -EINVAL;
	for (i = 0; i < ARRAY_SIZE(at->reserved); i++)
		if (at->reserved[i])
			return -EINVAL;
	n = strnlen(at->name, sizeof(at->name));
	if (n == 0 || n == sizeof(at->name))
		return -EINVAL;
	if (at->nr_queues > WEFT_MAX_QUEUES)
		return -EINVAL;
	if (!at->queue_depth || at->queue_depth > WEFT_MAX_DEPTH ||
	    !is_power_of_2(at->queue_depth))
		return -EINVAL;
	if (at->max_io_size < WEFT_MIN_IO_SIZE || at->max_io_size > WEFT_MAX_IO_SIZE)
		return -EINVAL;
	at->max_io_size = PAGE_ALIGN(at->max_io_size);

	/* the region must stay under WEFT_REGION_MAX: "one per CPU" shrinks to fit */
	max_queues = div64_u64(WEFT_REGION_MAX - PAGE_SIZE,
			       weft_queue_stride(at->queue_depth, at->max_io_size));
	if (!max_queues)
		return -ENOMEM;
	if (at->nr_queues == 0)
		at->nr_queues = min_t(u64, min_t(u32, num_online_cpus(), WEFT_MAX_QUEUES),
				      max_queues);
	if (at->nr_queues > max_queues)
		return -ENOMEM;
	return 0;
}

static long weft_ioc_attach(struct weft_daemon *d, struct weft_attach __user *uat)
{
	struct weft_attach at;
	int err;

	if (copy_from_user(&at, uat, sizeof(at)))
		return -EFAULT;
	err = weft_attach_check(&at);
	if (err)
		return err;
	mutex_lock(&d->lock);
	if (d->chan) {
		mutex_unlock(&d->lock);
		return -EISCONN;
	}
	err = weft_chan_attach(d, &at);
	mutex_unlock(&d->lock);
	if (err)
		return err;
	/* on a fault the attachment stands; closing the fd undoes it */
	if (copy_to_user(uat, &at, sizeof(at)))
		return -EFAULT;
	return 0;
}

/*
 * Busy-poll up to spin_us for SQ entries; returns the count found.  Only
 * while this CPU has nothing else to run: a caller (or another daemon
 * thread) runnable here needs the CPU more than we need a head start, so
 * the poll ends as soon as one is, and the daemon sleeps instead.
 */
static u32 weft_enter_spin(struct weft_queue *q, u32 spin_us, u32 *rejected)
{
	u64 end = ktime_get_ns() + (u64)min(spin_us, WEFT_MAX_SPIN_US) * NSEC_PER_USEC;
	u32 avail = 0;

	while (ktime_get_ns() < end && !need_resched() && single_task_running() &&
	       !signal_pending(current)) {
		if (READ_ONCE(q->sq_tail) != READ_ONCE(q->sq_head) ||
		    !list_empty_careful(&q->pending)) {
			spin_lock(&q->lock);
			avail = weft_queue_available(q, rejected);
			spin_unlock(&q->lock);
			if (avail)
				break;
		}
		cpu_relax();
	}
	return avail;
}

static long weft_ioc_enter(struct weft_daemon *d, struct weft_enter __user *uen)
{
	struct weft_enter en;
	struct weft_chan *chan = d->chan;
	struct weft_queue *q;
	u32 head;
	long w;

	if (copy_from_user(&en, uen, sizeof(en)))
		return -EFAULT;
	if (!chan)
		return -ENOTCONN;
	if (en.queue >= chan->nr_queues || (en.flags & ~WEFT_ENTER_WAIT) || en.pad)
		return -EINVAL;
	q = &chan->queues[en.queue];
	en.reaped = 0;
	en.rejected = 0;
	/*
	 * Callers poll for their completions while the daemon is awake on
	 * another CPU (req.c), as long as the daemon itself would poll: its
	 * last waiting ENTER says how long (a commit-only ENTER says nothing).
	 */
	if (en.flags & WEFT_ENTER_WAIT)
		WRITE_ONCE(q->poll_us, min(en.spin_us, WEFT_MAX_SPIN_US));
	WRITE_ONCE(q->daemon_cpu, raw_smp_processor_id());
	weft_queue_reap(q, &en.reaped, &en.rejected);

	spin_lock(&q->lock);
	en.available = weft_queue_available(q, &en.rejected);
	head = q->sq_head;
	spin_unlock(&q->lock);

	if ((en.flags & WEFT_ENTER_WAIT) && !en.available) {
		if (en.spin_us) {
			en.available = weft_enter_spin(q, en.spin_us, &en.rejected);
			if (en.available)
				data_race(q->qs.spin_found++);
			else
				data_race(q->qs.spin_missed++);
		}
		if (!en.available) {
			/* asleep: callers stop polling and sleep too */
			WRITE_ONCE(q->daemon_cpu, -1);
			/* the kernel publishes sq_tail, then checks daemon_wq */
			if (en.timeout_ms)
				w = wait_event_interruptible_timeout(q->daemon_wq,
						READ_ONCE(q->sq_tail) != head,
						msecs_to_jiffies(en.timeout_ms));
			else
				w = wait_event_interruptible(q->daemon_wq,
						READ_ONCE(q->sq_tail) != head);
			(void)w;	/* signal or timeout: report what we have */
			WRITE_ONCE(q->daemon_cpu, raw_smp_processor_id());
			spin_lock(&q->lock);
			en.available = weft_queue_available(q, &en.rejected);
			spin_unlock(&q->lock);
		}
	}
	if (copy_to_user(uen, &en, sizeof(en)))
		return -EFAULT;
	return 0;
}

static long weft_dev_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct weft_daemon *d = file->private_data;
	void __user *argp = (void __user *)arg;

	switch (cmd) {
	case WEFT_IOC_ATTACH:
		return weft_ioc_attach(d, argp);
	case WEFT_IOC_ENTER:
		/* d->chan is set once under d->lock and stays until release */
		if (!READ_ONCE(d->chan))
			return -ENOTCONN;
		return weft_ioc_enter(d, argp);
	case WEFT_IOC_NOTIFY:
		if (!READ_ONCE(d->chan))
			return -ENOTCONN;
		return weft_notify(d, argp);
	default:
		return -ENOTTY;
	}
}

static int weft_dev_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct weft_daemon *d = file->private_data;
	unsigned long len = vma->vm_end - vma->vm_start;
	int err = -EINVAL;

	mutex_lock(&d->lock);
	if (!d->region || vma->vm_pgoff != 0 || len != d->region->size ||
	    !(vma->vm_flags & VM_SHARED))
		goto out;
	err = weft_region_mmap(d->region, vma);
out:
	mutex_unlock(&d->lock);
	return err;
}

static const struct file_operations weft_dev_fops = {
	.owner		= THIS_MODULE,
	.open		= weft_dev_open,
	.release	= weft_dev_release,
	.unlocked_ioctl	= weft_dev_ioctl,
	.compat_ioctl	= compat_ptr_ioctl,
	.mmap		= weft_dev_mmap,
	.llseek		= noop_llseek,
};

struct miscdevice weft_miscdev = {
	.minor	= MISC_DYNAMIC_MINOR,
	.name	= WEFT_DEV_NAME,
	.fops	= &weft_dev_fops,
	.mode	= 0600,
};

#include "io_uring_drive.h"

#include <sys/uio.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace weft::storage {

Result<std::unique_ptr<IoUringDrive>> IoUringDrive::create(UniqueFd fd, uint64_t size,
							   const Options &options)
{
	auto drive = std::make_unique<IoUringDrive>(Token{}, std::move(fd), size);
	int err = io_uring_queue_init(options.queue_depth, &drive->ring_, 0);
	if (err < 0)
		return errno_error(-err, "io_uring_queue_init");
	drive->ring_ready_ = true;
	drive->queue_depth_ = options.queue_depth;
	return drive;
}

IoUringDrive::~IoUringDrive()
{
	if (!ring_ready_)
		return;
	// Never leave the kernel writing into memory we are about to free.  The
	// ops of an abandoned batch may be gone: do not touch them.
	std::unique_lock lock(mu_);
	closing_ = true;
	while (in_flight_ > 0)
		reap(lock);
	lock.unlock();
	io_uring_queue_exit(&ring_);
}

Status IoUringDrive::register_buffer(std::span<std::byte> arena)
{
	std::lock_guard lock(mu_);
	if (!arena_.empty()) {
		io_uring_unregister_buffers(&ring_);
		arena_ = {};
	}
	iovec iov{arena.data(), arena.size()};
	int err = io_uring_register_buffers(&ring_, &iov, 1);
	if (err < 0)
		return errno_error(-err, "io_uring_register_buffers");
	arena_ = arena;
	return {};
}

void IoUringDrive::note_error(IoBatch &batch, int err, const std::string &what)
{
	if (batch.error == 0) {
		batch.error = err;
		batch.what = what;
	}
}

void IoUringDrive::complete(IoOp &op, int res)
{
	op.result = res;
	IoBatch &batch = *op.batch;
	bool short_transfer = op.kind != IoOp::Kind::kFlush && res >= 0 &&
			      static_cast<uint32_t>(res) != op.len;
	// A drive file whose file system is full fails a write with ENOSPC
	// or EDQUOT, or writes short (what fit): the drive is not broken, and
	// the space may come back.
	bool no_space = op.kind == IoOp::Kind::kWrite &&
			(res == -ENOSPC || res == -EDQUOT || short_transfer);
	if (no_space) {
		static const char *what = "write (no space left under the drive file)";
		note_error(batch, res == -EDQUOT ? EDQUOT : ENOSPC, what);
	} else if (res < 0 || short_transfer) {
		// A short transfer on an O_DIRECT device inside its size is as
		// bad as an error: the data is not where we asked.
		io_errors_++;
		failed_ = true;
		static const char *names[] = {"read", "write", "flush"};
		note_error(batch, res < 0 ? -res : EIO, names[static_cast<int>(op.kind)]);
	}
	if (--batch.remaining == 0)
		batch.done.notify_one();
}

void IoUringDrive::start(IoBatch &batch)
{
	std::unique_lock lock(mu_);
	batch.remaining = static_cast<unsigned>(batch.ops.size());
	batch.error = 0;
	batch.what.clear();
	unsigned prepared = 0;
	for (IoOp &op : batch.ops) {
		op.batch = &batch;
		op.result = 0;
		if (op.kind != IoOp::Kind::kFlush && (op.offset + op.len > size_ || op.len == 0)) {
			op.result = -EINVAL;
			note_error(batch, EINVAL, "I/O beyond the end of the drive");
			batch.remaining--;
			continue;
		}
		int injected = fault_hook_ ? fault_hook_(op) : 0;
		if (injected != 0) {
			io_errors_++;
			failed_ = true;
		}
		if (failed_) {
			op.result = -(injected != 0 ? injected : EIO);
			note_error(batch, -op.result, "drive failed");
			batch.remaining--;
			continue;
		}
		// Keep in-flight within the queue depth so the completion queue
		// (twice as deep) never overflows; a full ring is drained first.
		while (in_flight_ >= queue_depth_) {
			if (prepared > 0) {
				submit_prepared(lock);
				prepared = 0;
			}
			reap(lock);
		}
		// in_flight_ < queue_depth_ == SQ size, so a free SQE exists.
		io_uring_sqe *sqe = io_uring_get_sqe(&ring_);
		bool fixed = !arena_.empty() && op.buf >= arena_.data() &&
			     op.buf + op.len <= arena_.data() + arena_.size();
		switch (op.kind) {
		case IoOp::Kind::kRead:
			if (fixed)
				io_uring_prep_read_fixed(sqe, fd_.get(), op.buf, op.len, op.offset, 0);
			else
				io_uring_prep_read(sqe, fd_.get(), op.buf, op.len, op.offset);
			break;
		case IoOp::Kind::kWrite:
			if (fixed)
				io_uring_prep_write_fixed(sqe, fd_.get(), op.buf, op.len, op.offset, 0);
			else
				io_uring_prep_write(sqe, fd_.get(), op.buf, op.len, op.offset);
			break;
		case IoOp::Kind::kFlush:
			io_uring_prep_fsync(sqe, fd_.get(), IORING_FSYNC_DATASYNC);
			break;
		}
		io_uring_sqe_set_data(sqe, &op);
		in_flight_++;
		prepared++;
	}
	if (prepared > 0)
		submit_prepared(lock);
}

void IoUringDrive::submit_prepared(std::unique_lock<std::mutex> &lock)
{
	for (;;) {
		int err = io_uring_submit(&ring_);
		if (err >= 0)
			return;
		if (err == -EINTR || err == -EAGAIN || err == -EBUSY) {
			// Transient (e.g. completions to reap first).
			reap(lock);
			continue;
		}
		// Prepared SQEs point into callers' ops; they can neither be
		// completed nor withdrawn, and failing them would let the kernel
		// write into freed memory later.  A ring in this state is a bug.
		std::fprintf(stderr, "weft storage: io_uring_submit: %s\n", std::strerror(-err));
		std::abort();
	}
}

void IoUringDrive::reap(std::unique_lock<std::mutex> &lock)
{
	if (reaper_active_) {
		reaped_.wait(lock);
		return;
	}
	if (in_flight_ == 0)
		return;
	reaper_active_ = true;
	lock.unlock();
	struct Done {
		IoOp *op;
		int res;
	};
	std::vector<Done> done;
	io_uring_cqe *cqe = nullptr;
	int err;
	do {
		err = io_uring_wait_cqe(&ring_, &cqe);
	} while (err == -EINTR || err == -EAGAIN);
	if (err < 0) {
		// In-flight ops point into callers' memory and will never be
		// reported: a ring in this state is a bug, as in submit_prepared().
		std::fprintf(stderr, "weft storage: io_uring_wait_cqe: %s\n", std::strerror(-err));
		std::abort();
	}
	{
		unsigned head;
		io_uring_for_each_cqe(&ring_, head, cqe)
		{
			done.push_back({static_cast<IoOp *>(io_uring_cqe_get_data(cqe)), cqe->res});
		}
		io_uring_cq_advance(&ring_, static_cast<unsigned>(done.size()));
	}
	lock.lock();
	for (const Done &d : done) {
		in_flight_--;
		if (!closing_)
			complete(*d.op, d.res);
	}
	reaper_active_ = false;
	reaped_.notify_all();
	// Hand the ring to one sleeper whose batch is still in flight.
	for (IoBatch *w : waiters_) {
		if (w->remaining > 0) {
			w->done.notify_one();
			break;
		}
	}
}

void IoUringDrive::wait_for(IoBatch &batch, std::unique_lock<std::mutex> &lock)
{
	while (batch.remaining > 0) {
		if (!reaper_active_) {
			reap(lock);
			continue;
		}
		waiters_.push_back(&batch);
		batch.done.wait(lock);
		waiters_.erase(std::find(waiters_.begin(), waiters_.end(), &batch));
	}
}

Status IoUringDrive::finish(IoBatch &batch)
{
	{
		std::unique_lock lock(mu_);
		wait_for(batch, lock);
	}
	if (batch.error == 0 && batch.flush) {
		Status f = flush();
		if (!f.ok())
			note_error(batch, f.error().code, f.error().message);
	}
	if (batch.error != 0)
		return errno_error(batch.error, batch.what);
	return {};
}

Status IoUringDrive::run(std::span<IoOp> ops, bool do_flush)
{
	IoBatch batch{ops, do_flush};
	start(batch);
	return finish(batch);
}

int IoUringDrive::flush_once(std::string &what)
{
	IoOp sync{IoOp::Kind::kFlush};
	IoBatch batch{{&sync, 1}, false};
	start(batch);
	std::unique_lock lock(mu_);
	wait_for(batch, lock);
	what = batch.what;
	return batch.error;
}

Status IoUringDrive::flush()
{
	// One fdatasync per caller, run in parallel.  Combining them (callers
	// that arrive while one runs share the next) was measured slower on
	// drive files: the waiting outweighs the flushes saved
	// (bench/engine/README.md).
	std::string what;
	int err = flush_once(what);
	if (err != 0)
		return errno_error(err, what);
	return {};
}

}  // namespace weft::storage

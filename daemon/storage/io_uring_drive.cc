#include "io_uring_drive.h"

#include <sys/uio.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <sched.h>
#include <vector>

namespace weft::storage {

// One io_uring, used by one batch at a time (whoever leased it from the
// pool); nothing in it is shared, so nothing in it is locked.
struct IoRing {
	io_uring ring{};
	bool ready = false;           // ring set up
	unsigned in_flight = 0;       // prepared or submitted, not reaped
	std::span<std::byte> arena;   // registered with this ring, or empty

	~IoRing()
	{
		if (ready)
			io_uring_queue_exit(&ring);
	}
};

std::unique_ptr<IoRing> IoUringDrive::make_ring(std::span<std::byte> arena, int &err)
{
	auto r = std::make_unique<IoRing>();
	err = io_uring_queue_init(entries_, &r->ring, 0);
	if (err < 0) {
		err = -err;
		return nullptr;
	}
	r->ready = true;
	if (!arena.empty()) {
		iovec iov{arena.data(), arena.size()};
		// Without the registration (e.g. locked-memory limits) the ring
		// still works, pinning pages per I/O as for any other memory.
		if (io_uring_register_buffers(&r->ring, &iov, 1) == 0)
			r->arena = arena;
	}
	return r;
}

IoUringDrive::IoUringDrive(Token, UniqueFd fd, uint64_t size) : fd_(std::move(fd)), size_(size) {}

Result<std::unique_ptr<IoUringDrive>> IoUringDrive::create(UniqueFd fd, uint64_t size,
							   const Options &options)
{
	auto drive = std::make_unique<IoUringDrive>(Token{}, std::move(fd), size);
	drive->entries_ = std::max(1u, options.queue_depth);
	int err = 0;
	auto first = drive->make_ring({}, err);
	if (!first)
		return errno_error(err, "io_uring_queue_init");
	drive->free_.push_back(first.get());
	drive->rings_.push_back(std::move(first));
	return drive;
}

IoUringDrive::~IoUringDrive()
{
	// Never leave the kernel writing into memory we are about to free.  A
	// ring still leased belongs to an abandoned batch whose ops may be
	// gone: reap without touching them.
	for (auto &r : rings_) {
		while (r->in_flight > 0) {
			int err = io_uring_submit_and_wait(&r->ring, 1);
			if (err < 0 && err != -EINTR && err != -EAGAIN && err != -EBUSY) {
				// The kernel may still write into the ops' memory:
				// a ring in this state is a bug (as in submit_and_reap).
				std::fprintf(stderr, "weft storage: io_uring_enter: %s\n",
					     std::strerror(-err));
				std::abort();
			}
			unsigned head, n = 0;
			io_uring_cqe *cqe;
			io_uring_for_each_cqe(&r->ring, head, cqe) n++;
			io_uring_cq_advance(&r->ring, n);
			r->in_flight -= std::min(n, r->in_flight);
		}
	}
}

Status IoUringDrive::register_buffer(std::span<std::byte> arena)
{
	std::lock_guard lock(pool_mu_);
	arena_ = arena;
	// Before any I/O: every ring is in the pool.
	for (auto &r : rings_) {
		if (!r->arena.empty()) {
			io_uring_unregister_buffers(&r->ring);
			r->arena = {};
		}
		iovec iov{arena.data(), arena.size()};
		int err = io_uring_register_buffers(&r->ring, &iov, 1);
		if (err < 0) {
			arena_ = {};
			return errno_error(-err, "io_uring_register_buffers");
		}
		r->arena = arena;
	}
	return {};
}

size_t IoUringDrive::rings()
{
	std::lock_guard lock(pool_mu_);
	return rings_.size();
}

IoRing &IoUringDrive::acquire_ring()
{
	std::unique_lock lock(pool_mu_);
	for (;;) {
		if (!free_.empty()) {
			IoRing *r = free_.back();
			free_.pop_back();
			return *r;
		}
		if (!cannot_make_) {
			// Made outside the lock: registering the arena pins it,
			// which takes a while for a large one.
			making_++;
			std::span<std::byte> arena = arena_;
			lock.unlock();
			int err = 0;
			auto r = make_ring(arena, err);
			lock.lock();
			making_--;
			if (r) {
				IoRing &mine = *r;
				rings_.push_back(std::move(r));
				return mine;
			}
			// Out of memory or file descriptors: wait for one of the
			// rings there are (create() made one) to be given back,
			// then try making one again.  (Only a caller holding
			// batches open on every ring could wait forever, and
			// only while no ring can be made at all.)
			if (!cannot_make_)
				std::fprintf(stderr,
					     "weft storage: io_uring_queue_init: %s (waiting for one of %zu rings)\n",
					     std::strerror(err), rings_.size());
			cannot_make_ = true;
			continue;
		}
		ring_freed_.wait(lock);
	}
}

void IoUringDrive::release_ring(IoRing &ring)
{
	{
		std::lock_guard lock(pool_mu_);
		// Last in, first out: the next batch gets a warm ring.
		free_.push_back(&ring);
		// Worth trying to make rings again once one is given back.
		cannot_make_ = false;
	}
	ring_freed_.notify_one();
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
	batch.remaining--;
}

void IoUringDrive::submit_and_reap(IoRing &ring, bool wait)
{
	for (;;) {
		int err = wait ? io_uring_submit_and_wait(&ring.ring, 1) : io_uring_submit(&ring.ring);
		if (err >= 0)
			break;
		if (err == -EINTR || err == -EAGAIN || err == -EBUSY) {
			// Transient (interrupted, or short of memory): what was
			// prepared stays in the SQ and goes with the next try.
			// Completions already there may be what it waits for.
			if (io_uring_cq_ready(&ring.ring) > 0)
				break;
			sched_yield();
			continue;
		}
		// Prepared SQEs point into callers' ops; they can neither be
		// completed nor withdrawn, and failing them would let the kernel
		// write into freed memory later.  A ring in this state is a bug.
		std::fprintf(stderr, "weft storage: io_uring_enter: %s\n", std::strerror(-err));
		std::abort();
	}
	unsigned head, n = 0;
	io_uring_cqe *cqe;
	io_uring_for_each_cqe(&ring.ring, head, cqe)
	{
		complete(*static_cast<IoOp *>(io_uring_cqe_get_data(cqe)), cqe->res);
		n++;
	}
	io_uring_cq_advance(&ring.ring, n);
	ring.in_flight -= n;
}

void IoUringDrive::prepare(IoBatch &batch)
{
	batch.remaining = static_cast<unsigned>(batch.ops.size());
	batch.error = 0;
	batch.what.clear();
	batch.ring = nullptr;
	for (IoOp &op : batch.ops) {
		op.batch = &batch;
		op.result = 0;
		if (op.kind != IoOp::Kind::kFlush && (op.offset + op.len > size_ || op.len == 0)) {
			op.result = -EINVAL;
			note_error(batch, EINVAL, "I/O beyond the end of the drive");
			batch.remaining--;
			continue;
		}
		int injected = 0;
		if (fault_hook_) {
			std::lock_guard lock(hook_mu_);
			injected = fault_hook_(op);
		}
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
		if (batch.ring == nullptr)
			batch.ring = &acquire_ring();
		IoRing &ring = *batch.ring;
		// Keep in-flight within the ring's size so its completion queue
		// (twice as deep) never overflows; a full ring is drained first.
		while (ring.in_flight >= entries_)
			submit_and_reap(ring, true);
		// in_flight < entries_ == SQ size, so a free SQE exists.
		io_uring_sqe *sqe = io_uring_get_sqe(&ring.ring);
		bool fixed = !ring.arena.empty() && op.buf >= ring.arena.data() &&
			     op.buf + op.len <= ring.arena.data() + ring.arena.size();
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
		ring.in_flight++;
	}
}

void IoUringDrive::start(IoBatch &batch)
{
	prepare(batch);
	if (batch.ring != nullptr && io_uring_sq_ready(&batch.ring->ring) > 0)
		submit_and_reap(*batch.ring, false);
}

Status IoUringDrive::finish(IoBatch &batch)
{
	if (batch.ring != nullptr) {
		// Submits anything still prepared (run() leaves it all) in the
		// same syscall that waits.
		while (batch.remaining > 0)
			submit_and_reap(*batch.ring, true);
		release_ring(*batch.ring);
		batch.ring = nullptr;
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
	prepare(batch);
	return finish(batch);
}

Status IoUringDrive::flush()
{
	// One fdatasync per caller, run in parallel.  Combining them (callers
	// that arrive while one runs share the next) was measured slower on
	// drive files: the waiting outweighs the flushes saved
	// (bench/engine/README.md).
	IoOp sync{IoOp::Kind::kFlush};
	return run({&sync, 1});
}

}  // namespace weft::storage

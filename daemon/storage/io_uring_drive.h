// IoUringDrive: all data I/O to one drive through its own io_uring.
//
// Callers describe a batch of aligned reads/writes as IoOps, start() it (one
// io_uring_enter for the whole batch) and finish() it (wait for every op,
// then, if asked, an fdatasync).  Any number of threads may run batches at
// once: their ops share the ring, at most queue_depth in flight, and
// whichever thread waits reaps completions for all of them.  Memory
// registered with register_buffer() is used through READ_FIXED/WRITE_FIXED,
// so the kernel skips pinning pages on every I/O.
//
// The first I/O error (or short transfer) marks the drive failed; from then
// on every op completes with -EIO without reaching the device, so a dying
// drive cannot return stale or partial data.
#ifndef WEFT_STORAGE_IO_URING_DRIVE_H
#define WEFT_STORAGE_IO_URING_DRIVE_H

#include <liburing.h>

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "status.h"
#include "unique_fd.h"

namespace weft::storage {

struct IoBatch;

struct IoOp {
	enum class Kind : uint8_t { kRead, kWrite, kFlush };

	Kind kind = Kind::kRead;
	uint64_t offset = 0;  // bytes from the start of the device
	std::byte *buf = nullptr;
	uint32_t len = 0;
	int result = 0;  // after finish: bytes transferred, or -errno

	IoBatch *batch = nullptr;  // set by start()
};

// One caller's ops in flight on one drive; lives until finish() returns.
struct IoBatch {
	std::span<IoOp> ops;
	bool flush = false;  // fdatasync after all ops succeeded

	unsigned remaining = 0;  // guarded by the drive's lock
	int error = 0;
	std::string what;
	// Its waiter sleeps here, woken alone when the batch completes or it
	// is to take over reaping (no herd of waiters woken per completion).
	std::condition_variable done;
};

// Fault injection for tests: returns an errno to fail the op with (the
// device is not touched), or 0 to let it through.
using FaultHook = std::function<int(const IoOp &)>;

class IoUringDrive {
public:
	struct Options {
		unsigned queue_depth = 128;
	};

	// fd must be open O_DIRECT for read and write; size is the device size.
	static Result<std::unique_ptr<IoUringDrive>> create(UniqueFd fd, uint64_t size,
							    const Options &options);
	~IoUringDrive();
	IoUringDrive(const IoUringDrive &) = delete;
	IoUringDrive &operator=(const IoUringDrive &) = delete;

	// Registers one arena for fixed-buffer I/O (replacing any earlier one).
	// The arena must outlive the drive or the next registration.  Call
	// before any I/O starts.
	Status register_buffer(std::span<std::byte> arena);

	// Submits every op of batch (one syscall, more only when the ring is
	// full).  The batch and its ops must stay alive until finish().
	void start(IoBatch &batch);
	// Waits for the batch; each op gets its result.  Fails (and marks the
	// drive failed) if any op or the flush failed.
	Status finish(IoBatch &batch);
	// start + finish.
	Status run(std::span<IoOp> ops, bool flush = false);
	// Durability point for every write that completed before the call:
	// fdatasync through the ring (a cache flush on block devices, data +
	// size metadata on files).
	Status flush();

	bool failed() const { return failed_; }
	// Takes the drive out of service (e.g. an operator or a test says so).
	void set_failed() { failed_ = true; }
	// Set before I/O starts (not synchronised with running batches).
	void set_fault_hook(FaultHook hook) { fault_hook_ = std::move(hook); }
	uint64_t size() const { return size_; }
	int fd() const { return fd_.get(); }
	uint64_t io_errors() const { return io_errors_; }

private:
	struct Token {};

public:
	// Use create(); public only so make_unique can reach it.
	IoUringDrive(Token, UniqueFd fd, uint64_t size) : fd_(std::move(fd)), size_(size) {}

private:
	// Callers hold mu_.
	void complete(IoOp &op, int res);
	void note_error(IoBatch &batch, int err, const std::string &what);
	// Submits prepared SQEs, retrying transient failures.
	void submit_prepared(std::unique_lock<std::mutex> &lock);
	// Becomes the reaper (or waits for the current one) and processes at
	// least one completion.  Called with lock held; may drop it meanwhile.
	void reap(std::unique_lock<std::mutex> &lock);
	// One fdatasync through the ring; 0 or an errno.
	int flush_once(std::string &what);
	// Until batch has completed: reaps when nobody else does, else sleeps on
	// batch.done.  Called with lock held.
	void wait_for(IoBatch &batch, std::unique_lock<std::mutex> &lock);

	UniqueFd fd_;
	uint64_t size_;
	io_uring ring_{};
	bool ring_ready_ = false;
	std::span<std::byte> arena_;
	std::atomic<bool> failed_{false};
	std::atomic<uint64_t> io_errors_{0};
	FaultHook fault_hook_;

	std::mutex mu_;  // the submission side, and every IoBatch's counters
	std::condition_variable reaped_;
	unsigned queue_depth_ = 0;
	unsigned in_flight_ = 0;     // submitted or prepared, not reaped
	bool reaper_active_ = false;  // one thread at a time owns the CQ
	bool closing_ = false;        // destructor: ops may be gone
	std::vector<IoBatch *> waiters_;  // sleeping in wait_for()
};

}  // namespace weft::storage

#endif

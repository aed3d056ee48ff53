// IoUringDrive: all data I/O to one drive through io_uring.
//
// Callers describe a batch of aligned reads/writes as IoOps, start() it (one
// io_uring_enter for the whole batch) and finish() it (wait for every op,
// then, if asked, an fdatasync).  Any number of threads may run batches at
// once.  Each running batch has a ring of its own, leased from the drive's
// pool of rings for the batch's lifetime: its caller submits and waits in
// the same io_uring_enter, and the kernel wakes exactly that caller when its
// ops complete.  (One shared ring, whose completions one reaper thread
// handed to the others through a mutex and condition variables, cost a
// lock hand-off, a futex wake and a context switch per completion: at 32
// threads on 2 CPUs the engine spent most of its time there and read 4 KiB
// at less than half of fio's IOPS; bench/engine/README.md.)  A ring never
// carries two batches' ops, so a completion can only reach its own caller.
// Memory registered with register_buffer() is registered with every ring
// and used through READ_FIXED/WRITE_FIXED, so the kernel skips pinning
// pages on every I/O.
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
struct IoRing;

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
// Only the thread running start()/finish() touches it meanwhile.
struct IoBatch {
	std::span<IoOp> ops;
	bool flush = false;  // fdatasync after all ops succeeded

	unsigned remaining = 0;  // ops not completed yet
	int error = 0;
	std::string what;
	IoRing *ring = nullptr;  // leased from the drive while ops are in flight
};

// Fault injection for tests: returns an errno to fail the op with (the
// device is not touched), or 0 to let it through.  Calls are serialised.
using FaultHook = std::function<int(const IoOp &)>;

class IoUringDrive {
public:
	struct Options {
		// Entries of each ring: the most ops one batch has in flight at
		// once (a larger batch is fed through as its ops complete).
		// Rings are made as concurrency needs them (the first by
		// create()) and kept until the drive closes: as many as
		// batches ever ran at once.  Never capped, so a caller holding
		// one batch open can always start another.
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

	// Submits every op of batch (one syscall, more only when the batch is
	// larger than a ring).  The batch and its ops must stay alive until
	// finish(), which must be called (it gives the batch's ring back).
	void start(IoBatch &batch);
	// Waits for the batch; each op gets its result.  Fails (and marks the
	// drive failed) if any op or the flush failed.
	Status finish(IoBatch &batch);
	// start + finish, submitting and waiting in one syscall.
	Status run(std::span<IoOp> ops, bool flush = false);
	// Durability point for every write that completed before the call:
	// fdatasync through a ring (a cache flush on block devices, data +
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
	// Rings made so far (for tests).
	size_t rings();

private:
	struct Token {};

public:
	// Use create(); public only so make_unique can reach it.
	IoUringDrive(Token, UniqueFd fd, uint64_t size);

private:
	// A ring for a batch: a free one, else a new one (else, when no more
	// can be made, the next one given back).
	IoRing &acquire_ring();
	void release_ring(IoRing &ring);
	// A new ring with the arena registered; nullptr (and err) on failure.
	std::unique_ptr<IoRing> make_ring(std::span<std::byte> arena, int &err);
	// Prepares the batch's SQEs (submitting early only when its ring is
	// full); ops that cannot be issued complete at once.
	void prepare(IoBatch &batch);
	// Submits what is prepared and, if wait, waits for a completion;
	// then completes every op whose CQE is there.
	void submit_and_reap(IoRing &ring, bool wait);
	void complete(IoOp &op, int res);
	void note_error(IoBatch &batch, int err, const std::string &what);

	UniqueFd fd_;
	uint64_t size_;
	unsigned entries_ = 0;
	std::atomic<bool> failed_{false};
	std::atomic<uint64_t> io_errors_{0};
	FaultHook fault_hook_;
	std::mutex hook_mu_;  // fault hooks need not be thread-safe

	std::mutex pool_mu_;  // the ring pool and the arena
	std::condition_variable ring_freed_;
	std::vector<std::unique_ptr<IoRing>> rings_;  // every ring made
	std::vector<IoRing *> free_;                  // rings no batch holds
	unsigned making_ = 0;  // rings being made outside the lock
	bool cannot_make_ = false;  // making one failed: wait for a free one
	std::span<std::byte> arena_;
};

}  // namespace weft::storage

#endif

// KernelDouble: the kernel's side of the ring ABI (uapi/weft_ring.h), in
// user space, for native tests of weftd.  It lays out an anonymous shared
// region exactly as weft.ko does (header, per-queue ctl, SQ, CQ, slot
// buffers), submits requests into free slots, and on ENTER reaps and
// validates completions the way the kernel must (tag range, slot in flight,
// generation, lengths, errno range), counting the ones it rejects.  It
// wakes a waiting ENTER only when the daemon set WEFT_QCTL_SLEEPING.
#ifndef WEFT_TESTS_KERNEL_DOUBLE_H
#define WEFT_TESTS_KERNEL_DOUBLE_H

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <weft_ring.h>

#include "mapped_region.h"
#include "ring_transport.h"

namespace weft::testing {

struct DoubleOptions {
	uint32_t max_queues = 4;	// grant at most this many
	uint32_t default_queues = 2;	// when the daemon asks for 0
	uint32_t start_index = 0;	// initial value of all four ring indices
	// Lets a test corrupt the header after layout, before attach returns.
	std::function<void(weft_region_header &)> tamper_header;
	// Lets a test change the geometry attach reports (not the header).
	std::function<void(RingGeometry &)> tamper_reply;
};

struct Completion {
	uint64_t unique = 0;
	weft_cqe cqe{};
	std::vector<std::byte> out;	// cqe.out_len bytes of the slot buffer
};

// One request as a test builds it.  The double fills tag, gen, unique.
struct Submission {
	uint32_t opcode = 0;
	uint64_t nodeid = 0;
	uint64_t fh = 0;
	std::vector<std::byte> payload;	// in_len = payload.size()
	uint32_t out_max = 0;		// 0 = the whole slot
	uint64_t readdir_pos = 0;
	std::optional<uint32_t> in_len;	// override (to test validation)
	std::optional<uint32_t> tag;	// override (to test bad tags)
};

class KernelDouble : public RingTransport {
public:
	explicit KernelDouble(DoubleOptions options = {});
	~KernelDouble() override;

	Result<Attachment> attach(const AttachRequest &req) override;
	Result<EnterResult> enter(const EnterArgs &args) override;
	// Checks inv as weft.ko does (EINVAL / ENAMETOOLONG), then records
	// it; ENOENT for a nodeid in set_uncached() (nothing cached).
	Status notify(const Invalidation &inv) override;
	std::vector<Invalidation> notifications();
	void set_uncached(std::vector<uint64_t> nodeids);

	// Kernel side.  submit() blocks while every slot is in flight.
	uint64_t submit(uint32_t queue, const Submission &s);
	// Waits for the completion of request unique; nullopt on timeout.
	std::optional<Completion> wait_for(uint32_t queue, uint64_t unique,
					   std::chrono::milliseconds timeout = std::chrono::seconds(5));
	// Makes a current or next sleeping ENTER on queue return EINTR.
	void interrupt(uint32_t queue);
	void interrupt_all();

	const RingGeometry &geometry() const { return geometry_; }
	weft_queue_ctl &ctl(uint32_t queue);
	// The ctl fields read atomically, for tests racing the daemon.
	struct CtlSnapshot {
		uint32_t sq_head, sq_tail, cq_head, cq_tail, flags;
	};
	CtlSnapshot snapshot(uint32_t queue);
	std::span<std::byte> slot(uint32_t queue, uint32_t tag);

	// Counters, per queue.
	uint64_t wakeups(uint32_t queue);	// notifications sent to a sleeper
	uint64_t rejected(uint32_t queue);	// completions that failed checks
	uint64_t enters(uint32_t queue);
	uint32_t in_flight(uint32_t queue);

	static constexpr uint64_t kHeaderSize = 4096;

private:
	struct Slot {
		bool in_flight = false;
		uint32_t gen = 0;
		uint32_t out_max = 0;
		uint64_t unique = 0;
	};
	struct Queue {
		std::mutex mu;
		std::condition_variable daemon_cv;	// a sleeping ENTER waits here
		std::condition_variable kernel_cv;	// submit/wait_for wait here
		std::vector<Slot> slots;
		std::deque<Completion> done;
		bool interrupted = false;
		uint64_t wakeups = 0, rejected = 0, enters = 0;
		uint32_t sq_tail = 0, cq_head = 0;	// kernel-owned indices
	};

	std::byte *queue_base(uint32_t q) const;
	weft_sqe *sq(uint32_t q) const;
	weft_cqe *cq(uint32_t q) const;
	// Reaps and validates the CQ; caller holds the queue lock.
	void reap(uint32_t q, Queue &queue, EnterResult &res);

	DoubleOptions options_;
	RingGeometry geometry_;
	weft_region_header header_{};
	MappedRegion region_;
	std::vector<std::unique_ptr<Queue>> queues_;
	uint64_t next_unique_ = 1;
	std::mutex unique_mu_;
	std::mutex notify_mu_;
	std::vector<Invalidation> notifications_;
	std::vector<uint64_t> uncached_;
};

// Little helpers for building payloads.
std::vector<std::byte> bytes_of(std::string_view s);

}  // namespace weft::testing

#endif

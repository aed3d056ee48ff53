// The ring server through the kernel double: attach checks, batching,
// index wrap-around, wake-ups, dispatch errors, and draining on stop.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <future>
#include <thread>
#include <vector>

#include "daemon_harness.h"

namespace weft::testing {
namespace {

Submission getattr_of(uint64_t nodeid)
{
	Submission s;
	s.opcode = WEFT_OP_GETATTR;
	s.nodeid = nodeid;
	return s;
}

TEST(RingServerAttach, RejectsBadMagic)
{
	KernelDouble kernel(DoubleOptions{.tamper_header = [](weft_region_header &h) { h.magic = 1; }});
	RingServer server(kernel, {});
	auto att = server.attach({"t", 1, 8, 4096});
	ASSERT_FALSE(att.ok());
	EXPECT_EQ(att.error().code, EPROTO);
	EXPECT_NE(att.error().message.find("magic"), std::string::npos);
}

TEST(RingServerAttach, RejectsOtherAbiVersion)
{
	KernelDouble kernel(DoubleOptions{.tamper_header = [](weft_region_header &h) { h.abi_version = WEFT_ABI_VERSION + 1; }});
	RingServer server(kernel, {});
	auto att = server.attach({"t", 1, 8, 4096});
	ASSERT_FALSE(att.ok());
	EXPECT_NE(att.error().message.find("ABI"), std::string::npos);
}

TEST(RingServerAttach, RejectsHeaderThatDisagreesWithAttachReply)
{
	KernelDouble kernel(DoubleOptions{.tamper_reply = [](RingGeometry &g) { g.queue_depth = 16; }});
	RingServer server(kernel, {});
	EXPECT_FALSE(server.attach({"t", 1, 8, 4096}).ok());
}

TEST(RingServerAttach, RejectsQueuesPastTheMapping)
{
	KernelDouble kernel(DoubleOptions{.tamper_header = [](weft_region_header &h) { h.queue_stride *= 2; }});
	RingServer server(kernel, {});
	EXPECT_FALSE(server.attach({"t", 2, 8, 4096}).ok());
}

TEST(RingServerAttach, RejectsOverlappingRings)
{
	KernelDouble kernel(DoubleOptions{.tamper_header = [](weft_region_header &h) { h.cq_offset = h.sq_offset; }});
	RingServer server(kernel, {});
	EXPECT_FALSE(server.attach({"t", 1, 8, 4096}).ok());
}

TEST(RingServerAttach, SecondAttachIsBusy)
{
	KernelDouble kernel;
	RingServer a(kernel, {});
	ASSERT_TRUE(a.attach({"t", 1, 8, 4096}).ok());
	auto again = kernel.attach({"t", 1, 8, 4096});
	ASSERT_FALSE(again.ok());
	EXPECT_EQ(again.error().code, EBUSY);
}

TEST(RingServer, AnswersOneRequest)
{
	DaemonHarness h;
	Completion c = h.call(getattr_of(1));
	EXPECT_EQ(c.cqe.result, 0);
	EXPECT_EQ(c.cqe.out_len, sizeof(weft_attr_out));
	EXPECT_EQ(payload_as<weft_attr_out>(c).attr.ino, 1u);
	EXPECT_EQ(h.kernel.rejected(0), 0u);
}

TEST(RingServer, EchoesTagAndGenerationAcrossSlotReuse)
{
	DaemonHarness h;
	// depth 8: 50 calls reuse each slot several times with rising gens
	for (int i = 0; i < 50; i++) {
		Completion c = h.call(getattr_of(1));
		ASSERT_EQ(c.cqe.result, 0);
	}
	EXPECT_EQ(h.kernel.rejected(0), 0u);
	EXPECT_EQ(h.kernel.in_flight(0), 0u);
}

TEST(RingServer, ServesABatchPublishedWhileItSlept)
{
	HarnessOptions o;
	o.start = false;
	DaemonHarness h(o);
	// Fill every slot before the daemon runs: one batch takes them all.
	std::vector<uint64_t> ids;
	for (uint32_t i = 0; i < h.kernel.geometry().queue_depth; i++)
		ids.push_back(h.kernel.submit(0, getattr_of(1)));
	h.start();
	for (uint64_t id : ids) {
		auto c = h.kernel.wait_for(0, id);
		ASSERT_TRUE(c.has_value());
		EXPECT_EQ(c->cqe.result, 0);
	}
	EXPECT_EQ(h.server.worker(0).stats().batches.load(), 1u);
	EXPECT_EQ(h.server.worker(0).stats().requests.load(), ids.size());
}

TEST(RingServer, IndicesWrapAroundTwoToThe32)
{
	HarnessOptions o;
	o.kernel.start_index = 0xFFFFFFF0u;
	DaemonHarness h(o);
	for (int i = 0; i < 100; i++) {
		Completion c = h.call(getattr_of(1));
		ASSERT_EQ(c.cqe.result, 0) << i;
	}
	EXPECT_LT(h.kernel.snapshot(0).sq_head, 0x100u);	// wrapped
	EXPECT_EQ(h.kernel.snapshot(0).cq_tail, h.kernel.snapshot(0).sq_head);
	EXPECT_EQ(h.kernel.rejected(0), 0u);
}

TEST(RingServer, BatchesWrapAroundTheRingEnd)
{
	HarnessOptions o;
	o.start = false;
	o.kernel.start_index = 5;	// a full batch straddles the array end
	DaemonHarness h(o);
	std::vector<uint64_t> ids;
	for (uint32_t i = 0; i < h.kernel.geometry().queue_depth; i++)
		ids.push_back(h.kernel.submit(0, getattr_of(1)));
	h.start();
	for (uint64_t id : ids)
		ASSERT_TRUE(h.kernel.wait_for(0, id).has_value());
	EXPECT_EQ(h.kernel.rejected(0), 0u);
}

TEST(RingServer, SleepingDaemonIsWokenBySubmit)
{
	HarnessOptions o;
	o.worker.timeout_ms = 0;	// no timeout: only a wake-up gets it going
	DaemonHarness h(o);
	for (int i = 0; i < 200 && !(h.kernel.snapshot(0).flags & WEFT_QCTL_SLEEPING); i++)
		std::this_thread::sleep_for(std::chrono::milliseconds(1));
	ASSERT_TRUE(h.kernel.snapshot(0).flags & WEFT_QCTL_SLEEPING);
	const uint64_t before = h.kernel.wakeups(0);
	EXPECT_EQ(h.call(getattr_of(1)).cqe.result, 0);
	EXPECT_EQ(h.kernel.wakeups(0), before + 1);
}

TEST(RingServer, BusyDaemonIsNotWoken)
{
	HarnessOptions o;
	o.start = false;
	DaemonHarness h(o);
	std::promise<void> entered, release;
	auto released = release.get_future().share();
	std::atomic<bool> first{true};
	h.dispatcher.add(WEFT_OP_FSYNC, [&](const Request &) -> Reply {
		if (first.exchange(false)) {
			entered.set_value();
			released.wait();
		}
		return 0u;
	});
	h.start();
	Submission block;
	block.opcode = WEFT_OP_FSYNC;
	std::vector<uint64_t> ids{h.kernel.submit(0, block)};
	entered.get_future().wait();
	EXPECT_FALSE(h.kernel.snapshot(0).flags & WEFT_QCTL_SLEEPING);
	const uint64_t before = h.kernel.wakeups(0);
	for (int i = 0; i < 5; i++)
		ids.push_back(h.kernel.submit(0, getattr_of(1)));
	EXPECT_EQ(h.kernel.wakeups(0), before);	// it is awake: no wake-ups
	release.set_value();
	for (uint64_t id : ids)
		ASSERT_TRUE(h.kernel.wait_for(0, id).has_value());
}

TEST(AdaptiveSpin, BacksOffWhileWaitsOutlastTheSpinAndRecoversAtOnce)
{
	AdaptiveSpin spin(100);
	EXPECT_EQ(spin.next_us(), 100u);
	spin.record(100);	// a request came exactly at the end: too late
	EXPECT_EQ(spin.next_us(), 50u);
	spin.record(5000);
	EXPECT_EQ(spin.next_us(), 25u);
	for (int i = 0; i < 10; i++)
		spin.record(1000000);
	spin.record(40);	// requests arrive again within the spin window
	EXPECT_EQ(spin.next_us(), 100u);
	spin.record(99);
	EXPECT_EQ(spin.next_us(), 100u);
}

// Where every sleeping wait outlasts spin_us (a wake-up slower than the
// spin), backing off to 0 must not be forever: a probe spins fully every
// kProbeEvery waits, and a request caught by it restores the full spin.
TEST(AdaptiveSpin, ProbesFullSpinWhileBackedOff)
{
	AdaptiveSpin spin(100);
	for (int i = 0; i < 10; i++) {
		(void)spin.next_us();
		spin.record(300);
	}
	std::vector<uint32_t> spins;
	for (uint32_t i = 0; i < 2 * AdaptiveSpin::kProbeEvery; i++) {
		spins.push_back(spin.next_us());
		spin.record(300);	// idle: nothing arrives within any spin
	}
	EXPECT_EQ(std::count(spins.begin(), spins.end(), 100u), 2);
	EXPECT_EQ(std::count(spins.begin(), spins.end(), 0u),
		  2 * static_cast<long>(AdaptiveSpin::kProbeEvery) - 2);
	uint32_t waits = 1;
	while (spin.next_us() == 0) {	// up to the next probe
		spin.record(300);
		ASSERT_LT(waits++, AdaptiveSpin::kProbeEvery);
	}
	spin.record(20);			// caught a request
	EXPECT_EQ(spin.next_us(), 100u);
	EXPECT_EQ(spin.next_us(), 100u);
}

TEST(AdaptiveSpin, ZeroNeverSpins)
{
	AdaptiveSpin spin(0);
	spin.record(0);
	EXPECT_EQ(spin.next_us(), 0u);
	spin.record(1000);
	EXPECT_EQ(spin.next_us(), 0u);
}

TEST(RingServer, UnknownOpcodeIsNotSupported)
{
	DaemonHarness h;
	for (uint32_t op : {uint32_t(WEFT_OP_INVALID), uint32_t(WEFT_OP_MAX), 1000u}) {
		Submission s;
		s.opcode = op;
		Completion c = h.call(s);
		EXPECT_EQ(c.cqe.result, -EOPNOTSUPP) << op;
		EXPECT_EQ(c.cqe.out_len, 0u);
	}
}

TEST(RingServer, OpcodeWithoutHandlerIsNotImplemented)
{
	DaemonHarness h;
	// the opcodes weftd does not answer (copy_file_range uses the kernel's
	// splice fallback; issue 4 implemented the rest)
	for (uint32_t op : {uint32_t(WEFT_OP_COPY_RANGE)}) {
		Submission s;
		s.opcode = op;
		s.nodeid = 1;
		EXPECT_EQ(h.call(s).cqe.result, -ENOSYS) << op;
	}
}

TEST(RingServer, LengthsBeyondTheSlotAreInvalid)
{
	DaemonHarness h;
	Submission s = getattr_of(1);
	s.in_len = h.kernel.geometry().max_io_size + 1;
	EXPECT_EQ(h.call(s).cqe.result, -EINVAL);
	s.in_len = 0;
	s.out_max = h.kernel.geometry().max_io_size + 1;
	EXPECT_EQ(h.call(s).cqe.result, -EINVAL);
}

TEST(RingServer, BadTagIsDroppedAndLaterRequestsStillWork)
{
	DaemonHarness h;
	Submission bad = getattr_of(1);
	bad.tag = 1000;
	h.kernel.submit(0, bad);
	Completion c = h.call(getattr_of(1));
	EXPECT_EQ(c.cqe.result, 0);
	EXPECT_EQ(h.server.worker(0).stats().bad_tags.load(), 1u);
	EXPECT_EQ(h.kernel.rejected(0), 0u);
}

TEST(RingServer, EveryQueueIsServedConcurrently)
{
	HarnessOptions o;
	o.attach.nr_queues = 4;
	DaemonHarness h(o);
	ASSERT_EQ(h.kernel.geometry().nr_queues, 4u);
	std::vector<std::thread> threads;
	std::atomic<int> failures{0};
	for (uint32_t q = 0; q < 4; q++) {
		threads.emplace_back([&, q] {
			std::vector<uint64_t> ids;
			for (int i = 0; i < 200; i++) {
				ids.push_back(h.kernel.submit(q, getattr_of(1)));
				if (ids.size() == 8) {
					for (uint64_t id : ids) {
						auto c = h.kernel.wait_for(q, id);
						if (!c || c->cqe.result != 0)
							failures++;
					}
					ids.clear();
				}
			}
			for (uint64_t id : ids)
				if (!h.kernel.wait_for(q, id))
					failures++;
		});
	}
	for (auto &t : threads)
		t.join();
	EXPECT_EQ(failures.load(), 0);
	for (uint32_t q = 0; q < 4; q++) {
		EXPECT_EQ(h.server.worker(q).stats().requests.load(), 200u);
		EXPECT_EQ(h.kernel.rejected(q), 0u);
	}
}

TEST(RingServer, StopDrainsRequestsAlreadyPublished)
{
	HarnessOptions o;
	o.start = false;
	o.attach.nr_queues = 1;
	o.worker.timeout_ms = 0;	// only work or an interrupt wakes it
	DaemonHarness h(o);
	// WEFT_OP_FSYNC blocks until released, holding the worker mid-batch.
	std::promise<void> entered, release;
	auto released = release.get_future().share();
	std::atomic<bool> first{true};
	h.dispatcher.add(WEFT_OP_FSYNC, [&](const Request &) -> Reply {
		if (first.exchange(false)) {
			entered.set_value();
			released.wait();
		}
		return 0u;
	});
	h.start();
	Submission block;
	block.opcode = WEFT_OP_FSYNC;
	std::vector<uint64_t> ids{h.kernel.submit(0, block)};
	entered.get_future().wait();
	for (int i = 0; i < 5; i++)
		ids.push_back(h.kernel.submit(0, getattr_of(1)));
	h.server.request_stop();
	release.set_value();
	Status st = h.server.wait();	// no interrupt needed: it never sleeps again
	EXPECT_TRUE(st.ok());
	for (uint64_t id : ids) {
		auto c = h.kernel.wait_for(0, id, std::chrono::milliseconds(100));
		ASSERT_TRUE(c.has_value());
		EXPECT_EQ(c->cqe.result, 0);
	}
	EXPECT_EQ(h.kernel.in_flight(0), 0u);
}

TEST(RingServer, InterruptedEnterRechecksTheStopFlag)
{
	HarnessOptions o;
	o.worker.timeout_ms = 0;
	DaemonHarness h(o);
	std::this_thread::sleep_for(std::chrono::milliseconds(5));
	auto t0 = std::chrono::steady_clock::now();
	h.server.request_stop();
	h.kernel.interrupt_all();
	EXPECT_TRUE(h.server.wait().ok());
	EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(1));
}

TEST(RingServer, InterruptWithoutStopKeepsServing)
{
	DaemonHarness h;
	h.kernel.interrupt(0);
	std::this_thread::sleep_for(std::chrono::milliseconds(5));
	EXPECT_EQ(h.call(getattr_of(1)).cqe.result, 0);
	EXPECT_FALSE(h.server.any_worker_done());
}

TEST(RingServer, CorruptSubmissionTailStopsTheQueueWithAnError)
{
	DaemonHarness h;
	std::this_thread::sleep_for(std::chrono::milliseconds(5));
	std::atomic_ref<uint32_t>(h.kernel.ctl(0).sq_tail).store(12345, std::memory_order_release);
	h.kernel.interrupt(0);
	for (int i = 0; i < 200 && !h.server.any_worker_done(); i++)
		std::this_thread::sleep_for(std::chrono::milliseconds(5));
	EXPECT_TRUE(h.server.any_worker_done());
	h.server.request_stop();
	h.kernel.interrupt_all();
	Status st = h.server.wait();
	ASSERT_FALSE(st.ok());
	EXPECT_EQ(st.error().code, EPROTO);
	h.expect_clean_stop = false;
}

}  // namespace
}  // namespace weft::testing

namespace weft::testing {
namespace {

TEST(RingServer, DeadQueueStopsTheWorker)
{
	HarnessOptions o;
	o.attach.nr_queues = 1;
	DaemonHarness h(o);
	std::atomic_ref<uint32_t>(h.kernel.ctl(0).kflags).store(WEFT_QKF_DEAD, std::memory_order_release);
	h.kernel.interrupt(0);
	Status st = h.server.wait();
	ASSERT_FALSE(st.ok());
	EXPECT_EQ(st.error().code, ESHUTDOWN);
	h.expect_clean_stop = false;
}

}  // namespace
}  // namespace weft::testing

namespace weft::testing {
namespace {

TEST(RingServer, HandlerThatThrowsFailsOnlyItsRequest)
{
	HarnessOptions o;
	o.start = false;
	DaemonHarness h(o);
	h.dispatcher.add(WEFT_OP_FSYNC, [](const Request &) -> Reply {
		throw std::runtime_error("boom");
	});
	h.start();
	Submission s;
	s.opcode = WEFT_OP_FSYNC;
	EXPECT_EQ(h.call(s).cqe.result, -EIO);
	Submission g;
	g.opcode = WEFT_OP_GETATTR;
	g.nodeid = 1;
	EXPECT_EQ(h.call(g).cqe.result, 0);
}

}  // namespace
}  // namespace weft::testing

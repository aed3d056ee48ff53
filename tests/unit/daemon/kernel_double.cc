#include "kernel_double.h"

#include <sys/mman.h>

#include <atomic>
#include <cstring>
#include <thread>

namespace weft::testing {

namespace {

uint64_t align_up(uint64_t v, uint64_t a) { return (v + a - 1) / a * a; }

uint32_t load_acquire(uint32_t &v)
{
	return std::atomic_ref<uint32_t>(v).load(std::memory_order_acquire);
}

void store_release(uint32_t &v, uint32_t x)
{
	std::atomic_ref<uint32_t>(v).store(x, std::memory_order_release);
}

}  // namespace

std::vector<std::byte> bytes_of(std::string_view s)
{
	std::vector<std::byte> v(s.size());
	if (!s.empty())
		std::memcpy(v.data(), s.data(), s.size());
	return v;
}

KernelDouble::KernelDouble(DoubleOptions options) : options_(std::move(options)) {}

KernelDouble::~KernelDouble() = default;

Result<Attachment> KernelDouble::attach(const AttachRequest &req)
{
	if (region_.valid())
		return make_error(EBUSY, "a daemon is already attached as '" + req.name + "'");
	if (req.name.empty() || req.name.size() >= WEFT_NAME_MAX)
		return make_error(EINVAL, "bad name");
	if (req.queue_depth == 0 || (req.queue_depth & (req.queue_depth - 1)) ||
	    req.queue_depth > WEFT_MAX_DEPTH)
		return make_error(EINVAL, "bad depth");
	if (req.max_io_size < WEFT_MIN_IO_SIZE || req.max_io_size > WEFT_MAX_IO_SIZE)
		return make_error(EINVAL, "bad max_io_size");

	// The kernel's layout: header page, then per queue a ctl page, SQ, CQ,
	// and page-aligned slot buffers.
	RingGeometry g;
	g.nr_queues = req.nr_queues == 0 ? options_.default_queues
					 : std::min(req.nr_queues, options_.max_queues);
	g.queue_depth = req.queue_depth;
	g.max_io_size = static_cast<uint32_t>(align_up(req.max_io_size, WEFT_PAGE_ALIGN));
	weft_region_header h{};
	h.magic = WEFT_REGION_MAGIC;
	h.abi_version = WEFT_ABI_VERSION;
	h.nr_queues = g.nr_queues;
	h.queue_depth = g.queue_depth;
	h.max_io_size = g.max_io_size;
	h.queue_offset = kHeaderSize;
	h.sq_offset = align_up(sizeof(weft_queue_ctl), WEFT_PAGE_ALIGN);
	h.cq_offset = h.sq_offset + uint64_t(g.queue_depth) * sizeof(weft_sqe);
	h.data_offset = align_up(h.cq_offset + uint64_t(g.queue_depth) * sizeof(weft_cqe),
				 WEFT_PAGE_ALIGN);
	h.queue_stride = h.data_offset + uint64_t(g.queue_depth) * g.max_io_size;
	const uint64_t size = h.queue_offset + g.nr_queues * h.queue_stride;

	void *base = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
			    -1, 0);
	if (base == MAP_FAILED)
		return make_error(errno, "mmap");
	region_ = MappedRegion(base, size);
	geometry_ = g;
	header_ = h;

	queues_.clear();
	for (uint32_t q = 0; q < g.nr_queues; q++) {
		auto queue = std::make_unique<Queue>();
		queue->slots.resize(g.queue_depth);
		queue->sq_tail = queue->cq_head = options_.start_index;
		weft_queue_ctl &c = ctl(q);
		c.sq_head = c.sq_tail = c.cq_head = c.cq_tail = options_.start_index;
		queues_.push_back(std::move(queue));
	}

	weft_region_header published = h;
	if (options_.tamper_header)
		options_.tamper_header(published);
	std::memcpy(region_.data(), &published, sizeof(published));

	Attachment att;
	att.geometry = g;
	if (options_.tamper_reply)
		options_.tamper_reply(att.geometry);
	att.region = region_.data();
	att.region_size = region_.size();
	return att;
}

std::byte *KernelDouble::queue_base(uint32_t q) const
{
	return region_.data() + header_.queue_offset + q * header_.queue_stride;
}

weft_queue_ctl &KernelDouble::ctl(uint32_t q)
{
	return *reinterpret_cast<weft_queue_ctl *>(queue_base(q));
}

KernelDouble::CtlSnapshot KernelDouble::snapshot(uint32_t q)
{
	weft_queue_ctl &c = ctl(q);
	return {load_acquire(c.sq_head), load_acquire(c.sq_tail), load_acquire(c.cq_head),
		load_acquire(c.cq_tail), load_acquire(c.flags)};
}

weft_sqe *KernelDouble::sq(uint32_t q) const
{
	return reinterpret_cast<weft_sqe *>(queue_base(q) + header_.sq_offset);
}

weft_cqe *KernelDouble::cq(uint32_t q) const
{
	return reinterpret_cast<weft_cqe *>(queue_base(q) + header_.cq_offset);
}

std::span<std::byte> KernelDouble::slot(uint32_t q, uint32_t tag)
{
	return {queue_base(q) + header_.data_offset + uint64_t(tag) * geometry_.max_io_size,
		geometry_.max_io_size};
}

void KernelDouble::reap(uint32_t q, Queue &queue, EnterResult &res)
{
	weft_queue_ctl &c = ctl(q);
	const uint32_t tail = load_acquire(c.cq_tail);
	const uint32_t n = tail - queue.cq_head;
	if (n > geometry_.queue_depth) {
		// A wild tail: take nothing from it.
		queue.rejected++;
		res.rejected++;
		return;
	}
	const uint32_t mask = geometry_.queue_depth - 1;
	for (uint32_t i = 0; i < n; i++) {
		weft_cqe cqe;
		std::memcpy(&cqe, &cq(q)[(queue.cq_head + i) & mask], sizeof(cqe));
		bool ok = cqe.tag < geometry_.queue_depth;
		Slot *s = ok ? &queue.slots[cqe.tag] : nullptr;
		ok = ok && s->in_flight && s->gen == cqe.gen && cqe.out_len <= s->out_max &&
		     cqe.result <= 0 && cqe.result >= -WEFT_MAX_ERRNO &&
		     (cqe.result == 0 || cqe.out_len == 0);
		if (!ok) {
			queue.rejected++;
			res.rejected++;
			continue;
		}
		Completion done;
		done.unique = s->unique;
		done.cqe = cqe;
		auto buf = slot(q, cqe.tag);
		done.out.assign(buf.begin(), buf.begin() + cqe.out_len);
		s->in_flight = false;
		queue.done.push_back(std::move(done));
		res.reaped++;
	}
	queue.cq_head = tail;
	store_release(c.cq_head, tail);
	if (res.reaped)
		queue.kernel_cv.notify_all();
}

Status KernelDouble::notify(const Invalidation &inv)
{
	if (inv.nodeid == 0)
		return make_error(EINVAL, "nodeid 0");
	if (inv.kind == Invalidation::Kind::kInode) {
		if (!inv.name.empty() || inv.offset < 0 || inv.len < -1)
			return make_error(EINVAL, "bad inode invalidation");
	} else {
		if (inv.name.empty() || inv.offset || inv.len)
			return make_error(EINVAL, "bad entry invalidation");
		if (inv.name.size() > 255)
			return make_error(ENAMETOOLONG);
		if (inv.name.find('/') != std::string::npos ||
		    inv.name.find('\0') != std::string::npos || inv.name == "." || inv.name == "..")
			return make_error(EINVAL, "bad entry name");
	}
	std::lock_guard lock(notify_mu_);
	for (uint64_t n : uncached_)
		if (n == inv.nodeid)
			return make_error(ENOENT);
	notifications_.push_back(inv);
	return {};
}

std::vector<Invalidation> KernelDouble::notifications()
{
	std::lock_guard lock(notify_mu_);
	return notifications_;
}

void KernelDouble::set_uncached(std::vector<uint64_t> nodeids)
{
	std::lock_guard lock(notify_mu_);
	uncached_ = std::move(nodeids);
}

Result<EnterResult> KernelDouble::enter(const EnterArgs &args)
{
	if (args.queue >= queues_.size())
		return make_error(EINVAL, "no such queue");
	Queue &queue = *queues_[args.queue];
	weft_queue_ctl &c = ctl(args.queue);
	std::unique_lock lock(queue.mu);
	queue.enters++;
	EnterResult res;
	reap(args.queue, queue, res);
	auto has_work = [&] { return load_acquire(c.sq_head) != queue.sq_tail; };
	if (args.wait) {
		auto ready = [&] { return has_work() || queue.interrupted; };
		if (args.timeout_ms)
			queue.daemon_cv.wait_for(lock, std::chrono::milliseconds(args.timeout_ms), ready);
		else
			queue.daemon_cv.wait(lock, ready);
		if (queue.interrupted && !has_work()) {
			queue.interrupted = false;
			return make_error(EINTR, "interrupted");
		}
	}
	res.available = queue.sq_tail - load_acquire(c.sq_head);
	return res;
}

uint64_t KernelDouble::submit(uint32_t q, const Submission &s)
{
	Queue &queue = *queues_[q];
	weft_queue_ctl &c = ctl(q);
	std::unique_lock lock(queue.mu);

	uint32_t tag = 0;
	if (s.tag) {
		tag = *s.tag;
	} else {
		auto free_slot = [&] {
			for (uint32_t t = 0; t < queue.slots.size(); t++)
				if (!queue.slots[t].in_flight) {
					tag = t;
					return true;
				}
			return false;
		};
		queue.kernel_cv.wait(lock, free_slot);
	}
	// The SQ never holds more entries than slots, but the daemon may lag
	// in releasing sq_head; poll briefly, as the kernel would wait.
	while (queue.sq_tail - load_acquire(c.sq_head) >= geometry_.queue_depth) {
		lock.unlock();
		std::this_thread::sleep_for(std::chrono::microseconds(50));
		lock.lock();
	}

	uint64_t unique;
	{
		std::lock_guard ul(unique_mu_);
		unique = next_unique_++;
	}
	const uint32_t out_max = s.out_max ? s.out_max : geometry_.max_io_size;
	weft_sqe sqe{};
	sqe.opcode = s.opcode;
	sqe.tag = tag;
	sqe.nodeid = s.nodeid;
	sqe.fh = s.fh;
	sqe.unique = unique;
	sqe.in_len = s.in_len ? *s.in_len : static_cast<uint32_t>(s.payload.size());
	sqe.out_max = out_max;
	sqe.u.readdir.pos = s.readdir_pos;
	if (tag < queue.slots.size()) {
		Slot &slot_state = queue.slots[tag];
		slot_state.in_flight = true;
		slot_state.gen++;
		slot_state.out_max = out_max;
		slot_state.unique = unique;
		sqe.gen = slot_state.gen;
		auto buf = slot(q, tag);
		// Garbage after the payload: the daemon must not read past in_len.
		std::memset(buf.data(), 0xA5, buf.size());
		if (!s.payload.empty())
			std::memcpy(buf.data(), s.payload.data(), s.payload.size());
	}

	std::memcpy(&sq(q)[queue.sq_tail & (geometry_.queue_depth - 1)], &sqe, sizeof(sqe));
	queue.sq_tail++;
	// seq_cst store then load: pairs with the daemon's seq_cst set of
	// SLEEPING before it sleeps (the kernel uses smp_mb() here).
	std::atomic_ref<uint32_t>(c.sq_tail).store(queue.sq_tail, std::memory_order_seq_cst);
	if (std::atomic_ref<uint32_t>(c.flags).load(std::memory_order_seq_cst) & WEFT_QCTL_SLEEPING) {
		queue.wakeups++;
		queue.daemon_cv.notify_all();
	}
	return unique;
}

std::optional<Completion> KernelDouble::wait_for(uint32_t q, uint64_t unique,
						 std::chrono::milliseconds timeout)
{
	Queue &queue = *queues_[q];
	std::unique_lock lock(queue.mu);
	std::optional<Completion> found;
	auto have = [&] {
		for (auto it = queue.done.begin(); it != queue.done.end(); ++it)
			if (it->unique == unique) {
				found = std::move(*it);
				queue.done.erase(it);
				return true;
			}
		return false;
	};
	queue.kernel_cv.wait_for(lock, timeout, have);
	return found;
}

void KernelDouble::interrupt(uint32_t q)
{
	Queue &queue = *queues_[q];
	std::lock_guard lock(queue.mu);
	queue.interrupted = true;
	queue.daemon_cv.notify_all();
}

void KernelDouble::interrupt_all()
{
	for (uint32_t q = 0; q < queues_.size(); q++)
		interrupt(q);
}

uint64_t KernelDouble::wakeups(uint32_t q)
{
	std::lock_guard lock(queues_[q]->mu);
	return queues_[q]->wakeups;
}

uint64_t KernelDouble::rejected(uint32_t q)
{
	std::lock_guard lock(queues_[q]->mu);
	return queues_[q]->rejected;
}

uint64_t KernelDouble::enters(uint32_t q)
{
	std::lock_guard lock(queues_[q]->mu);
	return queues_[q]->enters;
}

uint32_t KernelDouble::in_flight(uint32_t q)
{
	std::lock_guard lock(queues_[q]->mu);
	uint32_t n = 0;
	for (const Slot &s : queues_[q]->slots)
		n += s.in_flight;
	return n;
}

}  // namespace weft::testing

#include "queue_rings.h"

#include <cstring>

namespace weft {

namespace {

// The rings live in memory shared with the kernel; atomic_ref gives the
// acquire/release pairing the ABI requires on plain __u32 fields.
uint32_t load_acquire(const uint32_t &v)
{
	return std::atomic_ref<uint32_t>(const_cast<uint32_t &>(v)).load(std::memory_order_acquire);
}

void store_release(uint32_t &v, uint32_t x)
{
	std::atomic_ref<uint32_t>(v).store(x, std::memory_order_release);
}

}  // namespace

SubmissionRing::SubmissionRing(const QueueView &q)
	: ctl_(q.ctl), sq_(q.sq), mask_(q.depth - 1),
	  head_(std::atomic_ref<uint32_t>(q.ctl->sq_head).load(std::memory_order_relaxed))
{
}

uint32_t SubmissionRing::ready() const
{
	return load_acquire(ctl_->sq_tail) - head_;
}

uint32_t SubmissionRing::ready_after_sleeping_set() const
{
	return std::atomic_ref<uint32_t>(ctl_->sq_tail).load(std::memory_order_seq_cst) - head_;
}

Result<uint32_t> SubmissionRing::take(std::vector<weft_sqe> &out, uint32_t max)
{
	const uint32_t tail = load_acquire(ctl_->sq_tail);
	const uint32_t ready = tail - head_;
	if (ready > mask_ + 1)
		return make_error(EPROTO, "sq_tail " + std::to_string(tail) +
				  " is more than a ring ahead of sq_head " + std::to_string(head_));
	const uint32_t n = ready < max ? ready : max;
	for (uint32_t i = 0; i < n; i++) {
		weft_sqe sqe;
		std::memcpy(&sqe, &sq_[(head_ + i) & mask_], sizeof(sqe));
		out.push_back(sqe);
	}
	if (n > 0) {
		head_ += n;
		store_release(ctl_->sq_head, head_);
	}
	return n;
}

CompletionRing::CompletionRing(const QueueView &q)
	: ctl_(q.ctl), cq_(q.cq), mask_(q.depth - 1), depth_(q.depth),
	  tail_(std::atomic_ref<uint32_t>(q.ctl->cq_tail).load(std::memory_order_relaxed)),
	  published_(tail_)
{
}

uint32_t CompletionRing::room() const
{
	const uint32_t used = tail_ - load_acquire(ctl_->cq_head);
	return used >= depth_ ? 0 : depth_ - used;
}

void CompletionRing::put(const weft_cqe &cqe)
{
	std::memcpy(&cq_[tail_ & mask_], &cqe, sizeof(cqe));
	tail_++;
}

void CompletionRing::publish()
{
	if (published_ == tail_)
		return;
	store_release(ctl_->cq_tail, tail_);
	published_ = tail_;
}

}  // namespace weft

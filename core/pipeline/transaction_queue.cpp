// Bounded broadcast transaction queue.
#include "core/pipeline/transaction_queue.h"

#include <algorithm>

namespace walrelay {

TransactionQueue::TransactionQueue(TransactionPool &pool, size_t consumers, size_t max_txns,
                                   size_t max_bytes)
    : pool_(pool), cursors_(std::max<size_t>(consumers, 1), 0), max_txns_(max_txns),
      max_bytes_(max_bytes) {}

bool TransactionQueue::fits(size_t b) const {
  return closed_ || q_.empty() || (q_.size() < max_txns_ && bytes_ + b <= max_bytes_);
}

void TransactionQueue::trim() {
  const uint64_t low = *std::min_element(cursors_.begin(), cursors_.end());
  while (base_ < low) {
    bytes_ -= q_.front().bytes;
    q_.pop_front();
    ++base_;
  }
}

size_t TransactionQueue::push_all(std::vector<TransactionPtr> &ts, size_t from,
                                  std::chrono::milliseconds wait) {
  const auto deadline = std::chrono::steady_clock::now() + wait;
  std::unique_lock<std::mutex> lock(mu_);
  size_t i = from;
  while (i < ts.size() && !closed_) {
    const size_t b = ts[i]->bytes();
    if (!fits(b)) {
      if (i > from) not_empty_.notify_all();  // let the consumers drain while we wait
      if (!not_full_.wait_until(lock, deadline, [&] { return fits(b); }) || closed_) break;
    }
    TransactionPool *pool = &pool_;
    SharedTransaction shared(ts[i].release(),
                             [pool](const Transaction *t) {
                               pool->put(TransactionPtr(const_cast<Transaction *>(t)));
                             });
    q_.push_back({std::move(shared), b});
    bytes_ += b;
    ++i;
  }
  if (i > from) not_empty_.notify_all();
  return i;
}

bool TransactionQueue::push(TransactionPtr &t, std::chrono::milliseconds wait) {
  std::vector<TransactionPtr> one;
  one.push_back(std::move(t));
  if (push_all(one, 0, wait) == 1) return true;
  t = std::move(one[0]);
  return false;
}

bool TransactionQueue::pop_batch(size_t consumer, std::vector<SharedTransaction> &out,
                                 size_t max_txns, size_t max_bytes,
                                 std::chrono::milliseconds wait) {
  std::unique_lock<std::mutex> lock(mu_);
  uint64_t &cur = cursors_.at(consumer);
  not_empty_.wait_for(lock, wait, [&] { return closed_ || cur < base_ + q_.size(); });
  if (cur >= base_ + q_.size()) return !closed_;
  size_t taken_bytes = 0;
  while (cur < base_ + q_.size() && out.size() < max_txns) {
    const Entry &e = q_[cur - base_];
    if (!out.empty() && taken_bytes + e.bytes > max_bytes) break;
    taken_bytes += e.bytes;
    out.push_back(e.txn);
    ++cur;
  }
  trim();
  not_full_.notify_all();
  return true;
}

void TransactionQueue::close() {
  std::lock_guard<std::mutex> lock(mu_);
  closed_ = true;
  not_full_.notify_all();
  not_empty_.notify_all();
}

bool TransactionQueue::closed() const {
  std::lock_guard<std::mutex> lock(mu_);
  return closed_;
}

size_t TransactionQueue::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return q_.size();
}

size_t TransactionQueue::bytes() const {
  std::lock_guard<std::mutex> lock(mu_);
  return bytes_;
}

}  // namespace walrelay

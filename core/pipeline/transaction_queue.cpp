// Bounded transaction queue.
#include "core/pipeline/transaction_queue.h"

namespace walrelay {

bool TransactionQueue::push(TransactionPtr &t, std::chrono::milliseconds wait) {
  const size_t b = t->bytes();
  std::unique_lock<std::mutex> lock(mu_);
  auto fits = [&] {
    return closed_ || q_.empty() || (q_.size() < max_txns_ && bytes_ + b <= max_bytes_);
  };
  if (!not_full_.wait_for(lock, wait, fits) || closed_) return false;
  bytes_ += b;
  q_.push_back(std::move(t));
  not_empty_.notify_one();
  return true;
}

size_t TransactionQueue::push_all(std::vector<TransactionPtr> &ts, size_t from,
                                  std::chrono::milliseconds wait) {
  const auto deadline = std::chrono::steady_clock::now() + wait;
  std::unique_lock<std::mutex> lock(mu_);
  size_t i = from;
  while (i < ts.size() && !closed_) {
    const size_t b = ts[i]->bytes();
    auto fits = [&] {
      return closed_ || q_.empty() || (q_.size() < max_txns_ && bytes_ + b <= max_bytes_);
    };
    if (!fits()) {
      if (i > from) not_empty_.notify_one();  // let the consumer drain while we wait
      if (!not_full_.wait_until(lock, deadline, fits) || closed_) break;
    }
    bytes_ += b;
    q_.push_back(std::move(ts[i]));
    ++i;
  }
  if (i > from) not_empty_.notify_one();
  return i;
}

bool TransactionQueue::pop_batch(std::vector<TransactionPtr> &out, size_t max_txns,
                                 size_t max_bytes, std::chrono::milliseconds wait) {
  std::unique_lock<std::mutex> lock(mu_);
  not_empty_.wait_for(lock, wait, [&] { return closed_ || !q_.empty(); });
  if (q_.empty()) return !closed_;
  size_t taken_bytes = 0;
  while (!q_.empty() && out.size() < max_txns) {
    const size_t b = q_.front()->bytes();
    if (!out.empty() && taken_bytes + b > max_bytes) break;
    taken_bytes += b;
    bytes_ -= b;
    out.push_back(std::move(q_.front()));
    q_.pop_front();
  }
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

// Bounded FIFO of whole transactions between the source thread and the delivery worker.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <vector>

#include "core/pipeline/transaction.h"

namespace walrelay {

/// Bounded by transaction count and bytes. A transaction larger than the byte bound is
/// admitted when the queue is empty, so any size makes progress (memory then holds that
/// one transaction; the spool will lift this). Thread-safe: one producer, one consumer.
class TransactionQueue {
 public:
  TransactionQueue(size_t max_txns, size_t max_bytes) : max_txns_(max_txns), max_bytes_(max_bytes) {}

  /// Appends `t` unless the queue stays full for `wait`; returns false (and leaves `t`
  /// untouched) on timeout or when closed.
  bool push(TransactionPtr &t, std::chrono::milliseconds wait);

  /// Appends ts[from..] in order while they fit, waiting up to `wait` in total for room;
  /// wakes the consumer once rather than per transaction. Returns the index of the first
  /// transaction not appended (ts.size() when all were). Pushed entries are left null.
  size_t push_all(std::vector<TransactionPtr> &ts, size_t from, std::chrono::milliseconds wait);

  /// Moves up to `max_txns` / about `max_bytes` of the oldest transactions into `out`
  /// (at least one when any), waiting up to `wait` for the first. Returns false when the
  /// queue is closed and empty.
  bool pop_batch(std::vector<TransactionPtr> &out, size_t max_txns, size_t max_bytes,
                 std::chrono::milliseconds wait);

  /// Wakes everybody; push fails from now on, pop drains what is left.
  void close();
  bool closed() const;
  size_t size() const;
  size_t bytes() const;

 private:
  mutable std::mutex mu_;
  std::condition_variable not_full_, not_empty_;
  std::deque<TransactionPtr> q_;
  size_t bytes_ = 0;
  size_t max_txns_, max_bytes_;
  bool closed_ = false;
};

}  // namespace walrelay

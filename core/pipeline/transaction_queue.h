// Bounded broadcast FIFO of whole transactions: one producer (the source), one cursor per
// consumer (one delivery worker per sink). Every consumer sees every transaction in order.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <vector>

#include "core/pipeline/transaction.h"

namespace walrelay {

/// A transaction shared by every sink's worker; the last reference returns it to the pool.
using SharedTransaction = std::shared_ptr<const Transaction>;

/// Bounded by the transactions (count and bytes) that the slowest consumer has not taken
/// yet. A transaction larger than the byte bound is admitted when nothing is waiting, so any
/// size makes progress (memory then holds that one transaction; the spool will lift this).
/// Thread-safe: one producer, `consumers` consumers.
class TransactionQueue {
 public:
  TransactionQueue(TransactionPool &pool, size_t consumers, size_t max_txns, size_t max_bytes);

  /// Appends ts[from..] in order while they fit, waiting up to `wait` in total for room;
  /// wakes the consumers once rather than per transaction. Returns the index of the first
  /// transaction not appended (ts.size() when all were). Appended entries are left null.
  size_t push_all(std::vector<TransactionPtr> &ts, size_t from, std::chrono::milliseconds wait);

  /// Appends one transaction; false (leaving `t` untouched) on timeout or when closed.
  bool push(TransactionPtr &t, std::chrono::milliseconds wait);

  /// Gives consumer `consumer` up to `max_txns` / about `max_bytes` of the transactions it
  /// has not taken yet (at least one when any), waiting up to `wait` for the first. Returns
  /// false when the queue is closed and this consumer has taken everything.
  bool pop_batch(size_t consumer, std::vector<SharedTransaction> &out, size_t max_txns,
                 size_t max_bytes, std::chrono::milliseconds wait);

  /// Wakes everybody; push fails from now on, pop drains what is left.
  void close();
  bool closed() const;
  /// Transactions not yet taken by the slowest consumer, and their bytes.
  size_t size() const;
  size_t bytes() const;

 private:
  struct Entry {
    SharedTransaction txn;
    size_t bytes;
  };
  bool fits(size_t b) const;  // mu_ held
  void trim();                // mu_ held: drop entries every consumer has taken

  TransactionPool &pool_;
  mutable std::mutex mu_;
  std::condition_variable not_full_, not_empty_;
  std::deque<Entry> q_;
  uint64_t base_ = 0;               // absolute index of q_.front()
  std::vector<uint64_t> cursors_;   // absolute index of each consumer's next entry
  size_t bytes_ = 0;
  size_t max_txns_, max_bytes_;
  bool closed_ = false;
};

}  // namespace walrelay

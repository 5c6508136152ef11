// One decoded source transaction in ABI form, with the memory that backs it.
#pragma once

#include <walrelay/sink.h>

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/pipeline/arena.h"
#include "core/pipeline/relation_cache.h"

namespace walrelay {

/// A transaction (or, on the delivery side, a piece of one) in ABI form. `abi` points into
/// `arena`, `change_ptrs`, `origin` and `records`; `relations` keeps every referenced
/// descriptor alive. Recycled through TransactionPool so steady state allocates nothing.
struct Transaction {
  wr_txn abi{};
  /// Small first chunk (a one-row transaction needs a few hundred bytes); a recycled
  /// transaction keeps at most 16 KiB of chunks, so the pool stays small.
  Arena arena{1024, 1024 * 1024, 16 * 1024};
  std::vector<const wr_change *> change_ptrs;
  std::vector<std::shared_ptr<const RelationDesc>> relations;
  std::string origin;
  /// Spool record payloads that values point into (delivery side; records_used in use).
  std::vector<std::string> records;
  size_t records_used = 0;

  /// Approximate memory held (for batch bounds).
  size_t bytes() const {
    size_t b = arena.bytes() + change_ptrs.size() * sizeof(void *) + sizeof(Transaction);
    for (size_t i = 0; i < records_used; ++i) b += records[i].size();
    return b;
  }
  wr_lsn end_lsn() const { return abi.end_lsn; }

  /// A buffer for one more record payload, kept until reset().
  std::string &next_record() {
    if (records_used == records.size()) records.emplace_back();
    return records[records_used++];
  }

  /// Clears for reuse; keeps capacity (but gives back record buffers above 64 KiB and
  /// arena chunks above 16 KiB), unless `keep_all` (the next piece of the same transaction
  /// refills them at once).
  void reset(bool keep_all = false) {
    abi = wr_txn{};
    if (keep_all)
      arena.reset(SIZE_MAX);
    else
      arena.reset();
    change_ptrs.clear();
    relations.clear();
    origin.clear();
    if (!keep_all)
      for (size_t i = 0; i < records_used; ++i)
        if (records[i].capacity() > (64u << 10)) std::string().swap(records[i]);
    records_used = 0;
  }
};

using TransactionPtr = std::unique_ptr<Transaction>;

/// Thread-safe free list of Transactions. Keeps at most `max_free` idle ones (each keeps at
/// most 16 KiB of arena and 64 KiB per record buffer; small ones about 1-2 KiB), enough for
/// a full delivery batch per sink plus the source's pending ones, so that catching up on
/// many small transactions does not allocate per transaction.
class TransactionPool {
 public:
  explicit TransactionPool(size_t max_free = 4096) : max_free_(max_free) {}

  TransactionPtr get() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!free_.empty()) {
        TransactionPtr t = std::move(free_.back());
        free_.pop_back();
        return t;
      }
    }
    return std::make_unique<Transaction>();
  }

  void put(TransactionPtr t) {
    if (!t) return;
    t->reset();
    std::lock_guard<std::mutex> lock(mu_);
    if (free_.size() < max_free_) free_.push_back(std::move(t));
  }

 private:
  std::mutex mu_;
  std::vector<TransactionPtr> free_;
  size_t max_free_;
};

}  // namespace walrelay

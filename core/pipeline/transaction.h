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

/// A whole committed transaction. `abi` points into `arena`, `change_ptrs` and `origin`;
/// `relations` keeps every referenced descriptor alive. Moved between threads by
/// unique_ptr; recycled through TransactionPool so steady state allocates nothing.
struct Transaction {
  wr_txn abi{};
  Arena arena;
  std::vector<const wr_change *> change_ptrs;
  std::vector<std::shared_ptr<const RelationDesc>> relations;
  std::string origin;

  /// Approximate memory held (for queue bounds).
  size_t bytes() const {
    return arena.bytes() + change_ptrs.size() * sizeof(void *) + sizeof(Transaction);
  }
  wr_lsn end_lsn() const { return abi.end_lsn; }

  /// Clears for reuse; keeps capacity.
  void reset() {
    abi = wr_txn{};
    arena.reset();
    change_ptrs.clear();
    relations.clear();
    origin.clear();
  }
};

using TransactionPtr = std::unique_ptr<Transaction>;

/// Thread-safe free list of Transactions. Keeps at most `max_free` idle ones (each keeps at
/// most its arena's keep_bytes, so the pool holds at most ~max_free x 256 KiB).
class TransactionPool {
 public:
  explicit TransactionPool(size_t max_free = 256) : max_free_(max_free) {}

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

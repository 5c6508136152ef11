// Delivery worker: takes batches of whole transactions off the queue and applies them to
// every sink in commit order, with retry/backoff on WR_RETRY and skip-what-is-applied.
#pragma once

#include <atomic>
#include <mutex>
#include <random>
#include <string>
#include <vector>

#include "core/config/config.h"
#include "core/pipeline/transaction_queue.h"
#include "core/plugin_host/sink_handle.h"
#include "core/util/stop_signal.h"

namespace walrelay {

class DeliveryWorker {
 public:
  DeliveryWorker(TransactionQueue &queue, TransactionPool &pool, std::vector<SinkHandle *> sinks,
                 const PipelineConfig &config, StopSignal &stop);

  /// Thread body. Returns when the queue is closed and drained, when stop is requested
  /// (after finishing the batch in flight), or after a fatal sink error (see error()).
  void run();

  /// Lowest position durably applied by every sink: the only LSN the source may confirm
  /// as flushed. Thread-safe.
  wr_lsn applied_lsn() const { return applied_.load(std::memory_order_acquire); }

  /// Non-empty after a fatal error. Thread-safe once run() returned.
  std::string error() const {
    std::lock_guard<std::mutex> lock(mu_);
    return error_;
  }

  /// Transactions and changes applied (to every sink) since start.
  uint64_t txns_applied() const { return txns_.load(); }
  uint64_t changes_applied() const { return changes_.load(); }

 private:
  /// Applies `batch` to one sink, skipping what it already holds. False on fatal/stop.
  bool deliver(SinkHandle &sink, const std::vector<TransactionPtr> &batch);
  void fail(const std::string &msg);
  void refresh_applied();

  TransactionQueue &queue_;
  TransactionPool &pool_;
  std::vector<SinkHandle *> sinks_;
  PipelineConfig config_;
  StopSignal &stop_;
  std::atomic<wr_lsn> applied_{WR_LSN_INVALID};
  std::atomic<uint64_t> txns_{0}, changes_{0};
  std::vector<const wr_txn *> txn_ptrs_;  // reused per batch
  std::mt19937_64 rng_{std::random_device{}()};  // backoff jitter
  mutable std::mutex mu_;
  std::string error_;
};

}  // namespace walrelay

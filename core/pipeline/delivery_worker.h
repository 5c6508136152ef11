// Delivery worker for one sink: takes batches of whole transactions from its cursor of the
// queue and applies them in commit order, with retry/backoff on WR_RETRY and skipping what
// the sink already holds.
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
  /// `consumer` is this worker's cursor in `queue`.
  DeliveryWorker(TransactionQueue &queue, size_t consumer, SinkHandle &sink,
                 const PipelineConfig &config, StopSignal &stop);

  /// Thread body. Returns when the queue is closed and drained for this sink, when stop is
  /// requested (after finishing the batch in flight), or after a fatal sink error (then it
  /// requests stop for everybody and closes the queue; see error()).
  void run();

  /// End LSN the sink holds durably. Thread-safe.
  wr_lsn position() const { return position_.load(std::memory_order_acquire); }
  /// Non-empty after a fatal error. Thread-safe.
  std::string error() const {
    std::lock_guard<std::mutex> lock(mu_);
    return error_;
  }
  const std::string &sink_name() const { return sink_.name(); }
  uint64_t txns_applied() const { return txns_.load(); }
  uint64_t changes_applied() const { return changes_.load(); }

 private:
  /// Applies `batch`, skipping what the sink already holds. False on fatal error / stop.
  bool deliver(const std::vector<SharedTransaction> &batch);
  void fail(const std::string &msg);

  TransactionQueue &queue_;
  size_t consumer_;
  SinkHandle &sink_;
  PipelineConfig config_;
  StopSignal &stop_;
  std::atomic<wr_lsn> position_;
  std::atomic<uint64_t> txns_{0}, changes_{0};
  std::vector<const wr_txn *> txn_ptrs_;         // reused per batch
  std::mt19937_64 rng_{std::random_device{}()};  // backoff jitter
  mutable std::mutex mu_;
  std::string error_;
};

}  // namespace walrelay

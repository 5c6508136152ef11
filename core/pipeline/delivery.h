// All delivery workers (one thread per sink) and what the source needs to know of them.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "core/pipeline/delivery_worker.h"

namespace walrelay {

class Delivery {
 public:
  /// One worker per sink; sink i is consumer i of `journal`.
  Delivery(spool::Journal &journal, const std::vector<SinkHandle *> &sinks,
           TransactionPool &pool, const PipelineConfig &config, StopSignal &stop,
           uint64_t stop_lsn);
  ~Delivery();

  void start();
  /// Waits for every worker to return (after stop is requested).
  void join();

  /// Lowest position every sink holds durably: the only LSN the source may confirm as
  /// flushed. Thread-safe.
  wr_lsn applied_lsn() const;
  /// True once every worker returned. Thread-safe.
  bool done() const { return running_.load() == 0; }
  /// The first fatal error, or empty. Thread-safe.
  std::string error() const;
  const std::vector<std::unique_ptr<DeliveryWorker>> &workers() const { return workers_; }

 private:
  std::vector<std::unique_ptr<DeliveryWorker>> workers_;
  std::vector<std::thread> threads_;
  std::atomic<size_t> running_{0};
};

}  // namespace walrelay

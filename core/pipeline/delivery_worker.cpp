// Delivery worker: batch -> one sink, retry with backoff, position bookkeeping.
#include "core/pipeline/delivery_worker.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "core/util/lsn.h"

namespace walrelay {

DeliveryWorker::DeliveryWorker(TransactionQueue &queue, size_t consumer, SinkHandle &sink,
                               const PipelineConfig &config, StopSignal &stop)
    : queue_(queue), consumer_(consumer), sink_(sink), config_(config), stop_(stop),
      position_(sink.position()) {}

void DeliveryWorker::fail(const std::string &msg) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (error_.empty()) error_ = msg;
  }
  spdlog::error("{}", msg);
  stop_.request_and_notify();
  queue_.close();
}

bool DeliveryWorker::deliver(const std::vector<SharedTransaction> &batch) {
  const bool check_truncate = !sink_.has_capability(WR_CAP_TRUNCATE);
  for (int attempt = 0;; ++attempt) {
    txn_ptrs_.clear();
    uint64_t n_changes = 0;
    // Skip what the sink holds, and anything not past the previous transaction (a
    // transaction the server sent again after a reconnect).
    wr_lsn floor = sink_.position();
    for (const auto &t : batch) {
      if (t->end_lsn() <= floor) continue;
      if (check_truncate)
        for (const wr_change *c : t->change_ptrs)
          if (c->kind == WR_CHANGE_TRUNCATE) {
            fail("sink '" + sink_.name() + "' does not support TRUNCATE (transaction xid " +
                 std::to_string(t->abi.xid) + ", LSN " + format_lsn(c->lsn) + ")");
            return false;
          }
      txn_ptrs_.push_back(&t->abi);
      n_changes += t->abi.n_changes;
      floor = t->end_lsn();
    }
    if (txn_ptrs_.empty()) return true;
    wr_batch b{};
    b.struct_size = sizeof(wr_batch);
    b.n_txns = static_cast<uint32_t>(txn_ptrs_.size());
    b.txns = txn_ptrs_.data();
    b.end_lsn = txn_ptrs_.back()->end_lsn;
    b.n_changes = n_changes;
    SinkResult r = sink_.apply(b);
    if (r.ok()) {
      spdlog::debug("sink '{}' applied {} transactions, {} changes, up to {}", sink_.name(),
                    b.n_txns, n_changes, format_lsn(b.end_lsn));
      txns_ += b.n_txns;
      changes_ += n_changes;
      return true;
    }
    if (r.status != WR_RETRY) {
      fail(r.message + " (batch of " + std::to_string(b.n_txns) + " transactions ending at " +
           format_lsn(b.end_lsn) + ")");
      return false;
    }
    // Exponential backoff with jitter, capped at 30 s.
    const int64_t cap = std::min<int64_t>(30000, 100LL << std::min(attempt, 9));
    const auto wait = std::chrono::milliseconds(
        std::uniform_int_distribution<int64_t>(cap / 2, cap)(rng_));
    spdlog::warn("{}; retrying in {} ms (attempt {})", r.message, wait.count(), attempt + 1);
    if (stop_.sleep_for(wait)) return false;
    // The failed apply may or may not have committed: ask the sink where it stands.
    for (;;) {
      SinkResult p = sink_.load_position();
      if (p.ok()) break;
      if (p.status != WR_RETRY) {
        fail(p.message);
        return false;
      }
      spdlog::warn("{}; retrying", p.message);
      if (stop_.sleep_for(std::chrono::milliseconds(1000))) return false;
    }
    position_.store(sink_.position(), std::memory_order_release);
  }
}

void DeliveryWorker::run() {
  std::vector<SharedTransaction> batch;
  while (!stop_.requested()) {
    batch.clear();
    if (!queue_.pop_batch(consumer_, batch, config_.batch_max_txns, config_.batch_max_bytes,
                          std::chrono::milliseconds(100)))
      break;  // closed and drained
    if (batch.empty()) continue;
    const bool ok = deliver(batch);
    position_.store(sink_.position(), std::memory_order_release);
    if (!ok) return;
  }
}

}  // namespace walrelay

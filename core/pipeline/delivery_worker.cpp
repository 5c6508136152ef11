// Delivery worker: batch -> every sink, retry with backoff, applied-LSN bookkeeping.
#include "core/pipeline/delivery_worker.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "core/util/lsn.h"

namespace walrelay {

DeliveryWorker::DeliveryWorker(TransactionQueue &queue, TransactionPool &pool,
                               std::vector<SinkHandle *> sinks, const PipelineConfig &config,
                               StopSignal &stop)
    : queue_(queue), pool_(pool), sinks_(std::move(sinks)), config_(config), stop_(stop) {
  refresh_applied();
}

void DeliveryWorker::refresh_applied() {
  wr_lsn low = UINT64_MAX;
  for (const SinkHandle *s : sinks_) low = std::min(low, s->position());
  applied_.store(sinks_.empty() ? WR_LSN_INVALID : low, std::memory_order_release);
}

void DeliveryWorker::fail(const std::string &msg) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (error_.empty()) error_ = msg;
  }
  spdlog::error("{}", msg);
  stop_.request_and_notify();
  queue_.close();
}

bool DeliveryWorker::deliver(SinkHandle &sink, const std::vector<TransactionPtr> &batch) {
  for (int attempt = 0;; ++attempt) {
    txn_ptrs_.clear();
    uint64_t n_changes = 0;
    const bool check_truncate = !sink.has_capability(WR_CAP_TRUNCATE);
    for (const auto &t : batch) {
      if (t->end_lsn() <= sink.position()) continue;  // already durable there
      if (check_truncate)
        for (const wr_change *c : t->change_ptrs)
          if (c->kind == WR_CHANGE_TRUNCATE) {
            fail("sink '" + sink.name() + "' does not support TRUNCATE (transaction xid " +
                 std::to_string(t->abi.xid) + ", LSN " + format_lsn(c->lsn) + ")");
            return false;
          }
      txn_ptrs_.push_back(&t->abi);
      n_changes += t->abi.n_changes;
    }
    if (txn_ptrs_.empty()) return true;
    wr_batch b{};
    b.struct_size = sizeof(wr_batch);
    b.n_txns = static_cast<uint32_t>(txn_ptrs_.size());
    b.txns = txn_ptrs_.data();
    b.end_lsn = txn_ptrs_.back()->end_lsn;
    b.n_changes = n_changes;
    SinkResult r = sink.apply(b);
    if (r.ok()) {
      spdlog::debug("sink '{}' applied {} transactions, {} changes, up to {}", sink.name(),
                    b.n_txns, n_changes, format_lsn(b.end_lsn));
      return true;
    }
    if (r.status != WR_RETRY) {
      fail(r.message + " (batch of " + std::to_string(b.n_txns) + " transactions ending at " +
           format_lsn(b.end_lsn) + ")");
      return false;
    }
    // Exponential backoff with full jitter, capped at 30 s.
    const int64_t cap = std::min<int64_t>(30000, 100LL << std::min(attempt, 9));
    const auto wait = std::chrono::milliseconds(
        std::uniform_int_distribution<int64_t>(cap / 2, cap)(rng_));
    spdlog::warn("{}; retrying in {} ms (attempt {})", r.message, wait.count(), attempt + 1);
    if (stop_.sleep_for(wait)) return false;
    // The failed apply may or may not have committed: ask the sink where it stands.
    for (;;) {
      SinkResult p = sink.load_position();
      if (p.ok()) break;
      if (p.status != WR_RETRY) {
        fail(p.message);
        return false;
      }
      spdlog::warn("{}; retrying", p.message);
      if (stop_.sleep_for(std::chrono::milliseconds(1000))) return false;
    }
  }
}

void DeliveryWorker::run() {
  std::vector<TransactionPtr> batch;
  while (!stop_.requested()) {
    batch.clear();
    if (!queue_.pop_batch(batch, config_.batch_max_txns, config_.batch_max_bytes,
                          std::chrono::milliseconds(100)))
      break;  // closed and drained
    if (batch.empty()) continue;
    uint64_t n_changes = 0;
    for (const auto &t : batch) n_changes += t->abi.n_changes;
    for (SinkHandle *s : sinks_)
      if (!deliver(*s, batch)) {
        for (auto &t : batch) pool_.put(std::move(t));
        refresh_applied();
        return;
      }
    refresh_applied();
    txns_ += batch.size();
    changes_ += n_changes;
    for (auto &t : batch) pool_.put(std::move(t));
  }
}

}  // namespace walrelay

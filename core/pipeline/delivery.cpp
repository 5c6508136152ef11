// Delivery group: start, join, lowest applied position.
#include "core/pipeline/delivery.h"

#include <algorithm>

namespace walrelay {

Delivery::Delivery(spool::Journal &journal, const std::vector<SinkHandle *> &sinks,
                   TransactionPool &pool, const PipelineConfig &config, StopSignal &stop,
                   uint64_t stop_lsn) {
  for (size_t i = 0; i < sinks.size(); ++i)
    workers_.push_back(
        std::make_unique<DeliveryWorker>(journal, i, *sinks[i], pool, config, stop, stop_lsn));
}

Delivery::~Delivery() { join(); }

void Delivery::start() {
  running_ = workers_.size();
  for (auto &w : workers_)
    threads_.emplace_back([this, worker = w.get()] {
      worker->run();
      running_.fetch_sub(1);
    });
}

void Delivery::join() {
  for (auto &t : threads_)
    if (t.joinable()) t.join();
  threads_.clear();
}

wr_lsn Delivery::applied_lsn() const {
  wr_lsn low = UINT64_MAX;
  for (const auto &w : workers_) low = std::min(low, w->position());
  return workers_.empty() ? WR_LSN_INVALID : low;
}

std::string Delivery::error() const {
  for (const auto &w : workers_) {
    std::string e = w->error();
    if (!e.empty()) return e;
  }
  return {};
}

}  // namespace walrelay

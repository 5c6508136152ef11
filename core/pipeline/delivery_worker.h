// Delivery worker for one sink: reads committed transactions from the spool's journal at its
// own pace and applies them in commit order, with retry/backoff on WR_RETRY, skipping what
// the sink already holds, and handing transactions larger than a batch to sinks that take
// them in pieces (WR_CAP_PARTIAL_TXN).
#pragma once

#include <atomic>
#include <mutex>
#include <random>
#include <string>
#include <vector>

#include "core/config/config.h"
#include "core/pipeline/transaction.h"
#include "core/plugin_host/sink_handle.h"
#include "core/spool/journal.h"
#include "core/util/stop_signal.h"

namespace walrelay {

class DeliveryWorker {
 public:
  /// `consumer` is this worker's index in the journal. `stop_lsn` (0: none): transactions
  /// committing after it are not delivered (--stop-lsn).
  DeliveryWorker(spool::Journal &journal, size_t consumer, SinkHandle &sink, TransactionPool &pool,
                 const PipelineConfig &config, StopSignal &stop, uint64_t stop_lsn);

  /// Thread body. Returns when stop is requested (after finishing the batch in flight), when
  /// the journal is closed and everything visible is delivered, or after a fatal error
  /// (then it requests stop for everybody; see error()).
  void run();

  /// End LSN the sink holds durably. Thread-safe.
  wr_lsn position() const { return position_.load(std::memory_order_acquire); }
  /// Non-empty after a fatal error. Thread-safe.
  std::string error() const {
    std::lock_guard<std::mutex> lock(mu_);
    return error_;
  }
  const std::string &sink_name() const { return sink_.name(); }
  /// Whole transactions applied: the sink's metrics counter (SinkHandle::metrics(); with a
  /// registered one, counted since registration). Thread-safe.
  uint64_t txns_applied() const { return sink_.metrics().txns.value(); }
  /// Changes of those transactions (same counter source). Thread-safe.
  uint64_t changes_applied() const { return sink_.metrics().changes.value(); }

 private:
  enum class Outcome { kOk, kRetry, kStop };

  /// One apply() of `txns` with `flags`; on WR_RETRY backs off and reloads the position.
  Outcome apply_once(const std::vector<const wr_txn *> &txns, uint32_t flags);
  /// Applies whole transactions, skipping what the sink holds. False on fatal error / stop.
  bool deliver(std::vector<TransactionPtr> &batch);
  /// Applies the transaction of an 'E' record from its file (whole or in pieces).
  bool deliver_ref(const spool::TxnRef &ref);
  /// Reads the transaction file's records into `t` until about batch_max_bytes (or all when
  /// `whole`); false when the file is exhausted before any change record.
  bool read_piece(spool::Reader &reader, const spool::TxnRef &ref, bool whole, Transaction &t,
                  bool &more);
  bool check_supported(const Transaction &t);
  void release(std::vector<TransactionPtr> &batch);
  /// Records a fatal error (first one wins), marks the sink's metrics kStopped, requests
  /// stop for everybody and closes the journal.
  void fail(const std::string &msg);

  spool::Journal &journal_;
  size_t consumer_;
  SinkHandle &sink_;
  TransactionPool &pool_;
  PipelineConfig config_;
  StopSignal &stop_;
  uint64_t stop_lsn_;
  bool messages_;                      // the sink takes WR_CHANGE_MESSAGE
  spool::RelationRegistry relations_;  // from the journal and transaction files
  std::atomic<wr_lsn> position_;
  std::vector<const wr_txn *> txn_ptrs_;  // reused per apply
  std::string lookahead_;                 // next record of a transaction file
  std::string scratch_;  // record being read; swapped with a piece's buffers (keeps capacity)
  bool has_lookahead_ = false;
  int retry_attempt_ = 0;                        // consecutive WR_RETRY answers (backoff)
  std::mt19937_64 rng_{std::random_device{}()};  // backoff jitter
  mutable std::mutex mu_;
  std::string error_;
};

}  // namespace walrelay

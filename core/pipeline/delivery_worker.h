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
  /// A record of transaction file `serial`: true for a chunk of changes; a relation record
  /// is taken into relations_ (false); anything else throws spool::SpoolError.
  bool is_chunk(const std::string &rec, uint64_t serial);
  bool read_piece(spool::Reader &reader, const spool::TxnRef &ref, bool whole, Transaction &t,
                  bool &more);
  bool check_supported(const Transaction &t);

  // Early apply (early_apply.cpp; sinks with WR_CAP_EARLY_APPLY): while the worker is
  // caught up, the pieces of a transaction file the source is still writing go to the
  // sink in one open destination transaction; its 'E' record finishes it, anything else
  // committing first rolls it back (it is then delivered from its file as usual).
  /// True when early apply may run now (capable sink, no snapshot skips).
  bool early_apply_allowed() const;
  /// Starts or continues early apply with what the file holds so far. False on stop/fatal.
  bool early_step();
  /// The journal's next record is the 'E' of `ref`, or another transaction (`ref` null).
  /// Finishes the early-applied transaction, or rolls it back. False on stop/fatal; sets
  /// `done` when `ref` was applied here (else the caller delivers it as usual).
  bool early_settle(const spool::TxnRef *ref, bool &done);
  /// Reads the file's records into early_.txn until a piece is full (true) or the records
  /// written so far are used up (false).
  bool early_fill();
  /// Rolls back the early-applied transaction (WR_BATCH_TXN_ROLLBACK), forgets it and does
  /// not try its file again. False on a fatal error.
  bool early_rollback(const char *why);
  /// Returns the early state's Transaction to the pool and clears it.
  void early_clear();
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
  bool early_capable_;  // WR_CAP_EARLY_APPLY with WR_CAP_PARTIAL_TXN and _TRANSACTIONAL
  /// The transaction being applied early (serial 0: none).
  struct Early {
    uint64_t serial = 0;
    std::unique_ptr<spool::Reader> reader;
    TransactionPtr txn;  // the piece being filled
    uint64_t pieces = 0, changes = 0;
  } early_;
  uint64_t early_tried_ = 0;  // files up to this serial are not applied early (again)
  int retry_attempt_ = 0;     // consecutive WR_RETRY answers (backoff)
  std::mt19937_64 rng_{std::random_device{}()};  // backoff jitter
  mutable std::mutex mu_;
  std::string error_;
};

}  // namespace walrelay

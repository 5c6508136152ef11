// Early apply (WR_CAP_EARLY_APPLY): a large transaction's pieces reach the sink while the
// source is still receiving it, in one destination transaction left open, so that the
// sink's work overlaps the walsender's instead of starting at the commit
// (docs/ARCHITECTURE.md, "Early apply").
//
// The worker tries it only while it is caught up with the journal, on the oldest
// transaction file the source is still writing. Commit order is kept by giving up early:
// when anything else is to be delivered first (a transaction that committed before it),
// or the source discards the file (abort, re-send after a reconnect), or the file turns
// into a prepared transaction, or its commit names aborted subtransactions, the open
// destination transaction is rolled back (WR_BATCH_TXN_ROLLBACK) and the transaction is
// delivered from its file at its commit, as without early apply. Nothing is made durable
// before the commit's 'E' record is durable in the spool, so exactly-once is unchanged.
#include <spdlog/spdlog.h>

#include "core/pipeline/delivery_worker.h"
#include "core/util/lsn.h"

namespace walrelay {

bool DeliveryWorker::early_apply_allowed() const {
  // Snapshot skips filter by commit LSN, which an early piece does not know yet. (With
  // --stop-lsn, a transaction committing past it is rolled back at its 'E', or when the
  // worker stops.)
  return early_capable_ && journal_.snapshot_skips() == nullptr;
}

void DeliveryWorker::early_clear() {
  if (early_.txn) pool_.put(std::move(early_.txn));
  early_ = Early{};
}

bool DeliveryWorker::early_fill() {
  Transaction &t = *early_.txn;
  std::string &rec = scratch_;
  while (t.bytes() < config_.batch_max_bytes) {
    if (!early_.reader->next(rec)) return false;  // nothing more written yet
    if (!is_chunk(rec, early_.serial)) continue;
    std::string &keep = t.next_record();
    keep.swap(rec);
    spool::decode_changes(keep, relations_.map(), {}, messages_, t);
  }
  return true;
}

bool DeliveryWorker::early_rollback(const char *why) {
  wr_batch b{};
  b.struct_size = sizeof(wr_batch);
  b.end_lsn = sink_.position();
  b.flags = WR_BATCH_TXN_ROLLBACK;
  const SinkResult r = sink_.apply(b);
  if (!r.ok() && r.status != WR_RETRY) {
    fail(r.message + " (rolling back an early-applied transaction)");
    early_clear();
    return false;
  }
  // WR_RETRY: the sink lost its connection, which rolled the transaction back as well.
  spdlog::info(
      "sink '{}': early apply of transaction file {} ({} changes in {} pieces) rolled back: {}; "
      "it is applied from the spool at its commit",
      sink_.name(), early_.serial, early_.changes, early_.pieces, why);
  early_tried_ = std::max(early_tried_, early_.serial);
  early_clear();
  return true;
}

bool DeliveryWorker::early_step() {
  if (early_.serial == 0) {
    const auto serial = journal_.next_open_txn_file(early_tried_);
    if (!serial) return true;
    early_tried_ = *serial;  // one attempt per file
    early_.serial = *serial;
    early_.reader =
        std::make_unique<spool::Reader>(journal_.txn_file_options(*serial), spool::Position{});
    early_.txn = pool_.get();
    spdlog::debug("sink '{}': applying transaction file {} early", sink_.name(), *serial);
  }
  if (journal_.txn_file_state(early_.serial) == spool::Journal::TxnFileState::kGone)
    return early_rollback("the source discarded it (aborted, re-sent or prepared)");
  while (early_fill()) {  // a full piece
    Transaction &t = *early_.txn;
    spool::set_header(spool::TxnHeader{}, t);  // not known before the commit
    if (!check_supported(t)) return false;
    const uint32_t flags = WR_BATCH_TXN_EARLY | WR_BATCH_TXN_CONTINUES |
                           (early_.pieces > 0 ? WR_BATCH_TXN_CONTINUED : 0u);
    txn_ptrs_.assign(1, &t.abi);
    const Outcome o = apply_once(txn_ptrs_, flags);
    if (o == Outcome::kStop) {
      early_clear();
      return false;
    }
    if (o == Outcome::kRetry) {  // the sink dropped the open transaction
      spdlog::info("sink '{}': early apply of transaction file {} given up after a retry",
                   sink_.name(), early_.serial);
      early_clear();
      return true;
    }
    early_.changes += t.abi.n_changes;
    ++early_.pieces;
    t.reset(true);
  }
  return true;
}

bool DeliveryWorker::early_settle(const spool::TxnRef *ref, bool &done) {
  done = false;
  if (ref != nullptr && ref->serial != early_.serial && ref->header.end_lsn <= sink_.position())
    return true;  // the sink holds that one already: no conflict
  if (ref == nullptr || ref->serial != early_.serial) {
    // A source abort is usually followed by more commits: say which it was.
    if (journal_.txn_file_state(early_.serial) == spool::Journal::TxnFileState::kGone)
      return early_rollback("the source discarded it (aborted, re-sent or prepared)");
    return early_rollback("another transaction committed before it");
  }
  if (ref->header.end_lsn <= sink_.position()) {
    done = true;  // applied before a restart; nothing of it may be applied again
    return early_rollback("the sink holds it already");
  }
  if (stop_lsn_ && ref->header.commit_lsn > stop_lsn_)
    return early_rollback("it commits after --stop-lsn");
  if (!ref->aborted.empty())  // its early pieces may hold changes of those
    return early_rollback("it had aborted subtransactions");
  if (early_.pieces == 0) {  // nothing applied yet: the usual path is as good
    early_tried_ = std::max(early_tried_, early_.serial);
    early_clear();
    return true;
  }
  // The file is complete (synced before its 'E'): apply the rest, the last piece with the
  // commit's header and without CONTINUES, which makes the transaction durable.
  for (;;) {
    const bool full = early_fill();
    Transaction &t = *early_.txn;
    spool::set_header(ref->header, t);
    if (!check_supported(t)) return false;
    const uint32_t flags = WR_BATCH_TXN_CONTINUED | (full ? WR_BATCH_TXN_CONTINUES : 0u);
    txn_ptrs_.assign(1, &t.abi);
    const Outcome o = apply_once(txn_ptrs_, flags);
    if (o == Outcome::kStop) {
      early_clear();
      return false;
    }
    if (o == Outcome::kRetry) {  // start again from the file's first record, as usual
      early_clear();
      return true;
    }
    early_.changes += t.abi.n_changes;
    ++early_.pieces;
    if (full) {
      t.reset(true);
      continue;
    }
    metrics::SinkMetrics &m = sink_.metrics();
    m.txns.add();
    m.changes.add(early_.changes);
    m.applied_commit_time.set(static_cast<double>(ref->header.commit_time_us) / 1e6);
    spdlog::info(
        "sink '{}': transaction xid {} ({} changes, committed at {}) applied in {} pieces, "
        "the first ones before its commit (early apply)",
        sink_.name(), ref->header.xid, early_.changes, format_lsn(ref->header.commit_lsn),
        early_.pieces);
    early_clear();
    done = true;
    return true;
  }
}

}  // namespace walrelay

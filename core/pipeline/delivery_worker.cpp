// Delivery worker: journal -> batches (or pieces of one big transaction) -> one sink, retry
// with backoff, position bookkeeping.
#include "core/pipeline/delivery_worker.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <thread>

#include "core/util/lsn.h"

namespace walrelay {

namespace {

// Bytes of the spool records a transaction (or piece) was decoded from: what
// walrelay_sink_bytes_total counts. A few additions per transaction, no pass over values.
uint64_t record_bytes(const Transaction &t) {
  uint64_t b = 0;
  for (size_t i = 0; i < t.records_used; ++i) b += t.records[i].size();
  return b;
}

}  // namespace

DeliveryWorker::DeliveryWorker(spool::Journal &journal, size_t consumer, SinkHandle &sink,
                               TransactionPool &pool, const PipelineConfig &config,
                               StopSignal &stop, uint64_t stop_lsn)
    : journal_(journal),
      consumer_(consumer),
      sink_(sink),
      pool_(pool),
      config_(config),
      stop_(stop),
      stop_lsn_(stop_lsn),
      messages_(sink.has_capability(WR_CAP_MESSAGES)),
      position_(sink.position()),
      early_capable_(config.early_apply && sink.has_capability(WR_CAP_EARLY_APPLY) &&
                     sink.has_capability(WR_CAP_PARTIAL_TXN) &&
                     sink.has_capability(WR_CAP_TRANSACTIONAL)) {}

void DeliveryWorker::fail(const std::string &msg) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (error_.empty()) error_ = msg;
  }
  sink_.metrics().set_state(metrics::SinkState::kStopped);
  spdlog::error("{}", msg);
  stop_.request_and_notify();
  journal_.close();
}

void DeliveryWorker::release(std::vector<TransactionPtr> &batch) {
  for (auto &t : batch) pool_.put(std::move(t));
  batch.clear();
}

bool DeliveryWorker::check_supported(const Transaction &t) {
  if (sink_.has_capability(WR_CAP_TRUNCATE)) return true;
  for (const wr_change *c : t.change_ptrs)
    if (c->kind == WR_CHANGE_TRUNCATE) {
      fail("sink '" + sink_.name() + "' does not support TRUNCATE (transaction xid " +
           std::to_string(t.abi.xid) + ", LSN " + format_lsn(c->lsn) + ")");
      return false;
    }
  return true;
}

DeliveryWorker::Outcome DeliveryWorker::apply_once(const std::vector<const wr_txn *> &txns,
                                                   uint32_t flags) {
  wr_batch b{};
  b.struct_size = sizeof(wr_batch);
  b.n_txns = static_cast<uint32_t>(txns.size());
  b.txns = txns.data();
  b.end_lsn = txns.back()->end_lsn;
  for (const wr_txn *t : txns) b.n_changes += t->n_changes;
  b.flags = flags;
  SinkResult r = sink_.apply(b);
  if (r.ok()) {
    retry_attempt_ = 0;
    spdlog::debug("sink '{}' applied {} transactions, {} changes, up to {}{}", sink_.name(),
                  b.n_txns, b.n_changes, format_lsn(b.end_lsn),
                  (flags & WR_BATCH_TXN_CONTINUES) ? " (transaction continues)" : "");
    return Outcome::kOk;
  }
  if (r.status != WR_RETRY) {
    fail(r.message + " (batch of " + std::to_string(b.n_txns) + " transactions ending at " +
         format_lsn(b.end_lsn) + ")");
    return Outcome::kStop;
  }
  // Exponential backoff with jitter, capped at 30 s.
  sink_.metrics().retries.add();
  const int attempt = ++retry_attempt_;
  const int64_t cap = std::min<int64_t>(30000, 100LL << std::min(attempt - 1, 9));
  const auto wait =
      std::chrono::milliseconds(std::uniform_int_distribution<int64_t>(cap / 2, cap)(rng_));
  spdlog::warn("{}; retrying in {} ms (attempt {})", r.message, wait.count(), attempt);
  if (stop_.sleep_for(wait)) return Outcome::kStop;
  // The failed apply may or may not have committed: ask the sink where it stands.
  for (;;) {
    SinkResult p = sink_.load_position();
    if (p.ok()) break;
    if (p.status != WR_RETRY) {
      fail(p.message);
      return Outcome::kStop;
    }
    spdlog::warn("{}; retrying", p.message);
    sink_.metrics().retries.add();
    if (stop_.sleep_for(std::chrono::milliseconds(1000))) return Outcome::kStop;
  }
  position_.store(sink_.position(), std::memory_order_release);
  return Outcome::kRetry;
}

bool DeliveryWorker::deliver(std::vector<TransactionPtr> &batch) {
  for (;;) {
    txn_ptrs_.clear();
    uint64_t bytes = 0;
    // Skip what the sink holds (it may have moved on after a retry).
    wr_lsn floor = sink_.position();
    for (const auto &t : batch) {
      if (t->end_lsn() <= floor) continue;
      txn_ptrs_.push_back(&t->abi);
      bytes += record_bytes(*t);
      floor = t->end_lsn();
    }
    if (txn_ptrs_.empty()) return true;
    const Outcome o = apply_once(txn_ptrs_, 0);
    if (o == Outcome::kStop) return false;
    if (o == Outcome::kOk) {
      metrics::SinkMetrics &m = sink_.metrics();
      uint64_t changes = 0;
      for (const wr_txn *t : txn_ptrs_) changes += t->n_changes;
      m.txns.add(txn_ptrs_.size());
      m.changes.add(changes);
      m.bytes.add(bytes);
      m.applied_commit_time.set(static_cast<double>(txn_ptrs_.back()->commit_time_us) / 1e6);
      return true;
    }
  }
}

bool DeliveryWorker::is_chunk(const std::string &rec, uint64_t serial) {
  const spool::RecordType type = spool::record_type(rec);
  if (type == spool::RecordType::kChunk) return true;
  if (type != spool::RecordType::kRelation)
    throw spool::SpoolError("spool: unexpected record type in transaction file " +
                            std::to_string(serial));
  relations_.add(spool::decode_relation(rec));
  return false;
}

bool DeliveryWorker::read_piece(spool::Reader &reader, const spool::TxnRef &ref, bool whole,
                                Transaction &t, bool &more) {
  more = false;
  bool any = false;
  std::string &rec = scratch_;
  for (;;) {
    if (has_lookahead_) {
      rec.swap(lookahead_);
      has_lookahead_ = false;
    } else if (!reader.next(rec)) {
      return any;
    }
    if (!is_chunk(rec, ref.serial)) continue;
    std::string &keep = t.next_record();
    keep.swap(rec);
    spool::decode_changes(keep, relations_.map(), ref.aborted, messages_, t,
                          journal_.snapshot_skips(), ref.header.commit_lsn);
    any = true;
    if (!whole && t.bytes() >= config_.batch_max_bytes) {
      // Is there more? Look one record ahead.
      if (reader.next(lookahead_)) {
        has_lookahead_ = true;
        more = true;
      }
      return true;
    }
  }
}

bool DeliveryWorker::deliver_ref(const spool::TxnRef &ref) {
  const bool partial = sink_.has_capability(WR_CAP_PARTIAL_TXN);
  for (;;) {
    if (sink_.position() >= ref.header.end_lsn) return true;
    spool::Reader reader(journal_.txn_file_options(ref.serial), spool::Position{});
    has_lookahead_ = false;
    bool first = true, retry = false;
    uint64_t changes = 0, pieces = 0, bytes = 0;
    // One Transaction for every piece: its arena chunks and record buffers are refilled by
    // the next piece instead of being freed and faulted in again.
    TransactionPtr t = pool_.get();
    while (!retry) {
      if (pieces > 0) t->reset(true);
      bool more = false;
      read_piece(reader, ref, !partial, *t, more);
      spool::set_header(ref.header, *t);
      if (!partial && first && t->bytes() > config_.batch_max_bytes)
        spdlog::warn(
            "sink '{}' does not take transactions in pieces (WR_CAP_PARTIAL_TXN): "
            "holding transaction xid {} ({} changes, {} MiB) whole in memory",
            sink_.name(), ref.header.xid, t->abi.n_changes, t->bytes() >> 20);
      if (!check_supported(*t)) {
        pool_.put(std::move(t));
        return false;
      }
      const uint32_t flags =
          (first ? 0u : WR_BATCH_TXN_CONTINUED) | (more ? WR_BATCH_TXN_CONTINUES : 0u);
      txn_ptrs_.assign(1, &t->abi);
      const Outcome o = apply_once(txn_ptrs_, flags);
      changes += t->abi.n_changes;
      bytes += record_bytes(*t);
      ++pieces;
      if (o != Outcome::kOk || !more) pool_.put(std::move(t));  // this was its last piece
      if (o == Outcome::kStop) return false;
      if (o == Outcome::kRetry) {
        retry = true;  // the sink dropped the open transaction: start it again
        break;
      }
      if (!more) {
        metrics::SinkMetrics &m = sink_.metrics();
        m.txns.add();
        m.changes.add(changes);
        m.bytes.add(bytes);
        m.applied_commit_time.set(static_cast<double>(ref.header.commit_time_us) / 1e6);
        // Initial-snapshot chunks have no commit record (commit_lsn 0; WR_TXN_SNAPSHOT).
        spdlog::info("sink '{}': {} ({} changes, {}) applied from the spool in {} piece{}",
                     sink_.name(),
                     ref.header.commit_lsn ? "transaction xid " + std::to_string(ref.header.xid)
                                           : std::string("snapshot chunk"),
                     changes,
                     ref.header.commit_lsn ? "committed at " + format_lsn(ref.header.commit_lsn)
                                           : "ordinal " + std::to_string(ref.header.end_lsn),
                     pieces, pieces == 1 ? "" : "s");
        return true;
      }
      first = false;
    }
  }
}

void DeliveryWorker::run() {
  std::vector<TransactionPtr> batch;
  size_t batch_bytes = 0;
  bool past_stop = false;
  auto flush = [&]() -> bool {
    if (batch.empty()) return true;
    const bool ok = deliver(batch);
    release(batch);
    batch_bytes = 0;
    position_.store(sink_.position(), std::memory_order_release);
    return ok;
  };
  try {
    spool::Reader reader(journal_.main_options(), journal_.first_position());
    std::string rec;
    while (!stop_.requested()) {
      const spool::Position at = reader.position();
      if (past_stop || !(at < journal_.visible_end())) {
        // Caught up with what the source made durable: apply what is collected.
        if (!flush()) return;
        if (!past_stop) journal_.set_consumed(consumer_, at);
        const bool early = !past_stop && early_apply_allowed();
        if (early && !early_step()) return;
        // While a transaction may be applied early, look at its file every few ms.
        journal_.wait_for(past_stop ? spool::Position{UINT64_MAX, 0} : at,
                          std::chrono::milliseconds(early ? 5 : 100));
        continue;
      }
      if (!reader.next(rec)) {  // visible but not readable yet: cannot really happen
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
        continue;
      }
      switch (spool::record_type(rec)) {
        case spool::RecordType::kRelation:
          relations_.add(spool::decode_relation(rec));
          break;
        case spool::RecordType::kTxn: {
          const spool::TxnHeader h = spool::decode_txn_header(rec);
          const wr_lsn floor = batch.empty() ? sink_.position()
                                             : std::max(sink_.position(), batch.back()->end_lsn());
          if (h.end_lsn <= floor) break;  // the sink holds it
          if (stop_lsn_ && h.commit_lsn > stop_lsn_) {
            past_stop = true;
            break;
          }
          bool unused = false;  // committed before the early-applied one: roll that back
          if (early_.serial != 0 && !early_settle(nullptr, unused)) return;
          TransactionPtr t = pool_.get();
          std::string &keep = t->next_record();
          keep.swap(rec);
          spool::decode_changes(keep, relations_.map(), {}, messages_, *t,
                                journal_.snapshot_skips());
          if (!check_supported(*t)) {
            pool_.put(std::move(t));
            release(batch);
            return;
          }
          batch_bytes += t->bytes();
          batch.push_back(std::move(t));
          if (batch.size() >= config_.batch_max_txns || batch_bytes >= config_.batch_max_bytes) {
            if (!flush()) return;
            journal_.set_consumed(consumer_, reader.position());
          }
          break;
        }
        case spool::RecordType::kTxnRef: {
          const spool::TxnRef ref = spool::decode_txn_ref(rec);
          if (early_.serial != 0) {
            bool done = false;
            if (!early_settle(&ref, done)) return;
            if (done) {
              position_.store(sink_.position(), std::memory_order_release);
              journal_.set_consumed(consumer_, reader.position());
              break;
            }
          }
          if (ref.header.end_lsn <= sink_.position()) break;
          if (stop_lsn_ && ref.header.commit_lsn > stop_lsn_) {
            past_stop = true;
            break;
          }
          if (!flush()) return;
          if (!deliver_ref(ref)) return;
          position_.store(sink_.position(), std::memory_order_release);
          journal_.set_consumed(consumer_, reader.position());
          break;
        }
        default:  // prepared-transaction bookkeeping for the source
          break;
      }
    }
    // Stopping: what is in `batch` is not applied (delivered again next time); neither is
    // an early-applied transaction (the sink rolls it back when destroyed).
    if (batch.empty() && !past_stop) journal_.set_consumed(consumer_, reader.position());
    release(batch);
    early_clear();
  } catch (const spool::SpoolError &e) {
    release(batch);
    early_clear();
    fail(std::string(e.what()) + " (delivering to sink '" + sink_.name() + "')");
  }
}

}  // namespace walrelay

// Test helper: batches with logical decoding messages (WR_CHANGE_MESSAGE) among row changes,
// and batch flags (transactions in pieces), owning all their storage.
#pragma once

#include <walrelay/sink.h>

#include <cstdint>
#include <deque>
#include <string>
#include <utility>
#include <vector>

namespace kafkatest {

/// A copy of `b` with `flags` (WR_BATCH_TXN_*) set; points into the same storage as `b`.
inline wr_batch with_flags(const wr_batch &b, uint32_t flags) {
  wr_batch out = b;
  out.struct_size = sizeof(wr_batch);
  out.flags = flags;
  return out;
}

/// Builds transactions whose changes are messages made here and row changes borrowed from
/// another builder (which must outlive this one). All pointers stay valid while it lives.
class ComposedBatch {
 public:
  /// Starts a transaction (commit_lsn = end_lsn - 8).
  ComposedBatch &txn(wr_lsn end_lsn, uint32_t xid, int64_t commit_time_us) {
    wr_txn t{};
    t.struct_size = sizeof(wr_txn);
    t.xid = xid;
    t.commit_lsn = end_lsn - 8;
    t.end_lsn = end_lsn;
    t.commit_time_us = commit_time_us;
    txns_.push_back(t);
    changes_.emplace_back();
    return *this;
  }
  /// Appends every change of every transaction of `b` to the current transaction.
  ComposedBatch &rows(const wr_batch &b) {
    for (uint32_t t = 0; t < b.n_txns; ++t) {
      for (uint32_t i = 0; i < b.txns[t]->n_changes; ++i) {
        changes_.back().push_back(b.txns[t]->changes[i]);
      }
    }
    return *this;
  }
  /// Appends a logical decoding message at `lsn`.
  ComposedBatch &message(wr_lsn lsn, std::string prefix, std::string content, bool transactional) {
    const std::string &p = strings_.emplace_back(std::move(prefix));
    const std::string &c = strings_.emplace_back(std::move(content));
    wr_change m{};
    m.struct_size = sizeof(wr_change);
    m.kind = WR_CHANGE_MESSAGE;
    m.lsn = lsn;
    m.message_prefix = p.c_str();
    m.message_content = c.data();
    m.message_len = static_cast<uint32_t>(c.size());
    m.message_flags = transactional ? WR_MESSAGE_TRANSACTIONAL : 0u;
    messages_.push_back(m);
    changes_.back().push_back(&messages_.back());
    return *this;
  }
  /// The batch (end_lsn of the last transaction) with `flags`.
  const wr_batch &build(uint32_t flags = 0) {
    ptrs_.clear();
    uint64_t n = 0;
    for (size_t i = 0; i < txns_.size(); ++i) {
      txns_[i].n_changes = static_cast<uint32_t>(changes_[i].size());
      txns_[i].changes = changes_[i].data();
      n += changes_[i].size();
      ptrs_.push_back(&txns_[i]);
    }
    batch_ = wr_batch{};
    batch_.struct_size = sizeof(wr_batch);
    batch_.n_txns = static_cast<uint32_t>(ptrs_.size());
    batch_.txns = ptrs_.data();
    batch_.end_lsn = txns_.empty() ? 0 : txns_.back().end_lsn;
    batch_.n_changes = n;
    batch_.flags = flags;
    return batch_;
  }

 private:
  std::deque<std::string> strings_;
  std::deque<wr_change> messages_;
  std::deque<std::vector<const wr_change *>> changes_;
  std::deque<wr_txn> txns_;
  std::vector<const wr_txn *> ptrs_;
  wr_batch batch_{};
};

}  // namespace kafkatest

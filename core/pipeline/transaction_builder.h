// Assembles decoded pgoutput messages into whole Transactions in ABI form.
#pragma once

#include <stdexcept>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/pgoutput/messages.h"
#include "core/pipeline/relation_cache.h"
#include "core/pipeline/transaction.h"

namespace walrelay {

/// A protocol-level inconsistency (change outside a transaction, unknown relation id,
/// column count mismatch). The message names the LSN and relation.
class TransactionError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Microseconds between the Unix epoch and PostgreSQL's epoch (2000-01-01 UTC).
inline constexpr int64_t kPostgresEpochOffsetUs = 946684800LL * 1000000LL;

/// Turns Begin .. changes .. Commit into one Transaction. Copies every value into the
/// transaction's arena (the decoder's views die with the next message). Source thread only.
///
/// Protocol v2 streaming: changes of an in-progress transaction arrive in Stream Start ..
/// Stream Stop blocks, interleaved with other transactions; they accumulate per top-level
/// xid and become a Transaction only at Stream Commit (so sinks still see whole
/// transactions in commit order). Stream Abort drops the whole transaction (subxid == xid)
/// or exactly the changes of the aborted subtransaction.
class TransactionBuilder {
 public:
  explicit TransactionBuilder(TransactionPool &pool) : pool_(pool) {}

  /// Feeds one decoded message whose XLogData started at `wal_start`. Returns the finished
  /// transaction on Commit, else nullptr. Throws TransactionError.
  TransactionPtr feed(const pgoutput::Message &msg, uint64_t wal_start);

  /// Drops a partly built transaction and the relation cache (new replication session).
  void reset();

  /// True between Begin and Commit, or inside a Stream Start .. Stream Stop block: the
  /// server's position is then in the middle of a transaction we have not finished.
  bool in_transaction() const { return current_ != nullptr || stream_ != nullptr; }

  /// Streamed transactions started and not yet committed or aborted.
  size_t open_streams() const { return streams_.size(); }

 private:
  /// A streamed, not yet committed transaction; subxids[i] is the (sub)transaction that
  /// made change_ptrs[i], for Stream Abort of a subtransaction.
  struct Streamed {
    TransactionPtr txn;
    std::vector<uint32_t> subxids;
  };

  /// Where a change goes: the open Begin..Commit transaction, or the current stream block's.
  Transaction *target(uint64_t lsn, const char *what);
  TransactionPtr finish(TransactionPtr txn, uint64_t end_lsn, int64_t commit_time);
  const RelationDesc &relation_for(uint32_t relation_id, uint64_t lsn, const char *what);
  const wr_value *copy_tuple(const pgoutput::TupleData &t, const RelationDesc &rel,
                             uint64_t lsn, const char *what);
  wr_change *new_change(uint32_t kind, uint64_t lsn, uint32_t xid, const char *what);

  TransactionPool &pool_;
  RelationCache relations_;
  TransactionPtr current_;
  Transaction *work_ = nullptr;  // target of the change being built
  std::unordered_map<uint32_t, Streamed> streams_;
  Streamed *stream_ = nullptr;   // inside a Stream Start .. Stop block
  const RelationDesc *last_rel_ = nullptr;
};

}  // namespace walrelay

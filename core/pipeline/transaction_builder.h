// Assembles decoded pgoutput messages into whole Transactions in ABI form.
#pragma once

#include <stdexcept>
#include <string>

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
class TransactionBuilder {
 public:
  explicit TransactionBuilder(TransactionPool &pool) : pool_(pool) {}

  /// Feeds one decoded message whose XLogData started at `wal_start`. Returns the finished
  /// transaction on Commit, else nullptr. Throws TransactionError.
  TransactionPtr feed(const pgoutput::Message &msg, uint64_t wal_start);

  /// Drops a partly built transaction and the relation cache (new replication session).
  void reset();

  /// True between Begin and Commit.
  bool in_transaction() const { return current_ != nullptr; }

 private:
  const RelationDesc &relation_for(uint32_t relation_id, uint64_t lsn, const char *what);
  const wr_value *copy_tuple(const pgoutput::TupleData &t, const RelationDesc &rel,
                             uint64_t lsn, const char *what);
  wr_change *new_change(uint32_t kind, uint64_t lsn, const char *what);

  TransactionPool &pool_;
  RelationCache relations_;
  TransactionPtr current_;
  const RelationDesc *last_rel_ = nullptr;
};

}  // namespace walrelay

// Assembles decoded pgoutput messages into finished transactions in ABI form.
#pragma once

#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/pgoutput/messages.h"
#include "core/pipeline/relation_cache.h"
#include "core/pipeline/transaction.h"

namespace walrelay::spool {
class Journal;
class TxnFile;
}  // namespace walrelay::spool

namespace walrelay {

/// A protocol-level inconsistency (change outside a transaction, unknown relation id,
/// column count mismatch). The message names the LSN and relation.
class TransactionError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Microseconds between the Unix epoch and PostgreSQL's epoch (2000-01-01 UTC).
inline constexpr int64_t kPostgresEpochOffsetUs = 946684800LL * 1000000LL;

/// What ended: a commit (Commit, Stream Commit, or a non-transactional logical decoding
/// message as a transaction of its own), a PREPARE (Prepare, Stream Prepare), COMMIT
/// PREPARED or ROLLBACK PREPARED.
enum class FinishKind { kCommit, kPrepare, kCommitPrepared, kRollbackPrepared };

/// A finished unit of the stream. `txn->abi` holds the header (for kPrepare: prepare LSN
/// as commit_lsn, prepare end LSN as end_lsn) and the changes still in memory; when the
/// transaction outgrew memory, the earlier changes are in `file` and `aborted` lists the
/// subtransactions whose spilled changes must be left out.
struct Finished {
  FinishKind kind = FinishKind::kCommit;
  TransactionPtr txn;
  std::unique_ptr<spool::TxnFile> file;
  std::vector<uint32_t> aborted;
  std::string gid;  ///< two-phase kinds
  Finished();
  Finished(Finished &&) noexcept;
  Finished &operator=(Finished &&) noexcept;
  ~Finished();
  /// The stream position after this unit (commit / prepare / rollback end LSN).
  uint64_t end_lsn() const { return txn->abi.end_lsn; }
};

/// Turns Begin .. changes .. Commit (and the streamed and two-phase forms) into Finished
/// units. Copies every value into the transaction's arena (the decoder's views die with
/// the next message). Source thread only.
///
/// Protocol v2 streaming: changes of an in-progress transaction arrive in Stream Start ..
/// Stream Stop blocks, interleaved with other transactions; they accumulate per top-level
/// xid and finish only at Stream Commit / Stream Prepare (so sinks see whole transactions in
/// commit order). Stream Abort drops the whole transaction (subxid == xid) or exactly the
/// changes of the aborted subtransaction.
///
/// Memory: with a journal, a transaction whose changes outgrow `spill_bytes` is written to
/// a transaction file of the spool chunk by chunk, so memory stays bounded whatever its size.
class TransactionBuilder {
 public:
  /// `journal` may be null (everything stays in memory: unit tests).
  explicit TransactionBuilder(TransactionPool &pool, spool::Journal *journal = nullptr,
                              size_t spill_bytes = 4u << 20);
  ~TransactionBuilder();

  /// Feeds one decoded message whose XLogData started at `wal_start`. Returns the unit that
  /// finished with it, if any. Throws TransactionError.
  std::optional<Finished> next(const pgoutput::Message &msg, uint64_t wal_start);

  /// Convenience for in-memory use: next() reduced to committed transactions.
  TransactionPtr feed(const pgoutput::Message &msg, uint64_t wal_start);

  /// Drops partly built transactions and the relation cache (new replication session).
  void reset();

  /// True between Begin and Commit, or inside a Stream Start .. Stream Stop block: the
  /// server's position is then in the middle of a transaction we have not finished.
  bool in_transaction() const { return current_ != nullptr || stream_ != nullptr; }

  /// Streamed transactions started and not yet committed or aborted.
  size_t open_streams() const { return streams_.size(); }

 private:
  /// A transaction being assembled.
  struct Open {
    TransactionPtr txn;
    std::vector<uint32_t> subxids;  // streamed: the subtransaction of each in-memory change
    std::vector<uint32_t> aborted;  // streamed: aborted subtransactions
    std::unique_ptr<spool::TxnFile> file;  // spilled changes
    std::string gid;                // Begin Prepare
    bool streamed = false;
  };

  Open &target(uint64_t lsn, const char *what);
  Finished finish(std::unique_ptr<Open> open, FinishKind kind, uint64_t commit_lsn,
                  uint64_t end_lsn, int64_t pg_time);
  const RelationDesc &relation_for(uint32_t relation_id, uint64_t lsn, const char *what);
  const wr_value *copy_tuple(const pgoutput::TupleData &t, const RelationDesc &rel,
                             uint64_t lsn, const char *what);
  wr_change *new_change(uint32_t kind, uint64_t lsn, uint32_t xid, const char *what);
  /// Writes the in-memory changes of `o` to its transaction file when above `threshold`.
  void spill_if_above(Open &o, size_t threshold);
  std::unique_ptr<Open> open_txn(uint32_t xid, bool streamed);
  void drop(std::unique_ptr<Open> o);
  std::optional<Finished> message(const pgoutput::LogicalMessage &m, uint64_t wal_start);

  TransactionPool &pool_;
  spool::Journal *journal_;
  size_t spill_bytes_;
  RelationCache relations_;
  std::unique_ptr<Open> current_;
  Open *work_ = nullptr;  // target of the change being built
  std::unordered_map<uint32_t, std::unique_ptr<Open>> streams_;
  Open *stream_ = nullptr;  // inside a Stream Start .. Stop block
  const RelationDesc *last_rel_ = nullptr;
};

}  // namespace walrelay

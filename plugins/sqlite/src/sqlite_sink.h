// SqliteSink: applies walrelay batches to an SQLite file, one SQLite transaction per batch.
#pragma once

#include <walrelay/sink.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "checkpoint.h"
#include "options.h"
#include "sqlite_db.h"
#include "statement_cache.h"
#include "table_shape.h"

namespace walrelay::sqlite {

/// The sink class behind the plugin (wrapped into the C ABI by sdk::detail::Adapter).
class SqliteSink {
 public:
  /// Parses options, opens the file (WAL, synchronous as configured, busy timeout) and
  /// creates the checkpoint table. Throws sdk::Error.
  explicit SqliteSink(sdk::SinkContext &ctx);

  /// The end LSN stored for this sink, or WR_LSN_INVALID.
  wr_lsn load_position();

  /// Applies every transaction of `batch` in order plus the checkpoint, in one SQLite
  /// transaction; on any error rolls everything back and throws (retry for SQLITE_BUSY /
  /// SQLITE_LOCKED, fatal otherwise). Transactions whose end_lsn is at or below the stored
  /// checkpoint are skipped (they are already in the file).
  void apply(const wr_batch &batch);

 private:
  /// Cached state of one source relation: its current shape and statements.
  struct RelationState {
    TableShape shape;
    StatementCache statements;
  };

  /// The state for `rel`, (re)built with DDL when the relation is new or its generation
  /// differs from the cached one.
  RelationState &relation(const wr_relation &rel);
  void apply_change(const wr_change &c);
  void apply_row(const wr_change &c);
  void apply_truncate(const wr_change &c);
  /// Rolls back the open transaction (if any) and forgets cached relations, since DDL run
  /// in the transaction is undone too. Never throws.
  void rollback() noexcept;
  void log(wr_log_level level, const std::string &msg) const;
  int64_t now_us() const;

  const wr_host_api *host_;
  wr_host_sink *handle_;
  std::string name_;
  SinkOptions options_;
  std::string journal_mode_;  // as reported by PRAGMA journal_mode=WAL
  Db db_;                     // declared before everything holding statements: closed last
  Checkpoint checkpoint_;
  std::unordered_map<uint32_t, std::unique_ptr<RelationState>> relations_;
  /// end_lsn of the transaction left open by a piece flagged WR_BATCH_TXN_CONTINUES.
  wr_lsn open_piece_end_ = WR_LSN_INVALID;
  /// The open transaction began with an early piece (WR_BATCH_TXN_EARLY): its later pieces
  /// carry the end_lsn the early ones did not know.
  bool early_open_ = false;
  // Scratch reused across rows (no per-row allocation once grown).
  std::vector<uint64_t> mask_;
  std::vector<std::vector<unsigned char>> blob_scratch_;
};

}  // namespace walrelay::sqlite

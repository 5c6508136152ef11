// The walrelay_checkpoint table: the last applied end LSN per sink, written with each batch.
#pragma once

#include <walrelay/sink.h>

#include <cstdint>
#include <optional>
#include <string>

#include "sqlite_db.h"

namespace walrelay::sqlite {

/// The exact DDL of the checkpoint table (other tools read it; keep names stable).
inline constexpr const char *kCheckpointTableSql =
    "CREATE TABLE IF NOT EXISTS walrelay_checkpoint (sink TEXT PRIMARY KEY, end_lsn INTEGER "
    "NOT NULL, end_lsn_text TEXT NOT NULL, commit_time_us INTEGER, updated_at_us INTEGER)";

/// Reads and writes this sink's row of walrelay_checkpoint.
class Checkpoint {
 public:
  /// Creates the table when missing and prepares the statements. Throws sdk::Error.
  Checkpoint(Db &db, std::string sink_name);

  /// The stored end LSN, or WR_LSN_INVALID when the sink has no row yet.
  wr_lsn load();

  /// Upserts the row (inside the caller's transaction). commit_time_us is stored as NULL
  /// when absent (a batch without transactions).
  void store(wr_lsn end_lsn, std::optional<int64_t> commit_time_us, int64_t updated_at_us);

 private:
  Db &db_;
  std::string sink_;
  Stmt select_;
  Stmt upsert_;
};

}  // namespace walrelay::sqlite

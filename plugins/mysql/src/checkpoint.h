// The walrelay_checkpoint table: the last applied end LSN per sink, written with each batch.
#pragma once

#include <walrelay/sink.h>

#include <cstdint>
#include <optional>
#include <string>

#include "connection.h"

namespace walrelay::mysql {

/// The exact DDL of the checkpoint table (other tools read it; keep names stable). It
/// lives in the configured database.
inline constexpr const char *kCheckpointTableSql =
    "CREATE TABLE IF NOT EXISTS walrelay_checkpoint (sink VARCHAR(255) NOT NULL PRIMARY KEY, "
    "end_lsn BIGINT NOT NULL, end_lsn_text VARCHAR(32) NOT NULL, commit_time_us BIGINT NULL, "
    "updated_at_us BIGINT NULL) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin";

/// Reads and writes this sink's row of walrelay_checkpoint. Statements are prepared per
/// connection: call forget() whenever the connection was replaced.
class Checkpoint {
 public:
  Checkpoint(Connection &conn, std::string sink_name) : conn_(conn), sink_(std::move(sink_name)) {}

  /// Creates the table when missing (DDL: outside any transaction).
  void create_table();

  /// The stored end LSN, or WR_LSN_INVALID when the sink has no row yet. With
  /// `for_update` the row is locked until the transaction ends.
  wr_lsn load(bool for_update);

  /// Upserts the row (inside the caller's transaction). commit_time_us is stored as NULL
  /// when absent.
  void store(wr_lsn end_lsn, std::optional<int64_t> commit_time_us, int64_t updated_at_us);

  /// Drops prepared statements (after the connection was closed or replaced).
  void forget() {
    select_.reset();
    select_for_update_.reset();
    upsert_.reset();
  }

 private:
  Connection &conn_;
  std::string sink_;
  Stmt select_;
  Stmt select_for_update_;
  Stmt upsert_;
};

}  // namespace walrelay::mysql

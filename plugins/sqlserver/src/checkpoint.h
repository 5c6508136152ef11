// The walrelay_checkpoint table: T-SQL to create, read and write this sink's row. The row
// is written in the same SQL Server transaction as the batch's rows (exactly once).
#pragma once

#include <walrelay/sink.h>

#include <cstdint>
#include <optional>
#include <string>

namespace walrelay::sqlserver {

/// The checkpoint table, always [dbo].[walrelay_checkpoint] (other tools read it; keep
/// names stable).
inline constexpr const char *kCheckpointTable = "[dbo].[walrelay_checkpoint]";

/// Creates the table when missing.
std::string checkpoint_create_sql();

/// Reads this sink's end_lsn (one BIGINT column, no row when none). With `begin` the
/// text starts the destination transaction ("BEGIN TRANSACTION;") and locks the row
/// (UPDLOCK, HOLDLOCK) until COMMIT, so two processes on one sink name serialize.
std::string checkpoint_load_sql(const std::string &sink, bool begin);

/// Upserts this sink's row (UPDATE, then INSERT when no row was updated) and ends with
/// "COMMIT TRANSACTION;": the position commits with the rows or not at all.
std::string checkpoint_store_commit_sql(const std::string &sink, wr_lsn end_lsn,
                                        std::optional<int64_t> commit_time_us,
                                        int64_t updated_at_us);

}  // namespace walrelay::sqlserver

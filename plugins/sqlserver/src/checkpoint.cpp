// The walrelay_checkpoint table: T-SQL to create, read and write this sink's row.
#include "checkpoint.h"

#include <walrelay/sink.hpp>

#include "naming.h"

namespace walrelay::sqlserver {

std::string checkpoint_create_sql() {
  return std::string("IF OBJECT_ID(N'") + kCheckpointTable + "', N'U') IS NULL CREATE TABLE " +
         kCheckpointTable +
         " (sink NVARCHAR(255) NOT NULL PRIMARY KEY, end_lsn BIGINT NOT NULL, end_lsn_text "
         "VARCHAR(32) NOT NULL, commit_time_us BIGINT NULL, updated_at_us BIGINT NULL);";
}

std::string checkpoint_load_sql(const std::string &sink, bool begin) {
  std::string out = begin ? "BEGIN TRANSACTION;\n" : "";
  out += std::string("SELECT end_lsn FROM ") + kCheckpointTable +
         (begin ? " WITH (UPDLOCK, HOLDLOCK)" : "") + " WHERE sink = " + n_literal(sink) + ";";
  return out;
}

std::string checkpoint_store_commit_sql(const std::string &sink, wr_lsn end_lsn,
                                        std::optional<int64_t> commit_time_us,
                                        int64_t updated_at_us) {
  const std::string lsn = std::to_string(static_cast<long long>(end_lsn));
  const std::string text = "'" + sdk::format_lsn(end_lsn) + "'";
  const std::string commit = commit_time_us ? std::to_string(*commit_time_us) : "NULL";
  const std::string updated = std::to_string(updated_at_us);
  const std::string name = n_literal(sink);
  return std::string("UPDATE ") + kCheckpointTable + " SET end_lsn = " + lsn +
         ", end_lsn_text = " + text + ", commit_time_us = " + commit +
         ", updated_at_us = " + updated + " WHERE sink = " + name +
         ";\nIF @@ROWCOUNT = 0 INSERT INTO " + kCheckpointTable +
         " (sink, end_lsn, end_lsn_text, commit_time_us, updated_at_us) VALUES (" + name + ", " +
         lsn + ", " + text + ", " + commit + ", " + updated + ");\nCOMMIT TRANSACTION;";
}

}  // namespace walrelay::sqlserver

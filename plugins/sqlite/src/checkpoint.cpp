// The walrelay_checkpoint table: the last applied end LSN per sink, written with each batch.
#include "checkpoint.h"

#include <walrelay/sink.hpp>

namespace walrelay::sqlite {

Checkpoint::Checkpoint(Db &db, std::string sink_name) : db_(db), sink_(std::move(sink_name)) {
  db_.exec(kCheckpointTableSql, "creating table walrelay_checkpoint");
  select_ = db_.prepare("SELECT end_lsn FROM walrelay_checkpoint WHERE sink = ?1",
                        "preparing checkpoint read");
  upsert_ = db_.prepare(
      "INSERT INTO walrelay_checkpoint (sink, end_lsn, end_lsn_text, commit_time_us, "
      "updated_at_us) VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (sink) DO UPDATE SET "
      "end_lsn = excluded.end_lsn, end_lsn_text = excluded.end_lsn_text, "
      "commit_time_us = excluded.commit_time_us, updated_at_us = excluded.updated_at_us",
      "preparing checkpoint write");
}

wr_lsn Checkpoint::load() {
  sqlite3_stmt *s = select_.get();
  ResetOnExit reset(s);
  sqlite3_bind_text(s, 1, sink_.data(), static_cast<int>(sink_.size()), SQLITE_STATIC);
  const int rc = sqlite3_step(s);
  if (rc == SQLITE_ROW) return static_cast<wr_lsn>(sqlite3_column_int64(s, 0));
  if (rc == SQLITE_DONE) return WR_LSN_INVALID;
  db_.fail(rc, "reading walrelay_checkpoint for sink '" + sink_ + "'");
}

void Checkpoint::store(wr_lsn end_lsn, std::optional<int64_t> commit_time_us,
                       int64_t updated_at_us) {
  // LSNs are stored as signed 64-bit integers: positions below 2^63 (every real one) read
  // back as the same positive number.
  const std::string text = sdk::format_lsn(end_lsn);
  sqlite3_stmt *s = upsert_.get();
  ResetOnExit reset(s);
  sqlite3_bind_text(s, 1, sink_.data(), static_cast<int>(sink_.size()), SQLITE_STATIC);
  sqlite3_bind_int64(s, 2, static_cast<sqlite3_int64>(end_lsn));
  sqlite3_bind_text(s, 3, text.data(), static_cast<int>(text.size()), SQLITE_STATIC);
  if (commit_time_us) {
    sqlite3_bind_int64(s, 4, *commit_time_us);
  } else {
    sqlite3_bind_null(s, 4);
  }
  sqlite3_bind_int64(s, 5, updated_at_us);
  const int rc = sqlite3_step(s);
  if (rc != SQLITE_DONE) {
    db_.fail(rc, "writing walrelay_checkpoint for sink '" + sink_ + "' at LSN " + text);
  }
}

}  // namespace walrelay::sqlite

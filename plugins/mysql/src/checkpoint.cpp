// The walrelay_checkpoint table: the last applied end LSN per sink, written with each batch.
#include "checkpoint.h"

#include <cstring>

namespace walrelay::mysql {

void Checkpoint::create_table() {
  conn_.exec(kCheckpointTableSql, "creating table walrelay_checkpoint");
}

wr_lsn Checkpoint::load(bool for_update) {
  Stmt &s = for_update ? select_for_update_ : select_;
  if (!s.get()) {
    s = conn_.prepare(std::string("SELECT end_lsn FROM walrelay_checkpoint WHERE sink = ?") +
                          (for_update ? " FOR UPDATE" : ""),
                      "reading walrelay_checkpoint");
  }
  const std::string what = "reading walrelay_checkpoint for sink " + sink_;
  MYSQL_BIND param{};
  unsigned long sink_len = sink_.size();
  param.buffer_type = MYSQL_TYPE_STRING;
  param.buffer = const_cast<char *>(sink_.data());
  param.buffer_length = sink_len;
  param.length = &sink_len;
  if (mysql_stmt_bind_param(s.get(), &param) != 0) conn_.fail(s.get(), what);
  if (mysql_stmt_execute(s.get()) != 0) conn_.fail(s.get(), what);
  long long value = 0;
  my_bool is_null = 0;
  MYSQL_BIND result{};
  result.buffer_type = MYSQL_TYPE_LONGLONG;
  result.buffer = &value;
  result.is_null = &is_null;
  if (mysql_stmt_bind_result(s.get(), &result) != 0) conn_.fail(s.get(), what);
  if (mysql_stmt_store_result(s.get()) != 0) conn_.fail(s.get(), what);
  const int rc = mysql_stmt_fetch(s.get());
  mysql_stmt_free_result(s.get());
  if (rc == MYSQL_NO_DATA) return WR_LSN_INVALID;
  if (rc == 1) conn_.fail(s.get(), what);
  if (is_null || value < 0) throw sdk::fatal(what + ": invalid end_lsn");
  return static_cast<wr_lsn>(value);
}

void Checkpoint::store(wr_lsn end_lsn, std::optional<int64_t> commit_time_us,
                       int64_t updated_at_us) {
  const std::string what =
      "storing walrelay_checkpoint for sink " + sink_ + " at LSN " + sdk::format_lsn(end_lsn);
  if (!upsert_.get()) {
    upsert_ = conn_.prepare(
        "INSERT INTO walrelay_checkpoint (sink, end_lsn, end_lsn_text, commit_time_us, "
        "updated_at_us) VALUES (?, ?, ?, ?, ?) ON DUPLICATE KEY UPDATE end_lsn = VALUES(end_lsn), "
        "end_lsn_text = VALUES(end_lsn_text), commit_time_us = VALUES(commit_time_us), "
        "updated_at_us = VALUES(updated_at_us)",
        what);
  }
  std::string text = sdk::format_lsn(end_lsn);
  long long lsn = static_cast<long long>(end_lsn);
  long long commit = commit_time_us.value_or(0);
  long long updated = updated_at_us;
  unsigned long sink_len = sink_.size(), text_len = text.size();
  my_bool commit_null = commit_time_us ? 0 : 1;
  MYSQL_BIND p[5];
  std::memset(p, 0, sizeof p);
  p[0].buffer_type = MYSQL_TYPE_STRING;
  p[0].buffer = const_cast<char *>(sink_.data());
  p[0].buffer_length = sink_len;
  p[0].length = &sink_len;
  p[1].buffer_type = MYSQL_TYPE_LONGLONG;
  p[1].buffer = &lsn;
  p[2].buffer_type = MYSQL_TYPE_STRING;
  p[2].buffer = text.data();
  p[2].buffer_length = text_len;
  p[2].length = &text_len;
  p[3].buffer_type = MYSQL_TYPE_LONGLONG;
  p[3].buffer = &commit;
  p[3].is_null = &commit_null;
  p[4].buffer_type = MYSQL_TYPE_LONGLONG;
  p[4].buffer = &updated;
  if (mysql_stmt_bind_param(upsert_.get(), p) != 0) conn_.fail(upsert_.get(), what);
  if (mysql_stmt_execute(upsert_.get()) != 0) conn_.fail(upsert_.get(), what);
}

}  // namespace walrelay::mysql

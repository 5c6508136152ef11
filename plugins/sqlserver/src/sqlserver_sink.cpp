// SqlServerSink: applies walrelay batches to SQL Server, one transaction per batch.
#include "sqlserver_sink.h"

#include <chrono>

#include "checkpoint.h"
#include "dialect.h"

namespace walrelay::sqlserver {
namespace {

/// "UPDATE on table [dbo].[t] (change at LSN 0/16B3748)".
std::string describe(const wr_change &c, const TableShape &shape) {
  return std::string(sdk::change_kind_name(c.kind)) + " on table " + shape.quoted +
         " (change at LSN " + sdk::format_lsn(c.lsn) + ")";
}

/// "key ([id] = '3')" or "the full old row".
std::string describe_identity(const wr_change &c, const TableShape &shape) {
  if (c.old_kind == WR_OLD_FULL) return "the full old row";
  const wr_value *vals = c.old_kind == WR_OLD_KEY ? c.old_values : c.new_values;
  if (vals == nullptr || shape.key_columns.empty()) return "the row";
  std::string out = "key (";
  for (size_t k = 0; k < shape.key_columns.size(); ++k) {
    const uint32_t i = shape.key_columns[k];
    if (k) out += ", ";
    out += shape.columns[i].quoted + " = " + sdk::describe_value(vals[i]);
  }
  return out + ")";
}

int count_lines(const std::string &s) {
  int n = 0;
  for (char c : s) n += c == '\n';
  return n;
}

}  // namespace

SqlServerSink::SqlServerSink(sdk::SinkContext &ctx)
    : host_(ctx.host),
      handle_(ctx.handle),
      name_(ctx.name),
      options_(SinkOptions::parse(ctx.config)),
      conn_(options_) {
  connect();
  conn_.exec(checkpoint_create_sql(), "creating table walrelay_checkpoint");
  log(WR_LOG_INFO, "connected to SQL Server " + options_.server() + ", database " +
                       options_.database);
}

SqlServerSink::~SqlServerSink() {
  if (partial_.open) {
    log(WR_LOG_WARN, "destroyed with transaction ending at LSN " +
                         sdk::format_lsn(partial_.end_lsn) + " open: rolled back");
  }
  rollback();
}

void SqlServerSink::connect() {
  if (conn_.ensure_connected()) {
    for (auto &[id, rs] : relations_) rs->ensured = false;
    in_txn_ = false;
  }
}

wr_lsn SqlServerSink::load_position() {
  if (partial_.open) {
    log(WR_LOG_INFO, "rolling back the open transaction ending at LSN " +
                         sdk::format_lsn(partial_.end_lsn) + " (the host restarts it)");
    rollback();
  }
  connect();
  const auto v = conn_.query_int64(checkpoint_load_sql(name_, false),
                                   "reading walrelay_checkpoint for sink " + name_);
  if (v && *v < 0) throw sdk::fatal("walrelay_checkpoint holds a negative end_lsn");
  return v ? static_cast<wr_lsn>(*v) : WR_LSN_INVALID;
}

void SqlServerSink::apply(const wr_batch &batch_in) {
  const wr_batch &batch = sdk::checked(&batch_in, "wr_batch");
  const uint32_t flags = WR_HAS_FIELD(&batch, wr_batch, flags) ? batch.flags : 0u;
  const bool continues = (flags & WR_BATCH_TXN_CONTINUES) != 0;
  const bool continued = (flags & WR_BATCH_TXN_CONTINUED) != 0;
  try {
    if ((continues || continued) && batch.n_txns != 1) {
      throw sdk::fatal("a batch flagged as part of a transaction holds " +
                       std::to_string(batch.n_txns) + " transactions, expected exactly one");
    }
    if (continued) {
      const wr_txn &txn = sdk::checked(batch.txns[0], "wr_txn");
      if (!partial_.open || !in_txn_ || !conn_.connected()) {
        throw sdk::fatal("a piece continuing the transaction ending at LSN " +
                         sdk::format_lsn(txn.end_lsn) + " arrived, but no transaction is open");
      }
      if (txn.end_lsn != partial_.end_lsn || txn.xid != partial_.xid) {
        throw sdk::fatal("a piece of transaction " + std::to_string(txn.xid) + " ending at LSN " +
                         sdk::format_lsn(txn.end_lsn) + " continues the open transaction " +
                         std::to_string(partial_.xid));
      }
    } else if (partial_.open) {
      throw sdk::fatal("a new batch arrived while the transaction ending at LSN " +
                       sdk::format_lsn(partial_.end_lsn) + " is still open; rolled it back");
    }
    wr_lsn stored;
    if (continued) {
      stored = partial_.stored;
    } else {
      connect();
      in_txn_ = true;
      const auto v = conn_.query_int64(checkpoint_load_sql(name_, true),
                                       "starting the batch transaction");
      stored = v && *v > 0 ? static_cast<wr_lsn>(*v) : WR_LSN_INVALID;
    }
    apply_txns(batch, stored, continued);
    if (continues) {
      const wr_txn &txn = sdk::checked(batch.txns[0], "wr_txn");
      partial_ = {true, stored, txn.end_lsn, txn.xid};
      return;  // the transaction stays open: no checkpoint, no COMMIT
    }
    wr_lsn end = batch.end_lsn;
    std::optional<int64_t> commit_time;
    if (batch.n_txns > 0) {
      const wr_txn &last = sdk::checked(batch.txns[batch.n_txns - 1], "wr_txn");
      commit_time = last.commit_time_us;
      if (last.end_lsn > end) end = last.end_lsn;
    }
    const std::string what = "committing the batch ending at LSN " + sdk::format_lsn(end);
    if (end > stored) {
      conn_.exec(checkpoint_store_commit_sql(name_, end, commit_time, now_us()), what);
    } else {
      conn_.exec("COMMIT TRANSACTION;", what);
    }
    in_txn_ = false;
    partial_ = {};
  } catch (...) {
    pending_inserts_.clear();
    pending_sql_.clear();
    pending_what_.clear();
    pending_lines_ = 0;
    rollback();
    throw;
  }
}

void SqlServerSink::apply_txns(const wr_batch &batch, wr_lsn stored, bool continued) {
  uint32_t skipped = 0;
  for (uint32_t t = 0; t < batch.n_txns; ++t) {
    const wr_txn &txn = sdk::checked(batch.txns[t], "wr_txn");
    if (stored != WR_LSN_INVALID && txn.end_lsn != WR_LSN_INVALID && txn.end_lsn <= stored) {
      ++skipped;
      continue;
    }
    for (uint32_t i = 0; i < txn.n_changes; ++i) {
      apply_change(sdk::checked(txn.changes[i], "wr_change"));
    }
  }
  flush_inserts();  // the host's changes die with the call: nothing stays pending
  flush();
  if (skipped && !continued) {
    log(WR_LOG_WARN, "skipped " + std::to_string(skipped) +
                         " transaction(s) already applied (stored position " +
                         sdk::format_lsn(stored) + ")");
  }
}

void SqlServerSink::apply_change(const wr_change &c) {
  switch (c.kind) {
    case WR_CHANGE_INSERT:
    case WR_CHANGE_UPDATE:
    case WR_CHANGE_DELETE:
      apply_row(c);
      return;
    case WR_CHANGE_TRUNCATE:
      flush_inserts();
      apply_truncate(c);
      return;
    default:
      throw sdk::Error(WR_UNSUPPORTED, "unsupported change kind " + std::to_string(c.kind) +
                                           " at LSN " + sdk::format_lsn(c.lsn));
  }
}

SqlServerSink::RelationState &SqlServerSink::relation(const wr_relation &rel_in) {
  const wr_relation &rel = sdk::checked(&rel_in, "wr_relation");
  auto &slot = relations_[rel.relation_id];
  if (!slot || slot->shape.generation != rel.generation) {
    auto fresh = std::make_unique<RelationState>();
    fresh->shape = TableShape::from_relation(rel, options_.schema_map);
    slot = std::move(fresh);
  }
  if (!slot->ensured) {
    flush_inserts();
    flush();  // T-SQL compiles a batch whole: DDL goes in a batch of its own
    conn_.exec(ensure_table_sql(slot->shape, options_.collation, options_.create_tables),
               "preparing table " + slot->shape.quoted);
    slot->ensured = true;
  }
  return *slot;
}

void SqlServerSink::apply_row(const wr_change &c) {
  const size_t n_before = pending_inserts_.size();
  if (n_before > 0 && (pending_inserts_.front()->relation->relation_id != c.relation->relation_id ||
                       pending_inserts_.front()->relation->generation != c.relation->generation ||
                       c.kind != WR_CHANGE_INSERT)) {
    flush_inserts();
  }
  RelationState &rs = relation(*c.relation);
  const TableShape &shape = rs.shape;
  const size_t n = shape.columns.size();
  const bool needs_new = c.kind != WR_CHANGE_DELETE;
  const uint32_t old_kind = c.kind == WR_CHANGE_INSERT ? WR_OLD_NONE : c.old_kind;
  const bool needs_old = old_kind == WR_OLD_KEY || old_kind == WR_OLD_FULL;
  if (needs_new && (c.new_values == nullptr || c.n_new != n)) {
    throw sdk::fatal(describe(c, shape) + ": expected " + std::to_string(n) + " new values, got " +
                     std::to_string(c.n_new));
  }
  if (old_kind > WR_OLD_FULL || (c.kind == WR_CHANGE_DELETE && !needs_old)) {
    throw sdk::fatal(describe(c, shape) + ": unsupported old tuple kind " +
                     std::to_string(old_kind));
  }
  if (needs_old && (c.old_values == nullptr || c.n_old != n)) {
    throw sdk::fatal(describe(c, shape) + ": expected " + std::to_string(n) + " old values, got " +
                     std::to_string(c.n_old));
  }
  if (c.kind == WR_CHANGE_INSERT) {
    pending_inserts_.push_back(&c);
    if (pending_inserts_.size() >= options_.insert_batch_rows) flush_inserts();
    return;
  }
  const std::string what = describe(c, shape);
  bool special = false;
  std::string sql;
  try {
    sql = row_change_sql(shape, c,
                         what + ": no single row matches " + describe_identity(c, shape),
                         !options_.special_floats_fail, special);
  } catch (const ValueError &e) {
    throw sdk::fatal(what + ": " + e.what() + " (" + describe_identity(c, shape) + ")");
  }
  if (special) warn_special(shape);
  add_statement(sql, what + " of " + describe_identity(c, shape));
}

void SqlServerSink::flush_inserts() {
  if (pending_inserts_.empty()) return;
  const wr_change &first = *pending_inserts_.front();
  const wr_change &last = *pending_inserts_.back();
  RelationState &rs = *relations_.at(first.relation->relation_id);
  const TableShape &shape = rs.shape;
  std::vector<const wr_value *> rows;
  rows.reserve(pending_inserts_.size());
  for (const wr_change *c : pending_inserts_) rows.push_back(c->new_values);
  std::string what = pending_inserts_.size() == 1
                         ? describe(first, shape) + " of " + describe_identity(first, shape)
                         : "INSERT of " + std::to_string(rows.size()) + " rows into " +
                               shape.quoted + " (changes at LSN " + sdk::format_lsn(first.lsn) +
                               " to " + sdk::format_lsn(last.lsn) + ")";
  bool special = false;
  std::string sql;
  try {
    sql = insert_sql(shape, rows, !options_.special_floats_fail, special);
  } catch (const ValueError &e) {
    // Find the offending row for the message.
    for (const wr_change *c : pending_inserts_) {
      try {
        bool s = false;
        insert_sql(shape, {c->new_values}, !options_.special_floats_fail, s);
      } catch (const ValueError &row_error) {
        pending_inserts_.clear();
        throw sdk::fatal(describe(*c, shape) + ": " + row_error.what() + " (" +
                         describe_identity(*c, shape) + ")");
      }
    }
    pending_inserts_.clear();
    throw sdk::fatal(what + ": " + e.what());
  }
  pending_inserts_.clear();
  if (special) warn_special(shape);
  add_statement(sql, what);
}

void SqlServerSink::apply_truncate(const wr_change &c) {
  for (uint32_t i = 0; i < c.n_truncate_relations; ++i) {
    RelationState &rs = relation(*c.truncate_relations[i]);
    add_statement(truncate_sql(rs.shape), "TRUNCATE of table " + rs.shape.quoted +
                                              " (change at LSN " + sdk::format_lsn(c.lsn) + ")");
  }
}

void SqlServerSink::add_statement(const std::string &sql, std::string what) {
  if (!pending_sql_.empty() && pending_sql_.size() + sql.size() > options_.batch_bytes) flush();
  pending_what_.push_back({pending_lines_ + 1, std::move(what)});
  pending_sql_ += sql;
  pending_lines_ += count_lines(sql);
}

void SqlServerSink::flush() {
  if (pending_sql_.empty()) return;
  try {
    conn_.exec(pending_sql_, "applying changes");
  } catch (const sdk::Error &e) {
    // Name the statement the server's error line points into.
    const int line = conn_.diagnostics().line;
    std::string what = pending_what_.empty() ? std::string() : pending_what_.front().what;
    for (const PendingStatement &s : pending_what_) {
      if (s.first_line <= line) what = s.what;
    }
    pending_sql_.clear();
    pending_what_.clear();
    pending_lines_ = 0;
    throw sdk::Error(e.status(), what + " failed: " + e.what());
  }
  pending_sql_.clear();
  pending_what_.clear();
  pending_lines_ = 0;
}

void SqlServerSink::rollback() noexcept {
  partial_ = {};
  // DDL of the failed transaction was rolled back with it.
  for (auto &[id, rs] : relations_) rs->ensured = false;
  if (in_txn_ && conn_.connected()) {
    try {
      conn_.exec("IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION;", "rolling back");
    } catch (const std::exception &e) {
      log(WR_LOG_ERROR, std::string(e.what()) + "; closing the connection");
      conn_.close();
    }
  }
  in_txn_ = false;
}

void SqlServerSink::warn_special(const TableShape &shape) {
  if (warned_special_.insert(shape.quoted).second) {
    log(WR_LOG_WARN, "table " + shape.quoted +
                         " got NaN/Infinity for a FLOAT/REAL/DECIMAL column, stored as NULL "
                         "(special_floats: null). Warned once per table.");
  }
}

void SqlServerSink::log(wr_log_level level, const std::string &msg) const {
  if (host_ && host_->log) host_->log(handle_, level, msg.c_str());
}

int64_t SqlServerSink::now_us() const {
  if (host_ && WR_HAS_FIELD(host_, wr_host_api, now_us) && host_->now_us) return host_->now_us();
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace walrelay::sqlserver

// SqlServerSink: applies walrelay batches to SQL Server, one transaction per batch.
#include "sqlserver_sink.h"

#include <algorithm>
#include <chrono>
#include <deque>

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

bool ascii_iequal(const std::string &a, const std::string &b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
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
  log(WR_LOG_INFO,
      "connected to SQL Server " + options_.server() + ", database " + options_.database);
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
    for (auto &[id, rs] : relations_) {
      rs->ensured = false;
      rs->table_columns.reset();
    }
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
      const auto v =
          conn_.query_int64(checkpoint_load_sql(name_, true), "starting the batch transaction");
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
    // Column drops and type changes ran in the transaction just committed.
    for (auto &[id, rs] : relations_) {
      if (rs->ensured) {
        rs->dropped_columns.clear();
        rs->altered_columns.clear();
      }
    }
  } catch (...) {
    pending_inserts_.clear();
    clear_pending();
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

bool SqlServerSink::accepted(const wr_relation &rel_in) {
  const wr_relation &rel = sdk::checked(&rel_in, "wr_relation");
  auto it = filtered_.find(rel.relation_id);
  if (it != filtered_.end() && it->second.first == rel.generation) return it->second.second;
  const std::string schema = rel.schema ? rel.schema : "";
  const std::string name = rel.name ? rel.name : "";
  const bool ok = options_.tables.accepts(schema, name);
  filtered_[rel.relation_id] = {rel.generation, ok};
  if (!ok && logged_skips_.insert(schema + "." + name).second) {
    log(WR_LOG_INFO, "skipping the changes of table " + schema + "." + name +
                         " (include_tables / exclude_tables)");
  }
  return ok;
}

void SqlServerSink::apply_change(const wr_change &c) {
  switch (c.kind) {
    case WR_CHANGE_INSERT:
    case WR_CHANGE_UPDATE:
    case WR_CHANGE_DELETE:
      if (!accepted(*c.relation)) return;
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

SqlServerSink::RelationState &SqlServerSink::relation(const wr_relation &rel_in, wr_lsn lsn) {
  const wr_relation &rel = sdk::checked(&rel_in, "wr_relation");
  auto &slot = relations_[rel.relation_id];
  if (!slot || slot->shape.generation != rel.generation) {
    auto fresh = std::make_unique<RelationState>();
    fresh->shape = TableShape::from_relation(rel, options_.schema_map, options_.table_map);
    if (slot && slot->shape.quoted == fresh->shape.quoted) {
      const GenerationDiff diff = diff_generations(slot->shape, fresh->shape);
      check_generation(diff, slot->shape, fresh->shape, lsn);  // before anything changes
      if (options_.drop_columns && options_.create_tables) {
        // Columns of the previous generation the new one no longer has.
        fresh->dropped_columns = diff.dropped;
        // Drops of the previous generation not committed yet stay pending too.
        for (const std::string &name : slot->dropped_columns) {
          bool back = false;
          for (const ColumnInfo &col : fresh->shape.columns) back = back || col.name == name;
          if (!back) fresh->dropped_columns.push_back(name);
        }
      }
      for (const TypeChange &t : diff.retyped) {
        fresh->altered_columns.push_back(t.column);
        log(WR_LOG_INFO, "column " + quote_ident(t.column) + " of table " + fresh->shape.quoted +
                             " changed type from " + t.old_type + " to " + t.new_type +
                             ": ALTER COLUMN " + t.old_decl + " -> " + t.new_decl +
                             " (type_change: follow)");
      }
      // Type changes of the previous generation not committed yet stay pending (altered
      // to this generation's type).
      for (const std::string &name : slot->altered_columns) {
        bool listed = false, present = false;
        for (const std::string &a : fresh->altered_columns) listed = listed || a == name;
        for (const ColumnInfo &col : fresh->shape.columns) present = present || col.name == name;
        if (present && !listed) fresh->altered_columns.push_back(name);
      }
    }
    slot = std::move(fresh);
  }
  if (!slot->ensured) {
    flush_inserts();
    flush();  // T-SQL compiles a batch whole: DDL goes in a batch of its own
    const std::string context = options_.schema_change_fail
                                    ? " (relation " + std::to_string(slot->shape.relation_id) +
                                          " generation " + std::to_string(slot->shape.generation) +
                                          ", change at LSN " + sdk::format_lsn(lsn) +
                                          "); schema_change is 'fail'"
                                    : std::string();
    std::string ddl =
        ensure_table_sql(slot->shape, options_.collation, options_.create_tables, context);
    if (!slot->dropped_columns.empty()) {
      ddl += drop_columns_sql(slot->shape, slot->dropped_columns);
      log(WR_LOG_INFO, "dropping column(s) of " + slot->shape.quoted +
                           " dropped in PostgreSQL (drop_columns: true)");
    }
    if (!slot->altered_columns.empty()) {
      ddl += alter_columns_sql(slot->shape, slot->altered_columns, options_.collation);
    }
    conn_.exec(ddl, "preparing table " + slot->shape.quoted);
    slot->ensured = true;
  }
  return *slot;
}

void SqlServerSink::check_generation(const GenerationDiff &diff, const TableShape &before,
                                     const TableShape &after, wr_lsn lsn) const {
  const std::string at = " (relation " + std::to_string(after.relation_id) + " generation " +
                         std::to_string(after.generation) + ", change at LSN " +
                         sdk::format_lsn(lsn) + ")";
  if (options_.schema_change_fail && diff.columns_changed()) {
    std::string what;
    for (const std::string &c : diff.added) {
      what += (what.empty() ? "column " : ", column ") + quote_ident(c) + " added";
    }
    for (const std::string &c : diff.dropped) {
      what += (what.empty() ? "column " : ", column ") + quote_ident(c) + " dropped";
    }
    throw sdk::fatal("schema change of table " + after.quoted + ": " + what + at +
                     "; schema_change is 'fail'");
  }
  if (diff.retyped.empty()) return;
  std::string what;
  for (const TypeChange &t : diff.retyped) {
    what += (what.empty() ? "column " : ", column ") + quote_ident(t.column) + " from " +
            t.old_type + " to " + t.new_type + " (SQL Server " + t.old_decl + " -> " + t.new_decl +
            ")";
  }
  if (!options_.type_change_follow) {
    throw sdk::fatal("type change of table " + after.quoted + ": " + what + at +
                     "; type_change is 'fail' (set type_change: follow to ALTER the column)");
  }
  for (const TypeChange &t : diff.retyped) {
    for (size_t i = 0; i < after.columns.size(); ++i) {
      if (after.columns[i].name != t.column) continue;
      bool was_pk = false;
      for (size_t j = 0; j < before.columns.size(); ++j) {
        was_pk = was_pk || (before.columns[j].name == t.column && before.in_primary_key(j));
      }
      if (after.in_primary_key(i) || was_pk) {
        throw sdk::fatal("type change of table " + after.quoted + ": key column " +
                         quote_ident(t.column) + " from " + t.old_type + " to " + t.new_type +
                         " (SQL Server " + t.old_decl + " -> " + t.new_decl + ")" + at +
                         ": type_change: follow does not alter primary key columns (SQL Server "
                         "refuses ALTER COLUMN on a column of the PRIMARY KEY constraint); "
                         "change the column by hand (drop the constraint, ALTER COLUMN, add it "
                         "again) and restart");
      }
    }
  }
}

void SqlServerSink::apply_row(const wr_change &c) {
  const size_t n_before = pending_inserts_.size();
  if (n_before > 0 && (pending_inserts_.front()->relation->relation_id != c.relation->relation_id ||
                       pending_inserts_.front()->relation->generation != c.relation->generation ||
                       c.kind != WR_CHANGE_INSERT)) {
    flush_inserts();
  }
  RelationState &rs = relation(*c.relation, c.lsn);
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
    pending_inserts_.push_back(&c);  // the run is cut into statements or bulk-copied later
    return;
  }
  const std::string what = describe(c, shape);
  const std::string fail_message = what + ": no single row matches " + describe_identity(c, shape);
  bool special = false;
  try {
    add_statement(
        [&](Params &params) {
          return row_change_sql(shape, c, fail_message, !options_.special_floats_fail, special,
                                params);
        },
        what + " of " + describe_identity(c, shape));
  } catch (const ValueError &e) {
    throw sdk::fatal(what + ": " + e.what() + " (" + describe_identity(c, shape) + ")");
  }
  if (special) warn_special(shape);
}

void SqlServerSink::flush_inserts() {
  if (pending_inserts_.empty()) return;
  std::vector<const wr_change *> run;
  run.swap(pending_inserts_);
  RelationState &rs = *relations_.at(run.front()->relation->relation_id);
  if (options_.bulk_min_rows > 0 && run.size() >= options_.bulk_min_rows) {
    bulk_insert(rs, run);
  } else {
    insert_statements(rs.shape, run);
  }
}

void SqlServerSink::insert_statements(const TableShape &shape,
                                      const std::vector<const wr_change *> &changes) {
  // At most insert_batch_rows rows, and at most kMaxParams values, per INSERT.
  const size_t max_rows = std::min<size_t>(
      options_.insert_batch_rows, std::max<size_t>(1, kMaxParams / (shape.columns.size() + 1)));
  for (size_t from = 0; from < changes.size(); from += max_rows) {
    const size_t to = std::min(changes.size(), from + max_rows);
    const wr_change &first = *changes[from];
    const wr_change &last = *changes[to - 1];
    std::vector<const wr_value *> rows;
    rows.reserve(to - from);
    for (size_t i = from; i < to; ++i) rows.push_back(changes[i]->new_values);
    const std::string what =
        rows.size() == 1 ? describe(first, shape) + " of " + describe_identity(first, shape)
                         : "INSERT of " + std::to_string(rows.size()) + " rows into " +
                               shape.quoted + " (changes at LSN " + sdk::format_lsn(first.lsn) +
                               " to " + sdk::format_lsn(last.lsn) + ")";
    bool special = false;
    try {
      add_statement(
          [&](Params &params) {
            return insert_sql(shape, rows, !options_.special_floats_fail, special, params);
          },
          what);
    } catch (const ValueError &e) {
      // Find the offending row for the message.
      for (size_t i = from; i < to; ++i) {
        try {
          bool s = false;
          Params scratch;
          insert_sql(shape, {changes[i]->new_values}, !options_.special_floats_fail, s, scratch);
        } catch (const ValueError &row_error) {
          throw sdk::fatal(describe(*changes[i], shape) + ": " + row_error.what() + " (" +
                           describe_identity(*changes[i], shape) + ")");
        }
      }
      throw sdk::fatal(what + ": " + e.what());
    }
    if (special) warn_special(shape);
  }
}

void SqlServerSink::bulk_insert(RelationState &rs, const std::vector<const wr_change *> &changes) {
  const TableShape &shape = rs.shape;
  const std::string what = "bulk copy of " + std::to_string(changes.size()) + " rows into " +
                           shape.quoted + " (changes at LSN " +
                           sdk::format_lsn(changes.front()->lsn) + " to " +
                           sdk::format_lsn(changes.back()->lsn) + ")";
  flush();  // statements before the run go first
  if (!rs.table_columns) {
    rs.table_columns = conn_.table_columns(shape.quoted, "reading the columns of " + shape.quoted);
  }
  // Table column -> shape column (-1: not in the source relation any more: NULL).
  std::vector<int> source;
  std::vector<BulkHost> host_types;
  for (const std::string &name : *rs.table_columns) {
    // Exact name first; else ASCII case-insensitively (the usual collations compare
    // column names that way).
    int found = -1;
    for (size_t i = 0; i < shape.columns.size() && found < 0; ++i) {
      if (shape.columns[i].name == name) found = static_cast<int>(i);
    }
    for (size_t i = 0; i < shape.columns.size() && found < 0; ++i) {
      if (ascii_iequal(shape.columns[i].name, name)) found = static_cast<int>(i);
    }
    source.push_back(found);
    host_types.push_back(found < 0 ? BulkHost::Char : bulk_host(shape.columns[found].type));
  }
  for (size_t i = 0; i < shape.columns.size(); ++i) {
    if (std::find(source.begin(), source.end(), static_cast<int>(i)) == source.end()) {
      throw sdk::fatal(what + ": table " + shape.quoted + " has no column " +
                       shape.columns[i].quoted);
    }
  }
  // Convert every value first: the bound values must live until bcp_done.
  std::deque<std::string> storage;  // stable addresses
  std::vector<std::vector<const std::string *>> rows;
  rows.reserve(changes.size());
  std::vector<const wr_change *> leftover;  // rows bcp cannot carry (see bulk_insert doc)
  bool special = false;
  std::vector<std::optional<size_t>> cells(shape.columns.size());
  for (const wr_change *c : changes) {
    bool as_statement = false;
    const size_t mark = storage.size();
    for (size_t i = 0; i < shape.columns.size(); ++i) {
      cells[i].reset();
      std::string value;
      bool null = false;
      try {
        null = !bulk_value(shape.columns[i], c->new_values[i], !options_.special_floats_fail,
                           special, value);
      } catch (const ValueError &e) {
        throw sdk::fatal(describe(*c, shape) + ": " + e.what() + " (" +
                         describe_identity(*c, shape) + ")");
      }
      if (null) continue;
      const size_t max_bytes = bulk_max_bytes(shape.columns[i].type);
      if (value.empty() || (max_bytes > 0 && value.size() > max_bytes)) {
        as_statement = true;  // bcp would send NULL / cut the value silently
        break;
      }
      cells[i] = storage.size();
      storage.push_back(std::move(value));
    }
    if (as_statement) {
      storage.resize(mark);
      leftover.push_back(c);
      continue;
    }
    std::vector<const std::string *> row(source.size(), nullptr);
    for (size_t t = 0; t < source.size(); ++t) {
      if (source[t] >= 0 && cells[source[t]]) row[t] = &storage[*cells[source[t]]];
    }
    rows.push_back(std::move(row));
  }
  if (special) warn_special(shape);
  if (!rows.empty()) {
    const int64_t copied =
        conn_.bulk_copy(shape.quoted, host_types, rows, options_.bulk_batch_rows, what);
    if (copied != static_cast<int64_t>(rows.size())) {
      throw sdk::fatal(what + ": the server reports " + std::to_string(copied) + " rows copied, " +
                       std::to_string(rows.size()) + " were sent");
    }
  }
  if (!leftover.empty()) insert_statements(shape, leftover);
}

void SqlServerSink::apply_truncate(const wr_change &c) {
  for (uint32_t i = 0; i < c.n_truncate_relations; ++i) {
    if (!accepted(*c.truncate_relations[i])) continue;
    RelationState &rs = relation(*c.truncate_relations[i], c.lsn);
    const TableShape &shape = rs.shape;
    add_statement(
        [&](Params &) { return truncate_sql(shape); },
        "TRUNCATE of table " + shape.quoted + " (change at LSN " + sdk::format_lsn(c.lsn) + ")");
  }
}

void SqlServerSink::add_statement(const StatementBuilder &build, std::string what) {
  Params params(pending_params_.size());
  std::string sql = build(params);
  if (!pending_sql_.empty() &&
      (pending_sql_.size() + pending_params_.data_bytes() + sql.size() + params.data_bytes() >
           options_.batch_bytes ||
       pending_params_.size() + params.size() > kMaxParams)) {
    flush();
    params = Params(0);
    sql = build(params);
  }
  pending_what_.push_back({pending_lines_ + 1, std::move(what)});
  pending_sql_ += sql;
  pending_params_.append(std::move(params));
  pending_lines_ += count_lines(sql);
}

void SqlServerSink::flush() {
  if (pending_sql_.empty()) return;
  try {
    conn_.exec_rpc(pending_sql_, pending_params_, "applying changes");
  } catch (const sdk::Error &e) {
    // Name the statement the server's error line points into.
    const int line = conn_.diagnostics().line;
    std::string what = pending_what_.empty() ? std::string() : pending_what_.front().what;
    for (const PendingStatement &s : pending_what_) {
      if (s.first_line <= line) what = s.what;
    }
    clear_pending();
    throw sdk::Error(e.status(), what + " failed: " + e.what());
  }
  clear_pending();
}

void SqlServerSink::clear_pending() {
  pending_sql_.clear();
  pending_params_ = Params();
  pending_what_.clear();
  pending_lines_ = 0;
}

void SqlServerSink::rollback() noexcept {
  partial_ = {};
  // DDL of the failed transaction was rolled back with it.
  for (auto &[id, rs] : relations_) {
    rs->ensured = false;
    rs->table_columns.reset();
  }
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

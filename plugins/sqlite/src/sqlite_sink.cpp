// SqliteSink: applies walrelay batches to an SQLite file, one SQLite transaction per batch.
#include "sqlite_sink.h"

#include <chrono>
#include <cstddef>

#include "naming.h"
#include "schema.h"
#include "type_map.h"

namespace walrelay::sqlite {
namespace {

/// Throws fatal unless `p` is non-null and its struct_size covers every v1 field (the
/// ABI lets the plugin read a host struct's fields only when struct_size covers them).
/// "INSERT on table "t" (change at LSN 0/16B3748)", the prefix of every change error.
std::string describe(const wr_change &c, const TableShape &shape) {
  return std::string(sdk::change_kind_name(c.kind)) + " on table " + shape.quoted +
         " (change at LSN " + sdk::format_lsn(c.lsn) + ")";
}

/// How the row was looked up, for "no row matches" messages.
std::string describe_identity(const wr_change &c, const TableShape &shape) {
  if (c.old_kind == WR_OLD_FULL) return "the full old row";
  const wr_value *vals = c.old_kind == WR_OLD_KEY ? c.old_values : c.new_values;
  std::string out = "key (";
  for (size_t k = 0; k < shape.key_columns.size(); ++k) {
    const uint32_t i = shape.key_columns[k];
    if (k) out += ", ";
    out += shape.columns[i].quoted + " = " + sdk::describe_value(vals[i]);
  }
  return out + ")";
}

/// Runs `f`; an sdk::Error it throws gets "<KIND> at LSN X/Y: " in front (for errors
/// raised before the change's table is known to the message, e.g. DDL or prepare).
template <class F>
decltype(auto) with_change_context(const wr_change &c, F &&f) {
  try {
    return f();
  } catch (const sdk::Error &e) {
    throw sdk::Error(e.status(), std::string(sdk::change_kind_name(c.kind)) + " at LSN " +
                                     sdk::format_lsn(c.lsn) + ": " + e.what());
  }
}

void set_bit(std::vector<uint64_t> &mask, size_t offset, size_t i) {
  mask[offset + i / 64] |= uint64_t{1} << (i % 64);
}

/// Applies the connection-level settings; returns `db` for use in a member initializer.
Db &configure(Db &db, const SinkOptions &o, std::string &journal_mode) {
  sqlite3_busy_timeout(db.get(), o.busy_timeout_ms);
  {
    Stmt s = db.prepare("PRAGMA journal_mode=WAL", "setting journal_mode=WAL");
    ResetOnExit reset(s.get());
    const int rc = sqlite3_step(s.get());
    if (rc != SQLITE_ROW) db.fail(rc, "setting journal_mode=WAL");
    const auto *mode = reinterpret_cast<const char *>(sqlite3_column_text(s.get(), 0));
    journal_mode = mode ? mode : "";
  }
  const std::string sync = "PRAGMA synchronous=" + o.synchronous;
  db.exec(sync.c_str(), "setting synchronous=" + o.synchronous);
  return db;
}

}  // namespace

SqliteSink::SqliteSink(sdk::SinkContext &ctx)
    : host_(ctx.host),
      handle_(ctx.handle),
      name_(ctx.name),
      options_(SinkOptions::parse(ctx.config)),
      db_(options_.path),
      checkpoint_(configure(db_, options_, journal_mode_), name_) {
  if (journal_mode_ != "wal") {
    log(WR_LOG_WARN, "journal_mode is '" + journal_mode_ + "', not 'wal', for " + options_.path);
  }
  log(WR_LOG_INFO, "opened " + options_.path + " (synchronous=" + options_.synchronous + ")");
}

wr_lsn SqliteSink::load_position() { return checkpoint_.load(); }

void SqliteSink::apply(const wr_batch &batch_in) {
  const wr_batch &batch = sdk::checked(&batch_in, "wr_batch");
  // A transaction too big for one call comes in pieces (WR_CAP_PARTIAL_TXN): the SQLite
  // transaction stays open from the first piece to the last, which alone stores the
  // checkpoint and commits.
  const uint32_t flags = WR_HAS_FIELD(&batch, wr_batch, flags) ? batch.flags : 0u;
  const bool continued = (flags & WR_BATCH_TXN_CONTINUED) != 0;
  const bool continues = (flags & WR_BATCH_TXN_CONTINUES) != 0;
  if (flags & WR_BATCH_TXN_ROLLBACK) {  // the early-applied transaction will not commit now
    if (db_.in_transaction()) log(WR_LOG_INFO, "rolled back the transaction applied early");
    rollback();
    open_piece_end_ = WR_LSN_INVALID;
    early_open_ = false;
    return;
  }
  if (continued) {
    // Pieces after early ones carry the real end_lsn the early ones did not know.
    if (!db_.in_transaction() || (!early_open_ && open_piece_end_ != batch.end_lsn)) {
      rollback();
      throw sdk::fatal("a piece continuing the transaction ending at LSN " +
                       sdk::format_lsn(batch.end_lsn) +
                       " arrived, but no such transaction is open");
    }
  } else {
    if (db_.in_transaction()) rollback();  // a piece sequence the host abandoned
    db_.exec("BEGIN IMMEDIATE", "starting the batch transaction");
    early_open_ = (flags & WR_BATCH_TXN_EARLY) != 0;
  }
  open_piece_end_ = WR_LSN_INVALID;
  try {
    const wr_lsn stored = checkpoint_.load();
    std::optional<int64_t> commit_time;
    uint32_t skipped = 0;
    for (uint32_t t = 0; t < batch.n_txns; ++t) {
      const wr_txn &txn = sdk::checked(batch.txns[t], "wr_txn");
      commit_time = txn.commit_time_us;
      if (stored != WR_LSN_INVALID && txn.end_lsn != WR_LSN_INVALID && txn.end_lsn <= stored) {
        ++skipped;  // already in the file: applying again would duplicate rows
        continue;
      }
      for (uint32_t i = 0; i < txn.n_changes; ++i) {
        apply_change(sdk::checked(txn.changes[i], "wr_change"));
      }
    }
    if (skipped) {
      log(WR_LOG_WARN, "skipped " + std::to_string(skipped) +
                           " transaction(s) already applied (stored position " +
                           sdk::format_lsn(stored) + ")");
    }
    if (continues) {
      open_piece_end_ = batch.end_lsn;  // more of this transaction follows
      return;
    }
    early_open_ = false;
    if (batch.end_lsn > stored) checkpoint_.store(batch.end_lsn, commit_time, now_us());
    const int rc = sqlite3_exec(db_.get(), "COMMIT", nullptr, nullptr, nullptr);
    if (rc != SQLITE_OK) {
      db_.fail(rc, "committing the batch ending at LSN " + sdk::format_lsn(batch.end_lsn));
    }
  } catch (...) {
    rollback();
    early_open_ = false;
    throw;
  }
}

void SqliteSink::apply_change(const wr_change &c) {
  switch (c.kind) {
    case WR_CHANGE_INSERT:
    case WR_CHANGE_UPDATE:
    case WR_CHANGE_DELETE:
      apply_row(c);
      return;
    case WR_CHANGE_TRUNCATE:
      apply_truncate(c);
      return;
    default:
      throw sdk::Error(WR_UNSUPPORTED, "unsupported change kind " + std::to_string(c.kind) +
                                           " at LSN " + sdk::format_lsn(c.lsn));
  }
}

SqliteSink::RelationState &SqliteSink::relation(const wr_relation &rel_in) {
  const wr_relation &rel = sdk::checked(&rel_in, "wr_relation");
  auto it = relations_.find(rel.relation_id);
  if (it != relations_.end() && it->second->shape.generation == rel.generation) {
    return *it->second;
  }
  TableShape shape = TableShape::from_relation(rel);
  const SchemaChange change = ensure_table(db_, shape, options_.create_tables);
  if (change.created) {
    log(WR_LOG_INFO, "created table " + shape.quoted + " for relation " +
                         std::to_string(shape.relation_id) + " generation " +
                         std::to_string(shape.generation));
  }
  for (const std::string &col : change.added_columns) {
    log(WR_LOG_INFO, "added column " + quote_ident(col) + " to table " + shape.quoted +
                         " (relation " + std::to_string(shape.relation_id) + " generation " +
                         std::to_string(shape.generation) + ")");
  }
  if (it == relations_.end()) {
    it = relations_.emplace(rel.relation_id, std::make_unique<RelationState>()).first;
  }
  it->second->statements.clear();  // statements of the previous generation
  it->second->shape = std::move(shape);
  return *it->second;
}

void SqliteSink::apply_row(const wr_change &c) {
  if (c.relation == nullptr) {
    throw sdk::fatal(std::string(sdk::change_kind_name(c.kind)) + " at LSN " +
                     sdk::format_lsn(c.lsn) + " has no relation");
  }
  RelationState &rs =
      with_change_context(c, [&]() -> RelationState & { return relation(*c.relation); });
  const TableShape &shape = rs.shape;
  const size_t n = shape.columns.size();
  const size_t words = shape.mask_words();

  const Op op = c.kind == WR_CHANGE_INSERT   ? Op::Insert
                : c.kind == WR_CHANGE_UPDATE ? Op::Update
                                             : Op::Delete;
  const uint32_t old_kind = op == Op::Insert ? WR_OLD_NONE : c.old_kind;
  const bool needs_new = op != Op::Delete;
  const bool needs_old = old_kind == WR_OLD_KEY || old_kind == WR_OLD_FULL;
  if (needs_new && (c.new_values == nullptr || c.n_new != n)) {
    throw sdk::fatal(describe(c, shape) + ": expected " + std::to_string(n) + " new values, got " +
                     std::to_string(c.n_new));
  }
  if (old_kind > WR_OLD_FULL || (op == Op::Delete && !needs_old)) {
    throw sdk::fatal(describe(c, shape) + ": unsupported old tuple kind " +
                     std::to_string(old_kind));
  }
  if (needs_old && (c.old_values == nullptr || c.n_old != n)) {
    throw sdk::fatal(describe(c, shape) + ": expected " + std::to_string(n) + " old values, got " +
                     std::to_string(c.n_old));
  }

  // Unchanged-TOAST masks: new values (left out of SET) and old values (left out of a
  // full-row WHERE). assign() keeps the capacity: no allocation once grown.
  mask_.assign(2 * words, 0);
  if (needs_new) {
    for (size_t i = 0; i < n; ++i) {
      if (c.new_values[i].kind != WR_VALUE_UNCHANGED_TOAST) continue;
      if (op == Op::Insert) {
        throw sdk::fatal(describe(c, shape) + ": unchanged TOAST value for column " +
                         shape.columns[i].quoted + " in an INSERT");
      }
      set_bit(mask_, 0, i);
    }
  }
  if (old_kind == WR_OLD_FULL) {
    for (size_t i = 0; i < n; ++i) {
      if (c.old_values[i].kind == WR_VALUE_UNCHANGED_TOAST) set_bit(mask_, words, i);
    }
  } else if (op != Op::Insert) {
    const wr_value *ids = old_kind == WR_OLD_KEY ? c.old_values : c.new_values;
    for (uint32_t k : shape.key_columns) {
      if (ids[k].kind == WR_VALUE_UNCHANGED_TOAST) {
        throw sdk::fatal(describe(c, shape) + ": key column " + shape.columns[k].quoted +
                         " is an unchanged TOAST value: cannot identify the row");
      }
    }
  }

  CachedStatement &cs = with_change_context(
      c, [&]() -> CachedStatement & { return rs.statements.get(db_, shape, op, old_kind, mask_); });
  sqlite3_stmt *stmt = cs.stmt.get();
  if (blob_scratch_.size() < cs.plan.size()) blob_scratch_.resize(cs.plan.size());
  ResetOnExit reset(stmt);
  for (size_t j = 0; j < cs.plan.size(); ++j) {
    const BindSlot slot = cs.plan[j];
    const wr_value &v =
        slot.source == ValueSource::New ? c.new_values[slot.column] : c.old_values[slot.column];
    const ColumnInfo &col = shape.columns[slot.column];
    const int rc = bind_value(stmt, static_cast<int>(j + 1), v, col.cls, blob_scratch_[j]);
    if (rc == kMalformedValue) {
      throw sdk::fatal(describe(c, shape) + ": malformed value " + sdk::describe_value(v) +
                       " for column " + col.quoted + " (type oid " + std::to_string(col.type_oid) +
                       ")");
    }
    if (rc != SQLITE_OK) db_.fail(rc, describe(c, shape) + ": binding column " + col.quoted);
  }
  const int rc = sqlite3_step(stmt);
  if (rc != SQLITE_DONE) db_.fail(rc, describe(c, shape) + " failed");
  if (op != Op::Insert) {
    const sqlite3_int64 changed = sqlite3_changes64(db_.get());
    if (changed != 1) {
      throw sdk::fatal(describe(c, shape) + ": " +
                       (changed == 0 ? std::string("no row matches ")
                                     : std::to_string(changed) + " rows match ") +
                       describe_identity(c, shape) + ", expected exactly one");
    }
  }
}

void SqliteSink::apply_truncate(const wr_change &c) {
  if (c.n_truncate_relations > 0 && c.truncate_relations == nullptr) {
    throw sdk::fatal("TRUNCATE at LSN " + sdk::format_lsn(c.lsn) + " has no relation list");
  }
  for (uint32_t i = 0; i < c.n_truncate_relations; ++i) {
    const wr_relation *rel = c.truncate_relations[i];
    if (rel == nullptr) {
      throw sdk::fatal("TRUNCATE at LSN " + sdk::format_lsn(c.lsn) + " lists a null relation");
    }
    RelationState &rs = with_change_context(c, [&]() -> RelationState & { return relation(*rel); });
    CachedStatement &cs = with_change_context(c, [&]() -> CachedStatement & {
      return rs.statements.get(db_, rs.shape, Op::Truncate, WR_OLD_NONE, {});
    });
    ResetOnExit reset(cs.stmt.get());
    const int rc = sqlite3_step(cs.stmt.get());
    if (rc != SQLITE_DONE) db_.fail(rc, describe(c, rs.shape) + " failed");
  }
}

void SqliteSink::rollback() noexcept {
  try {
    relations_.clear();  // finalizes statements; DDL of this transaction is undone below
    if (db_.in_transaction()) {
      const int rc = sqlite3_exec(db_.get(), "ROLLBACK", nullptr, nullptr, nullptr);
      if (rc != SQLITE_OK) log(WR_LOG_ERROR, "ROLLBACK failed: " + db_.describe(rc));
    }
  } catch (...) {
  }
}

void SqliteSink::log(wr_log_level level, const std::string &msg) const {
  if (host_ && host_->log) host_->log(handle_, level, msg.c_str());
}

int64_t SqliteSink::now_us() const {
  if (host_ && WR_HAS_FIELD(host_, wr_host_api, now_us) && host_->now_us) return host_->now_us();
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace walrelay::sqlite

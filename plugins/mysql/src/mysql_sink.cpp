// MysqlSink: applies walrelay batches to MySQL/MariaDB, one MySQL transaction per batch.
#include "mysql_sink.h"

#include <chrono>
#include <cstddef>
#include <cstring>

#include "type_map.h"

namespace walrelay::mysql {
namespace {

/// A valid pointer for zero-length values.
char kEmpty[1] = {0};

/// "UPDATE on table `db`.`t` (change at LSN 0/16B3748)", the prefix of every change error.
std::string describe(const wr_change &c, const TableShape &shape) {
  return std::string(sdk::change_kind_name(c.kind)) + " on table " + shape.quoted +
         " (change at LSN " + sdk::format_lsn(c.lsn) + ")";
}

/// The row's identity for messages: "key (`id` = '3')" or "the full old row".
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

/// A row the destination rejects (or cannot take): skipped under on_data_error: skip.
class RowDataError : public sdk::Error {
 public:
  explicit RowDataError(const std::string &msg) : sdk::Error(WR_FATAL, msg) {}
};

/// MySQL errors that reject one row's data, not the connection, the table or the session.
bool is_data_error(unsigned err) {
  switch (err) {
    case 1048:  // ER_BAD_NULL_ERROR
    case 1062:  // ER_DUP_ENTRY
    case 1216:  // ER_NO_REFERENCED_ROW
    case 1217:  // ER_ROW_IS_REFERENCED
    case 1264:  // ER_WARN_DATA_OUT_OF_RANGE
    case 1265:  // WARN_DATA_TRUNCATED
    case 1292:  // ER_TRUNCATED_WRONG_VALUE
    case 1366:  // ER_TRUNCATED_WRONG_VALUE_FOR_FIELD
    case 1367:  // ER_ILLEGAL_VALUE_FOR_TYPE
    case 1406:  // ER_DATA_TOO_LONG
    case 1451:  // ER_ROW_IS_REFERENCED_2
    case 1452:  // ER_NO_REFERENCED_ROW_2
    case 1586:  // ER_DUP_ENTRY_WITH_KEY_NAME
    case 1690:  // ER_DATA_OUT_OF_RANGE
    case 1859:  // ER_DUP_UNKNOWN_IN_INDEX
    case 3140:  // ER_INVALID_JSON_TEXT (MySQL)
    case 3819:  // ER_CHECK_CONSTRAINT_VIOLATED (MySQL)
    case 4025:  // ER_CONSTRAINT_FAILED (MariaDB CHECK, also JSON_VALID)
      return true;
    default:
      return false;
  }
}

/// Throws RowDataError for a statement's data error, else Connection::fail.
[[noreturn]] void fail_row(Connection &conn, MYSQL_STMT *stmt, const std::string &what) {
  const unsigned err = mysql_stmt_errno(stmt);
  if (is_data_error(err)) {
    throw RowDataError(what + ": " + mysql_stmt_error(stmt) + " (MySQL error " +
                       std::to_string(err) + ")");
  }
  conn.fail(stmt, what);
}

void set_bit(std::vector<uint64_t> &mask, size_t offset, size_t i) {
  mask[offset + i / 64] |= uint64_t{1} << (i % 64);
}

}  // namespace

MysqlSink::MysqlSink(sdk::SinkContext &ctx)
    : host_(ctx.host),
      handle_(ctx.handle),
      name_(ctx.name),
      options_(SinkOptions::parse(ctx.config)),
      conn_(options_),
      checkpoint_(conn_, name_),
      filter_(options_.include_tables, options_.exclude_tables) {
  connect();
  checkpoint_.create_table();
  const auto version = conn_.scalar("SELECT VERSION()", "reading the server version");
  log(WR_LOG_INFO,
      "connected to MySQL/MariaDB " + version.value_or("?") + ", database " + options_.database);
}

void MysqlSink::connect() {
  if (conn_.connected()) return;
  conn_.ensure_connected();
  // A new connection: statements of the old one are gone.
  checkpoint_.forget();
  for (auto &[id, rs] : relations_) rs->statements.clear();
  in_txn_ = false;
  if (connected_before_) log(WR_LOG_INFO, "reconnected to the server");
  connected_before_ = true;
}

MysqlSink::~MysqlSink() {
  if (partial_.open) {
    log(WR_LOG_WARN, "destroyed with transaction ending at LSN " +
                         sdk::format_lsn(partial_.end_lsn) + " open: rolled back");
  }
  rollback();
  if (skipped_rows_ > 0) {
    log(WR_LOG_WARN, "skipped " + std::to_string(skipped_rows_) +
                         " row(s) rejected by MySQL (on_data_error: skip)");
  }
  if (skipped_changes_ > 0) {
    log(WR_LOG_INFO, "skipped " + std::to_string(skipped_changes_) +
                         " change(s) of excluded tables (include_tables / exclude_tables)");
  }
}

wr_lsn MysqlSink::load_position() {
  if (partial_.open) {
    log(WR_LOG_INFO, "rolling back the open transaction ending at LSN " +
                         sdk::format_lsn(partial_.end_lsn) + " (the host restarts it)");
    rollback();
  }
  connect();
  return checkpoint_.load(false);
}

void MysqlSink::apply(const wr_batch &batch_in) {
  const wr_batch &batch = sdk::checked(&batch_in, "wr_batch");
  const uint32_t flags = WR_HAS_FIELD(&batch, wr_batch, flags) ? batch.flags : 0u;
  const bool continues = (flags & WR_BATCH_TXN_CONTINUES) != 0;
  const bool continued = (flags & WR_BATCH_TXN_CONTINUED) != 0;
  if (flags & WR_BATCH_TXN_ROLLBACK) {  // the early-applied transaction will not commit now
    if (partial_.open) log(WR_LOG_INFO, "rolled back the transaction applied early");
    rollback();
    partial_ = {};
    return;
  }
  try {
    if ((continues || continued) && batch.n_txns != 1) {
      throw sdk::fatal("a batch flagged as part of a transaction holds " +
                       std::to_string(batch.n_txns) + " transactions, expected exactly one");
    }
    if (continued) {
      const wr_txn &txn = sdk::checked(batch.txns[0], "wr_txn");
      if (!partial_.open || !in_txn_ || !conn_.connected()) {
        throw sdk::fatal("a piece continuing the transaction ending at LSN " +
                         sdk::format_lsn(txn.end_lsn) +
                         " arrived, but no transaction is open (after a failure the transaction "
                         "must restart from its first piece)");
      }
      if (!partial_.early && (txn.end_lsn != partial_.end_lsn || txn.xid != partial_.xid)) {
        throw sdk::fatal("a piece of transaction " + std::to_string(txn.xid) + " ending at LSN " +
                         sdk::format_lsn(txn.end_lsn) + " continues the open transaction " +
                         std::to_string(partial_.xid) + " ending at LSN " +
                         sdk::format_lsn(partial_.end_lsn));
      }
    } else if (partial_.open) {
      throw sdk::fatal("a new batch arrived while the transaction ending at LSN " +
                       sdk::format_lsn(partial_.end_lsn) +
                       " is still open (its last piece never came); rolled it back");
    }
    wr_lsn stored;
    if (continued) {
      prepare_relations(batch, true);
      stored = partial_.stored;
    } else {
      connect();
      prepare_relations(batch, false);
      conn_.exec("START TRANSACTION", "starting the batch transaction");
      in_txn_ = true;
      stored = checkpoint_.load(true);
    }
    apply_txns(batch, stored, continued);
    if (continues) {
      const wr_txn &txn = sdk::checked(batch.txns[0], "wr_txn");
      partial_.open = true;
      partial_.stored = stored;
      partial_.end_lsn = txn.end_lsn;
      partial_.xid = txn.xid;
      if (flags & WR_BATCH_TXN_EARLY) partial_.early = true;
      return;  // the transaction stays open: no checkpoint, no COMMIT
    }
    // The position: the batch's end, which for the last piece of a transaction is that
    // transaction's end_lsn (taken from the header should a host leave batch.end_lsn low).
    wr_lsn end = batch.end_lsn;
    std::optional<int64_t> commit_time;
    if (batch.n_txns > 0) {
      const wr_txn &last = sdk::checked(batch.txns[batch.n_txns - 1], "wr_txn");
      commit_time = last.commit_time_us;
      if (last.end_lsn > end) end = last.end_lsn;
    }
    if (end > stored) checkpoint_.store(end, commit_time, now_us());
    if (mysql_commit(conn_.get()) != 0) {
      conn_.fail("committing the batch ending at LSN " + sdk::format_lsn(end));
    }
    in_txn_ = false;
    partial_ = {};
    run_pending_drops(end);
  } catch (...) {
    run_.clear();
    run_keyed_ = 0;
    rollback();
    throw;
  }
}

void MysqlSink::apply_txns(const wr_batch &batch, wr_lsn stored, bool continued) {
  uint32_t skipped = 0;
  for (uint32_t t = 0; t < batch.n_txns; ++t) {
    const wr_txn &txn = sdk::checked(batch.txns[t], "wr_txn");
    if (stored != WR_LSN_INVALID && txn.end_lsn != WR_LSN_INVALID && txn.end_lsn <= stored) {
      ++skipped;  // already applied: applying again would duplicate rows
      continue;
    }
    for (uint32_t i = 0; i < txn.n_changes; ++i) {
      apply_change(sdk::checked(txn.changes[i], "wr_change"));
    }
  }
  // Runs never stay pending across apply() calls: the host's changes die with the call.
  flush_run();
  if (skipped && !continued) {
    log(WR_LOG_WARN, "skipped " + std::to_string(skipped) +
                         " transaction(s) already applied (stored position " +
                         sdk::format_lsn(stored) + ")");
  }
}

void MysqlSink::apply_change(const wr_change &c) {
  switch (c.kind) {
    case WR_CHANGE_INSERT:
    case WR_CHANGE_UPDATE:
    case WR_CHANGE_DELETE:
      if (excluded(*c.relation)) {
        ++skipped_changes_;
        return;
      }
      apply_row(c);
      return;
    case WR_CHANGE_TRUNCATE:
      flush_run();
      apply_truncate(c);
      return;
    default:
      throw sdk::Error(WR_UNSUPPORTED, "unsupported change kind " + std::to_string(c.kind) +
                                           " at LSN " + sdk::format_lsn(c.lsn));
  }
}

bool MysqlSink::value_bytes(const wr_value &v, const ColumnInfo &col, const wr_change &c,
                            const TableShape &shape, std::string &scratch, std::string_view &out) {
  switch (v.kind) {
    case WR_VALUE_NULL:
      return false;
    case WR_VALUE_TEXT:
      break;
    case WR_VALUE_UNCHANGED_TOAST:
      throw sdk::fatal(describe(c, shape) + ": unchanged TOAST value for column " + col.quoted +
                       " of " + describe_identity(c, shape) + " where a value is needed");
    default:
      throw sdk::Error(WR_UNSUPPORTED, describe(c, shape) + ": value kind " +
                                           std::to_string(v.kind) + " for column " + col.quoted +
                                           " (the sink takes text values only)");
  }
  switch (convert_value(sdk::bytes(v), col.type.cls, scratch, out)) {
    case Conversion::Ok:
      return true;
    case Conversion::Special:
      if (options_.special_floats_fail) {
        throw RowDataError(describe(c, shape) + ": value " + sdk::describe_value(v) +
                           " of column " + col.quoted + " has no " + col.type.decl +
                           " equivalent in MySQL (" + describe_identity(c, shape) +
                           "; special_floats is 'fail')");
      }
      if (warned_special_.insert(shape.quoted + "." + col.quoted).second) {
        log(WR_LOG_WARN, "column " + col.quoted + " of " + shape.quoted + " got " +
                             sdk::describe_value(v) + ", stored as NULL (MySQL " + col.type.decl +
                             " has no NaN/Infinity; special_floats: null). Warned once.");
      }
      return false;
    case Conversion::Malformed: {
      const std::string detail = malformed_detail(sdk::bytes(v), col.type.cls);
      throw RowDataError(describe(c, shape) + ": malformed value " + sdk::describe_value(v) +
                         " for column " + col.quoted + " (type oid " +
                         std::to_string(col.type_oid) + ", " + describe_identity(c, shape) + ")" +
                         (detail.empty() ? "" : ": " + detail));
    }
    case Conversion::OutOfRange:
      break;
  }
  throw RowDataError(describe(c, shape) + ": value " + sdk::describe_value(v) + " of column " +
                     col.quoted + " is outside MySQL's " + col.type.decl + " range (" +
                     describe_identity(c, shape) + ")");
}

void MysqlSink::bind_value(size_t j, const wr_value &v, const ColumnInfo &col, const wr_change &c,
                           const TableShape &shape) {
  MYSQL_BIND &b = binds_[j];
  std::memset(&b, 0, sizeof b);
  nulls_[j] = 0;
  lengths_[j] = 0;
  b.length = &lengths_[j];
  b.is_null = &nulls_[j];
  std::string_view out;
  if (!value_bytes(v, col, c, shape, scratch_[j], out)) {
    nulls_[j] = 1;
    b.buffer_type = MYSQL_TYPE_NULL;
    return;
  }
  b.buffer_type = col.type.cls == ValueClass::Blob ? MYSQL_TYPE_BLOB : MYSQL_TYPE_STRING;
  b.buffer = out.empty() ? kEmpty : const_cast<char *>(out.data());
  b.buffer_length = out.size();
  lengths_[j] = out.size();
}

bool MysqlSink::load_data(const TableShape &shape, const std::vector<const wr_change *> &run) {
  const size_t n = shape.columns.size();
  const size_t rows = run.size();
  load_buf_.clear();
  for (const wr_change *c : run) {
    for (size_t i = 0; i < n; ++i) {
      if (i) load_buf_ += '\t';
      std::string_view out;
      if (value_bytes(c->new_values[i], shape.columns[i], *c, shape, load_scratch_, out)) {
        append_field(load_buf_, out);
      } else {
        append_null(load_buf_);
      }
    }
    load_buf_ += '\n';
  }
  const wr_change &first = *run.front();
  const wr_change &last = *run.back();
  const std::string what = "LOAD DATA of " + std::to_string(rows) + " rows into " + shape.quoted +
                           " (changes at LSN " + sdk::format_lsn(first.lsn) + " to " +
                           sdk::format_lsn(last.lsn) + ")";
  const std::string sql = load_data_sql(shape);
  MYSQL *db = conn_.get();
  infile_.install(db, &load_buf_);
  const int rc = mysql_real_query(db, sql.data(), sql.size());
  mysql_set_local_infile_default(db);
  if (rc != 0) {
    const unsigned err = mysql_errno(db);
    // 1148 ER_NOT_ALLOWED_COMMAND, 4166 ER_LOAD_INFILE_CAPABILITY_DISABLED, 2068
    // CR_LOAD_DATA_LOCAL_INFILE_REJECTED: LOCAL INFILE is off; use INSERTs from now on.
    if (err == 1148 || err == 4166 || err == 2068) {
      log(WR_LOG_WARN, std::string("LOAD DATA LOCAL INFILE refused (") + mysql_error(db) +
                           "); using multi-row INSERTs");
      load_data_allowed_ = false;
      return false;
    }
    conn_.fail(what + " failed");
  }
  const my_ulonglong affected = mysql_affected_rows(db);
  const unsigned warnings = mysql_warning_count(db);
  if (warnings == 0 && affected == rows) return true;
  // LOCAL implies IGNORE: duplicate keys and bad values become warnings. Fail loudly.
  std::string detail;
  if (warnings) {
    if (mysql_real_query(db, "SHOW WARNINGS LIMIT 5", 21) == 0) {
      if (MYSQL_RES *res = mysql_store_result(db)) {
        while (MYSQL_ROW row = mysql_fetch_row(res)) {
          detail += std::string("; ") + (row[0] ? row[0] : "") + " " + (row[1] ? row[1] : "") +
                    ": " + (row[2] ? row[2] : "");
        }
        mysql_free_result(res);
      }
    }
  }
  throw RowDataError(what + ": " + std::to_string(affected) + " rows loaded, " +
                     std::to_string(warnings) + " warning(s)" + detail);
}

void MysqlSink::apply_row(const wr_change &c) {
  RelationState &rs = relation(*c.relation);
  const TableShape &shape = rs.shape;
  const size_t n = shape.columns.size();

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

  const bool is_keyed = op != Op::Insert && keyed(c, rs);
  if (op == Op::Insert || is_keyed) {
    if (!run_.empty()) {
      const wr_relation *prev = run_.front()->relation;
      if (relation_key(*prev) != relation_key(*c.relation) ||
          run_.size() >= 64u * options_.insert_batch_rows) {
        flush_run();
      }
    }
    run_.push_back(&c);
    if (is_keyed) ++run_keyed_;
    return;
  }
  flush_run();
  execute_or_skip(c);
}

bool MysqlSink::keyed(const wr_change &c, const RelationState &rs) const {
  const TableShape &shape = rs.shape;
  if (!shape.use_primary_key() || shape.key_columns.empty()) return false;
  if (c.kind == WR_CHANGE_DELETE) return c.old_kind == WR_OLD_KEY;
  if (c.kind != WR_CHANGE_UPDATE || rs.extra_columns || shape.generation != rs.latest.generation) {
    return false;
  }
  if (c.old_kind == WR_OLD_KEY) {
    if (!same_key(c.old_values, c.new_values, shape.key_columns)) return false;  // key change
  } else if (c.old_kind != WR_OLD_NONE) {
    return false;
  }
  for (uint32_t i = 0; i < c.n_new; ++i) {
    if (c.new_values[i].kind == WR_VALUE_UNCHANGED_TOAST) return false;
  }
  return true;
}

void MysqlSink::execute_row(const wr_change &c) {
  RelationState &rs = relation(*c.relation);
  const TableShape &shape = rs.shape;
  const size_t n = shape.columns.size();
  const size_t words = mask_words(shape);
  const Op op = c.kind == WR_CHANGE_UPDATE ? Op::Update : Op::Delete;
  const uint32_t old_kind = c.old_kind;
  const bool needs_new = op != Op::Delete;

  mask_.assign(2 * words, 0);
  if (needs_new) {
    for (size_t i = 0; i < n; ++i) {
      if (c.new_values[i].kind == WR_VALUE_UNCHANGED_TOAST) set_bit(mask_, 0, i);
    }
  }
  if (old_kind == WR_OLD_FULL) {
    for (size_t i = 0; i < n; ++i) {
      if (c.old_values[i].kind == WR_VALUE_UNCHANGED_TOAST) set_bit(mask_, words, i);
    }
  }
  CachedStatement *cs = &statement_for(rs, c, op, old_kind, mask_);
  const size_t m = cs->plan.size();
  size_binds(m);
  for (size_t j = 0; j < m; ++j) {
    const BindSlot slot = cs->plan[j];
    const wr_value &v =
        slot.source == ValueSource::New ? c.new_values[slot.column] : c.old_values[slot.column];
    bind_value(j, v, shape.columns[slot.column], c, shape);
  }
  MYSQL_STMT *stmt = cs->stmt.get();
  if (mysql_stmt_bind_param(stmt, binds_.data()) != 0) {
    conn_.fail(stmt, describe(c, shape) + ": binding " + describe_identity(c, shape));
  }
  if (mysql_stmt_execute(stmt) != 0) {
    fail_row(conn_, stmt, describe(c, shape) + " of " + describe_identity(c, shape) + " failed");
  }
  const my_ulonglong changed = mysql_stmt_affected_rows(stmt);
  if (changed == 0) {
    throw RowDataError(describe(c, shape) + ": no row matches " + describe_identity(c, shape) +
                       ", expected exactly one");
  }
  if (changed != 1) {  // several rows changed: not undone by skipping, always fatal
    throw sdk::fatal(
        describe(c, shape) + ": " +
        (changed == 0 ? std::string("no row matches ") : std::to_string(changed) + " rows match ") +
        describe_identity(c, shape) + ", expected exactly one");
  }
}

void MysqlSink::write_inserts(const std::vector<const wr_change *> &run, bool allow_skip) {
  if (run.empty()) return;
  const wr_change &first = *run.front();
  RelationState &rs = relation(*first.relation);
  const size_t total = run.size();
  const bool skip = allow_skip && options_.skip_data_errors;
  if (options_.load_data_min_rows > 0 && total >= options_.load_data_min_rows &&
      load_data_allowed_) {
    if (skip) savepoint("walrelay_chunk");
    try {
      if (load_data(rs.shape, run)) return;
    } catch (const RowDataError &e) {
      if (!skip) throw;
      // Some rows were refused: undo the load and find them with INSERTs.
      rollback_to("walrelay_chunk");
    }
  }
  size_t done = 0;
  while (done < total) {
    // Chunks of insert_batch_rows, then powers of two: few distinct cached statements.
    const size_t left = total - done;
    uint32_t rows = options_.insert_batch_rows;
    if (left < rows) {
      rows = 1;
      while (rows * 2 <= left) rows *= 2;
    }
    if (rows == 1) {
      try {
        insert_chunk(rs, run, done, 1);
      } catch (const RowDataError &e) {
        if (!skip) throw;
        skip_row(e.what());
      }
    } else {
      if (skip) savepoint("walrelay_chunk");
      try {
        insert_chunk(rs, run, done, rows);
      } catch (const RowDataError &e) {
        // InnoDB undid the failed statement (skip: the savepoint undoes it in any case).
        // Row by row: the refused rows are skipped, or the first one is reported with its
        // own key and LSN.
        if (skip) rollback_to("walrelay_chunk");
        for (size_t r = done; r < done + rows; ++r) {
          try {
            insert_chunk(rs, run, r, 1);
          } catch (const RowDataError &row_error) {
            if (!skip) throw;
            skip_row(row_error.what());
          }
        }
        if (!skip) throw;  // no row failed alone: report the statement's error
      }
    }
    done += rows;
  }
}

CachedStatement &MysqlSink::statement_for(RelationState &rs, const wr_change &c, Op op,
                                          uint32_t old_kind, std::span<const uint64_t> mask,
                                          uint32_t rows) {
  try {
    return rs.statements.get(conn_, rs.shape, op, old_kind, mask, rows);
  } catch (const sdk::Error &e) {
    throw sdk::Error(e.status(), describe(c, rs.shape) + ": " + e.what());
  }
}

void MysqlSink::insert_chunk(RelationState &rs, const std::vector<const wr_change *> &run,
                             size_t done, uint32_t rows) {
  const TableShape &shape = rs.shape;
  const wr_change &c0 = *run[done];
  CachedStatement *cs = &statement_for(rs, c0, Op::Insert, WR_OLD_NONE, {}, rows);
  const size_t m = cs->plan.size();
  size_binds(m);
  for (size_t j = 0; j < m; ++j) {
    const BindSlot slot = cs->plan[j];
    const wr_change &c = *run[done + slot.row];
    bind_value(j, c.new_values[slot.column], shape.columns[slot.column], c, shape);
  }
  const wr_change &last = *run[done + rows - 1];
  auto what = [&] {
    if (rows == 1) return describe(c0, shape) + " of " + describe_identity(c0, shape);
    return "INSERT of " + std::to_string(rows) + " rows into " + shape.quoted +
           " (changes at LSN " + sdk::format_lsn(c0.lsn) + " to " + sdk::format_lsn(last.lsn) +
           ", first " + describe_identity(c0, shape) + ")";
  };
  MYSQL_STMT *stmt = cs->stmt.get();
  if (mysql_stmt_bind_param(stmt, binds_.data()) != 0) conn_.fail(stmt, what() + ": binding");
  if (mysql_stmt_execute(stmt) != 0) fail_row(conn_, stmt, what() + " failed");
  const my_ulonglong affected = mysql_stmt_affected_rows(stmt);
  if (affected != rows) {
    throw sdk::fatal(what() + ": " + std::to_string(affected) + " rows inserted, expected " +
                     std::to_string(shape.columns.empty() ? 0 : rows));
  }
}

void MysqlSink::execute_or_skip(const wr_change &c) {
  if (!options_.skip_data_errors) {
    execute_row(c);
    return;
  }
  try {
    execute_row(c);
  } catch (const RowDataError &e) {
    skip_row(e.what());
  }
}

void MysqlSink::skip_row(const std::string &error) {
  ++skipped_rows_;
  log(WR_LOG_WARN, "skipped a row (on_data_error: skip): " + error);
}

void MysqlSink::savepoint(const char *name) {
  conn_.exec(std::string("SAVEPOINT ") + name, "setting a savepoint");
}

void MysqlSink::rollback_to(const char *name) {
  conn_.exec(std::string("ROLLBACK TO SAVEPOINT ") + name, "rolling back to a savepoint");
}

namespace {
/// Most updates/deletes a run holds before it is batched: below, one statement per change
/// is fewer round trips than SAVEPOINT + DELETE + INSERT.
constexpr size_t kMinKeyedRun = 4;
}  // namespace

void MysqlSink::flush_run() {
  if (run_.empty()) return;
  if (run_keyed_ == 0) {
    write_inserts(run_);
  } else if (run_keyed_ < kMinKeyedRun) {
    replay_run();
  } else {
    RelationState &rs = relation(*run_.front()->relation);
    coalesce(run_, rs.shape.key_columns, coalesced_);
    savepoint("walrelay_run");
    try {
      delete_keys(rs, coalesced_.deletes);
      run_rows_.clear();
      for (uint32_t i : coalesced_.inserts) run_rows_.push_back(run_[i]);
      // Never skip here: the row's DELETE already ran, a skip would lose the row. The
      // replay below skips (on_data_error: skip) with row-by-row semantics.
      write_inserts(run_rows_, false);
    } catch (const sdk::Error &e) {
      // A data error (missing row, duplicate key, bad value): undo the batch's statements
      // and apply the run row by row, which fails on the culprit with its own message.
      if (e.status() != WR_FATAL || !conn_.connected()) throw;
      rollback_to("walrelay_run");
      replay_run();
    }
  }
  run_.clear();
  run_keyed_ = 0;
}

void MysqlSink::replay_run() {
  run_rows_.clear();
  for (const wr_change *c : run_) {
    if (c->kind == WR_CHANGE_INSERT) {
      run_rows_.push_back(c);
      continue;
    }
    write_inserts(run_rows_);
    run_rows_.clear();
    execute_or_skip(*c);
  }
  write_inserts(run_rows_);
  run_rows_.clear();
}

void MysqlSink::delete_keys(RelationState &rs, const std::vector<uint32_t> &which) {
  const TableShape &shape = rs.shape;
  const size_t total = which.size();
  size_t done = 0;
  while (done < total) {
    const size_t left = total - done;
    uint32_t rows = options_.insert_batch_rows;
    if (left < rows) {
      rows = 1;
      while (rows * 2 <= left) rows *= 2;
    }
    const wr_change &c0 = *run_[which[done]];
    CachedStatement *cs = &statement_for(rs, c0, Op::DeleteKeys, WR_OLD_NONE, {}, rows);
    const size_t m = cs->plan.size();
    size_binds(m);
    for (size_t j = 0; j < m; ++j) {
      const BindSlot slot = cs->plan[j];
      const wr_change &c = *run_[which[done + slot.row]];
      bind_value(j, key_values(c)[slot.column], shape.columns[slot.column], c, shape);
    }
    const wr_change &last = *run_[which[done + rows - 1]];
    auto what = [&] {
      return "DELETE of " + std::to_string(rows) + " keys from " + shape.quoted +
             " (changes at LSN " + sdk::format_lsn(c0.lsn) + " to " + sdk::format_lsn(last.lsn) +
             ", first " + describe_identity(c0, shape) + ")";
    };
    MYSQL_STMT *stmt = cs->stmt.get();
    if (mysql_stmt_bind_param(stmt, binds_.data()) != 0) conn_.fail(stmt, what() + ": binding");
    if (mysql_stmt_execute(stmt) != 0) conn_.fail(stmt, what() + " failed");
    const my_ulonglong affected = mysql_stmt_affected_rows(stmt);
    if (affected != rows) {
      throw sdk::fatal(what() + ": " + std::to_string(affected) + " rows matched, expected " +
                       std::to_string(rows));
    }
    done += rows;
  }
}

void MysqlSink::apply_truncate(const wr_change &c) {
  for (uint32_t i = 0; i < c.n_truncate_relations; ++i) {
    if (excluded(*c.truncate_relations[i])) {
      ++skipped_changes_;
      continue;
    }
    RelationState &rs = relation(*c.truncate_relations[i]);
    CachedStatement *cs = &statement_for(rs, c, Op::Truncate, WR_OLD_NONE, {});
    if (mysql_stmt_execute(cs->stmt.get()) != 0) {
      conn_.fail(cs->stmt.get(), describe(c, rs.shape) + " failed");
    }
  }
}

void MysqlSink::rollback() noexcept {
  partial_ = {};
  if (in_txn_ && conn_.connected()) {
    if (mysql_rollback(conn_.get()) != 0) {
      log(WR_LOG_ERROR,
          std::string("ROLLBACK failed: ") + mysql_error(conn_.get()) + "; closing the connection");
      conn_.close();
    }
  }
  in_txn_ = false;
}

void MysqlSink::log(wr_log_level level, const std::string &msg) const {
  if (host_ && host_->log) host_->log(handle_, level, msg.c_str());
}

int64_t MysqlSink::now_us() const {
  if (host_ && WR_HAS_FIELD(host_, wr_host_api, now_us) && host_->now_us) return host_->now_us();
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void MysqlSink::size_binds(size_t m) {
  binds_.resize(m);
  lengths_.resize(m);
  nulls_.resize(m);
  if (scratch_.size() < m) scratch_.resize(m);  // keeps the strings' capacity for reuse
}

}  // namespace walrelay::mysql

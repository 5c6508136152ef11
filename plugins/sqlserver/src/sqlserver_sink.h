// SqlServerSink: applies walrelay batches to SQL Server, one SQL Server transaction per
// batch (or per transaction delivered in pieces), checkpoint row included.
#pragma once

#include <walrelay/sink.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "connection.h"
#include "dialect.h"
#include "options.h"
#include "table_shape.h"

namespace walrelay::sqlserver {

/// The sink class behind the plugin (wrapped into the C ABI by sdk::detail::Adapter).
class SqlServerSink {
 public:
  /// Parses options, connects (WR_RETRY when the server is unreachable) and creates the
  /// checkpoint table. Throws sdk::Error.
  explicit SqlServerSink(sdk::SinkContext &ctx);
  /// Rolls back a transaction left open by a partial batch.
  ~SqlServerSink();
  SqlServerSink(const SqlServerSink &) = delete;
  SqlServerSink &operator=(const SqlServerSink &) = delete;

  /// The end LSN stored for this sink, or WR_LSN_INVALID. Rolls back an open partial
  /// transaction first; reconnects when needed.
  wr_lsn load_position();

  /// Applies the batch in one SQL Server transaction: "BEGIN TRANSACTION" with the
  /// checkpoint row locked, DDL batches for new relations / generations (transactional in
  /// SQL Server), DML batches of at most batch_bytes, then the checkpoint upsert and
  /// "COMMIT TRANSACTION" in the last batch. Transactions at or below the stored
  /// checkpoint are skipped. WR_BATCH_TXN_CONTINUES keeps the transaction open (no
  /// checkpoint); WR_BATCH_TXN_CONTINUED continues it. On error rolls back and throws:
  /// WR_RETRY for lost connections, timeouts, deadlocks; WR_FATAL naming table, key and
  /// LSN otherwise (e.g. constraint violations).
  void apply(const wr_batch &batch);

 private:
  struct RelationState {
    TableShape shape;
    bool ensured = false;  ///< ensure_table_sql ran in a committed or the open transaction
    /// The destination's column names in table order (read before the first bulk copy on
    /// a connection; reset with `ensured`).
    std::optional<std::vector<std::string>> table_columns;
    /// drop_columns: columns earlier generations had and this one has not, dropped (if
    /// still there) with the DDL when the table is prepared; cleared once committed.
    std::vector<std::string> dropped_columns;
    /// type_change: follow: columns whose SQL Server type changed with their PostgreSQL
    /// type, altered (ALTER COLUMN to this generation's type) with the DDL when the table
    /// is prepared; cleared once committed.
    std::vector<std::string> altered_columns;
  };
  /// A statement of the pending batch: its first line and what it does, for errors.
  struct PendingStatement {
    int first_line;
    std::string what;
  };

  void connect();
  void apply_txns(const wr_batch &batch, wr_lsn stored, bool continued);
  void apply_change(const wr_change &c);
  /// True when include_tables / exclude_tables let `rel`'s changes through (cached per
  /// relation generation; a skipped table is logged once).
  bool accepted(const wr_relation &rel);
  void apply_row(const wr_change &c);
  void apply_truncate(const wr_change &c);
  /// The state of `rel` with its DDL sent (flushes pending DML first when DDL is needed).
  /// A new generation is compared with the one seen before (schema_change, type_change,
  /// drop_columns); `lsn` (the change's) is named in errors.
  RelationState &relation(const wr_relation &rel, wr_lsn lsn);
  /// Throws WR_FATAL for what `diff` holds that schema_change / type_change refuse
  /// (column added or dropped under fail; type changed under fail; a primary key column's
  /// type changed under follow).
  void check_generation(const GenerationDiff &diff, const TableShape &before,
                        const TableShape &after, wr_lsn lsn) const;
  /// Builds a statement (ending in '\n') adding its values to the given Params.
  using StatementBuilder = std::function<std::string(Params &)>;
  /// Appends one statement to the pending batch, sending the batch first (and building the
  /// statement again, numbered from @p1) when text and values would exceed batch_bytes or
  /// the parameters kMaxParams. Throws what `build` throws.
  void add_statement(const StatementBuilder &build, std::string what);
  /// Turns the pending inserts (one run into one table) into a bulk copy when there are
  /// at least bulk_min_rows of them, else into INSERT statements.
  void flush_inserts();
  /// INSERT statements (at most insert_batch_rows rows and kMaxParams values each) for
  /// `changes`, all into `shape`.
  void insert_statements(const TableShape &shape, const std::vector<const wr_change *> &changes);
  /// Bulk-copies `changes` into rs's table after sending the pending batch (order kept).
  /// Rows holding an empty string or bytea (db-lib's bcp sends a zero length as NULL) or a
  /// value longer than its NVARCHAR(n)/NCHAR(n)/VARBINARY(n) column (FreeTDS would cut it
  /// silently; the statement gets the server's truncation error) go as INSERT statements
  /// after the bulk rows.
  void bulk_insert(RelationState &rs, const std::vector<const wr_change *> &changes);
  /// Sends the pending batch: one sp_executesql RPC with its parameters.
  void flush();
  /// Clears the pending batch.
  void clear_pending();
  /// Rolls back the open transaction (if any). Never throws.
  void rollback() noexcept;
  /// Warns once per table about NaN/Infinity stored as NULL.
  void warn_special(const TableShape &shape);
  void log(wr_log_level level, const std::string &msg) const;
  int64_t now_us() const;

  const wr_host_api *host_;
  wr_host_sink *handle_;
  std::string name_;
  SinkOptions options_;
  Connection conn_;
  bool in_txn_ = false;
  struct OpenPartial {
    bool open = false;
    wr_lsn stored = 0;
    wr_lsn end_lsn = 0;
    uint32_t xid = 0;
  } partial_;
  std::unordered_map<uint32_t, std::unique_ptr<RelationState>> relations_;
  std::vector<const wr_change *> pending_inserts_;
  std::string pending_sql_;
  Params pending_params_;
  int pending_lines_ = 0;
  std::vector<PendingStatement> pending_what_;
  std::set<std::string> warned_special_;
  std::unordered_map<uint32_t, std::pair<uint32_t, bool>> filtered_;  ///< id -> (gen, ok)
  std::set<std::string> logged_skips_;
};

}  // namespace walrelay::sqlserver

// SqlServerSink: applies walrelay batches to SQL Server, one SQL Server transaction per
// batch (or per transaction delivered in pieces), checkpoint row included.
#pragma once

#include <walrelay/sink.hpp>

#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "connection.h"
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
  };
  /// A statement of the pending batch: its first line and what it does, for errors.
  struct PendingStatement {
    int first_line;
    std::string what;
  };

  void connect();
  void apply_txns(const wr_batch &batch, wr_lsn stored, bool continued);
  void apply_change(const wr_change &c);
  void apply_row(const wr_change &c);
  void apply_truncate(const wr_change &c);
  /// The state of `rel` with its DDL sent (flushes pending DML first when DDL is needed).
  RelationState &relation(const wr_relation &rel);
  /// Appends one statement (ending in '\n') to the pending batch, sending the batch first
  /// when it would exceed batch_bytes.
  void add_statement(const std::string &sql, std::string what);
  /// Turns the pending inserts into INSERT statements.
  void flush_inserts();
  /// Sends the pending batch.
  void flush();
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
  int pending_lines_ = 0;
  std::vector<PendingStatement> pending_what_;
  std::set<std::string> warned_special_;
};

}  // namespace walrelay::sqlserver

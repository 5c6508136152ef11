// MysqlSink: applies walrelay batches to MySQL/MariaDB, one MySQL transaction per batch.
#pragma once

#include <walrelay/sink.hpp>

#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "checkpoint.h"
#include "connection.h"
#include "load_data.h"
#include "options.h"
#include "statement_cache.h"
#include "table_shape.h"

namespace walrelay::mysql {

/// The sink class behind the plugin (wrapped into the C ABI by sdk::detail::Adapter).
class MysqlSink {
 public:
  /// Parses options, connects (WR_RETRY when the server is unreachable) and creates the
  /// checkpoint table. Throws sdk::Error.
  explicit MysqlSink(sdk::SinkContext &ctx);

  /// The end LSN stored for this sink, or WR_LSN_INVALID. Reconnects when needed.
  wr_lsn load_position();

  /// Applies every transaction of `batch` in order plus the checkpoint, in one MySQL
  /// transaction. DDL (create table, add column) runs first, outside it, since MySQL
  /// commits DDL implicitly. On error rolls back and throws: WR_RETRY for lost
  /// connections, deadlocks and lock wait timeouts (the connection is re-opened on the
  /// next call), WR_FATAL naming table, key and LSN otherwise. Transactions whose end_lsn
  /// is at or below the stored checkpoint are skipped.
  void apply(const wr_batch &batch);

 private:
  /// Cached state of one source relation: its current shape and statements.
  struct RelationState {
    TableShape shape;
    StatementCache statements;
  };

  /// Connects when needed; forgets per-connection state when the connection is new.
  void connect();
  /// Runs DDL for every relation of the batch that is new or has a new generation.
  void prepare_relations(const wr_batch &batch);
  /// The cached state of `rel` (prepare_relations ran for it).
  RelationState &relation(const wr_relation &rel);
  void apply_change(const wr_change &c);
  void apply_row(const wr_change &c);
  void apply_truncate(const wr_change &c);
  /// Sends the pending run of INSERTs (same relation) as multi-row INSERTs.
  void flush_inserts();
  /// Converts and binds value `v` of column `col` into slot `j` of the bind arrays.
  void bind_value(size_t j, const wr_value &v, const ColumnInfo &col, const wr_change &c,
                  const TableShape &shape);
  /// The bytes to store for `v` in `col` (pointing into `v` or `scratch`); false for NULL.
  /// Throws for values with no MySQL equivalent (naming table, column, key and LSN).
  bool value_bytes(const wr_value &v, const ColumnInfo &col, const wr_change &c,
                   const TableShape &shape, std::string &scratch, std::string_view &out);
  /// Sends pending_inserts_ through LOAD DATA LOCAL INFILE; false when the server refuses
  /// LOCAL INFILE (the caller falls back to INSERTs). Warnings are fatal.
  bool load_data(const TableShape &shape);
  /// Rolls back the open transaction (if any). Never throws.
  void rollback() noexcept;
  void log(wr_log_level level, const std::string &msg) const;
  int64_t now_us() const;

  const wr_host_api *host_;
  wr_host_sink *handle_;
  std::string name_;
  SinkOptions options_;
  Connection conn_;
  Checkpoint checkpoint_;
  bool connected_before_ = false;
  bool in_txn_ = false;
  std::unordered_map<uint32_t, std::unique_ptr<RelationState>> relations_;
  std::vector<const wr_change *> pending_inserts_;
  std::set<std::string> warned_special_;  ///< columns already warned about NaN/Infinity
  // Scratch reused across rows (no per-row allocation once grown).
  std::vector<uint64_t> mask_;
  /// Sizes the reused bind buffers for a statement with `m` parameters.
  void size_binds(size_t m);

  std::vector<MYSQL_BIND> binds_;
  std::vector<unsigned long> lengths_;
  std::vector<my_bool> nulls_;
  std::vector<std::string> scratch_;
  MemoryInfile infile_;
  std::string load_buf_;
  std::string load_scratch_;
  bool load_data_allowed_ = true;  ///< false once the server refused LOCAL INFILE
};

}  // namespace walrelay::mysql

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
#include "coalesce.h"
#include "connection.h"
#include "load_data.h"
#include "options.h"
#include "schema_diff.h"
#include "statement_cache.h"
#include "table_filter.h"
#include "table_shape.h"

namespace walrelay::mysql {

/// The sink class behind the plugin (wrapped into the C ABI by sdk::detail::Adapter).
class MysqlSink {
 public:
  /// Parses options, connects (WR_RETRY when the server is unreachable) and creates the
  /// checkpoint table. Throws sdk::Error.
  explicit MysqlSink(sdk::SinkContext &ctx);
  /// Rolls back a transaction left open by a partial batch (WR_BATCH_TXN_CONTINUES).
  ~MysqlSink();
  MysqlSink(const MysqlSink &) = delete;
  MysqlSink &operator=(const MysqlSink &) = delete;

  /// The end LSN stored for this sink, or WR_LSN_INVALID. Reconnects when needed. A
  /// transaction left open by a partial batch is rolled back first (the host calls this
  /// before restarting a transaction from its first piece).
  wr_lsn load_position();

  /// Applies every transaction of `batch` in order plus the checkpoint, in one MySQL
  /// transaction. DDL (create table, add / modify column) runs first, outside it, since
  /// MySQL commits DDL implicitly; column drops (drop_columns) run after the commit.
  /// Changes of tables skipped by include_tables / exclude_tables are counted, not applied. On
  /// error rolls back and throws: WR_RETRY for lost connections, deadlocks and lock wait timeouts
  /// (the connection is re-opened on the next call), WR_FATAL naming table, key and LSN otherwise.
  /// Transactions whose end_lsn is at or below the stored checkpoint are skipped.
  ///
  /// Partial transactions (WR_CAP_PARTIAL_TXN, batch.flags): a piece flagged
  /// WR_BATCH_TXN_CONTINUES leaves the MySQL transaction open (no checkpoint, no COMMIT);
  /// a piece flagged WR_BATCH_TXN_CONTINUED runs in that open transaction (no new START
  /// TRANSACTION). A continued piece that needs DDL (MySQL would commit the open
  /// transaction implicitly) rolls back, runs the DDL and throws WR_RETRY, so the host
  /// restarts the transaction from its first piece. Any failure rolls back the whole open
  /// transaction.
  ///
  /// Early apply (WR_CAP_EARLY_APPLY): pieces flagged WR_BATCH_TXN_EARLY come before the
  /// source committed (header LSNs 0); the pieces after them carry the real header, which
  /// is then not compared. A batch flagged WR_BATCH_TXN_ROLLBACK rolls the open
  /// transaction back.
  void apply(const wr_batch &batch);

 private:
  /// Cached state of one source relation: its current shape and statements.
  struct RelationState {
    TableShape shape;   ///< the generation statements are currently prepared for
    TableShape latest;  ///< the highest generation whose DDL ran
    StatementCache statements;
    bool extra_columns = false;  ///< the MySQL table has columns `latest` lacks
  };
  /// A column to drop (drop_columns: true) once a commit covers the change that brought
  /// the generation without it: older generations may still be replayed until then.
  struct PendingDrop {
    uint32_t relation_id;
    std::string column;
    wr_lsn seen_lsn;  ///< LSN of the change carrying the new generation
  };

  /// Connects when needed; forgets per-connection state when the connection is new.
  void connect();
  /// Runs DDL for every relation of the batch that is new or has a new generation. With
  /// `in_open_txn` (a continued piece) DDL cannot run without committing the open
  /// transaction: then it rolls back, runs the DDL and throws WR_RETRY.
  void prepare_relations(const wr_batch &batch, bool in_open_txn);
  /// Applies every change of the batch's transactions above `stored` (skipping older ones).
  void apply_txns(const wr_batch &batch, wr_lsn stored, bool continued);
  /// Throws WR_FATAL for what the schema-change policy forbids (schema_change: fail and
  /// columns added/dropped; type_change: fail and a retyped column), naming table, column
  /// and the LSN of change `c`.
  void check_schema_change(const GenerationDiff &diff, const TableShape &shape,
                           const wr_change &c) const;
  /// After a commit up to `committed`: drops the columns queued by drop_columns whose
  /// generation change is committed (outside any transaction). Failures are logged (the
  /// column stays), never thrown.
  void run_pending_drops(wr_lsn committed) noexcept;
  /// True when include_tables / exclude_tables skip `rel` (logged once per table).
  bool excluded(const wr_relation &rel);
  /// TableShape::from_relation with this sink's naming options.
  TableShape shape_of(const wr_relation &rel) const;
  /// The cached state of `rel` (prepare_relations ran for it).
  RelationState &relation(const wr_relation &rel);
  void apply_change(const wr_change &c);
  /// Validates a row change and queues it in the run (inserts, keyed updates / deletes) or
  /// applies it at once (after flushing the run).
  void apply_row(const wr_change &c);
  /// Runs one UPDATE or DELETE as its own statement, checking it matched one row. Data
  /// errors (see is_data_error, conversions, no row matched) throw RowDataError.
  void execute_row(const wr_change &c);
  /// execute_row, skipping the row with a warning on a data error (on_data_error: skip).
  void execute_or_skip(const wr_change &c);
  /// Logs a row skipped by on_data_error: skip.
  void skip_row(const std::string &error);
  /// rs.statements.get(...) for change `c`; a preparation error names the change (table,
  /// key, LSN) before the server's message.
  CachedStatement &statement_for(RelationState &rs, const wr_change &c, Op op, uint32_t old_kind,
                                 std::span<const uint64_t> mask, uint32_t rows = 1);
  /// Sends rows [done, done + rows) of `run` as one INSERT statement.
  void insert_chunk(RelationState &rs, const std::vector<const wr_change *> &run, size_t done,
                    uint32_t rows);
  /// SAVEPOINT / ROLLBACK TO SAVEPOINT `name`.
  void savepoint(const char *name);
  void rollback_to(const char *name);
  /// True when UPDATE/DELETE `c` may join a keyed run: found by an unchanged primary key,
  /// a DELETE by key, or an UPDATE carrying the full new row (no unchanged TOAST) of a
  /// table with no columns beyond the relation's.
  bool keyed(const wr_change &c, const RelationState &rs) const;
  void apply_truncate(const wr_change &c);
  /// Applies the pending run (one relation): INSERTs only as multi-row INSERTs / LOAD DATA;
  /// with at least kMinKeyedRun updates/deletes coalesced per key as DELETE ... IN + INSERT
  /// under a savepoint (on any data error: back to the savepoint, then row by row, which
  /// reports the failing row exactly as without batching); fewer: row by row.
  void flush_run();
  /// Applies the run in order, one statement per update/delete.
  void replay_run();
  /// Sends `rows` (INSERTs of one relation) as multi-row INSERTs or LOAD DATA. With
  /// `allow_skip` and on_data_error: skip, refused rows are skipped (see README).
  void write_inserts(const std::vector<const wr_change *> &rows, bool allow_skip = true);
  /// DELETE ... WHERE key IN (...) of the keys of run_[i] for i in `which`, in chunks of
  /// insert_batch_rows; throws fatal unless every key matched exactly one row.
  void delete_keys(RelationState &rs, const std::vector<uint32_t> &which);
  /// Converts and binds value `v` of column `col` into slot `j` of the bind arrays.
  void bind_value(size_t j, const wr_value &v, const ColumnInfo &col, const wr_change &c,
                  const TableShape &shape);
  /// The bytes to store for `v` in `col` (pointing into `v` or `scratch`); false for NULL.
  /// Throws for values with no MySQL equivalent (naming table, column, key and LSN).
  bool value_bytes(const wr_value &v, const ColumnInfo &col, const wr_change &c,
                   const TableShape &shape, std::string &scratch, std::string_view &out);
  /// Sends `rows` through LOAD DATA LOCAL INFILE; false when the server refuses LOCAL
  /// INFILE (the caller falls back to INSERTs). Warnings are fatal.
  bool load_data(const TableShape &shape, const std::vector<const wr_change *> &rows);
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
  /// State of a transaction delivered in pieces while its MySQL transaction is open
  /// between apply() calls (open == true).
  struct OpenPartial {
    bool open = false;
    wr_lsn stored = 0;   ///< checkpoint read when the first piece started
    wr_lsn end_lsn = 0;  ///< of the open transaction
    uint32_t xid = 0;
    bool early = false;  ///< opened by an early piece (WR_BATCH_TXN_EARLY): header unknown
  } partial_;
  std::unordered_map<uint32_t, std::unique_ptr<RelationState>> relations_;
  std::vector<PendingDrop> pending_drops_;
  TableFilter filter_;
  std::unordered_map<uint64_t, bool> excluded_;  ///< (relation id, generation) -> skipped
  std::set<std::string> logged_excluded_;        ///< "schema.table" already logged
  uint64_t skipped_changes_ = 0;
  uint64_t skipped_rows_ = 0;  ///< rows skipped by on_data_error: skip
  /// The pending run: consecutive INSERTs and keyed UPDATEs/DELETEs of one relation.
  std::vector<const wr_change *> run_;
  size_t run_keyed_ = 0;  ///< updates/deletes in run_
  CoalescedRun coalesced_;
  std::vector<const wr_change *> run_rows_;  ///< scratch: inserts of a run being applied
  std::set<std::string> warned_special_;     ///< columns already warned about NaN/Infinity
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

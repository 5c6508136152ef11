// One FreeTDS db-lib connection (DBPROCESS): login with the sink's options, T-SQL batches,
// and the mapping of server and client errors to WR_RETRY / WR_FATAL.
#pragma once

#include <sybdb.h>
#include <sybfront.h>  // must precede sybdb.h

#include <walrelay/sink.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "options.h"

namespace walrelay::sqlserver {

class Params;
enum class BulkHost : uint8_t;

/// What the last call saw: the first server error (severity > 10) and the first client
/// (db-lib) error. Reset at the start of every call.
struct Diagnostics {
  int server_error = 0;  ///< SQL Server error number, 0: none
  int severity = 0;
  int line = 0;  ///< line of the batch the server error refers to (1-based)
  std::string server_message;
  int client_error = 0;  ///< db-lib error (SYBE*), 0: none
  std::string client_message;
};

/// True for SQL Server errors after which retrying the transaction may succeed: deadlock
/// victim (1205), lock request timeout (1222), out of lock resources (1204), Azure SQL
/// transient errors (40197, 40501, 40613, 49918..49920), broken transport (233, 10053,
/// 10054, 10060).
bool is_transient_server_error(int number);

/// A connection. Methods throw sdk::Error: WR_RETRY when the connection is lost or timed
/// out (the connection is closed; ensure_connected() opens a new one) or the server error
/// is transient; WR_FATAL otherwise (the message names `what`, the error number, severity,
/// batch line and text). Not thread-safe; one call at a time (the sink's calls are
/// serialized by the host).
class Connection {
 public:
  explicit Connection(const SinkOptions &options) : options_(options) {}
  Connection(const Connection &) = delete;
  Connection &operator=(const Connection &) = delete;
  ~Connection() { close(); }

  /// Logs in (when not connected) as user to database through dbopen(options.server()),
  /// client charset UTF-8 (FreeTDS converts batches to UTF-16), TDS 7.<tds_version_minor>,
  /// then sends session_setup_sql() and, with require_encryption, checks the session is
  /// encrypted. Login failed (18456): WR_FATAL; anything else unreachable: WR_RETRY.
  /// Returns true when a new connection was opened.
  bool ensure_connected();
  bool connected() const { return dbproc_ != nullptr; }
  /// Closes the connection (the server rolls back an open transaction).
  void close() noexcept;

  /// Sends `sql` as one batch and reads every result (rows are discarded).
  void exec(const std::string &sql, const std::string &what);
  /// Sends one RPC request to sp_executesql: @stmt = `stmt`, @params =
  /// params.declaration() and every parameter @p<n> bound with dbrpcparam (BIGINT as
  /// SYBINT8, FLOAT as SYBFLT8, BIT as SYBBIT, NVARCHAR(MAX) as SYBNTEXT, which FreeTDS
  /// sends as NVARCHAR(MAX) converted from the client charset UTF-8 to UTF-16LE,
  /// VARBINARY(MAX) as SYBIMAGE), then reads every result like exec(). Values are never
  /// part of the text.
  void exec_rpc(const std::string &stmt, const Params &params, const std::string &what);
  /// The column names of `quoted_table` in table order (SELECT TOP (0) * FROM it).
  std::vector<std::string> table_columns(const std::string &quoted_table, const std::string &what);
  /// Bulk-copies `rows` into `quoted_table` with db-lib's bcp API on this connection (so
  /// inside its open transaction): bcp_init(DB_IN) (FreeTDS reads the table's metadata with
  /// SET FMTONLY), bcp_bind of every table column with host_types[i] (see BulkHost; the server
  /// type is the column's, FreeTDS converts), per row bcp_colptr/bcp_collen
  /// (rows[r][i] == nullptr: NULL) and bcp_sendrow (the first one sends INSERT BULK, then
  /// the rows go as one bulk-load message), then bcp_done. With `batch_rows` > 0,
  /// bcp_batch after every `batch_rows` rows when more follow: it ends the bulk-load message
  /// (one insert bulk statement, inside the open transaction: nothing is committed) and
  /// FreeTDS starts the next with a new `insert bulk`; each batch's row count from the server
  /// must equal the rows sent in it (else WR_FATAL). Returns the row count the server
  /// reports, summed over the batches. A failure closes the connection (the server rolls the
  /// transaction back) and throws: WR_FATAL for a non-transient server error (e.g. a
  /// duplicate key), WR_RETRY otherwise.
  int64_t bulk_copy(const std::string &quoted_table, const std::vector<BulkHost> &host_types,
                    const std::vector<std::vector<const std::string *>> &rows, unsigned batch_rows,
                    const std::string &what);
  /// Sends `sql` and returns the first column of the first row as an integer (nullopt:
  /// no row or NULL).
  std::optional<int64_t> query_int64(const std::string &sql, const std::string &what);

  /// Diagnostics of the last call (for mapping an error line to a statement).
  const Diagnostics &diagnostics() const { return diag_; }

  /// db-lib handler entry points (global handlers route to the connection running a call
  /// on this thread).
  void on_server_message(int number, int severity, const char *text, int line);
  void on_client_error(int dberr, const char *text, const char *os_text);

 private:
  /// Runs `sql`; stores the first row's first column into `first` when given.
  void run(const std::string &sql, const std::string &what, std::optional<int64_t> *first);
  /// Reads every result of the request just sent (`failed`: sending failed); stores the
  /// first row's first column into `first` when given. Throws through fail().
  void read_results(bool failed, const std::string &what, std::optional<int64_t> *first);
  /// Throws for the current diagnostics, closing the connection when it is unusable.
  [[noreturn]] void fail(const std::string &what);
  /// Closes the connection, then throws for the current diagnostics (WR_FATAL for a
  /// non-transient server error, else WR_RETRY).
  [[noreturn]] void fail_closed(const std::string &what);

  const SinkOptions &options_;
  DBPROCESS *dbproc_ = nullptr;
  Diagnostics diag_;
};

}  // namespace walrelay::sqlserver

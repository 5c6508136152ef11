// The SQL Server sink's options: the wr_option table and parsing into SinkOptions.
#pragma once

#include <walrelay/sink.hpp>

#include <map>
#include <string>

#include "naming.h"

namespace walrelay::sqlserver {

/// Options the plugin accepts (also used by the SDK adapter to reject unknown keys).
inline constexpr wr_option kOptions[] = {
    {"host", WR_OPT_STRING, 0, "127.0.0.1", "server host name or address"},
    {"port", WR_OPT_INT, 0, "1433", "server TCP port"},
    {"server_name", WR_OPT_STRING, 0, nullptr,
     "a freetds.conf section to connect through instead of host:port (carries encryption, "
     "ca file, check certificate hostname)"},
    {"user", WR_OPT_STRING, 1, nullptr, "SQL Server login"},
    {"password", WR_OPT_STRING, 0, "", "password (write it as ${ENV_VAR})"},
    {"database", WR_OPT_STRING, 1, nullptr, "database holding walrelay_checkpoint and the tables"},
    {"tds_version", WR_OPT_STRING, 0, "7.4", "TDS protocol version: 7.1, 7.2, 7.3 or 7.4"},
    {"require_encryption", WR_OPT_BOOL, 0, "false",
     "after connecting, check sys.dm_exec_connections.encrypt_option and refuse an unencrypted "
     "session (encryption itself is configured in freetds.conf, see README)"},
    {"login_timeout_ms", WR_OPT_DURATION_MS, 0, "10000", "login timeout (whole seconds)"},
    {"query_timeout_ms", WR_OPT_DURATION_MS, 0, "60000",
     "timeout of one T-SQL batch (whole seconds)"},
    {"lock_timeout_ms", WR_OPT_DURATION_MS, 0, "30000",
     "SET LOCK_TIMEOUT of the session (a lock wait past it is retried)"},
    {"schema_map", WR_OPT_STRING, 0, "",
     "PostgreSQL schema to SQL Server schema, e.g. \"public=dbo,sales=sales\""},
    {"create_tables", WR_OPT_BOOL, 0, "true",
     "create missing schemas and tables and add missing columns"},
    {"drop_columns", WR_OPT_BOOL, 0, "false",
     "a column dropped in PostgreSQL is dropped in SQL Server too (ALTER TABLE ... DROP COLUMN "
     "in the transaction of the first change after the drop); false keeps it (new rows: NULL)"},
    {"include_tables", WR_OPT_STRING, 0, "",
     "comma-separated schema.table patterns (* matches any characters): only matching source "
     "tables are applied; empty: all"},
    {"exclude_tables", WR_OPT_STRING, 0, "",
     "comma-separated schema.table patterns: matching source tables are skipped (wins over "
     "include_tables)"},
    {"collation", WR_OPT_STRING, 0, "Latin1_General_100_BIN2",
     "collation of created NVARCHAR/NCHAR columns (empty: the database default)"},
    {"special_floats", WR_OPT_STRING, 0, "null",
     "float/numeric NaN and +-Infinity into FLOAT/REAL/DECIMAL: null or fail"},
    {"insert_batch_rows", WR_OPT_INT, 0, "500", "most rows in one INSERT ... VALUES (1..1000)"},
    {"bulk_min_rows", WR_OPT_INT, 0, "1000",
     "runs of at least this many consecutive inserts into one table go through TDS bulk copy "
     "(bcp) inside the batch transaction; 0: never"},
    {"bulk_batch_rows", WR_OPT_INT, 0, "10000",
     "rows per bcp_batch within one bulk copy (each batch is one insert bulk statement inside "
     "the batch transaction); 0: the whole run in one batch"},
    {"table_map", WR_OPT_STRING, 0, "",
     "source table to destination table name, e.g. \"public.users=app_users\" (the schema "
     "still follows schema_map)"},
    {"schema_change", WR_OPT_STRING, 0, "follow",
     "columns added or dropped by a new relation generation (or missing in an existing "
     "table): follow or fail"},
    {"type_change", WR_OPT_STRING, 0, "fail",
     "a column whose SQL Server type changes with its PostgreSQL type: fail or follow (ALTER "
     "TABLE ... ALTER COLUMN)"},
    {"batch_bytes", WR_OPT_INT, 0, "1048576",
     "T-SQL text sent per round trip before the next batch is started (4096..67108864)"},
};

/// Parsed options.
struct SinkOptions {
  std::string host = "127.0.0.1";
  unsigned port = 1433;
  std::string server_name;  ///< empty: "host:port"
  std::string user;
  std::string password;
  std::string database;
  int tds_version_minor = 4;  ///< TDS 7.<minor>
  bool require_encryption = false;
  unsigned login_timeout_ms = 10000;
  unsigned query_timeout_ms = 60000;
  unsigned lock_timeout_ms = 30000;
  /// PostgreSQL schema -> SQL Server schema ("public" maps to dbo unless listed; other
  /// schemas keep their name unless listed).
  std::map<std::string, std::string> schema_map;
  bool create_tables = true;
  bool drop_columns = false;
  TableFilter tables;  ///< include_tables / exclude_tables
  std::string collation = "Latin1_General_100_BIN2";
  bool special_floats_fail = false;
  unsigned insert_batch_rows = 500;
  unsigned batch_bytes = 1048576;
  unsigned bulk_min_rows = 1000;     ///< 0: no bulk copy
  unsigned bulk_batch_rows = 10000;  ///< rows per bcp_batch, 0: one batch per bulk copy
  /// "schema.table" -> destination table name (schema: schema_map).
  std::map<std::string, std::string> table_map;
  bool schema_change_fail = false;  ///< schema_change: fail
  bool type_change_follow = false;  ///< type_change: follow

  /// The server argument of dbopen(): server_name, or "host:port".
  std::string server() const {
    return server_name.empty() ? host + ":" + std::to_string(port) : server_name;
  }

  /// Parses and validates `config` (unknown keys are rejected by the SDK adapter before);
  /// throws sdk::invalid_config naming the key and where it was written.
  static SinkOptions parse(const sdk::Config &config);
};

}  // namespace walrelay::sqlserver

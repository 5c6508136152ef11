// The sink's options: the wr_option table and parsing into SinkOptions.
#pragma once

#include <walrelay/sink.hpp>

#include <map>
#include <string>
#include <vector>

namespace walrelay::mysql {

/// Options the plugin accepts (also used by the SDK adapter to reject unknown keys).
inline constexpr wr_option kOptions[] = {
    {"host", WR_OPT_STRING, 0, "127.0.0.1", "server host name or address (ignored with socket)"},
    {"port", WR_OPT_INT, 0, "3306", "server TCP port"},
    {"socket", WR_OPT_STRING, 0, nullptr, "Unix socket path (used instead of host/port)"},
    {"user", WR_OPT_STRING, 1, nullptr, "user name"},
    {"password", WR_OPT_STRING, 0, "", "password (write it as ${ENV_VAR})"},
    {"database", WR_OPT_STRING, 1, nullptr,
     "database holding walrelay_checkpoint and the tables of schema public"},
    {"ssl_mode", WR_OPT_STRING, 0, "preferred",
     "disabled, preferred, required, verify_ca or verify_identity"},
    {"ssl_ca", WR_OPT_STRING, 0, nullptr,
     "CA certificate file (PEM) for verify_ca/verify_identity"},
    {"connect_timeout_ms", WR_OPT_DURATION_MS, 0, "10000", "connect timeout"},
    {"read_timeout_ms", WR_OPT_DURATION_MS, 0, "60000", "read timeout of one statement"},
    {"write_timeout_ms", WR_OPT_DURATION_MS, 0, "60000", "write timeout of one statement"},
    {"schema_map", WR_OPT_STRING, 0, "",
     "PostgreSQL schema to MySQL database, e.g. \"sales=sales_db,audit=audit_db\""},
    {"create_tables", WR_OPT_BOOL, 0, "true",
     "create missing destination tables and add missing columns"},
    {"insert_batch_rows", WR_OPT_INT, 0, "256",
     "most rows in one multi-row INSERT statement (1..4096)"},
    {"load_data_min_rows", WR_OPT_INT, 0, "1000",
     "insert runs of at least this many rows go through LOAD DATA LOCAL INFILE from memory "
     "(0: never)"},
    {"special_floats", WR_OPT_STRING, 0, "null",
     "float/numeric NaN and +-Infinity into a DOUBLE/DECIMAL column: null or fail"},
    {"collation", WR_OPT_STRING, 0, "utf8mb4_nopad_bin",
     "collation of created tables (binary, no pad: keys compare like PostgreSQL's)"},
    {"schema_change", WR_OPT_STRING, 0, "follow",
     "columns added/dropped by a new relation generation: follow (ALTER TABLE) or fail"},
    {"drop_columns", WR_OPT_BOOL, 0, "false",
     "with schema_change follow: drop MySQL columns dropped in PostgreSQL (false: keep them, "
     "new rows get NULL)"},
    {"type_change", WR_OPT_STRING, 0, "fail",
     "a column whose PostgreSQL type changed: fail or follow (ALTER TABLE MODIFY COLUMN)"},
    {"include_tables", WR_OPT_STRING, 0, "",
     "only these source tables, e.g. \"public.*,sales.orders\" (empty: all)"},
    {"exclude_tables", WR_OPT_STRING, 0, "",
     "skip these source tables, e.g. \"public.tmp_*\" (wins over include_tables)"},
    {"table_map", WR_OPT_STRING, 0, "",
     "source table to destination table name, e.g. \"public.users=app_users\""},
    {"arrays", WR_OPT_STRING, 0, "json",
     "arrays of built-in types: json (JSON array) or text (PostgreSQL's array text in "
     "LONGTEXT)"},
    {"on_data_error", WR_OPT_STRING, 0, "fail",
     "a row rejected by MySQL (duplicate key, value too long / out of range, constraint, "
     "missing row): fail the batch, or skip the row with a warning"},
};

/// TLS mode (the values of ssl_mode).
enum class SslMode { Disabled, Preferred, Required, VerifyCa, VerifyIdentity };

/// Parsed options.
struct SinkOptions {
  std::string host = "127.0.0.1";
  unsigned port = 3306;
  std::string socket;  ///< empty: TCP
  std::string user;
  std::string password;
  std::string database;
  SslMode ssl_mode = SslMode::Preferred;
  std::string ssl_ca;
  unsigned connect_timeout_ms = 10000;
  unsigned read_timeout_ms = 60000;
  unsigned write_timeout_ms = 60000;
  /// PostgreSQL schema -> MySQL database ("public" maps to `database` unless listed).
  std::map<std::string, std::string> schema_map;
  bool create_tables = true;
  unsigned insert_batch_rows = 256;
  unsigned load_data_min_rows = 1000;  ///< 0: LOAD DATA off
  bool special_floats_fail = false;    ///< special_floats: fail (true) or null (false)
  std::string collation = "utf8mb4_nopad_bin";
  bool schema_change_fail = false;  ///< schema_change: fail (true) or follow (false)
  bool drop_columns = false;
  bool type_change_follow = false;          ///< type_change: follow (true) or fail (false)
  std::vector<std::string> include_tables;  ///< glob patterns over "schema.table"
  std::vector<std::string> exclude_tables;  ///< glob patterns over "schema.table"
  /// "schema.table" -> destination table name (in the database the schema maps to).
  std::map<std::string, std::string> table_map;
  bool skip_data_errors = false;
  bool arrays_json = true;  ///< arrays: json (true) or text (false)  ///< on_data_error: skip
                            ///< (true) or fail (false)

  /// Parses and validates `config` (unknown keys are rejected by the SDK adapter before);
  /// throws sdk::invalid_config naming the key.
  static SinkOptions parse(const sdk::Config &config);
};

}  // namespace walrelay::mysql

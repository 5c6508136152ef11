// The T-SQL the sink sends: DDL for destination tables and DML for row changes, built as
// text with every value written as a checked literal (type_map.h append_literal). Pure
// functions: no connection, so the unit tests pin the exact text.
#pragma once

#include <walrelay/sink.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "table_shape.h"

namespace walrelay::sqlserver {

/// Error number of the THROW the sink appends after UPDATE/DELETE (no or several rows
/// matched) and after the existence checks of create_tables: false.
inline constexpr int kSinkThrowNumber = 50001;

/// A value that cannot be written for its column; `what()` says why (the caller adds
/// table, key and LSN).
class ValueError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Appends the literal of `v` for `col` (NULL for WR_VALUE_NULL). A NaN/Infinity into a
/// FLOAT/REAL/DECIMAL column becomes NULL and sets `special` when `special_null`, else
/// throws. Throws ValueError for unchanged TOAST, binary values, malformed text and values
/// out of SQL Server's range.
void append_value(std::string &out, const ColumnInfo &col, const wr_value &v, bool special_null,
                  bool &special);

/// "[c] TYPE [COLLATE x] NULL|NOT NULL" for CREATE TABLE / ALTER TABLE ADD.
std::string column_decl(const ColumnInfo &col, const std::string &collation, bool not_null);

/// DDL that makes the destination fit `shape`, idempotent (guarded by SCHEMA_ID,
/// OBJECT_ID and COL_LENGTH, so it can run on every new connection): with `create`
/// the schema (unless dbo) and table are created when missing and every missing column
/// is added (NULL); without it a missing table or column THROWs kSinkThrowNumber naming
/// it. Transactional in SQL Server: rolled back with the batch on failure. Must be sent as
/// a batch of its own, before DML that uses new columns (T-SQL compiles a batch whole).
std::string ensure_table_sql(const TableShape &shape, const std::string &collation, bool create);

/// CREATE TABLE (unguarded) for `shape`: columns in order, PRIMARY KEY on the key
/// columns when shape.use_primary_key().
std::string create_table_sql(const TableShape &shape, const std::string &collation);

/// INSERT INTO t (cols) VALUES (row 1),\n(row 2)...;\n for `rows` (each `n` values of
/// shape.columns).
std::string insert_sql(const TableShape &shape, const std::vector<const wr_value *> &rows,
                       bool special_null, bool &special);

/// UPDATE or DELETE of change `c` followed by
/// "IF @@ROWCOUNT <> 1 THROW 50001, N'<fail_message>', 1;". Rows are identified by the key
/// columns (old key tuple, or new values when the key did not change) or, with REPLICA
/// IDENTITY FULL, by every old column not unchanged-TOAST (NULL as IS NULL) and TOP (1).
/// UPDATE sets every new value except unchanged TOAST ones.
std::string row_change_sql(const TableShape &shape, const wr_change &c,
                           const std::string &fail_message, bool special_null, bool &special);

/// TRUNCATE TABLE t;\n
std::string truncate_sql(const TableShape &shape);

/// The session settings sent once per connection (XACT_ABORT: any error rolls the whole
/// transaction back; NOCOUNT; ANSI options indexes need; LOCK_TIMEOUT).
std::string session_setup_sql(unsigned lock_timeout_ms);

/// Cuts UTF-8 `s` to at most `max` bytes on a character boundary (THROW messages).
std::string utf8_prefix(const std::string &s, size_t max);

}  // namespace walrelay::sqlserver

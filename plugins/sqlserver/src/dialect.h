// The T-SQL the sink sends: DDL for destination tables and DML for row changes. DML text
// holds no replicated value: each value is a parameter @pN (bound through FreeTDS in an
// sp_executesql RPC, see Params), only the constants NULL, N'' and 0x are written inline.
// Pure functions: no connection, so the unit tests pin the exact text and parameters.
#pragma once

#include <walrelay/sink.h>

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
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

/// Most parameters the sink puts into one sp_executesql call (SQL Server takes 2100 per
/// request, @stmt and @params included).
inline constexpr size_t kMaxParams = 2000;

/// One parameter of an sp_executesql call: @p<n>, declared `decl`, sent as `type`.
struct Param {
  ParamType type = ParamType::NVarChar;
  std::string decl;  ///< declaration in @params, e.g. "BIGINT", "NVARCHAR(2048)"
  std::string data;  ///< the value (see ParamType)
};

/// The parameters of statements being built. Names are @p<base+1>, @p<base+2>, ... so
/// statements built one after another into one batch never reuse a name.
class Params {
 public:
  /// Parameters numbered after `base` existing ones.
  explicit Params(size_t base = 0) : base_(base) {}
  /// Adds a parameter; returns its name ("@p7").
  std::string add(ParamType type, std::string data, std::string decl = {});
  /// Appends all of `other` (which must have been numbered after this one's last).
  void append(Params &&other);
  size_t size() const { return list_.size(); }
  bool empty() const { return list_.empty(); }
  /// Bytes of all values.
  size_t data_bytes() const { return data_bytes_; }
  const std::vector<Param> &list() const { return list_; }
  /// The @params argument: "@p1 BIGINT, @p2 NVARCHAR(MAX)" (empty when no parameters).
  std::string declaration() const;
  /// Name of parameter `i` (0-based in this object): "@p<base+i+1>".
  std::string name(size_t i) const { return "@p" + std::to_string(base_ + i + 1); }

 private:
  size_t base_;
  std::vector<Param> list_;
  size_t data_bytes_ = 0;
};

/// Appends the placeholder of `v` for `col` to `out`, adding its parameter to `params`:
/// NULL for WR_VALUE_NULL, N'' / 0x for an empty text / bytea (db-lib sends a zero-length
/// parameter as NULL), else @pN bound as bind_value() says. A NaN/Infinity into a
/// FLOAT/REAL/DECIMAL column becomes NULL and sets `special` when `special_null`, else
/// throws. Throws ValueError for unchanged TOAST, binary values, malformed text and values
/// out of SQL Server's range.
void append_value(std::string &out, const ColumnInfo &col, const wr_value &v, bool special_null,
                  bool &special, Params &params);

/// How a column's values are handed to db-lib's bulk copy (bcp_bind's host type).
enum class BulkHost : uint8_t {
  Char,    ///< SYBCHAR text; FreeTDS converts it to the column's type (numbers, DECIMAL,
           ///< UNIQUEIDENTIFIER, DATE, TIME, DATETIME2, DATETIMEOFFSET)
  Utf16,   ///< SYBNVARCHAR holding UTF-16LE, for NVARCHAR/NCHAR columns
  Float8,  ///< SYBFLT8
  Bit,     ///< SYBBIT
  Binary,  ///< SYBBINARY bytes
};

/// The bulk host type of a column of type `t`.
BulkHost bulk_host(const SqlType &t);

/// Converts `v` for bulk copy into column `col` (host type bulk_host(col.type)) into `out`.
/// Returns false for NULL (also NaN/Infinity stored as NULL, which sets `special`). Checks
/// like append_value and throws ValueError the same way. An empty result is an empty
/// string or bytea, which db-lib's bcp cannot send (a zero length means NULL).
bool bulk_value(const ColumnInfo &col, const wr_value &v, bool special_null, bool &special,
                std::string &out);

/// The most bytes a bulk value of a column of type `t` may have (NVARCHAR(n)/NCHAR(n): 2n,
/// VARBINARY(n): n), 0 for no limit. FreeTDS cuts longer bulk values silently, so such rows
/// go as statements, where the server reports the truncation.
size_t bulk_max_bytes(const SqlType &t);

/// UTF-8 -> UTF-16LE (invalid sequences become U+FFFD).
std::string utf16le(std::string_view utf8);

/// "[c] TYPE [COLLATE x] NULL|NOT NULL" for CREATE TABLE / ALTER TABLE ADD.
std::string column_decl(const ColumnInfo &col, const std::string &collation, bool not_null);

/// DDL that makes the destination fit `shape`, idempotent (guarded by SCHEMA_ID,
/// OBJECT_ID and COL_LENGTH, so it can run on every new connection): with `create`
/// the schema (unless dbo) and table are created when missing and every missing column
/// is added (NULL); without it a missing table or column THROWs kSinkThrowNumber naming
/// it. Transactional in SQL Server: rolled back with the batch on failure. Must be sent as
/// a batch of its own, before DML that uses new columns (T-SQL compiles a batch whole).
/// `schema_fail_context` non-empty (schema_change: fail): an existing table lacking a
/// column THROWs "schema change of table T: column [c] is missing in SQL Server" +
/// `schema_fail_context` (which names relation, generation and LSN) instead of adding it.
std::string ensure_table_sql(const TableShape &shape, const std::string &collation, bool create,
                             const std::string &schema_fail_context = {});

/// "ALTER TABLE t ALTER COLUMN [c] TYPE [COLLATE x] NULL;\n" per name in `columns` (each a
/// column of `shape`, not in its primary key; type_change: follow). Not guarded: the column
/// exists (the DDL batch added it before when missing). Transactional like the rest.
std::string alter_columns_sql(const TableShape &shape, const std::vector<std::string> &columns,
                              const std::string &collation);

/// "IF COL_LENGTH(t, c) IS NOT NULL ALTER TABLE t DROP COLUMN [c];\n" per name in
/// `columns` (idempotent; transactional like the rest of the batch).
std::string drop_columns_sql(const TableShape &shape, const std::vector<std::string> &columns);

/// CREATE TABLE (unguarded) for `shape`: columns in order, PRIMARY KEY on the key
/// columns when shape.use_primary_key().
std::string create_table_sql(const TableShape &shape, const std::string &collation);

/// INSERT INTO t (cols) VALUES (row 1),\n(row 2)...;\n for `rows` (each `n` values of
/// shape.columns), values as parameters added to `params`.
std::string insert_sql(const TableShape &shape, const std::vector<const wr_value *> &rows,
                       bool special_null, bool &special, Params &params);

/// UPDATE or DELETE of change `c` followed by "IF @@ROWCOUNT <> 1 THROW 50001, @pN, 1;"
/// (@pN: `fail_message` as NVARCHAR(2048)), values as parameters added to `params`.
/// Rows are identified by the key
/// columns (old key tuple, or new values when the key did not change) or, with REPLICA
/// IDENTITY FULL, by every old column not unchanged-TOAST (NULL as IS NULL) and TOP (1).
/// UPDATE sets every new value except unchanged TOAST ones.
std::string row_change_sql(const TableShape &shape, const wr_change &c,
                           const std::string &fail_message, bool special_null, bool &special,
                           Params &params);

/// TRUNCATE TABLE t;\n
std::string truncate_sql(const TableShape &shape);

/// The session settings sent once per connection (XACT_ABORT: any error rolls the whole
/// transaction back; NOCOUNT; ANSI options indexes need; LOCK_TIMEOUT).
std::string session_setup_sql(unsigned lock_timeout_ms);

/// Cuts UTF-8 `s` to at most `max` bytes on a character boundary (THROW messages).
std::string utf8_prefix(const std::string &s, size_t max);

}  // namespace walrelay::sqlserver

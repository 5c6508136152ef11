// PostgreSQL type -> SQL Server column type, and PostgreSQL text values -> T-SQL literals.
// The table in README.md "Type mapping" documents both.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace walrelay::sqlserver {

/// How a column's text values become T-SQL literals.
enum class ValueClass : uint8_t {
  Integer,      ///< int2/int4/int8/oid/xid8: checked digits, written bare
  Decimal,      ///< numeric(p,s), p <= 38: checked number, bare; NaN/+-Infinity special
  NumericText,  ///< numeric beyond DECIMAL(38): exact text in NVARCHAR (NaN kept as text)
  Float,        ///< float4/float8: checked number, bare; NaN/+-Infinity special
  Bool,         ///< t/f -> 1/0
  Text,         ///< N'...' (text, varchar, json, uuid, time, interval, ...)
  Uuid,         ///< checked 8-4-4-4-12 hex, N'...'
  Binary,       ///< bytea: 0x... hex
  Date,         ///< N'YYYY-MM-DD'; infinity and BC are out of range
  Timestamp,    ///< N'YYYY-MM-DD hh:mm:ss[.ffffff]'; infinity and BC out of range
  TimestampTz,  ///< converted to UTC: N'YYYY-MM-DD hh:mm:ss[.ffffff]+00:00'
  ArrayNumber,  ///< int/float/numeric arrays -> N'<JSON array of numbers>'
  ArrayBool,    ///< bool arrays -> N'<JSON array of true/false>'
  ArrayString,  ///< other built-in arrays -> N'<JSON array of strings>'
};

/// The destination column type of one source column.
struct SqlType {
  std::string decl;  ///< e.g. "DECIMAL(12,2)", "NVARCHAR(MAX)", "DATETIMEOFFSET(6)"
  ValueClass cls = ValueClass::Text;
  bool collatable = false;  ///< NVARCHAR/NCHAR: gets the collation option's COLLATE clause
};

/// Maps a source column. `key`: the column is in the primary key (MAX types become
/// NVARCHAR(450) / VARBINARY(900), which SQL Server can index). `user_type`: the source
/// sent a Type message for it (enum, domain, composite): NVARCHAR(MAX) / NVARCHAR(450).
SqlType map_type(uint32_t type_oid, int32_t typmod, bool key, bool user_type);

/// Outcome of append_literal.
enum class Conversion : uint8_t {
  Ok,          ///< the literal was appended
  Special,     ///< NaN / Infinity / -Infinity for a FLOAT, REAL or DECIMAL column
  Malformed,   ///< the text is not valid for its class
  OutOfRange,  ///< infinity or a BC date/timestamp: SQL Server has no such value
};

/// Appends the T-SQL literal for PostgreSQL text output `text` of class `cls` to `out`.
/// Nothing is appended unless the result is Ok. Text reaches the batch only as a checked
/// number, a hex literal, or an N'' literal with quotes doubled, never raw.
Conversion append_literal(std::string &out, std::string_view text, ValueClass cls);

}  // namespace walrelay::sqlserver

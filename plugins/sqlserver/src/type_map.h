// PostgreSQL type -> SQL Server column type, and PostgreSQL text values -> bound values
// (sp_executesql parameters, bulk copy) or T-SQL literals.
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
/// number, a hex literal, or an N'' literal with quotes doubled, never raw. The sink sends
/// values as parameters (bind_value); literals are kept for diagnostics and tools.
Conversion append_literal(std::string &out, std::string_view text, ValueClass cls);

/// The TDS type a value is bound as (an sp_executesql parameter or a bulk-copy column).
enum class ParamType : uint8_t {
  BigInt,     ///< 8-byte integer (INTN 8), data: int64_t in host byte order
  Float,      ///< 8-byte IEEE double (FLTN 8), data: double in host byte order
  Bit,        ///< BITN, data: one byte 0 or 1
  NVarChar,   ///< NVARCHAR(MAX), data: UTF-8 (FreeTDS converts it to UTF-16LE)
  VarBinary,  ///< VARBINARY(MAX), data: the bytes
};

/// The parameter declaration of `t` in sp_executesql's @params ("BIGINT", "FLOAT", "BIT",
/// "NVARCHAR(MAX)", "VARBINARY(MAX)").
const char *param_type_decl(ParamType t);

/// A value converted for binding: its TDS type and bytes (see ParamType).
struct BoundValue {
  ParamType type = ParamType::NVarChar;
  std::string data;
};

/// Converts PostgreSQL text output `text` of class `cls` into the value bound for it,
/// checked exactly like append_literal: integers that fit int64 become BigInt (larger xid8
/// values NVarChar, converted by the server), floats Float, bools Bit, bytea VarBinary (the
/// decoded bytes), DECIMAL values and everything else NVarChar text (timestamptz converted
/// to UTC with "+00:00", arrays to JSON). `out` is set only when the result is Ok.
Conversion bind_value(std::string_view text, ValueClass cls, BoundValue &out);

}  // namespace walrelay::sqlserver

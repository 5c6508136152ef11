// PostgreSQL type -> MySQL column type, and conversion of wr_value text to bound values.
#pragma once

#include <walrelay/sink.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace walrelay::mysql {

/// How a column's values are converted before binding. See README.md "Type mapping".
enum class ValueClass : uint8_t {
  Text,         ///< PostgreSQL's text output as is (also integers, uuid, json, time, ...)
  Bool,         ///< 't'/'f' -> 1/0
  Float,        ///< float4/float8 into DOUBLE; NaN/+-Infinity are "special"
  Decimal,      ///< numeric(p,s) into DECIMAL(p,s); NaN/+-Infinity are "special"
  NumericText,  ///< numeric beyond DECIMAL: exact text, NaN/Infinity kept as text
  Blob,         ///< bytea: hex (or escape) output decoded to bytes
  Date,         ///< date: "infinity" and BC dates do not fit
  Timestamp,    ///< timestamp: as Date
  TimestampTz,  ///< timestamptz: converted to UTC, offset dropped
  ArrayNumber,  ///< int/float/numeric arrays: array text -> JSON array of numbers
  ArrayBool,    ///< bool arrays: array text -> JSON array of true/false
  ArrayString,  ///< other built-in arrays: array text -> JSON array of strings
};

/// The destination column type of one source column.
struct MysqlType {
  std::string decl;  ///< e.g. "DECIMAL(12,2)", "LONGTEXT", "DATETIME(6)"
  ValueClass cls = ValueClass::Text;
};

/// Maps a source column. `key`: the column is part of the primary key (TEXT/BLOB types
/// become VARCHAR(255)/VARBINARY(1024), which MySQL can index). `user_type`: the source
/// sent a Type message for it (enum, domain, composite). `arrays_json` (option arrays:
/// json): arrays of built-in types become JSON; false (arrays: text): their text output in
/// LONGTEXT (key: VARCHAR(255)).
MysqlType map_type(uint32_t type_oid, int32_t typmod, bool key, bool user_type,
                   bool arrays_json = true);

/// Outcome of convert_value.
enum class Conversion : uint8_t {
  Ok,          ///< `out` holds the bytes to bind (string or blob)
  Special,     ///< NaN / Infinity / -Infinity for a DOUBLE or DECIMAL column
  Malformed,   ///< the text is not valid for its class (e.g. bad bytea hex, bad array)
  OutOfRange,  ///< infinity or a BC date/timestamp: MySQL has no such value
};

/// Converts the text of a TEXT value for `cls`. `out` points either into `text` or into
/// `scratch` (which must outlive the use of `out`).
Conversion convert_value(std::string_view text, ValueClass cls, std::string &scratch,
                         std::string_view &out);

/// Why convert_value found `text` malformed for `cls`, for error messages (array parse
/// errors name the byte offset); empty when there is nothing to add.
std::string malformed_detail(std::string_view text, ValueClass cls);

/// Decodes bytea text output into `out` (cleared first): hex format "\x0a0b..." or the
/// legacy escape format. Returns false when the text is malformed.
bool decode_bytea(std::string_view text, std::string &out);

/// Converts timestamptz text ("2024-03-01 12:00:00.5+05:30", ISO DateStyle) to a UTC
/// DATETIME literal ("2024-03-01 06:30:00.5") in `out`. Returns false when malformed,
/// infinite or BC.
bool timestamptz_to_utc(std::string_view text, std::string &out);

}  // namespace walrelay::mysql

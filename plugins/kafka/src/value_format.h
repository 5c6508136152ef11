// Column value -> JSON value, per PostgreSQL type OID (see README.md "Value conversion").
#pragma once

#include <walrelay/sink.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "json_writer.h"

namespace walrelay::kafka {

/// How date/time values are written (option `timestamp_mode`).
enum class TimestampMode : uint8_t {
  Iso,          ///< ISO-8601 strings, timestamps in UTC with a "Z"
  EpochMicros,  ///< numbers: microseconds since the epoch (timestamps), since midnight
                ///< (time), days since the epoch (date)
};

/// Type OIDs with a dedicated conversion.
namespace oid {
inline constexpr uint32_t kBool = 16, kBytea = 17, kInt8 = 20, kInt2 = 21, kInt4 = 23, kOid = 26,
                          kFloat4 = 700, kFloat8 = 701, kDate = 1082, kTime = 1083,
                          kTimestamp = 1114, kTimestamptz = 1184, kNumeric = 1700;
}  // namespace oid

/// Writes `v` (NULL, TEXT or BINARY; never UNCHANGED_TOAST) as the JSON value for a
/// column of type `type_oid`. `scratch` is reused for decoded bytea bytes.
/// Values that do not parse as their type expects are written as JSON strings holding
/// PostgreSQL's text unchanged, never dropped.
void write_value(JsonWriter &w, uint32_t type_oid, const wr_value &v, TimestampMode mode,
                 std::string &scratch);

/// Parses PostgreSQL's ISO output of timestamp / timestamptz ("2024-01-02 03:04:05.5+01",
/// offsets +HH, +HH:MM or +HH:MM:SS) into microseconds since the Unix epoch, UTC (a
/// timestamp without time zone is taken as UTC). False for infinity, BC dates, other
/// DateStyles.
bool parse_timestamp(std::string_view text, int64_t &micros);

/// Parses "YYYY-MM-DD" into days since 1970-01-01.
bool parse_date(std::string_view text, int64_t &days);

/// Parses "HH:MM:SS[.ffffff]" into microseconds since midnight.
bool parse_time(std::string_view text, int64_t &micros);

/// Appends "YYYY-MM-DDTHH:MM:SS[.ffffff]Z" for `micros` since the epoch (fraction only
/// when non-zero, always 6 digits then).
void append_iso_timestamp(std::string &out, int64_t micros);

/// Decodes bytea text output (hex "\x0a0b", or the escape format) into `out` (cleared
/// first). False when malformed.
bool decode_bytea(std::string_view text, std::string &out);

}  // namespace walrelay::kafka

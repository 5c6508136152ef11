// Parsers for PostgreSQL text output forms the sink converts: bytea, timestamptz, arrays.
#pragma once

#include <string>
#include <string_view>

namespace walrelay::sqlserver {

/// Decodes bytea text output into `out` (cleared first): hex format "\x0a0b..." or the
/// legacy escape format. Returns false when the text is malformed.
bool decode_bytea(std::string_view text, std::string &out);

/// Converts timestamptz text in ISO DateStyle ("2024-03-01 12:00:00.5+05:30", offsets
/// +hh, +hh:mm or +hh:mm:ss) to the same instant in UTC, "2024-03-01 06:30:00.5" (the
/// fraction is kept as written). Returns false when malformed, infinite, BC, or when the
/// UTC year falls outside 1..9999.
bool timestamptz_to_utc(std::string_view text, std::string &out);

/// True for "infinity", "-infinity" and values ending in " BC" (no SQL Server equivalent).
bool out_of_range_date(std::string_view text);

/// Converts PostgreSQL array text output (`{1,2,NULL}`, `{"a b","c\"d"}`, nested
/// `{{1,2},{3,4}}`, optional leading dimension bounds `[0:1]=` which are dropped) into a
/// JSON array in `out` (cleared first). NULL becomes null. With kind Number an element that
/// is a JSON number stays bare (NaN, Infinity become strings); with Bool t/f become
/// true/false; everything else becomes a JSON string. Returns false on malformed input.
enum class ArrayElement { Number, Bool, String };
bool array_to_json(std::string_view text, ArrayElement kind, std::string &out);

}  // namespace walrelay::sqlserver

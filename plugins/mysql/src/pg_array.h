// PostgreSQL array text output -> JSON array text.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace walrelay::mysql {

/// How the elements of an array become JSON values (NULL is always `null`).
enum class ArrayElement : uint8_t {
  Number,  ///< int/float/numeric arrays: a JSON number when the text is one (NaN,
           ///< Infinity: a string)
  Bool,    ///< bool arrays: t/f -> true/false
  String,  ///< everything else: a JSON string
};

/// The element kind for a built-in array type OID, or false when `oid` is not one of the
/// array types converted to JSON (see README.md "Type mapping").
bool array_element_kind(uint32_t oid, ArrayElement &kind);

/// Converts PostgreSQL array text output (`{1,2,NULL}`, `{"a b","c\"d"}`, nested
/// `{{1,2},{3,4}}`, optionally prefixed by dimension bounds `[0:1]=`, which are dropped)
/// into a JSON array in `out` (cleared first): `[1,2,null]`, `["a b","c\"d"]`,
/// `[[1,2],[3,4]]`. Elements are separated by `,`. On malformed input returns false and
/// sets `error` to what is wrong and the byte offset; `out` is then unspecified.
bool array_to_json(std::string_view text, ArrayElement kind, std::string &out, std::string &error);

}  // namespace walrelay::mysql

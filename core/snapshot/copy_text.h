// Parser for one row of COPY's text format, as `COPY ... TO STDOUT` sends it (PostgreSQL
// docs, "COPY", section "Text Format").
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace walrelay::snapshot {

/// One column of a parsed row: `len` bytes at `offset` in the output buffer, or NULL.
struct CopyField {
  uint32_t offset = 0;
  uint32_t len = 0;
  bool null = false;
};

/// Splits one COPY text row (a CopyData message: columns separated by tab, ending in
/// newline) into `expected_columns` fields, undoing the backslash escapes (\b \f \n \r \t
/// \v \\, \ooo octal, \xhh hex, backslash before any other character) and mapping a field
/// that is exactly \N to NULL. Unescaped bytes are appended to `out`; fields are appended
/// to `fields` (offsets into `out`), so many rows can share one buffer. Values are the
/// server's type output text, byte for byte. Returns false with `error` set (naming the
/// column) when the row has another column count or ends inside an escape; `out` and
/// `fields` may then hold a partial row, which the caller drops.
bool parse_copy_text_row(std::string_view row, size_t expected_columns, std::string &out,
                         std::vector<CopyField> &fields, std::string &error);

}  // namespace walrelay::snapshot

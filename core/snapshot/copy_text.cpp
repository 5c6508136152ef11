#include "core/snapshot/copy_text.h"

namespace walrelay::snapshot {

namespace {

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

bool parse_copy_text_row(std::string_view row, size_t expected_columns, std::string &out,
                         std::vector<CopyField> &fields, std::string &error) {
  if (!row.empty() && row.back() == '\n') row.remove_suffix(1);
  if (expected_columns == 0 && row.empty()) return true;  // a table without columns
  const size_t first = fields.size();
  size_t i = 0;
  for (;;) {
    // One field: up to the next unescaped tab or the end of the row.
    const size_t start = out.size();
    const size_t field_start = i;
    while (i < row.size() && row[i] != '\t') {
      const char c = row[i++];
      if (c != '\\') {
        out.push_back(c);
        continue;
      }
      if (i == row.size()) {
        error = "column " + std::to_string(fields.size() - first + 1) +
                " ends inside a backslash escape";
        return false;
      }
      const char e = row[i++];
      switch (e) {
        case 'b':
          out.push_back('\b');
          break;
        case 'f':
          out.push_back('\f');
          break;
        case 'n':
          out.push_back('\n');
          break;
        case 'r':
          out.push_back('\r');
          break;
        case 't':
          out.push_back('\t');
          break;
        case 'v':
          out.push_back('\v');
          break;
        case 'x': {
          int v = -1, d;
          if (i < row.size() && (d = hex_digit(row[i])) >= 0) {
            v = d;
            ++i;
            if (i < row.size() && (d = hex_digit(row[i])) >= 0) {
              v = v * 16 + d;
              ++i;
            }
          }
          if (v < 0)
            out.push_back('x');  // "\x" without digits is a plain x
          else
            out.push_back(static_cast<char>(v));
          break;
        }
        default:
          if (e >= '0' && e <= '7') {
            int v = e - '0';
            for (int k = 0; k < 2 && i < row.size() && row[i] >= '0' && row[i] <= '7'; ++k)
              v = v * 8 + (row[i++] - '0');
            out.push_back(static_cast<char>(v & 0xFF));
          } else {
            out.push_back(e);  // \\ and any other escaped character stand for themselves
          }
      }
    }
    CopyField f;
    f.offset = static_cast<uint32_t>(start);
    f.len = static_cast<uint32_t>(out.size() - start);
    if (row.substr(field_start, i - field_start) == "\\N") {
      f.null = true;
      f.len = 0;
      out.resize(start);
    }
    fields.push_back(f);
    if (i == row.size()) break;
    ++i;  // the tab
  }
  const size_t got = fields.size() - first;
  if (got != expected_columns) {
    error =
        "row has " + std::to_string(got) + " columns, expected " + std::to_string(expected_columns);
    return false;
  }
  return true;
}

}  // namespace walrelay::snapshot

// Destination table naming and SQL identifier quoting.
#include "naming.h"

namespace walrelay::sqlite {

std::string quote_ident(std::string_view name) {
  std::string out;
  out.reserve(name.size() + 2);
  out += '"';
  for (char c : name) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

std::string destination_table(std::string_view schema, std::string_view name) {
  if (schema == "public") return std::string(name);
  std::string out;
  out.reserve(schema.size() + 1 + name.size());
  out += schema;
  out += '.';
  out += name;
  return out;
}

bool ident_equal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

}  // namespace walrelay::sqlite

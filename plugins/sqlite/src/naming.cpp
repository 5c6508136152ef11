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

}  // namespace walrelay::sqlite

// T-SQL identifier quoting, Unicode string literals and destination naming (schema map).
#include "naming.h"

namespace walrelay::sqlserver {

std::string quote_ident(std::string_view name) {
  std::string out;
  out.reserve(name.size() + 2);
  out += '[';
  for (char c : name) {
    if (c == ']') out += ']';
    out += c;
  }
  out += ']';
  return out;
}

void append_n_literal(std::string &out, std::string_view text) {
  out += "N'";
  for (char c : text) {
    if (c == '\'') out += '\'';
    out += c;
  }
  out += '\'';
}

std::string n_literal(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 3);
  append_n_literal(out, text);
  return out;
}

Destination destination(std::string_view schema, std::string_view name,
                        const std::map<std::string, std::string> &schema_map) {
  auto it = schema_map.find(std::string(schema));
  if (it != schema_map.end()) return {it->second, std::string(name)};
  if (schema == "public") return {"dbo", std::string(name)};
  return {std::string(schema), std::string(name)};
}

std::string qualified(const Destination &d) {
  return quote_ident(d.schema) + "." + quote_ident(d.table);
}

}  // namespace walrelay::sqlserver

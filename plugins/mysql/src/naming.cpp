// Destination naming (schema map) and MySQL identifier quoting.
#include "naming.h"

namespace walrelay::mysql {

std::string quote_ident(std::string_view name) {
  std::string out;
  out.reserve(name.size() + 2);
  out += '`';
  for (char c : name) {
    if (c == '`') out += '`';
    out += c;
  }
  out += '`';
  return out;
}

Destination destination(std::string_view schema, std::string_view name,
                        const std::map<std::string, std::string> &schema_map,
                        const std::string &default_db,
                        const std::map<std::string, std::string> &table_map) {
  if (!table_map.empty()) {
    std::string source(schema);
    source += '.';
    source += name;
    auto t = table_map.find(source);
    if (t != table_map.end()) {
      Destination d = destination(schema, name, schema_map, default_db);
      d.table = t->second;
      return d;
    }
  }
  auto it = schema_map.find(std::string(schema));
  if (it != schema_map.end()) return {it->second, std::string(name)};
  if (schema == "public") return {default_db, std::string(name)};
  std::string table;
  table.reserve(schema.size() + 1 + name.size());
  table += schema;
  table += '.';
  table += name;
  return {default_db, std::move(table)};
}

std::string qualified(const Destination &d) {
  return quote_ident(d.database) + "." + quote_ident(d.table);
}

}  // namespace walrelay::mysql

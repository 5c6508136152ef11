// Destination naming (schema map) and MySQL identifier quoting.
#pragma once

#include <map>
#include <string>
#include <string_view>

namespace walrelay::mysql {

/// Quotes an identifier for MySQL: wraps it in backticks, doubling embedded ones. Works
/// under every sql_mode (ANSI_QUOTES only adds double quotes as a second quote style).
std::string quote_ident(std::string_view name);

/// Where a source relation goes: database and table, both unquoted.
struct Destination {
  std::string database;
  std::string table;
};

/// Maps schema.name: a schema listed in `schema_map` goes to that database with the same
/// table name; "public" (unless listed) goes to `default_db`; any other schema goes to
/// `default_db` as table "<schema>.<name>" (one identifier holding a dot). A "schema.name"
/// listed in `table_map` keeps that database but takes the mapped table name.
Destination destination(std::string_view schema, std::string_view name,
                        const std::map<std::string, std::string> &schema_map,
                        const std::string &default_db,
                        const std::map<std::string, std::string> &table_map = {});

/// `db`.`table`, quoted.
std::string qualified(const Destination &d);

}  // namespace walrelay::mysql

// Destination table naming and SQL identifier quoting.
#pragma once

#include <string>
#include <string_view>

namespace walrelay::sqlite {

/// Quotes an identifier for SQLite: wraps it in double quotes, doubling embedded ones.
std::string quote_ident(std::string_view name);

/// Unquoted destination table name of a source relation: `name` for schema "public",
/// else "<schema>.<name>" (one identifier that contains a dot, not a schema prefix).
std::string destination_table(std::string_view schema, std::string_view name);

}  // namespace walrelay::sqlite

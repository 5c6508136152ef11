// T-SQL identifier quoting, Unicode string literals and destination naming (schema map).
#pragma once

#include <map>
#include <string>
#include <string_view>

namespace walrelay::sqlserver {

/// Quotes an identifier for T-SQL: wraps it in brackets, doubling every embedded `]`
/// ("a]b" -> "[a]]b]"). Works whatever QUOTED_IDENTIFIER is set to. Bytes are copied as
/// they are (UTF-8; FreeTDS converts the batch to UTF-16).
std::string quote_ident(std::string_view name);

/// A Unicode string literal: N'...' with every `'` doubled. The text is UTF-8 in the
/// batch; FreeTDS sends the batch as UTF-16LE, so no code page is involved.
std::string n_literal(std::string_view text);

/// Appends n_literal(text) to `out`.
void append_n_literal(std::string &out, std::string_view text);

/// Where a source relation goes: schema and table, both unquoted.
struct Destination {
  std::string schema;
  std::string table;
};

/// Maps schema.name: a schema listed in `schema_map` goes to the listed SQL Server
/// schema; "public" (unless listed) goes to "dbo"; any other schema keeps its name.
/// The table keeps its name.
Destination destination(std::string_view schema, std::string_view name,
                        const std::map<std::string, std::string> &schema_map);

/// [schema].[table], quoted.
std::string qualified(const Destination &d);

}  // namespace walrelay::sqlserver

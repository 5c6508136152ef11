// T-SQL identifier quoting, Unicode string literals and destination naming (schema map).
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

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

/// Like destination(schema, name, schema_map), but a source table listed in `table_map`
/// ("schema.name" -> table) gets the listed table name (its schema still follows the
/// schema map).
Destination destination(std::string_view schema, std::string_view name,
                        const std::map<std::string, std::string> &schema_map,
                        const std::map<std::string, std::string> &table_map);

/// [schema].[table], quoted.
std::string qualified(const Destination &d);

/// True when `text` matches `pattern`, in which `*` matches any run of characters (dots
/// included) and every other character only itself (case-sensitive).
bool glob_match(std::string_view pattern, std::string_view text);

/// include_tables / exclude_tables: which source tables the sink applies.
struct TableFilter {
  std::vector<std::string> include;  ///< empty: every table
  std::vector<std::string> exclude;  ///< wins over include

  /// True when source table schema.name is applied: it matches an include pattern (or
  /// there is none) and no exclude pattern.
  bool accepts(std::string_view schema, std::string_view name) const;
};

/// Splits a comma-separated pattern list ("public.*, audit.log"), trimming spaces and
/// dropping empty items.
std::vector<std::string> split_patterns(const std::string &text);

}  // namespace walrelay::sqlserver

// include_tables / exclude_tables: which source tables a sink applies.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace walrelay::mysql {

/// True when `text` matches `pattern`, where '*' matches any run of characters (also
/// none, also dots) and every other character matches itself (case-sensitive, like
/// PostgreSQL's quoted identifiers).
bool glob_match(std::string_view pattern, std::string_view text);

/// Decides per source table "schema.table" whether the sink applies its changes.
class TableFilter {
 public:
  TableFilter() = default;
  /// `include` empty: every table is included. `exclude` wins over `include`.
  TableFilter(std::vector<std::string> include, std::vector<std::string> exclude)
      : include_(std::move(include)), exclude_(std::move(exclude)) {}

  /// Empty string when the table is applied, else why not ("exclude_tables 'public.tmp_*'"
  /// or "not in include_tables").
  std::string skip_reason(std::string_view schema, std::string_view table) const;

  bool filters() const { return !include_.empty() || !exclude_.empty(); }

 private:
  std::vector<std::string> include_;
  std::vector<std::string> exclude_;
};

}  // namespace walrelay::mysql

// include_tables / exclude_tables: which source tables a sink applies.
#include "table_filter.h"

namespace walrelay::mysql {

bool glob_match(std::string_view p, std::string_view t) {
  // Iterative matcher with one backtrack point (the last '*'): O(|p| * |t|) worst case.
  size_t pi = 0, ti = 0;
  size_t star = std::string_view::npos, mark = 0;
  while (ti < t.size()) {
    if (pi < p.size() && p[pi] == '*') {
      star = pi++;
      mark = ti;
    } else if (pi < p.size() && p[pi] == t[ti]) {
      ++pi;
      ++ti;
    } else if (star != std::string_view::npos) {
      pi = star + 1;
      ti = ++mark;
    } else {
      return false;
    }
  }
  while (pi < p.size() && p[pi] == '*') ++pi;
  return pi == p.size();
}

std::string TableFilter::skip_reason(std::string_view schema, std::string_view table) const {
  std::string name(schema);
  name += '.';
  name += table;
  for (const std::string &p : exclude_) {
    if (glob_match(p, name)) return "exclude_tables '" + p + "'";
  }
  if (include_.empty()) return {};
  for (const std::string &p : include_) {
    if (glob_match(p, name)) return {};
  }
  return "not in include_tables";
}

}  // namespace walrelay::mysql

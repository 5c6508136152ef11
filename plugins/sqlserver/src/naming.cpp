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

Destination destination(std::string_view schema, std::string_view name,
                        const std::map<std::string, std::string> &schema_map,
                        const std::map<std::string, std::string> &table_map) {
  Destination d = destination(schema, name, schema_map);
  if (!table_map.empty()) {
    std::string source(schema);
    source += '.';
    source += name;
    auto it = table_map.find(source);
    if (it != table_map.end()) d.table = it->second;
  }
  return d;
}

std::string qualified(const Destination &d) {
  return quote_ident(d.schema) + "." + quote_ident(d.table);
}

bool glob_match(std::string_view pattern, std::string_view text) {
  // Iterative matching with one backtrack point: the last '*' and the text position it
  // has consumed up to.
  size_t p = 0, t = 0, star = std::string_view::npos, mark = 0;
  while (t < text.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = t;
    } else if (p < pattern.size() && pattern[p] == text[t]) {
      ++p;
      ++t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

bool TableFilter::accepts(std::string_view schema, std::string_view name) const {
  std::string full(schema);
  full += '.';
  full += name;
  for (const std::string &x : exclude) {
    if (glob_match(x, full)) return false;
  }
  if (include.empty()) return true;
  for (const std::string &i : include) {
    if (glob_match(i, full)) return true;
  }
  return false;
}

std::vector<std::string> split_patterns(const std::string &text) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t end = text.find(',', pos);
    if (end == std::string::npos) end = text.size();
    std::string item = text.substr(pos, end - pos);
    const size_t a = item.find_first_not_of(' ');
    if (a != std::string::npos) out.push_back(item.substr(a, item.find_last_not_of(' ') - a + 1));
    pos = end + 1;
  }
  return out;
}

}  // namespace walrelay::sqlserver

#include "tests/chaos/tables.h"

#include <algorithm>
#include <cstdio>

namespace walrelay::chaos {

std::string TableSpec::ColumnList() const {
  std::string s;
  for (const Column &c : columns) s += (s.empty() ? "" : ", ") + c.name;
  return s;
}

std::vector<std::string> TableSpec::ColumnNames() const {
  std::vector<std::string> out;
  for (const Column &c : columns) out.push_back(c.name);
  return out;
}

const std::vector<TableSpec> &Tables() {
  static const std::vector<TableSpec> tables = {
      {"pgbench_accounts", {{"aid"}, {"bid"}, {"abalance"}, {"filler"}}},
      {"pgbench_branches", {{"bid"}, {"bbalance"}, {"filler"}}},
      {"pgbench_tellers", {{"tid"}, {"bid"}, {"tbalance"}, {"filler"}}},
      {"pgbench_history",
       {{"tid"}, {"bid"}, {"aid"}, {"delta"}, {"mtime", Kind::Timestamp}, {"filler"}},
       true},
      {"chaos_docs", {{"id"}, {"version"}, {"title"}, {"body"}}},
      {"chaos_items", {{"id"}, {"doc_id"}, {"qty"}, {"price"}, {"note"}}},
      {"chaos_events", {{"kind"}, {"ref"}, {"amount"}, {"at", Kind::Timestamp}}, true},
      {"chaos_done", {{"id"}, {"at", Kind::Timestamp}}},
  };
  return tables;
}

namespace {

uint64_t Fnv(uint64_t h, const std::string &s) {
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

std::string Hex(uint64_t v) {
  char buf[20];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

/// "2026-01-02T03:04:05.5Z", "2026-01-02 03:04:05.5+00" -> "2026-01-02 03:04:05.500000".
std::string NormalizeTimestamp(std::string s) {
  if (s.size() > 10 && s[10] == 'T') s[10] = ' ';
  if (!s.empty() && s.back() == 'Z') s.pop_back();
  if (s.size() > 3 && s.compare(s.size() - 3, 3, "+00") == 0) s.resize(s.size() - 3);
  const size_t dot = s.find('.', 10);
  if (dot == std::string::npos) return s + ".000000";
  const size_t digits = s.size() - dot - 1;
  if (digits < 6) s.append(6 - digits, '0');
  return s;
}

}  // namespace

std::optional<std::string> Normalize(const std::optional<std::string> &v, Kind kind) {
  if (!v) return v;
  if (kind == Kind::Timestamp) return NormalizeTimestamp(*v);
  if (v->size() > kHashAbove) {
    return "<" + std::to_string(v->size()) + " bytes, fnv " +
           Hex(Fnv(14695981039346656037ull, *v)) + ">";
  }
  return v;
}

test::Rows Canonical(const TableSpec &table, test::Rows rows) {
  for (test::Row &row : rows) {
    for (size_t i = 0; i < row.size() && i < table.columns.size(); ++i) {
      row[i] = Normalize(row[i], table.columns[i].kind);
    }
  }
  std::sort(rows.begin(), rows.end());
  return rows;
}

std::string Checksum(const test::Rows &canonical) {
  uint64_t h = 14695981039346656037ull;
  for (const test::Row &row : canonical) {
    for (const auto &v : row) {
      h = Fnv(h, v ? std::to_string(v->size()) + ":" + *v : std::string("N"));
    }
    h = Fnv(h, "\n");
  }
  return Hex(h);
}

}  // namespace walrelay::chaos

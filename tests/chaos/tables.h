// The replicated tables of the chaos run: pgbench's TPC-B tables plus the custom ones, and
// how their values are brought to one text form for comparing the destinations.
#ifndef WALRELAY_TESTS_CHAOS_TABLES_H
#define WALRELAY_TESTS_CHAOS_TABLES_H

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "tests/support/rows.h"

namespace walrelay::chaos {

/// How a column's value is compared.
enum class Kind {
  Plain,      ///< text as read (integers, numeric(p,s), char(n) and short text)
  Timestamp,  ///< timestamp/timestamptz: "YYYY-MM-DD HH:MM:SS.ffffff" (UTC, offset dropped)
};

struct Column {
  std::string name;
  Kind kind = Kind::Plain;
};

/// One replicated table (schema public).
struct TableSpec {
  std::string name;
  std::vector<Column> columns;
  /// REPLICA IDENTITY FULL: no key; Kafka keys every event by the whole row, so the table is
  /// rebuilt from Kafka as a multiset.
  bool full_identity = false;

  /// "c1, c2, ..." (the names need no quoting).
  std::string ColumnList() const;
  std::vector<std::string> ColumnNames() const;
};

/// Every table the run replicates, in the order of the summary.
const std::vector<TableSpec> &Tables();

/// The table the sabotage self-check deletes a row from (in SQLite).
inline constexpr const char *kSabotageTable = "pgbench_tellers";

/// Values longer than this are compared by length and hash (the TOASTed bodies).
inline constexpr size_t kHashAbove = 64;

/// One value in its compared form: timestamps normalized, long values hashed.
std::optional<std::string> Normalize(const std::optional<std::string> &v, Kind kind);
/// Normalizes every row (columns as in `table`) and sorts the rows: the ordered form that
/// every destination must produce identically.
test::Rows Canonical(const TableSpec &table, test::Rows rows);
/// FNV-1a 64 over the canonical rows (each value length-prefixed, NULL distinct), as hex.
std::string Checksum(const test::Rows &canonical);

}  // namespace walrelay::chaos

#endif  // WALRELAY_TESTS_CHAOS_TABLES_H

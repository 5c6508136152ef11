// Rows as text, read from PostgreSQL or SQLite, and their comparison.
#ifndef WALRELAY_TESTS_SUPPORT_ROWS_H
#define WALRELAY_TESTS_SUPPORT_ROWS_H

#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace walrelay::test {

/// One row: each column as text, NULL as nullopt. PostgreSQL values are the type's text
/// output; SQLite values are sqlite3_column_text (INTEGER "42", REAL "%!.15g", BLOB raw).
using Row = std::vector<std::optional<std::string>>;
using Rows = std::vector<Row>;

/// Row(s) for messages: (1, 'abc', NULL). Long values are cut and their length shown.
std::string FormatValue(const std::optional<std::string> &v, size_t max_len = 80);
std::string FormatRow(const Row &row, size_t max_len = 80);

/// Compares two row lists in order. On a difference the message says which side has how
/// many rows and shows up to `max_diffs` differing positions (expected vs actual row).
::testing::AssertionResult SameRows(const Rows &expected, const Rows &actual,
                                    const std::string &what = "rows", size_t max_diffs = 5);

/// EXPECT_SAME_ROWS(pg_rows, sqlite_rows) / ASSERT_SAME_ROWS: print the first differences.
#define EXPECT_SAME_ROWS(expected, actual) \
  EXPECT_TRUE(::walrelay::test::SameRows((expected), (actual), #actual))
#define ASSERT_SAME_ROWS(expected, actual) \
  ASSERT_TRUE(::walrelay::test::SameRows((expected), (actual), #actual))

/// Result of a SQLite query that may legitimately fail while a test polls (file not yet
/// created, table not yet created).
struct SqliteResult {
  bool ok = false;
  std::string error;
  Rows rows;
};

/// Runs `sql` on the SQLite file `path`, opened read-only (never creates the file).
/// SQLITE_BUSY / SQLITE_LOCKED are retried for up to `busy_timeout`. Never throws.
SqliteResult TrySqliteQuery(const std::string &path, const std::string &sql,
                            std::chrono::milliseconds busy_timeout = std::chrono::seconds(10));
/// Same, but throws std::runtime_error on failure.
Rows SqliteQuery(const std::string &path, const std::string &sql,
                 std::chrono::milliseconds busy_timeout = std::chrono::seconds(10));

/// Runs statements on a SQLite file opened read-write (for harness tests and fixtures).
void SqliteExec(const std::string &path, const std::string &sql);

}  // namespace walrelay::test

#endif  // WALRELAY_TESTS_SUPPORT_ROWS_H

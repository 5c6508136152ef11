#include "tests/support/rows.h"

#include <sqlite3.h>

#include <algorithm>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace walrelay::test {

std::string FormatValue(const std::optional<std::string> &v, size_t max_len) {
  if (!v) return "NULL";
  std::string s;
  s.reserve(std::min(v->size(), max_len) + 2);
  s += '\'';
  size_t n = std::min(v->size(), max_len);
  for (size_t i = 0; i < n; ++i) {
    unsigned char c = static_cast<unsigned char>((*v)[i]);
    if (c == '\'') {
      s += "''";
    } else if (c < 0x20 || c == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      s += buf;
    } else {
      s += static_cast<char>(c);
    }
  }
  s += '\'';
  if (v->size() > max_len) s += "...(" + std::to_string(v->size()) + " bytes)";
  return s;
}

std::string FormatRow(const Row &row, size_t max_len) {
  std::string s = "(";
  for (size_t i = 0; i < row.size(); ++i) {
    if (i) s += ", ";
    s += FormatValue(row[i], max_len);
  }
  return s + ")";
}

::testing::AssertionResult SameRows(const Rows &expected, const Rows &actual,
                                    const std::string &what, size_t max_diffs) {
  std::vector<size_t> diffs;
  size_t n = std::max(expected.size(), actual.size());
  size_t total_diffs = 0;
  for (size_t i = 0; i < n; ++i) {
    bool same = i < expected.size() && i < actual.size() && expected[i] == actual[i];
    if (!same) {
      ++total_diffs;
      if (diffs.size() < max_diffs) diffs.push_back(i);
    }
  }
  if (total_diffs == 0) return ::testing::AssertionSuccess();
  std::ostringstream msg;
  msg << what << ": expected " << expected.size() << " rows, got " << actual.size() << "; "
      << total_diffs << " position(s) differ. First differences:";
  for (size_t i : diffs) {
    msg << "\n  row " << i << ":\n    expected: "
        << (i < expected.size() ? FormatRow(expected[i]) : std::string("(none)"))
        << "\n    actual:   " << (i < actual.size() ? FormatRow(actual[i]) : std::string("(none)"));
  }
  return ::testing::AssertionFailure() << msg.str();
}

namespace {

bool Busy(int rc) {
  int primary = rc & 0xff;
  return primary == SQLITE_BUSY || primary == SQLITE_LOCKED;
}

}  // namespace

SqliteResult TrySqliteQuery(const std::string &path, const std::string &sql,
                            std::chrono::milliseconds busy_timeout) {
  SqliteResult res;
  auto deadline = std::chrono::steady_clock::now() + busy_timeout;
  for (;;) {
    res.rows.clear();
    res.error.clear();
    sqlite3 *db = nullptr;
    int rc =
        sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nullptr);
    bool retry = false;
    if (rc != SQLITE_OK) {
      res.error = "cannot open " + path + ": " + (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
      retry = Busy(rc);
    } else {
      sqlite3_busy_timeout(db, 50);
      sqlite3_stmt *stmt = nullptr;
      rc = sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr);
      if (rc != SQLITE_OK) {
        res.error = std::string(sqlite3_errmsg(db)) + " in: " + sql;
        retry = Busy(rc);
      } else {
        int cols = sqlite3_column_count(stmt);
        while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
          Row row;
          row.reserve(cols);
          for (int c = 0; c < cols; ++c) {
            if (sqlite3_column_type(stmt, c) == SQLITE_NULL) {
              row.emplace_back(std::nullopt);
            } else {
              const void *p = sqlite3_column_blob(stmt, c);
              int len = sqlite3_column_bytes(stmt, c);
              row.emplace_back(std::string(static_cast<const char *>(p ? p : ""), len));
            }
          }
          res.rows.push_back(std::move(row));
        }
        if (rc != SQLITE_DONE) {
          res.error = std::string(sqlite3_errmsg(db)) + " in: " + sql;
          retry = Busy(rc);
        } else {
          res.ok = true;
        }
        sqlite3_finalize(stmt);
      }
    }
    sqlite3_close_v2(db);
    if (res.ok) return res;
    if (!retry || std::chrono::steady_clock::now() >= deadline) {
      res.rows.clear();
      return res;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

Rows SqliteQuery(const std::string &path, const std::string &sql,
                 std::chrono::milliseconds busy_timeout) {
  auto r = TrySqliteQuery(path, sql, busy_timeout);
  if (!r.ok) throw std::runtime_error("SQLite query failed: " + r.error);
  return std::move(r.rows);
}

void SqliteExec(const std::string &path, const std::string &sql) {
  sqlite3 *db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close_v2(db);
    throw std::runtime_error("cannot open " + path + ": " + msg);
  }
  sqlite3_busy_timeout(db, 10000);
  char *err = nullptr;
  rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err);
  std::string msg = err ? err : "";
  sqlite3_free(err);
  sqlite3_close_v2(db);
  if (rc != SQLITE_OK) throw std::runtime_error("SQLite exec failed: " + msg + " in: " + sql);
}

}  // namespace walrelay::test

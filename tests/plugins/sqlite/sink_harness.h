// Test helper: loads the SQLite sink plugin through the C ABI, fakes the host, reads the file.
#pragma once

#include <dlfcn.h>
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <walrelay/sink.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "../common/test_host.h"
#include "batch_builder.h"

namespace wrtest {

using wrtest_host::fake_handle;
using wrtest_host::g_last_error;
using wrtest_host::host_api;
using wrtest_host::Options;

/// The plugin, loaded once per process and kept loaded.
inline const wr_plugin *plugin() {
  static const wr_plugin *p = wrtest_host::load_plugin(wrtest_host::plugin_path("sqlite"));
  return p;
}

/// LSN text as PostgreSQL prints it ("16/B374D848").
inline std::string sdk_lsn(wr_lsn lsn) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%X/%X", static_cast<unsigned>(lsn >> 32),
                static_cast<unsigned>(lsn & 0xffffffffu));
  return buf;
}

/// Calls the plugin's create() with `opts`.
inline wr_status create_sink(const Options &opts, wr_sink **out, const char *name = "replica") {
  return wrtest_host::create_sink(plugin(), opts, out, name, "test.yaml:1:1");
}

/// One value read back from SQLite, rendered for comparison: NULL, integers in decimal,
/// reals with %.17g, text as is, blobs as x'hex'.
inline std::string render(sqlite3_stmt *s, int col) {
  switch (sqlite3_column_type(s, col)) {
    case SQLITE_NULL:
      return "NULL";
    case SQLITE_INTEGER:
      return std::to_string(sqlite3_column_int64(s, col));
    case SQLITE_FLOAT: {
      char buf[64];
      std::snprintf(buf, sizeof buf, "%.17g", sqlite3_column_double(s, col));
      return buf;
    }
    case SQLITE_BLOB: {
      const auto *p = static_cast<const unsigned char *>(sqlite3_column_blob(s, col));
      const int n = sqlite3_column_bytes(s, col);
      std::string out = "x'";
      static const char *hex = "0123456789abcdef";
      for (int i = 0; i < n; ++i) {
        out += hex[p[i] >> 4];
        out += hex[p[i] & 15];
      }
      return out + "'";
    }
    default:
      return std::string(reinterpret_cast<const char *>(sqlite3_column_text(s, col)),
                         static_cast<size_t>(sqlite3_column_bytes(s, col)));
  }
}

using Rows = std::vector<std::vector<std::string>>;

/// Runs `sql` on its own read-only connection to `path` and returns every row rendered.
inline Rows query(const std::string &path, const std::string &sql) {
  sqlite3 *db = nullptr;
  Rows rows;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    ADD_FAILURE() << "open " << path << ": " << sqlite3_errmsg(db);
    sqlite3_close(db);
    return rows;
  }
  sqlite3_stmt *s = nullptr;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &s, nullptr) != SQLITE_OK) {
    ADD_FAILURE() << "prepare " << sql << ": " << sqlite3_errmsg(db);
  } else {
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
      std::vector<std::string> row;
      for (int i = 0; i < sqlite3_column_count(s); ++i) row.push_back(render(s, i));
      rows.push_back(std::move(row));
    }
    if (rc != SQLITE_DONE) ADD_FAILURE() << "step " << sql << ": " << sqlite3_errmsg(db);
  }
  sqlite3_finalize(s);
  sqlite3_close(db);
  return rows;
}

/// Fixture: a fresh temp dir per test, a sink on <dir>/replica.db, helpers around the ABI.
class SqliteSinkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_NE(plugin(), nullptr);
    std::string tmpl = (std::filesystem::temp_directory_path() / "walrelay-sqlite-XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    path_ = dir_ + "/replica.db";
    g_last_error.clear();
  }
  void TearDown() override {
    close();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  /// Creates the sink with path plus `extra` options; returns the status.
  wr_status open(const Options &extra = {}) {
    close();
    Options opts{{"path", path_}};
    opts.insert(opts.end(), extra.begin(), extra.end());
    return create_sink(opts, &sink_);
  }
  /// Destroys the sink (if open).
  void close() {
    if (sink_) plugin()->vtable->destroy(sink_);
    sink_ = nullptr;
  }
  wr_status apply(const wr_batch &b) { return plugin()->vtable->apply(sink_, &b); }
  /// load_position(), failing the test on a non-OK status.
  wr_lsn position() {
    wr_lsn lsn = 12345;
    EXPECT_EQ(plugin()->vtable->load_position(sink_, &lsn), WR_OK) << g_last_error;
    return lsn;
  }
  Rows q(const std::string &sql) { return query(path_, sql); }

  std::string dir_;
  std::string path_;
  wr_sink *sink_ = nullptr;
};

/// Suite name for the tests: lower case so that `ctest -R sqlite` selects them.
using sqlite_sink = SqliteSinkTest;

}  // namespace wrtest

// Test helper: one MariaDB per test binary, a fresh database per test, the sink on top.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "tests/plugins/mysql/batch_builder.h"
#include "tests/plugins/mysql/mariadb_server.h"
#include "tests/plugins/mysql/plugin_loader.h"

namespace wrmysql {

/// The shared server, started on first use and stopped at exit.
inline MariaDbServer &server() {
  static std::unique_ptr<MariaDbServer> s = std::make_unique<MariaDbServer>();
  return *s;
}

/// The server-wide sql_modes every test runs under (the sink sets its own session mode, so
/// results must not differ): MariaDB's default and a hostile one.
inline const char *const kServerSqlModes[] = {
    "STRICT_TRANS_TABLES,ERROR_FOR_DIVISION_BY_ZERO,NO_AUTO_CREATE_USER,NO_ENGINE_SUBSTITUTION",
    "NO_BACKSLASH_ESCAPES,ANSI_QUOTES,PIPES_AS_CONCAT,PAD_CHAR_TO_FULL_LENGTH,"
    "NO_UNSIGNED_SUBTRACTION,IGNORE_SPACE"};

/// Test name suffix for a sql_mode parameter.
inline std::string sql_mode_name(const ::testing::TestParamInfo<const char *> &info) {
  return info.index == 0 ? "server_default" : "no_backslash_escapes";
}

/// Fixture: database `wr_<n>` per test, a sink on it, a client to read back. The parameter
/// is the server's GLOBAL sql_mode, set before the sink connects.
class MysqlSinkTest : public ::testing::TestWithParam<const char *> {
 public:  // public: test helpers in the .cpp files take the fixture
  void SetUp() override {
    ASSERT_NE(plugin(), nullptr);
    static int counter = 0;
    db_ = "wr_" + std::to_string(++counter);
    admin_ = std::make_unique<Client>(server().port());
    admin_->exec(std::string("SET GLOBAL sql_mode = '") + GetParam() + "'");
    admin_->exec("SET SESSION sql_mode = 'STRICT_TRANS_TABLES'");
    admin_->exec("CREATE DATABASE `" + db_ + "` CHARACTER SET utf8mb4");
    g_last_error.clear();
    g_log.clear();
  }
  void TearDown() override {
    close();
    if (admin_) admin_->exec("SET SESSION sql_mode = 'STRICT_TRANS_TABLES'");
    if (admin_) admin_->exec("DROP DATABASE IF EXISTS `" + db_ + "`");
  }

  /// Sink options on this test's database.
  Options base_options() const {
    return {{"host", "127.0.0.1"},
            {"port", std::to_string(server().port())},
            {"user", "root"},
            {"database", db_},
            {"ssl_mode", "disabled"}};
  }
  /// Creates the sink with the base options plus `extra`; returns the status.
  wr_status open(const Options &extra = {}, const char *name = "replica") {
    close();
    Options opts = base_options();
    opts.insert(opts.end(), extra.begin(), extra.end());
    return create_sink(opts, &sink_, name);
  }
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
  /// Rows of `sql` run in this test's database.
  Rows q(const std::string &sql) {
    admin_->exec("USE `" + db_ + "`");
    return admin_->query(sql);
  }

  std::string db_;
  std::unique_ptr<Client> admin_;
  wr_sink *sink_ = nullptr;
};

using mysql_sink = MysqlSinkTest;

/// Instantiates the file's mysql_sink tests once per server sql_mode.
#define WRMYSQL_INSTANTIATE_SQL_MODES()                                                        \
  INSTANTIATE_TEST_SUITE_P(modes, mysql_sink, ::testing::ValuesIn(::wrmysql::kServerSqlModes), \
                           ::wrmysql::sql_mode_name)

}  // namespace wrmysql

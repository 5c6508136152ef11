// End to end: early apply (WR_CAP_EARLY_APPLY). A large transaction that PostgreSQL streams
// while it is still open (logical_decoding_work_mem=64kB) reaches MariaDB in pieces inside
// one open MariaDB transaction before the source commits; the commit makes it visible
// exactly once. A source rollback, another transaction committing first, and kill -9 of
// walrelay during early apply all leave MariaDB equal to the source.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <thread>

#include "tests/plugins/mysql/e2e/relay_config.h"
#include "tests/plugins/mysql/mariadb_server.h"
#include "tests/support/harness.h"

namespace walrelay::test {
namespace {

using namespace std::chrono_literals;

constexpr int kRows = 20000;

/// First column of the first row of `sql` in database e2e ("" when none or on error).
std::string my_scalar(unsigned port, const std::string &sql) {
  try {
    wrmysql::Client c(port, "e2e");
    const wrmysql::Rows r = c.query(sql);
    return r.empty() || r[0].empty() ? "" : r[0][0];
  } catch (const std::exception &) {
    return "";  // table not created yet
  }
}

/// Undo log entries of the open (uncommitted) InnoDB transactions: the rows of the sink's
/// early pieces. Read from SHOW ENGINE INNODB STATUS ("undo log entries N" per transaction;
/// information_schema.innodb_trx stays empty under --skip-grant-tables).
long long open_rows_modified(unsigned port) {
  std::string status;
  try {
    wrmysql::Client c(port);
    const wrmysql::Rows r = c.query("SHOW ENGINE INNODB STATUS");
    if (!r.empty() && r[0].size() >= 3) status = r[0][2];
  } catch (const std::exception &) {
    return 0;
  }
  long long n = 0;
  const std::string key = "undo log entries ";
  for (size_t at = status.find(key); at != std::string::npos; at = status.find(key, at + 1))
    n += std::stoll(status.substr(at + key.size()));
  return n;
}

std::string read_file(const std::string &path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

/// A source that streams open transactions, MariaDB, and walrelay with one MySQL sink.
class EarlyApply : public ::testing::Test {
 protected:
  void SetUp() override {
    wrmysql::Client(maria_.port()).exec("CREATE DATABASE e2e CHARACTER SET utf8mb4");
    pg_.exec("CREATE TABLE big (id int PRIMARY KEY, pad text)");
    pg_.exec("CREATE TABLE small (id int PRIMARY KEY)");
    pg_.exec("CREATE PUBLICATION walrelay_pub FOR ALL TABLES");
    pg_.CreateLogicalSlot("walrelay");
    // Both tables exist in MariaDB before the test: creating one would be DDL, which
    // MySQL cannot run inside the open transaction.
    pg_.exec("INSERT INTO big VALUES (0, 'seed'); INSERT INTO small VALUES (0)");
    RelayConfig cfg = MysqlRelayConfig(pg_, maria_.port());
    cfg.pipeline = {{"batch_max_bytes", "65536"}};
    relay_ = std::make_unique<Walrelay>(WriteRelayConfig(pg_.file("walrelay.yaml"), cfg),
                                        pg_.file("walrelay.log"));
    relay_->Start();
    ASSERT_TRUE(WaitFor([&] { return count("small") == "1" && count("big") == "1"; }, 60s))
        << relay_->LogTail();
  }

  std::string count(const std::string &table) {
    return my_scalar(maria_.port(), "SELECT count(*) FROM " + table);
  }

  /// Opens a source transaction inserting kRows rows into big (ids from `first`) and waits
  /// until MariaDB holds some of them in an open transaction: applied early.
  void OpenBigTransaction(PgConn &s, int first) {
    s.Exec("BEGIN");
    s.Exec("INSERT INTO big SELECT g, repeat(md5(g::text), 4) FROM generate_series(" +
           std::to_string(first) + ", " + std::to_string(first + kRows - 1) + ") g");
    ASSERT_TRUE(WaitFor([&] { return open_rows_modified(maria_.port()) > 0; }, 60s))
        << "no early piece reached MariaDB\n"
        << relay_->LogTail();
    EXPECT_EQ(count("big"), "1");  // nothing of it is visible yet
  }

  bool LogHas(const std::string &text) {
    return read_file(relay_->log_path()).find(text) != std::string::npos;
  }

  wrmysql::MariaDbServer maria_;
  PgCluster pg_{PgClusterOptions{{{"logical_decoding_work_mem", "64kB"}}}};
  std::unique_ptr<Walrelay> relay_;
};

TEST_F(EarlyApply, StreamedTransactionIsAppliedBeforeItsCommitAndVisibleAtIt) {
  PgConn s(pg_.conninfo());
  OpenBigTransaction(s, 1);
  s.Exec("INSERT INTO big SELECT g, 'tail' FROM generate_series(100001, 100100) g");
  s.Exec("COMMIT");
  const std::string want = std::to_string(kRows + 100 + 1);
  EXPECT_TRUE(WaitFor([&] { return count("big") == want; }, 120s)) << count("big") << "\n"
                                                                   << relay_->LogTail();
  EXPECT_EQ(my_scalar(maria_.port(), "SELECT count(DISTINCT id) FROM big"), want);
  EXPECT_EQ(my_scalar(maria_.port(), "SELECT pad FROM big WHERE id = 100050"), "tail");
  EXPECT_EQ(my_scalar(maria_.port(), "SELECT pad FROM big WHERE id = 7"),
            *pg_.query("SELECT pad FROM big WHERE id = 7")[0][0]);
  EXPECT_TRUE(LogHas("before its commit (early apply)")) << relay_->LogTail();
  EXPECT_EQ(relay_->Stop(60s), 0) << relay_->LogTail();
}

TEST_F(EarlyApply, SourceRollbackLeavesNothing) {
  PgConn s(pg_.conninfo());
  OpenBigTransaction(s, 1);
  s.Exec("ROLLBACK");
  pg_.exec("INSERT INTO small VALUES (1)");
  ASSERT_TRUE(WaitFor([&] { return count("small") == "2"; }, 60s)) << relay_->LogTail();
  EXPECT_EQ(count("big"), "1");
  EXPECT_EQ(open_rows_modified(maria_.port()), 0);
  EXPECT_TRUE(LogHas("rolled back: the source discarded it")) << relay_->LogTail();
  EXPECT_EQ(relay_->Stop(60s), 0) << relay_->LogTail();
}

TEST_F(EarlyApply, AnotherTransactionCommittingFirstKeepsCommitOrder) {
  PgConn s(pg_.conninfo());
  OpenBigTransaction(s, 1);
  pg_.exec("INSERT INTO small VALUES (1)");  // commits before the open one
  ASSERT_TRUE(WaitFor([&] { return count("small") == "2"; }, 60s)) << relay_->LogTail();
  EXPECT_EQ(count("big"), "1");
  s.Exec("COMMIT");
  const std::string want = std::to_string(kRows + 1);
  EXPECT_TRUE(WaitFor([&] { return count("big") == want; }, 120s)) << count("big") << "\n"
                                                                   << relay_->LogTail();
  EXPECT_EQ(my_scalar(maria_.port(), "SELECT count(DISTINCT id) FROM big"), want);
  EXPECT_TRUE(LogHas("rolled back: another transaction committed before it")) << relay_->LogTail();
  EXPECT_EQ(relay_->Stop(60s), 0) << relay_->LogTail();
}

TEST_F(EarlyApply, SigkillDuringEarlyApplyLosesAndDuplicatesNothing) {
  PgConn s(pg_.conninfo());
  OpenBigTransaction(s, 1);
  ASSERT_EQ(relay_->Kill(), 128 + SIGKILL);
  // MariaDB drops the dead connection's open transaction.
  ASSERT_TRUE(WaitFor([&] { return open_rows_modified(maria_.port()) == 0; }, 30s));
  EXPECT_EQ(count("big"), "1");
  ASSERT_TRUE(WaitSlotInactive(pg_, "walrelay", 20s));
  relay_->Start();
  s.Exec("COMMIT");
  const std::string want = std::to_string(kRows + 1);
  EXPECT_TRUE(WaitFor([&] { return count("big") == want; }, 120s)) << count("big") << "\n"
                                                                   << relay_->LogTail();
  EXPECT_EQ(my_scalar(maria_.port(), "SELECT count(DISTINCT id) FROM big"), want);
  EXPECT_EQ(relay_->Stop(60s), 0) << relay_->LogTail();
}

}  // namespace
}  // namespace walrelay::test

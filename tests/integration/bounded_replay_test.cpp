// Explicit positions: `walrelay run --stop-lsn` applies exactly what committed up to the LSN
// and exits 0 by itself (bounded replay); `--start-lsn` skips what committed before it and is
// refused when it lies before the slot's confirmed_flush_lsn.
#include <gtest/gtest.h>

#include "tests/integration/relay_test_base.h"

namespace walrelay::test {
namespace {

class BoundedReplay : public RelayTest {
 protected:
  void SetUp() override {
    StartCluster();
    pg().exec(
        "CREATE TABLE t (id int PRIMARY KEY, v text);"
        "CREATE PUBLICATION walrelay_pub FOR TABLE t;");
    pg().CreateLogicalSlot("walrelay");
    db_ = pg().file("replica.db");
    cfg_ = WriteRelayConfig(pg().file("walrelay.yaml"),
                            SqliteRelayConfig(pg(), "walrelay", "walrelay_pub", db_));
  }

  /// The insert position now: every later transaction's commit record lies after it.
  std::string InsertLsn() { return *pg().scalar("SELECT pg_current_wal_insert_lsn()"); }

  CommandResult Run(std::vector<std::string> extra) {
    std::vector<std::string> argv = {WalrelayBin(), "run", "-c", cfg_};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return RunCommand(argv, 60s);
  }

  Rows SqliteIds() { return SqliteQuery(db_, "SELECT id, v FROM t ORDER BY id"); }

  std::string db_, cfg_;
};

TEST_F(BoundedReplay, StopLsnAppliesExactlyUpToItAndExitsCleanly) {
  pg().exec("INSERT INTO t VALUES (1, 'a')");
  pg().exec("INSERT INTO t VALUES (2, 'b')");
  const std::string bound = InsertLsn();
  pg().exec("INSERT INTO t VALUES (3, 'c')");
  pg().exec("UPDATE t SET v = 'A' WHERE id = 1");

  CommandResult r = Run({"--stop-lsn", bound});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("up to --stop-lsn " + bound), std::string::npos) << r.output;
  EXPECT_EQ(SqliteIds(), (Rows{{"1", "a"}, {"2", "b"}}));
  // Nothing past the bound was confirmed: a normal run brings the rest.
  auto confirmed = pg().ConfirmedFlushLsn("walrelay");
  ASSERT_TRUE(confirmed.has_value());
  EXPECT_LE(*confirmed, ParseLsn(bound)) << FormatLsn(*confirmed) << " > " << bound;
  const std::string later = InsertLsn();
  pg().exec("INSERT INTO t VALUES (4, 'd')");
  r = Run({"--stop-lsn", later});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(SqliteIds(), (Rows{{"1", "A"}, {"2", "b"}, {"3", "c"}}));
}

TEST_F(BoundedReplay, StartLsnSkipsEarlierCommitsAndRefusesPositionsBeforeTheSlot) {
  pg().exec("INSERT INTO t VALUES (1, 'skipped')");
  const std::string start = InsertLsn();
  pg().exec("INSERT INTO t VALUES (2, 'kept')");
  const std::string stop = InsertLsn();
  CommandResult r = Run({"--start-lsn", start, "--stop-lsn", stop});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(SqliteIds(), (Rows{{"2", "kept"}}));

  // The slot has confirmed past `start` now: asking for it again is refused, clearly.
  r = Run({"--start-lsn", start});
  EXPECT_NE(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("lies before the confirmed_flush_lsn"), std::string::npos) << r.output;

  r = Run({"--stop-lsn", "not-an-lsn"});
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("is not an LSN"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace walrelay::test

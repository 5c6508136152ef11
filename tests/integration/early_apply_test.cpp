// Early apply into SQLite (WR_CAP_EARLY_APPLY): a transaction PostgreSQL streams while it
// is still open (logical_decoding_work_mem at its 64 kB minimum) reaches the sink in
// pieces before its commit, inside one open SQLite transaction; readers see nothing of it
// until the commit, then all of it. A source rollback leaves nothing.
// (tests/integration/streaming_test.cpp covers the fallbacks: other transactions
// committing first, rolled-back savepoints.)
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "tests/integration/relay_test_base.h"

namespace walrelay::test {
namespace {

class EarlyApplySqlite : public RelayTest {
 protected:
  void SetUp() override { Start(true); }

  void Start(bool early_apply) {
    PgClusterOptions o;
    o.settings["logical_decoding_work_mem"] = "64kB";
    StartCluster(o);
    pg().exec(
        "CREATE TABLE big (id int PRIMARY KEY, pad text);"
        "CREATE TABLE small (id int PRIMARY KEY);"
        "CREATE PUBLICATION walrelay_pub FOR ALL TABLES;");
    pg().CreateLogicalSlot("walrelay");
    db_ = pg().file("replica.db");
    RelayConfig cfg = SqliteRelayConfig(pg(), "walrelay", "walrelay_pub", db_);
    cfg.log_level = "debug";  // the early pieces are logged at debug level
    cfg.pipeline = {{"batch_max_bytes", "65536"}};
    if (!early_apply) cfg.pipeline.push_back({"early_apply", "false"});
    MakeRelay(cfg);
    ASSERT_TRUE(StartRelayAndWaitStreaming("walrelay"));
    pg().exec("INSERT INTO big VALUES (0, 'seed'); INSERT INTO small VALUES (0)");
    ASSERT_TRUE(WaitFor([&] { return Count("small") == "1"; }, 60s)) << relay().LogTail();
  }

  /// count(*) of `table` in the SQLite file ("" while it cannot be read).
  std::string Count(const std::string &table) {
    const SqliteResult r = TrySqliteQuery(db_, "SELECT count(*) FROM " + table);
    return r.ok && !r.rows.empty() && r.rows[0][0] ? *r.rows[0][0] : "";
  }

  bool LogHas(const std::string &text) {
    std::ifstream in(relay().log_path());
    std::stringstream s;
    s << in.rdbuf();
    return s.str().find(text) != std::string::npos;
  }

  /// Opens a source transaction inserting 20000 rows into big and waits until a piece of
  /// it was applied before the commit.
  void OpenBigTransaction(PgConn &c) {
    c.Exec("BEGIN");
    c.Exec("INSERT INTO big SELECT g, repeat(md5(g::text), 4) FROM generate_series(1, 20000) g");
    ASSERT_TRUE(WaitFor([&] { return LogHas("(transaction continues)"); }, 60s))
        << "no piece was applied before the commit\n"
        << relay().LogTail();
    EXPECT_EQ(Count("big"), "1");  // nothing of it is visible yet
  }

  std::string db_;
};

TEST_F(EarlyApplySqlite, StreamedTransactionIsAppliedBeforeItsCommitAndVisibleAtIt) {
  PgConn c(pg().conninfo("postgres"));
  OpenBigTransaction(c);
  c.Exec("UPDATE big SET pad = 'changed' WHERE id % 100 = 0");
  c.Exec("COMMIT");
  EXPECT_TRUE(WaitUntilSame(pg(), db_,
                            {{"big", "SELECT id::text AS k, pad FROM big ORDER BY id",
                              "SELECT CAST(id AS TEXT), pad FROM big ORDER BY id"}},
                            120s));
  EXPECT_TRUE(LogHas("before its commit (early apply)")) << relay().LogTail();
  EXPECT_TRUE(StopRelayCleanly());
}

TEST_F(EarlyApplySqlite, SourceRollbackLeavesNothing) {
  PgConn c(pg().conninfo("postgres"));
  OpenBigTransaction(c);
  c.Exec("ROLLBACK");
  pg().exec("INSERT INTO small VALUES (1)");
  ASSERT_TRUE(WaitFor([&] { return Count("small") == "2"; }, 60s)) << relay().LogTail();
  EXPECT_EQ(Count("big"), "1");
  EXPECT_TRUE(LogHas("rolled back: the source discarded it")) << relay().LogTail();
  EXPECT_TRUE(StopRelayCleanly());
}

class NoEarlyApplySqlite : public EarlyApplySqlite {
 protected:
  void SetUp() override { Start(false); }
};

TEST_F(NoEarlyApplySqlite, PipelineEarlyApplyFalseAppliesAtTheCommit) {
  PgConn c(pg().conninfo("postgres"));
  c.Exec("BEGIN");
  c.Exec("INSERT INTO big SELECT g, repeat(md5(g::text), 4) FROM generate_series(1, 20000) g");
  pg().exec("INSERT INTO small VALUES (1)");  // delivered while the big one is still open
  ASSERT_TRUE(WaitFor([&] { return Count("small") == "2"; }, 60s)) << relay().LogTail();
  c.Exec("COMMIT");
  EXPECT_TRUE(WaitUntilSame(pg(), db_,
                            {{"big", "SELECT id::text AS k, pad FROM big ORDER BY id",
                              "SELECT CAST(id AS TEXT), pad FROM big ORDER BY id"}},
                            120s));
  EXPECT_TRUE(LogHas("applied from the spool in")) << relay().LogTail();
  EXPECT_FALSE(LogHas("early")) << relay().LogTail();
  EXPECT_TRUE(StopRelayCleanly());
}

}  // namespace
}  // namespace walrelay::test

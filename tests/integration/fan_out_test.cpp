// Several sinks on one slot: each has its own delivery thread and position. A slow sink
// does not hold the fast one back (within the queue bound), the slot never passes the
// slowest sink's position, and after a restart every sink resumes from its own position
// exactly once.
#include <gtest/gtest.h>

#include "tests/integration/relay_test_base.h"

namespace walrelay::test {
namespace {

class FanOut : public RelayTest {};

TEST_F(FanOut, FastSinkIsNotHeldBackAndEachSinkResumesFromItsOwnPosition) {
  StartCluster();
  pg().exec(
      "CREATE TABLE t (id int PRIMARY KEY, v text);"
      "CREATE PUBLICATION walrelay_pub FOR ALL TABLES;");
  const uint64_t slot_start = ParseLsn(pg().CreateLogicalSlot("walrelay"));
  const std::string db = pg().file("fast.db"), slow_path = pg().file("slow.txt");
  RelayConfig cfg = SqliteRelayConfig(pg(), "walrelay", "walrelay_pub", db, "fast");
  cfg.status_interval_ms = 200;
  cfg.pipeline = {{"batch_max_txns", "1"}};  // one transaction per apply: the slow sink lags
  cfg.sinks.push_back(
      {"slow", FixturePlugin("slow_sink"), {{"path", slow_path}, {"stall_ms", "1500"}}});
  MakeRelay(cfg);
  const std::vector<TableCheck> checks = {
      {"t", "SELECT id, v FROM t ORDER BY id", "SELECT id, v FROM t ORDER BY id"}};

  ASSERT_TRUE(StartRelayAndWaitStreaming("walrelay"));
  for (int i = 1; i <= 6; ++i) pg().exec("INSERT INTO t VALUES (" + std::to_string(i) + ", 'v')");
  const uint64_t end_of_six = pg().CurrentWalLsn();
  // The fast sink has everything long before the slow one (6 x 1.5 s) could.
  ASSERT_TRUE(WaitUntilSame(pg(), db, checks, 5s, &relay()));
  const SlowSinkApplied slow_mid = ReadSlowSinkApplied(slow_path);
  EXPECT_LT(slow_mid.batches, 6) << "the slow sink was not behind: the test shows nothing";
  // The slot is held at the slow sink's position, not the fast one's.
  auto confirmed = pg().ConfirmedFlushLsn("walrelay");
  ASSERT_TRUE(confirmed.has_value());
  EXPECT_LT(*confirmed, ReadSqliteCheckpoint(db, "fast")->end_lsn);
  EXPECT_LE(*confirmed, std::max(ReadSlowSinkApplied(slow_path).last_lsn, slot_start));

  // Stop while the slow sink lags; more rows while walrelay is down; restart.
  ASSERT_TRUE(StopRelayCleanly());
  const SlowSinkApplied slow_stop = ReadSlowSinkApplied(slow_path);
  EXPECT_LT(slow_stop.last_lsn, end_of_six);
  for (int i = 7; i <= 9; ++i) pg().exec("INSERT INTO t VALUES (" + std::to_string(i) + ", 'w')");
  pg().exec("UPDATE t SET v = 'u' WHERE id = 1");
  ASSERT_TRUE(WaitSlotInactive(pg(), "walrelay"));
  relay().Start();
  // The fast sink gets the new rows once (a duplicate insert would fail loudly in SQLite).
  ASSERT_TRUE(WaitUntilSame(pg(), db, checks, 30s, &relay()));
  // The slow sink catches up too: 10 transactions in all, each applied exactly once.
  ASSERT_TRUE(WaitFor([&] { return ReadSlowSinkApplied(slow_path).changes >= 10; }, 60s))
      << ReadFile(slow_path);
  ASSERT_TRUE(StopRelayCleanly());
  const SlowSinkApplied slow_end = ReadSlowSinkApplied(slow_path);
  EXPECT_EQ(slow_end.changes, 10) << ReadFile(slow_path);
  EXPECT_EQ(slow_end.batches, 10);
}

}  // namespace
}  // namespace walrelay::test

// What the slot's confirmed position does while walrelay runs: it follows the server's WAL
// when only unpublished tables are written (no WAL retained for nothing), and it never
// skips a published change that arrives afterwards.
#include <gtest/gtest.h>

#include "tests/integration/relay_test_base.h"

namespace walrelay::test {
namespace {

class SlotPosition : public RelayTest {};

TEST_F(SlotPosition, IdleSlotAdvancesPastUnpublishedWalAndLosesNothing) {
  StartCluster();
  pg().exec(
      "CREATE TABLE published (id int PRIMARY KEY, v text);"
      "CREATE TABLE unpublished (id int, pad text);"
      "CREATE PUBLICATION walrelay_pub FOR TABLE published;");
  pg().CreateLogicalSlot("walrelay");
  const std::string db = pg().file("replica.db");
  RelayConfig cfg = SqliteRelayConfig(pg(), "walrelay", "walrelay_pub", db);
  cfg.status_interval_ms = 200;
  MakeRelay(cfg);
  const std::vector<TableCheck> checks = {{"published",
                                           "SELECT id, v FROM published ORDER BY id",
                                           "SELECT id, v FROM published ORDER BY id"}};
  pg().exec("INSERT INTO published VALUES (1, 'one')");
  ASSERT_TRUE(StartRelayAndWaitStreaming("walrelay"));
  ASSERT_TRUE(WaitUntilSame(pg(), db, checks, 30s, &relay()));
  const uint64_t after_published = ReadSqliteCheckpoint(db)->end_lsn;

  // Several MB of WAL that no sink needs.
  for (int i = 0; i < 5; ++i)
    pg().exec("INSERT INTO unpublished SELECT g, repeat('x', 200) FROM generate_series(1, 20000) g");
  const uint64_t wal_end = pg().CurrentWalLsn();
  ASSERT_GT(wal_end, after_published + (1u << 20));
  EXPECT_TRUE(WaitFor(
      [&] {
        auto c = pg().ConfirmedFlushLsn("walrelay");
        return c && *c >= wal_end;
      },
      30s))
      << "confirmed_flush_lsn stayed at " << FormatLsn(pg().ConfirmedFlushLsn("walrelay").value_or(0))
      << " while the server's WAL is at " << FormatLsn(wal_end);
  // The sink's own position did not move: nothing was applied.
  EXPECT_EQ(ReadSqliteCheckpoint(db)->end_lsn, after_published);

  // A published change after that still arrives, across a restart too.
  pg().exec("INSERT INTO published VALUES (2, 'two')");
  ASSERT_TRUE(WaitUntilSame(pg(), db, checks, 30s, &relay()));
  ASSERT_TRUE(StopRelayCleanly());
  pg().exec("INSERT INTO published VALUES (3, 'three'); UPDATE published SET v = 'uno' WHERE id = 1");
  ASSERT_TRUE(StartRelayAndWaitStreaming("walrelay"));
  ASSERT_TRUE(WaitUntilSame(pg(), db, checks, 30s, &relay()));
  ASSERT_TRUE(StopRelayCleanly());
}

}  // namespace
}  // namespace walrelay::test

// A sink much slower than wal_sender_timeout, behind a tiny queue: walrelay must keep
// the replication connection alive (status updates while it waits) and must never
// confirm a position the sink has not applied.
#include <gtest/gtest.h>

#include <sstream>
#include <thread>

#include "tests/integration/relay_test_base.h"

namespace walrelay::test {
namespace {

class SlowSink : public RelayTest {};

TEST_F(SlowSink, ConnectionSurvivesAndNothingUnappliedIsConfirmed) {
  constexpr int kTxns = 12;
  PgClusterOptions o;
  o.settings["wal_sender_timeout"] = "2s";
  StartCluster(o);
  pg().exec(R"sql(
    CREATE TABLE t (id int PRIMARY KEY, v text);
    CREATE PUBLICATION walrelay_pub FOR ALL TABLES;
  )sql");
  const uint64_t initial = ParseLsn(pg().CreateLogicalSlot("walrelay"));
  const std::string applied_path = pg().file("applied.txt");

  RelayConfig cfg;
  cfg.conninfo = pg().conninfo();
  cfg.slot = "walrelay";
  cfg.publication = "walrelay_pub";
  cfg.status_interval_ms = 500;
  cfg.pipeline = {{"batch_max_txns", "2"}};
  cfg.sinks.push_back(
      {"slow", FixturePlugin("slow_sink"), {{"path", applied_path}, {"stall_ms", "7000"}}});
  MakeRelay(cfg);
  ASSERT_TRUE(StartRelayAndWaitStreaming("walrelay"));
  auto pid = pg().SlotActivePid("walrelay");
  ASSERT_TRUE(pid.has_value());
  ASSERT_FALSE(
      pg().query("SELECT 1 FROM pg_stat_replication WHERE pid = " + std::to_string(*pid)).empty());

  // Separate transactions, more than the queue holds.
  for (int i = 1; i <= kTxns; ++i)
    pg().exec("INSERT INTO t VALUES (" + std::to_string(i) + ", repeat('x', 200))");

  // Watch for 12 s (several stalls, each 3.5x wal_sender_timeout).
  const std::string timeout_msg = "terminating walsender process due to replication timeout";
  auto until = Clock::now() + 12s;
  int polls = 0;
  while (Clock::now() < until) {
    ASSERT_TRUE(relay().Running()) << DescribeStatus(relay().ExitStatus());
    // Read the slot first, then the file: the file can only have grown in between.
    auto confirmed = pg().ConfirmedFlushLsn("walrelay");
    SlowSinkApplied a = ReadSlowSinkApplied(applied_path);
    ASSERT_TRUE(confirmed.has_value());
    EXPECT_LE(*confirmed, std::max(initial, a.last_lsn))
        << "slot confirmed " << FormatLsn(*confirmed) << " but the sink has applied only up to "
        << FormatLsn(a.last_lsn) << " (slot created at " << FormatLsn(initial) << ")";
    // The same walsender streams from the slot the whole time (a reconnect after a
    // timeout would show as a new pid).
    ASSERT_FALSE(
        pg().query("SELECT 1 FROM pg_stat_replication WHERE pid = " + std::to_string(*pid)).empty())
        << "walsender " << *pid << " is gone";
    ASSERT_EQ(pg().SlotActivePid("walrelay"), pid) << "another process streams from the slot";
    ASSERT_EQ(CountInFile(pg().log_path(), timeout_msg), 0u) << TailFile(pg().log_path(), 20);
    ++polls;
    std::this_thread::sleep_for(250ms);
  }
  EXPECT_GT(polls, 20);
  SlowSinkApplied mid = ReadSlowSinkApplied(applied_path);
  // The stall really held walrelay back (otherwise this test proves nothing): after 12 s
  // only a part of the transactions can have been applied.
  EXPECT_LT(mid.changes, kTxns) << "the slow sink applied everything: nothing was held back";
  EXPECT_GE(mid.batches, 1) << "the slow sink applied nothing in 12 s";

  // SIGTERM: the batch in flight (up to 7 s) is finished, its position confirmed.
  ASSERT_TRUE(StopRelayCleanly(40s));
  SlowSinkApplied fin = ReadSlowSinkApplied(applied_path);
  ASSERT_TRUE(WaitSlotInactive(pg(), "walrelay"));
  auto confirmed = pg().ConfirmedFlushLsn("walrelay");
  ASSERT_TRUE(confirmed.has_value());
  if (fin.changes < kTxns) {
    // Published changes remain: the slot is confirmed exactly up to the last applied batch.
    EXPECT_EQ(*confirmed, fin.last_lsn)
        << "after a clean stop the slot should be confirmed exactly up to the last applied "
           "batch: confirmed "
        << FormatLsn(*confirmed) << ", applied " << FormatLsn(fin.last_lsn);
  } else {
    EXPECT_GE(*confirmed, fin.last_lsn);
  }
  EXPECT_EQ(CountInFile(pg().log_path(), timeout_msg), 0u);
}

}  // namespace
}  // namespace walrelay::test

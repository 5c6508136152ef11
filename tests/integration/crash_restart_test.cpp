// walrelay killed (SIGKILL) or stopped (SIGTERM) at random moments while a workload runs:
// after it catches up, SQLite equals the source row for row: nothing lost, nothing
// applied twice (the key-less table wl_log would show a duplicate as an extra row).
#include <gtest/gtest.h>

#include <random>
#include <thread>

#include "tests/integration/relay_test_base.h"

namespace walrelay::test {
namespace {

class CrashRestart : public RelayTest {
 protected:
  void SetUpSourceAndRelay() {
    StartCluster();
    Workload::CreateSchema(pg());
    pg().exec("CREATE PUBLICATION walrelay_pub FOR ALL TABLES");
    pg().CreateLogicalSlot("walrelay");
    db_ = pg().file("replica.db");
    MakeRelay(SqliteRelayConfig(pg(), "walrelay", "walrelay_pub", db_));
  }

  uint64_t CheckpointLsn() {
    auto cp = ReadSqliteCheckpoint(db_, "replica");
    return cp ? cp->end_lsn : 0;
  }

  std::string db_;
};

TEST_F(CrashRestart, SurvivesRepeatedSigkillExactlyOnce) {
  constexpr int kKills = 6;
  constexpr long long kMinChanges = 50000;
  const uint64_t seed = TestSeed();
  std::cerr << "[crash test] seed " << seed << " (set WALRELAY_TEST_SEED to replay)\n";
  SCOPED_TRACE("WALRELAY_TEST_SEED=" + std::to_string(seed));
  std::mt19937_64 rng(seed);

  SetUpSourceAndRelay();
  ASSERT_TRUE(StartRelayAndWaitStreaming("walrelay"));
  Workload wl(pg(), seed, 6000);
  wl.Start();

  int kills_after_progress = 0;
  for (int k = 0; k < kKills; ++k) {
    uint64_t before = CheckpointLsn();
    std::uniform_int_distribution<int> delay_ms(400, 2500);
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms(rng)));
    ASSERT_TRUE(relay().Running()) << "walrelay ended on its own before kill #" << k + 1 << " ("
                                   << DescribeStatus(relay().ExitStatus()) << ")";
    ASSERT_EQ(relay().Kill(), 128 + SIGKILL);
    uint64_t after = CheckpointLsn();
    if (after > before) ++kills_after_progress;
    std::cerr << "[crash test] kill #" << k + 1 << " at " << wl.changes() << " source changes, "
              << "checkpoint " << FormatLsn(after) << "\n";
    ASSERT_TRUE(wl.error().empty()) << wl.error();
    // The walsender of the killed process goes away once PostgreSQL sees the socket close.
    ASSERT_TRUE(WaitSlotInactive(pg(), "walrelay", 20s));
    relay().Start();
  }
  // Enough source changes in total.
  ASSERT_TRUE(WaitFor([&] { return wl.changes() >= kMinChanges || !wl.error().empty(); }, 90s));
  wl.Stop();
  ASSERT_TRUE(wl.error().empty()) << wl.error();
  std::cerr << "[crash test] workload: " << wl.transactions() << " transactions, " << wl.changes()
            << " changes\n";
  EXPECT_GE(wl.changes(), kMinChanges);
  // Each kill interrupted a walrelay that had been applying (not only ones still starting).
  EXPECT_GE(kills_after_progress, 2) << "walrelay made progress before only "
                                     << kills_after_progress << " of " << kKills << " kills";

  ASSERT_TRUE(WaitUntilSame(pg(), db_, Workload::Checks(), 120s, &relay()));
  ASSERT_TRUE(StopRelayCleanly());
  EXPECT_TRUE(CompareTables(pg(), db_, Workload::Checks()));
}

TEST_F(CrashRestart, SigtermMidWorkloadThenRestartCatchesUp) {
  const uint64_t seed = TestSeed();
  SCOPED_TRACE("WALRELAY_TEST_SEED=" + std::to_string(seed));
  SetUpSourceAndRelay();
  ASSERT_TRUE(StartRelayAndWaitStreaming("walrelay"));
  Workload wl(pg(), seed, 4000);
  wl.Start();

  for (int round = 0; round < 2; ++round) {
    std::this_thread::sleep_for(2500ms);
    ASSERT_TRUE(wl.error().empty()) << wl.error();
    ASSERT_TRUE(StopRelayCleanly(60s)) << "stop #" << round + 1;
    auto cp = ReadSqliteCheckpoint(db_, "replica");
    ASSERT_TRUE(cp.has_value()) << "walrelay applied nothing before stop #" << round + 1;
    ASSERT_TRUE(WaitSlotInactive(pg(), "walrelay"));
    auto confirmed = pg().ConfirmedFlushLsn("walrelay");
    ASSERT_TRUE(confirmed.has_value());
    // On SIGTERM the final applied position is confirmed to PostgreSQL.
    EXPECT_GE(*confirmed, cp->end_lsn)
        << "confirmed " << FormatLsn(*confirmed) << ", checkpoint " << cp->end_lsn_text;
    // The workload goes on while walrelay is down.
    std::this_thread::sleep_for(1s);
    relay().Start();
  }
  ASSERT_TRUE(WaitFor([&] { return wl.changes() >= 20000 || !wl.error().empty(); }, 60s));
  wl.Stop();
  ASSERT_TRUE(wl.error().empty()) << wl.error();

  ASSERT_TRUE(WaitUntilSame(pg(), db_, Workload::Checks(), 90s, &relay()));
  ASSERT_TRUE(StopRelayCleanly());
}

// A supervisor (systemd Restart=always) restarts walrelay at once after a crash, while the
// killed process's walsender may still hold the slot for a moment. Made deterministic here:
// pg_recvlogical holds the slot while walrelay starts. walrelay must wait for the slot (not
// exit), stream once it is free, and still apply everything exactly once.
TEST_F(CrashRestart, StartWaitsForASlotHeldByAnotherWalsender) {
  SetUpSourceAndRelay();
  const std::vector<TableCheck> accounts = {Workload::Checks()[0]};  // the table written here
  pg().exec("INSERT INTO wl_accounts (id, balance, note) VALUES (1, 1, 'before')");
  ASSERT_TRUE(StartRelayAndWaitStreaming("walrelay"));
  ASSERT_TRUE(WaitUntilSame(pg(), db_, accounts, 30s, &relay()));
  ASSERT_TRUE(StopRelayCleanly());
  ASSERT_TRUE(WaitSlotInactive(pg(), "walrelay"));

  // Nothing is pending in the slot, so pg_recvlogical confirms nothing walrelay still needs.
  Process holder({PgClusterOptions().bin_dir + "/pg_recvlogical", "-h", "127.0.0.1", "-p",
                  std::to_string(pg().port()), "-U", "postgres", "-d", "postgres", "-S",
                  "walrelay", "--start", "-o", "proto_version=1", "-o",
                  "publication_names=walrelay_pub", "-f", "/dev/null"},
                 pg().file("recvlogical.log"));
  ASSERT_TRUE(WaitFor([&] { return pg().SlotActivePid("walrelay").has_value(); }, 20s));
  relay().Start();
  ASSERT_TRUE(WaitFor([&] { return relay().LogTail(200).find("waiting for the slot") !=
                                   std::string::npos; },
                      20s))
      << relay().LogTail();
  std::this_thread::sleep_for(2s);
  ASSERT_TRUE(relay().Running()) << "walrelay gave up on a busy slot: "
                                 << DescribeStatus(relay().ExitStatus()) << "\n"
                                 << relay().LogTail();
  holder.Signal(SIGTERM);
  holder.Wait(10s);
  pg().exec("INSERT INTO wl_accounts (id, balance, note) VALUES (2, 2, 'after')");
  ASSERT_TRUE(WaitUntilSame(pg(), db_, accounts, 60s, &relay()));
  ASSERT_TRUE(StopRelayCleanly());
}

// The source crashes and restarts (pg_ctl restart -m immediate) twice while walrelay runs
// under load: walrelay reconnects by itself (it is never restarted here) and ends equal to
// the source, nothing lost, nothing applied twice (wl_log has no key: a duplicate would be
// an extra row).
TEST_F(CrashRestart, SourceImmediateRestartUnderLoadIsFollowedByReconnect) {
  SetUpSourceAndRelay();
  ASSERT_TRUE(StartRelayAndWaitStreaming("walrelay"));
  // 2,000 small transactions (inserts, updates, deletes), then the crash right away, while
  // walrelay is still streaming them.
  auto burst = [&](int round) {
    const std::string base = std::to_string(round * 100000);
    pg().exec("DO $$ BEGIN FOR i IN 1..2000 LOOP "
              "INSERT INTO wl_log (seq, kind, payload) VALUES (" + base + " + i, 'r', 'x'); "
              "INSERT INTO wl_accounts (id, balance) VALUES (" + base + " + i, i); "
              "IF i % 3 = 0 THEN UPDATE wl_accounts SET balance = balance + 1 WHERE id = " +
              base + " + i - 1; END IF; "
              "IF i % 5 = 0 THEN DELETE FROM wl_accounts WHERE id = " + base + " + i - 2; END IF; "
              "COMMIT; END LOOP; END $$");
  };
  for (int round = 0; round < 2; ++round) {
    burst(round);
    pg().restart("immediate");
    ASSERT_TRUE(relay().Running()) << "walrelay exited when the source went away: "
                                   << DescribeStatus(relay().ExitStatus()) << "\n"
                                   << relay().LogTail();
  }
  burst(2);
  const std::vector<TableCheck> checks = {Workload::Checks()[0], Workload::Checks()[2]};
  ASSERT_TRUE(WaitUntilSame(pg(), db_, checks, 90s, &relay()));
  EXPECT_NE(relay().LogTail(400).find("reconnecting"), std::string::npos) << relay().LogTail();
  ASSERT_TRUE(StopRelayCleanly());
}

}  // namespace
}  // namespace walrelay::test

// The spool between the source and the sinks: with `spool.ack: spooled` the slot is
// confirmed as soon as transactions are durable in the spool (ahead of a slow sink), and
// after walrelay is killed the spool alone delivers what the sink had not applied --
// exactly once, although the server will not send it again.
#include <gtest/gtest.h>

#include <filesystem>
#include <thread>

#include "tests/integration/relay_test_base.h"

namespace walrelay::test {
namespace {

class Spool : public RelayTest {};

TEST_F(Spool, AckSpooledConfirmsAheadOfASlowSinkAndReplaysFromTheSpoolAfterAKill) {
  constexpr int kTxns = 40;
  StartCluster();
  pg().exec(
      "CREATE TABLE t (id int PRIMARY KEY, v text);"
      "CREATE PUBLICATION walrelay_pub FOR ALL TABLES;");
  pg().CreateLogicalSlot("walrelay");
  const std::string slow_path = pg().file("slow.txt");
  RelayConfig cfg;
  cfg.conninfo = pg().conninfo();
  cfg.status_interval_ms = 200;
  cfg.pipeline = {{"batch_max_txns", "4"}};
  cfg.spool = {{"ack", "spooled"}, {"dir", pg().file("spool")}};
  cfg.sinks.push_back(
      {"slow", FixturePlugin("slow_sink"), {{"path", slow_path}, {"stall_ms", "300"}}});
  MakeRelay(cfg);
  ASSERT_TRUE(StartRelayAndWaitStreaming("walrelay"));
  for (int i = 1; i <= kTxns; ++i)
    pg().exec("INSERT INTO t VALUES (" + std::to_string(i) + ", repeat('x', 100))");
  const uint64_t end = pg().CurrentWalLsn();
  // The slot reaches the end of the workload while the sink (10 batches x 300 ms) lags.
  ASSERT_TRUE(WaitFor([&] { return pg().ConfirmedFlushLsn("walrelay").value_or(0) >= end; }, 20s))
      << relay().LogTail(30);
  const SlowSinkApplied at_confirm = ReadSlowSinkApplied(slow_path);
  EXPECT_LT(at_confirm.changes, kTxns) << "the sink was not behind: the test shows nothing";
  ASSERT_EQ(relay().Kill(), 128 + SIGKILL);
  const SlowSinkApplied at_kill = ReadSlowSinkApplied(slow_path);
  ASSERT_LT(at_kill.changes, kTxns) << "nothing was left for the spool to replay";
  ASSERT_TRUE(WaitSlotInactive(pg(), "walrelay", 20s));
  // The server has nothing more to send; the spool holds the rest.
  ASSERT_TRUE(StartRelayAndWaitStreaming("walrelay"));
  ASSERT_TRUE(WaitFor([&] { return ReadSlowSinkApplied(slow_path).changes >= kTxns; }, 60s))
      << ReadFile(slow_path) << relay().LogTail(30);
  ASSERT_TRUE(StopRelayCleanly());
  const SlowSinkApplied fin = ReadSlowSinkApplied(slow_path);
  EXPECT_EQ(fin.changes, kTxns) << ReadFile(slow_path);  // no transaction twice
  EXPECT_NE(relay().LogTail(200).find("spooled up to"), std::string::npos);
  // Everything consumed: the spool keeps only its current (empty-ish) segment.
  size_t segs = 0;
  for (const auto &e : std::filesystem::directory_iterator(pg().file("spool")))
    segs += e.path().extension() == ".seg";
  EXPECT_LE(segs, 2u);
}

TEST_F(Spool, SecondWalrelayOnTheSameSpoolIsRefusedClearly) {
  StartCluster();
  pg().exec("CREATE TABLE t (id int PRIMARY KEY); CREATE PUBLICATION walrelay_pub FOR ALL TABLES;");
  pg().CreateLogicalSlot("walrelay");
  RelayConfig cfg = SqliteRelayConfig(pg(), "walrelay", "walrelay_pub", pg().file("a.db"));
  cfg.spool = {{"dir", pg().file("spool")}};
  MakeRelay(cfg);
  ASSERT_TRUE(StartRelayAndWaitStreaming("walrelay"));
  RelayConfig second = cfg;
  second.sinks[0].options = {{"path", pg().file("b.db")}};
  const std::string path = WriteRelayConfig(pg().file("second.yaml"), second);
  Walrelay other(path, pg().file("second.log"));
  other.Start();
  ASSERT_TRUE(WaitFor([&] { return !other.Running(); }, 20s));
  EXPECT_NE(other.ExitStatus(), 0);
  EXPECT_NE(other.LogTail(20).find("in use by another walrelay process"), std::string::npos)
      << other.LogTail(20);
  ASSERT_TRUE(StopRelayCleanly());
}

}  // namespace
}  // namespace walrelay::test

namespace walrelay::test {
namespace {

// A stalled sink holds the others back only once the spool holds spool.max_bytes for it:
// until then the fast sink runs ahead; then the source stops reading (keeping its
// connection); after the stall ends everything arrives everywhere, once.
TEST_F(Spool, SlowSinkHoldsTheOthersOnlyBeyondMaxBytes) {
  constexpr int kTxns = 150;  // 150 x ~20 kB = ~3 MB, three times spool.max_bytes
  StartCluster();
  pg().exec(
      "CREATE TABLE t (id int PRIMARY KEY, v text);"
      "CREATE PUBLICATION walrelay_pub FOR ALL TABLES;");
  pg().CreateLogicalSlot("walrelay");
  const std::string db = pg().file("fast.db"), slow_path = pg().file("slow.txt");
  RelayConfig cfg = SqliteRelayConfig(pg(), "walrelay", "walrelay_pub", db, "fast");
  cfg.status_interval_ms = 300;
  cfg.pipeline = {{"batch_max_txns", "1"}};
  cfg.spool = {{"max_bytes", "1048576"}, {"segment_bytes", "262144"}};
  cfg.sinks.push_back(
      {"slow", FixturePlugin("slow_sink"), {{"path", slow_path}, {"stall_ms", "60000"}}});
  MakeRelay(cfg);
  ASSERT_TRUE(StartRelayAndWaitStreaming("walrelay"));
  const auto pid = pg().SlotActivePid("walrelay");
  for (int i = 1; i <= kTxns; ++i)
    pg().exec("INSERT INTO t VALUES (" + std::to_string(i) +
              ", (SELECT string_agg(md5(g::text), '') FROM generate_series(1, 600) g))");
  auto fast_rows = [&] {
    auto r = TrySqliteQuery(db, "SELECT count(*) FROM t");
    return r.ok && !r.rows.empty() && r.rows[0][0] ? std::stoll(*r.rows[0][0]) : 0LL;
  };
  // The fast sink runs ahead of the stalled one ...
  ASSERT_TRUE(WaitFor([&] { return fast_rows() >= 20; }, 30s)) << relay().LogTail(20);
  // ... but not to the end: about max_bytes (~50 transactions) past the stalled sink.
  std::this_thread::sleep_for(4s);
  const long long held = fast_rows();
  EXPECT_LT(held, kTxns) << "the source did not stop at spool.max_bytes";
  EXPECT_LE(ReadSlowSinkApplied(slow_path).changes, 1);
  EXPECT_EQ(pg().SlotActivePid("walrelay"), pid) << "the connection was dropped while waiting";
  // End the stall: restart with a quick slow sink; everything arrives, once, everywhere.
  ASSERT_EQ(relay().Kill(), 128 + SIGKILL);
  ASSERT_TRUE(WaitSlotInactive(pg(), "walrelay", 20s));
  cfg.sinks[1].options = {{"path", slow_path}, {"stall_ms", "0"}};
  MakeRelay(cfg);
  ASSERT_TRUE(StartRelayAndWaitStreaming("walrelay"));
  ASSERT_TRUE(WaitFor([&] { return fast_rows() == kTxns; }, 60s));
  ASSERT_TRUE(WaitFor([&] { return ReadSlowSinkApplied(slow_path).changes >= kTxns; }, 60s))
      << ReadFile(slow_path);
  ASSERT_TRUE(StopRelayCleanly());
  EXPECT_EQ(ReadSlowSinkApplied(slow_path).changes, kTxns);
  EXPECT_TRUE(CompareTables(pg(), db,
                            {{"t", "SELECT id, v FROM t ORDER BY id", "SELECT id, v FROM t ORDER BY id"}}));
}

}  // namespace
}  // namespace walrelay::test

namespace walrelay::test {
namespace {

// A spool holds the transactions of one source: pointed at another cluster, walrelay
// refuses to start instead of replaying them into the sinks.
TEST_F(Spool, SpoolOfAnotherSourceIsRefused) {
  StartCluster();
  pg().exec("CREATE TABLE t (id int PRIMARY KEY); CREATE PUBLICATION walrelay_pub FOR ALL TABLES;");
  pg().CreateLogicalSlot("walrelay");
  TempDir shared;
  const std::string spool_dir = shared.file("spool");
  RelayConfig cfg = SqliteRelayConfig(pg(), "walrelay", "walrelay_pub", pg().file("a.db"));
  cfg.spool = {{"dir", spool_dir}};
  MakeRelay(cfg);
  ASSERT_TRUE(StartRelayAndWaitStreaming("walrelay"));
  pg().exec("INSERT INTO t VALUES (1)");
  ASSERT_TRUE(WaitUntilSame(pg(), pg().file("a.db"), {{"t", "SELECT id FROM t", "SELECT id FROM t"}},
                            30s, &relay()));
  ASSERT_TRUE(StopRelayCleanly());

  PgCluster other;
  other.exec("CREATE TABLE t (id int PRIMARY KEY); CREATE PUBLICATION walrelay_pub FOR ALL TABLES;");
  other.CreateLogicalSlot("walrelay");
  RelayConfig cfg2 = SqliteRelayConfig(other, "walrelay", "walrelay_pub", other.file("b.db"));
  cfg2.spool = {{"dir", spool_dir}};
  Walrelay second(WriteRelayConfig(other.file("walrelay.yaml"), cfg2), other.file("walrelay.log"));
  second.Start();
  ASSERT_TRUE(WaitFor([&] { return !second.Running(); }, 30s)) << second.LogTail(20);
  EXPECT_NE(second.ExitStatus(), 0);
  EXPECT_NE(second.LogTail(20).find("the spool directory holds transactions of another source"),
            std::string::npos)
      << second.LogTail(20);
  const auto r = TrySqliteQuery(other.file("b.db"), "SELECT count(*) FROM t");
  EXPECT_TRUE(!r.ok || (r.rows.size() == 1 && r.rows[0][0] && *r.rows[0][0] == "0"))
      << "transactions of the first cluster reached the second one's sink";
}

}  // namespace
}  // namespace walrelay::test

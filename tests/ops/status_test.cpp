// `walrelay status`: slot lag, the sinks' applied LSNs, spool size and time lag, with and
// without a running daemon.
#include <gtest/gtest.h>

#include <chrono>
#include <regex>
#include <thread>

#include "tests/ops/ops_test_base.h"

namespace walrelay::test {
namespace {

class Status : public OpsTest {};

// The first number captured by `pattern` in `text`, or nullopt.
std::optional<std::string> Capture(const std::string &text, const std::string &pattern) {
  std::smatch m;
  if (!std::regex_search(text, m, std::regex(pattern))) return std::nullopt;
  return m[1].str();
}

TEST_F(Status, ShowsAppliedLsnSlotLagAndSpoolSizeWithAndWithoutTheDaemon) {
  StartCluster();
  pg().exec(
      "CREATE TABLE items (id int PRIMARY KEY, v text); CREATE PUBLICATION walrelay_pub FOR ALL "
      "TABLES;");
  pg().CreateLogicalSlot("walrelay");
  const std::string db = pg().file("replica.db");
  const std::string cfg = WriteConfig(BaseConfig());
  Walrelay relay(cfg, pg().file("run.log"));
  relay.Start();
  for (int i = 1; i <= 5; ++i)
    pg().exec("INSERT INTO items VALUES (" + std::to_string(i) + ", 'v')");
  const std::vector<TableCheck> checks = {
      {"items", "SELECT id, v FROM items ORDER BY id", "SELECT id, v FROM items ORDER BY id"}};
  ASSERT_TRUE(WaitUntilSame(pg(), db, checks, 60s, &relay));
  ASSERT_TRUE(WaitFor([&] { return pg().SlotActivePid("walrelay").has_value(); }, 30s));
  const long long pid = *pg().SlotActivePid("walrelay");

  // While the daemon runs.
  const auto running = RunWalrelay({"status", "-c", cfg});
  EXPECT_EQ(running.exit_code, 0) << running.output;
  EXPECT_NE(running.output.find(kOk + " slot 'walrelay': active (pid " + std::to_string(pid) + ")"),
            std::string::npos)
      << running.output;
  const auto cp = ReadSqliteCheckpoint(db);
  ASSERT_TRUE(cp.has_value());
  EXPECT_NE(running.output.find(kOk + " sink 'replica': applied " + FormatLsn(cp->end_lsn) + ","),
            std::string::npos)
      << "checkpoint " << FormatLsn(cp->end_lsn) << "\n"
      << running.output;
  ASSERT_TRUE(relay.Stop() == 0) << relay.LogTail();

  // After it stopped: the same applied position, the slot's lag, the spool's bytes.
  pg().exec("INSERT INTO items VALUES (100, 'after stop')");  // WAL the slot has not confirmed
  const auto stopped = RunWalrelay({"status", "-c", cfg});
  EXPECT_EQ(stopped.exit_code, 0) << stopped.output;
  const auto cp2 = ReadSqliteCheckpoint(db);
  ASSERT_TRUE(cp2.has_value());
  EXPECT_NE(stopped.output.find(kOk + " sink 'replica': applied " + FormatLsn(cp2->end_lsn) + ","),
            std::string::npos)
      << stopped.output;
  EXPECT_NE(stopped.output.find("inactive: no walrelay is streaming"), std::string::npos)
      << stopped.output;
  const auto lag =
      Capture(stopped.output, "confirmed_flush_lsn [0-9A-F]+/[0-9A-F]+, lag ([0-9]+) bytes");
  ASSERT_TRUE(lag.has_value()) << stopped.output;
  EXPECT_GT(std::stoll(*lag), 0) << stopped.output;
  const auto confirmed = pg().ConfirmedFlushLsn("walrelay");
  ASSERT_TRUE(confirmed.has_value());
  EXPECT_LE(std::stoll(*lag),
            static_cast<long long>(pg().CurrentWalLsn() - *confirmed));  // server's own view
  const auto spool = Capture(stopped.output, "spool " + pg().file("spool") + ": ([0-9]+) bytes");
  ASSERT_TRUE(spool.has_value()) << stopped.output;
  EXPECT_GT(std::stoll(*spool), 0) << stopped.output;
  EXPECT_NE(stopped.output.find(kOk + " time lag 0.0 s"), std::string::npos) << stopped.output;
}

TEST_F(Status, TimeLagIsTheAgeOfTheOldestUnappliedSpooledTransaction) {
  StartCluster();
  pg().exec(
      "CREATE TABLE items (id int PRIMARY KEY); CREATE PUBLICATION walrelay_pub FOR ALL TABLES;");
  pg().CreateLogicalSlot("walrelay");
  RelayConfig c = BaseConfig();
  const std::string applied_file = pg().file("slow.txt");
  c.sinks = {SinkSpec{
      "slow", FixturePlugin("slow_sink"), {{"path", applied_file}, {"stall_ms", "60000"}}}};
  c.pipeline = {{"batch_max_txns", "1"}};
  const std::string cfg = WriteConfig(c);
  Walrelay relay(cfg, pg().file("run.log"));
  relay.Start();
  ASSERT_TRUE(WaitFor([&] { return !relay.Running() || pg().SlotActivePid("walrelay"); }, 30s));
  ASSERT_TRUE(relay.Running()) << relay.LogTail();
  pg().exec("INSERT INTO items VALUES (1)");
  const auto committed = std::chrono::system_clock::now();
  pg().exec("INSERT INTO items VALUES (2)");
  // Both transactions reach the spool within moments; the sink sleeps in its first apply().
  std::this_thread::sleep_for(3s);
  const auto r = RunWalrelay({"status", "-c", cfg});
  const double elapsed =
      std::chrono::duration<double>(std::chrono::system_clock::now() - committed).count();
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find(kOk + " sink 'slow': applied nothing yet"), std::string::npos)
      << r.output;
  const auto secs = Capture(r.output, "time lag ([0-9.]+) s: the oldest spooled transaction");
  ASSERT_TRUE(secs.has_value()) << r.output;
  EXPECT_GE(std::stod(*secs), 2.0) << r.output;
  EXPECT_LE(std::stod(*secs), elapsed + 1.0) << r.output;
  relay.Kill();
}

}  // namespace
}  // namespace walrelay::test

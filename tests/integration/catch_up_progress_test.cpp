// Catch-up progress: while the sinks are far behind the server's WAL, walrelay logs how far
// (MiB of WAL, positions, rate, ETA) every progress interval, and says when it caught up.
#include <gtest/gtest.h>

#include <fstream>

#include "tests/integration/relay_test_base.h"

namespace walrelay::test {
namespace {

class CatchUpProgress : public RelayTest {};

TEST_F(CatchUpProgress, LogsLagWhileBehindAndCaughtUpAfter) {
  StartCluster();
  pg().exec(R"sql(
    CREATE TABLE t (id int PRIMARY KEY, v text);
    CREATE PUBLICATION walrelay_pub FOR ALL TABLES;
  )sql");
  pg().CreateLogicalSlot("walrelay");
  // About 60 MiB of WAL the sink has to work through (one transaction, applied in pieces).
  pg().exec("INSERT INTO t SELECT g, repeat('x', 200) FROM generate_series(1, 200000) g");
  const std::string applied_path = pg().file("applied.txt");
  RelayConfig cfg;
  cfg.conninfo = pg().conninfo();
  cfg.pipeline = {{"batch_max_bytes", "4194304"}};
  cfg.sinks.push_back(
      {"slow", FixturePlugin("slow_sink"), {{"path", applied_path}, {"stall_ms", "700"}}});
  Walrelay &r = MakeRelay(cfg);
  std::ofstream(r.config_path(), std::ios::app) << "snapshot:\n  progress_interval_ms: 1000\n";
  relay().Start();
  ASSERT_TRUE(WaitFor(
      [&] {
        return !relay().Running() ||
               ReadFile(relay().log_path()).find("catch-up: caught up") != std::string::npos;
      },
      120s))
      << relay().LogTail();
  ASSERT_TRUE(relay().Running()) << relay().LogTail();
  const std::string log = ReadFile(relay().log_path());
  const auto behind = log.find("MiB of WAL behind the server (applied ");
  ASSERT_NE(behind, std::string::npos) << relay().LogTail();
  EXPECT_LT(behind, log.find("catch-up: caught up"));
  EXPECT_NE(log.find(" MiB/s"), std::string::npos);
  EXPECT_GE(ReadSlowSinkApplied(applied_path).changes, 200000);
  ASSERT_TRUE(StopRelayCleanly());
}

}  // namespace
}  // namespace walrelay::test

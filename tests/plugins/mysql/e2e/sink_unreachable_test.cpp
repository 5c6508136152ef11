// A sink whose destination cannot be reached: at start (MariaDB is down when walrelay
// starts) and mid-stream (MariaDB goes down under load and comes back, walrelay is not
// restarted). walrelay must stay up, say which sink cannot reach what, keep the slot from
// moving past what MariaDB holds, and catch up exactly once when MariaDB is back.
#include <gtest/gtest.h>

#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include "tests/plugins/mysql/e2e/relay_config.h"
#include "tests/plugins/mysql/e2e/workload_compare.h"
#include "tests/plugins/mysql/mariadb_server.h"
#include "tests/support/harness.h"

namespace walrelay::test {
namespace {

using namespace std::chrono_literals;

/// walrelay.yaml for one MySQL sink "replica" on `port`, database e2e, slot "walrelay".
std::string WriteConfig(PgCluster &pg, unsigned port) {
  const RelayConfig cfg = MysqlRelayConfig(pg, port, {{"connect_timeout_ms", "2000"}});
  return WriteRelayConfig(pg.file("walrelay.yaml"), cfg);
}

/// The whole log of walrelay's runs so far.
std::string ReadLog(const Walrelay &relay) {
  std::ifstream in(relay.log_path());
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

/// A log line naming sink 'replica' and the unreachable address, with a retry: the message
/// an operator needs.
bool LogsUnreachable(const Walrelay &relay, unsigned port) {
  std::istringstream log(ReadLog(relay));
  const std::string addr = "127.0.0.1:" + std::to_string(port);
  for (std::string line; std::getline(log, line);) {
    if (line.find("replica") != std::string::npos && line.find(addr) != std::string::npos &&
        line.find("retry") != std::string::npos)
      return true;
  }
  return false;
}

/// Waits until MariaDB equals PostgreSQL; fails with the difference and the log otherwise.
void ExpectCaughtUp(PgCluster &pg, wrmysql::MariaDbServer &maria, Walrelay &relay) {
  std::string last;
  const bool same = WaitFor(
      [&] {
        last = workload_diff(pg, maria.port());
        return last.empty() || !relay.Running();
      },
      120s);
  EXPECT_TRUE(same && last.empty()) << last << "\n" << relay.LogTail();
}

TEST(mysql_e2e, SinkUnreachableAtStartIsRetriedAndNothingIsLost) {
  wrmysql::MariaDbServer maria;
  wrmysql::Client(maria.port()).exec("CREATE DATABASE e2e CHARACTER SET utf8mb4");
  maria.stop();  // down before walrelay starts
  PgCluster pg;
  Workload::CreateSchema(pg);
  pg.exec("CREATE PUBLICATION walrelay_pub FOR ALL TABLES");
  pg.CreateLogicalSlot("walrelay");
  const auto slot_start = pg.ConfirmedFlushLsn("walrelay");
  ASSERT_TRUE(slot_start.has_value());

  Walrelay relay(WriteConfig(pg, maria.port()), pg.file("walrelay.log"));
  relay.Start();
  Workload wl(pg, TestSeed(), 2000);
  wl.Start();
  // walrelay stays up and says which sink cannot reach which address.
  ASSERT_TRUE(
      WaitFor([&] { return !relay.Running() || LogsUnreachable(relay, maria.port()); }, 60s))
      << relay.LogTail();
  std::this_thread::sleep_for(3s);
  ASSERT_TRUE(relay.Running()) << relay.LogTail();
  // Nothing was applied, so nothing may have been confirmed to the server.
  EXPECT_EQ(pg.ConfirmedFlushLsn("walrelay"), slot_start);

  maria.start();
  std::cerr << "[sink unreachable] MariaDB started after " << wl.changes() << " changes\n";
  std::this_thread::sleep_for(2s);
  wl.Stop();
  ASSERT_TRUE(wl.error().empty()) << wl.error();
  EXPECT_GT(wl.changes(), 500);
  ExpectCaughtUp(pg, maria, relay);
  EXPECT_TRUE(relay.Running()) << relay.LogTail();
  EXPECT_EQ(relay.Stop(60s), 0) << relay.LogTail();
}

TEST(mysql_e2e, SinkUnreachableMidStreamIsRetriedAndNothingIsLost) {
  wrmysql::MariaDbServer maria;
  wrmysql::Client(maria.port()).exec("CREATE DATABASE e2e CHARACTER SET utf8mb4");
  PgCluster pg;
  Workload::CreateSchema(pg);
  pg.exec("CREATE PUBLICATION walrelay_pub FOR ALL TABLES");
  pg.CreateLogicalSlot("walrelay");

  Walrelay relay(WriteConfig(pg, maria.port()), pg.file("walrelay.log"));
  relay.Start();
  ASSERT_TRUE(WaitFor([&] { return !relay.Running() || pg.SlotActivePid("walrelay"); }, 30s))
      << relay.LogTail();
  Workload wl(pg, TestSeed(), 2000);
  wl.Start();
  std::this_thread::sleep_for(2s);
  maria.stop();
  const long long changes_at_stop = wl.changes();
  // Down long enough for several failed applies and reconnect attempts.
  ASSERT_TRUE(
      WaitFor([&] { return !relay.Running() || LogsUnreachable(relay, maria.port()); }, 60s))
      << relay.LogTail();
  std::this_thread::sleep_for(3s);
  ASSERT_TRUE(relay.Running()) << relay.LogTail();
  maria.start();
  std::cerr << "[sink unreachable] MariaDB down from " << changes_at_stop << " to " << wl.changes()
            << " changes\n";
  std::this_thread::sleep_for(2s);
  wl.Stop();
  ASSERT_TRUE(wl.error().empty()) << wl.error();
  EXPECT_GT(wl.changes(), changes_at_stop);
  ExpectCaughtUp(pg, maria, relay);
  EXPECT_TRUE(relay.Running()) << relay.LogTail();
  EXPECT_EQ(relay.Stop(60s), 0) << relay.LogTail();
}

}  // namespace
}  // namespace walrelay::test

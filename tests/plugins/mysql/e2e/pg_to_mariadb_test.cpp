// End to end: PostgreSQL -> walrelay binary -> MySQL sink -> MariaDB under a write workload,
// with walrelay killed (SIGKILL) repeatedly and MariaDB restarted once; then compared with
// the source row for row (wl_log has no key: a duplicated apply would show as extra rows).
#include <gtest/gtest.h>

#include <algorithm>
#include <iostream>
#include <random>
#include <thread>

#include "tests/plugins/mysql/e2e/relay_config.h"
#include "tests/plugins/mysql/e2e/workload_compare.h"
#include "tests/plugins/mysql/mariadb_server.h"
#include "tests/support/harness.h"

namespace walrelay::test {
namespace {

using namespace std::chrono_literals;

TEST(mysql_e2e, WorkloadWithKilledWalrelayAndRestartedMariaDbIsExactlyOnce) {
  wrmysql::MariaDbServer maria;
  wrmysql::Client(maria.port()).exec("CREATE DATABASE e2e CHARACTER SET utf8mb4");
  PgCluster pg;
  Workload::CreateSchema(pg);
  pg.exec("CREATE PUBLICATION walrelay_pub FOR ALL TABLES");
  pg.CreateLogicalSlot("walrelay");

  const RelayConfig cfg = MysqlRelayConfig(pg, maria.port());
  Walrelay relay(WriteRelayConfig(pg.file("walrelay.yaml"), cfg), pg.file("walrelay.log"));
  relay.Start();
  ASSERT_TRUE(WaitFor([&] { return !relay.Running() || pg.SlotActivePid("walrelay"); }, 30s))
      << relay.LogTail();
  ASSERT_TRUE(relay.Running()) << relay.LogTail();

  const uint64_t seed = TestSeed();
  SCOPED_TRACE("WALRELAY_TEST_SEED=" + std::to_string(seed));
  std::mt19937_64 rng(seed);
  Workload wl(pg, seed, 3000);
  wl.Start();
  constexpr int kKills = 5;
  for (int k = 0; k < kKills; ++k) {
    std::this_thread::sleep_for(
        std::chrono::milliseconds(std::uniform_int_distribution<int>(500, 2000)(rng)));
    ASSERT_TRUE(relay.Running()) << "walrelay ended on its own before kill #" << k + 1 << "\n"
                                 << relay.LogTail();
    ASSERT_EQ(relay.Kill(), 128 + SIGKILL);
    std::cerr << "[mysql e2e] kill #" << k + 1 << " at " << wl.changes() << " changes\n";
    ASSERT_TRUE(wl.error().empty()) << wl.error();
    ASSERT_TRUE(WaitSlotInactive(pg, "walrelay", 20s));
    relay.Start();
    if (k == 2) {  // MariaDB goes away under load once: walrelay must retry, not die
      std::this_thread::sleep_for(1s);
      maria.stop();
      std::this_thread::sleep_for(2s);
      maria.start();
      std::cerr << "[mysql e2e] restarted MariaDB\n";
    }
  }
  std::this_thread::sleep_for(2s);
  wl.Stop();
  ASSERT_TRUE(wl.error().empty()) << wl.error();
  std::cerr << "[mysql e2e] workload: " << wl.transactions() << " transactions, " << wl.changes()
            << " changes\n";
  EXPECT_GT(wl.changes(), 1000);
  std::string last;
  const bool same = WaitFor(
      [&] {
        last = workload_diff(pg, maria.port());
        return last.empty() || !relay.Running();
      },
      120s);
  EXPECT_TRUE(same && last.empty()) << last << "\n" << relay.LogTail();
  EXPECT_TRUE(relay.Running()) << relay.LogTail();
  EXPECT_EQ(relay.Stop(60s), 0) << relay.LogTail();
}

}  // namespace
}  // namespace walrelay::test

// End to end: PostgreSQL -> walrelay binary -> MySQL sink -> MariaDB under a write workload,
// with walrelay killed (SIGKILL) repeatedly and MariaDB restarted once; then compared with
// the source row for row (wl_log has no key: a duplicated apply would show as extra rows).
#include <gtest/gtest.h>

#include <algorithm>
#include <iostream>
#include <random>
#include <thread>

#include "tests/plugins/mysql/mariadb_server.h"
#include "tests/support/harness.h"

namespace walrelay::test {
namespace {

using namespace std::chrono_literals;

/// One table compared: the PostgreSQL query renders values the way MariaDB prints the
/// mapped column (timestamptz as UTC DATETIME(6)); rows are sorted client-side.
struct Check {
  std::string name, pg_sql, my_sql;
};

const std::vector<Check> kChecks = {
    {"wl_accounts",
     "SELECT id::text, balance::text, note, to_char(updated_at AT TIME ZONE 'UTC', "
     "'YYYY-MM-DD HH24:MI:SS.US') FROM wl_accounts",
     "SELECT id, balance, note, updated_at FROM wl_accounts"},
    {"wl_orders", "SELECT customer_id::text, order_no::text, amount::text, status FROM wl_orders",
     "SELECT customer_id, order_no, amount, status FROM wl_orders"},
    {"wl_log", "SELECT seq::text, kind, payload FROM wl_log",
     "SELECT seq, kind, payload FROM wl_log"},
};

wrmysql::Rows pg_rows(PgCluster &pg, const std::string &sql) {
  wrmysql::Rows out;
  for (const auto &row : pg.query(sql)) {
    std::vector<std::string> r;
    for (const auto &v : row) r.push_back(v ? *v : "NULL");
    out.push_back(std::move(r));
  }
  std::sort(out.begin(), out.end());
  return out;
}

wrmysql::Rows my_rows(unsigned port, const std::string &sql) {
  try {
    wrmysql::Client c(port, "e2e");
    wrmysql::Rows r = c.query(sql);
    std::sort(r.begin(), r.end());
    return r;
  } catch (const std::exception &) {
    return {};  // table not created yet
  }
}

/// Empty when equal, else a description of the first difference.
std::string diff(PgCluster &pg, unsigned port) {
  for (const Check &c : kChecks) {
    const auto a = pg_rows(pg, c.pg_sql), b = my_rows(port, c.my_sql);
    if (a == b) continue;
    std::string msg = c.name + ": " + std::to_string(a.size()) + " rows in PostgreSQL, " +
                      std::to_string(b.size()) + " in MariaDB";
    for (size_t i = 0; i < std::min(a.size(), b.size()); ++i) {
      if (a[i] != b[i]) {
        msg += "; first difference at sorted row " + std::to_string(i);
        std::string ra, rb;
        for (const auto &v : a[i]) ra += v + "|";
        for (const auto &v : b[i]) rb += v + "|";
        msg += ": pg " + ra + " vs mariadb " + rb;
        break;
      }
    }
    return msg;
  }
  return "";
}

TEST(mysql_e2e, WorkloadWithKilledWalrelayAndRestartedMariaDbIsExactlyOnce) {
  wrmysql::MariaDbServer maria;
  wrmysql::Client(maria.port()).exec("CREATE DATABASE e2e CHARACTER SET utf8mb4");
  PgCluster pg;
  Workload::CreateSchema(pg);
  pg.exec("CREATE PUBLICATION walrelay_pub FOR ALL TABLES");
  pg.CreateLogicalSlot("walrelay");

  RelayConfig cfg;
  cfg.plugin_dir = WALRELAY_PLUGIN_DIR;
  cfg.conninfo = pg.conninfo();
  cfg.sinks = {{"replica",
                "mysql",
                {{"host", "127.0.0.1"},
                 {"port", std::to_string(maria.port())},
                 {"user", "root"},
                 {"database", "e2e"},
                 {"ssl_mode", "disabled"}}}};
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
        last = diff(pg, maria.port());
        return last.empty() || !relay.Running();
      },
      120s);
  EXPECT_TRUE(same && last.empty()) << last << "\n" << relay.LogTail();
  EXPECT_TRUE(relay.Running()) << relay.LogTail();
  EXPECT_EQ(relay.Stop(60s), 0) << relay.LogTail();
}

}  // namespace
}  // namespace walrelay::test

// End to end: transactions larger than the host's delivery memory reach the MySQL sink in
// pieces (WR_CAP_PARTIAL_TXN) through the real walrelay binary; walrelay is SIGKILLed
// while such a transaction is being applied, and the result is still exactly once.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <thread>

#include "tests/plugins/mysql/e2e/relay_config.h"
#include "tests/plugins/mysql/mariadb_server.h"
#include "tests/support/harness.h"

namespace walrelay::test {
namespace {

using namespace std::chrono_literals;

std::string my_scalar(unsigned port, const std::string &sql) {
  try {
    wrmysql::Client c(port, "e2e");
    const wrmysql::Rows r = c.query(sql);
    return r.empty() || r[0].empty() ? "" : r[0][0];
  } catch (const std::exception &) {
    return "";  // table not created yet, server restarting
  }
}

std::string read_file(const std::string &path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(mysql_e2e, BigTransactionsArriveInPiecesAndApplyExactlyOnce) {
  wrmysql::MariaDbServer maria;
  wrmysql::Client(maria.port()).exec("CREATE DATABASE e2e CHARACTER SET utf8mb4");
  PgCluster pg;
  pg.exec("CREATE TABLE big (id int PRIMARY KEY, batch int NOT NULL, tags int[], pad text)");
  pg.exec("CREATE PUBLICATION walrelay_pub FOR ALL TABLES");
  pg.CreateLogicalSlot("walrelay");

  RelayConfig cfg = MysqlRelayConfig(pg, maria.port(), {{"load_data_min_rows", "100"}});
  cfg.pipeline = {{"batch_max_bytes", "16384"}};
  cfg.spool = {{"spill_bytes", "65536"}};
  Walrelay relay(WriteRelayConfig(pg.file("walrelay.yaml"), cfg), pg.file("walrelay.log"));
  relay.Start();
  ASSERT_TRUE(WaitFor([&] { return !relay.Running() || pg.SlotActivePid("walrelay"); }, 30s))
      << relay.LogTail();
  ASSERT_TRUE(relay.Running()) << relay.LogTail();

  // Three transactions of 20000 rows each (several MB): each spills and goes in pieces.
  constexpr int kRows = 20000, kTxns = 3;
  for (int t = 0; t < kTxns; ++t) {
    pg.exec("INSERT INTO big SELECT g, " + std::to_string(t) +
            ", ARRAY[g, g + 1], repeat('x', 100) FROM generate_series(" +
            std::to_string(t * kRows + 1) + ", " + std::to_string((t + 1) * kRows) + ") g");
  }
  // Kill walrelay while it is applying (MariaDB holds part of the data, or none), restart.
  ASSERT_TRUE(
      WaitFor([&] { return !my_scalar(maria.port(), "SELECT 1 FROM big LIMIT 1").empty(); }, 60s))
      << relay.LogTail();
  ASSERT_EQ(relay.Kill(), 128 + SIGKILL);
  const std::string at_kill = my_scalar(maria.port(), "SELECT count(*) FROM big");
  std::cerr << "[mysql e2e] killed walrelay with " << at_kill << " rows in MariaDB\n";
  // Only whole transactions are ever visible.
  EXPECT_EQ(std::stoi(at_kill) % kRows, 0) << at_kill;
  ASSERT_TRUE(WaitSlotInactive(pg, "walrelay", 20s));
  relay.Start();

  const std::string want = std::to_string(kTxns * kRows);
  EXPECT_TRUE(
      WaitFor([&] { return my_scalar(maria.port(), "SELECT count(*) FROM big") == want; }, 120s))
      << my_scalar(maria.port(), "SELECT count(*) FROM big") << "\n"
      << relay.LogTail();
  EXPECT_EQ(my_scalar(maria.port(), "SELECT count(DISTINCT id) FROM big"), want);
  EXPECT_EQ(my_scalar(maria.port(), "SELECT tags FROM big WHERE id = 7"), "[7,8]");
  const std::string log = read_file(relay.log_path());
  EXPECT_NE(log.find("pieces"), std::string::npos) << relay.LogTail();
  EXPECT_EQ(relay.Stop(60s), 0) << relay.LogTail();
}

}  // namespace
}  // namespace walrelay::test

// Streaming of in-progress transactions against a live server: with logical_decoding_work_mem at
// its 64 kB minimum, big transactions reach walrelay while still in progress, interleaved with
// small ones. Sinks must still get each transaction whole, in commit order, with rolled-back
// savepoints and rolled-back transactions left out exactly.
#include <gtest/gtest.h>

#include <regex>
#include <thread>

#include "tests/integration/relay_test_base.h"

namespace walrelay::test {
namespace {

class Streaming : public RelayTest {};

TEST_F(Streaming, InProgressTransactionsAreAppliedWholeAndAbortsExactly) {
  PgClusterOptions o;
  o.settings["logical_decoding_work_mem"] = "64kB";
  StartCluster(o);
  pg().exec(
      "CREATE TABLE big (id int PRIMARY KEY, v text, pad text);"
      "CREATE TABLE small (id int PRIMARY KEY, v text);"
      "CREATE PUBLICATION walrelay_pub FOR ALL TABLES;");
  pg().CreateLogicalSlot("walrelay");
  const std::string db = pg().file("replica.db");
  RelayConfig cfg = SqliteRelayConfig(pg(), "walrelay", "walrelay_pub", db);
  // Small memory bounds so the big transactions go through the spool's transaction files
  // and reach the sink in several pieces.
  cfg.spool = {{"spill_bytes", "65536"}};
  cfg.pipeline = {{"batch_max_bytes", "262144"}};
  MakeRelay(cfg);
  ASSERT_TRUE(StartRelayAndWaitStreaming("walrelay"));

  // Small transactions commit on another connection while the big ones are in progress.
  std::atomic<bool> stop{false};
  std::string small_error;
  std::thread smalls([&] {
    try {
      PgConn c(pg().conninfo("postgres"));
      for (int i = 1; !stop.load() && i <= 5000; ++i)
        c.Exec("INSERT INTO small VALUES (" + std::to_string(i) + ", 's')");
    } catch (const std::exception &e) {
      small_error = e.what();
    }
  });
  PgConn c(pg().conninfo("postgres"));
  c.Exec("BEGIN");
  c.Exec("INSERT INTO big SELECT g, 'kept', repeat('p', 100) FROM generate_series(1, 20000) g");
  c.Exec("SAVEPOINT s1");
  c.Exec(
      "INSERT INTO big SELECT g, 'rolled back', repeat('p', 100) FROM generate_series(20001, "
      "30000) g");
  c.Exec("ROLLBACK TO SAVEPOINT s1");
  c.Exec("UPDATE big SET v = 'updated' WHERE id % 1000 = 0");
  c.Exec("DELETE FROM big WHERE id % 1000 = 1");
  c.Exec("COMMIT");
  c.Exec("BEGIN");
  c.Exec(
      "INSERT INTO big SELECT g, 'never', repeat('p', 100) FROM generate_series(40001, 60000) g");
  c.Exec("ROLLBACK");
  c.Exec("BEGIN");
  c.Exec("DELETE FROM big WHERE id > 19000");
  c.Exec(
      "INSERT INTO big SELECT g, 'second', repeat('q', 100) FROM generate_series(70001, 80000) g");
  c.Exec("COMMIT");
  stop = true;
  smalls.join();
  ASSERT_TRUE(small_error.empty()) << small_error;

  const std::vector<TableCheck> checks = {
      {"big", "SELECT id, v, pad FROM big ORDER BY id", "SELECT id, v, pad FROM big ORDER BY id"},
      {"small", "SELECT id, v FROM small ORDER BY id", "SELECT id, v FROM small ORDER BY id"},
  };
  ASSERT_TRUE(WaitUntilSame(pg(), db, checks, 120s, &relay()));
  // The server really streamed (not spilled-then-sent) the big transactions.
  auto streamed =
      pg().scalar("SELECT stream_txns FROM pg_stat_replication_slots WHERE slot_name = 'walrelay'");
  ASSERT_TRUE(streamed.has_value());
  EXPECT_GE(std::stoll(*streamed), 2) << "the server streamed no transaction";
  const std::string log = relay().LogTail(400);
  EXPECT_NE(log.find("streaming on"), std::string::npos) << log;
  // The big ones were spilled and applied piece by piece (one SQLite transaction each,
  // early or from the spool).
  EXPECT_TRUE(std::regex_search(log, std::regex("applied (from the spool )?in [0-9]{2,} pieces")))
      << log;
  ASSERT_TRUE(StopRelayCleanly());
}

}  // namespace
}  // namespace walrelay::test

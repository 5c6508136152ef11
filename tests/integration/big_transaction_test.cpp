// Big source transactions: 100,000 rows become visible in SQLite all at once (a reader
// polling the table while walrelay applies it in pieces sees either nothing or everything),
// and a 1,000,000-row streamed transaction arrives whole even when walrelay is killed while
// it streams in and again while it is being applied from the spool.
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <regex>
#include <set>
#include <thread>

#include "tests/integration/relay_test_base.h"

namespace walrelay::test {
namespace {

class BigTransaction : public RelayTest {};

TEST_F(BigTransaction, HundredThousandRowsAppearAtomically) {
  constexpr long long kRows = 100000;
  StartCluster();
  pg().exec(R"sql(
    CREATE TABLE big (id int PRIMARY KEY, v text NOT NULL, n bigint);
    CREATE TABLE marker (id int PRIMARY KEY);
    CREATE PUBLICATION walrelay_pub FOR ALL TABLES;
  )sql");
  pg().CreateLogicalSlot("walrelay");
  const std::string db = pg().file("replica.db");
  RelayConfig cfg = SqliteRelayConfig(pg(), "walrelay", "walrelay_pub", db);
  // Small memory bounds: the transaction goes through a spool file and reaches SQLite in
  // several pieces, which must still commit as one.
  cfg.spool = {{"spill_bytes", "262144"}, {"compression", "true"}};
  cfg.pipeline = {{"batch_max_bytes", "1048576"}};
  MakeRelay(cfg);
  ASSERT_TRUE(StartRelayAndWaitStreaming("walrelay"));

  // The sink is up and the SQLite file exists before the big transaction.
  pg().exec("INSERT INTO marker VALUES (1)");
  ASSERT_TRUE(WaitUntilSame(
      pg(), db, {{"marker", "SELECT id FROM marker", "SELECT id FROM marker"}}, 60s, &relay()));

  std::atomic<bool> stop{false};
  std::atomic<long long> polls{0};
  std::mutex mu;
  std::set<long long> seen;
  std::vector<std::string> odd_errors;
  std::thread reader([&] {
    while (!stop) {
      auto r = TrySqliteQuery(db, "SELECT count(*) FROM big", 5s);
      long long v = -1;
      if (r.ok && !r.rows.empty() && r.rows[0][0]) {
        v = std::stoll(*r.rows[0][0]);
      } else if (r.error.find("no such table") != std::string::npos) {
        v = 0;  // the sink creates the table when it first sees the relation
      } else {
        std::lock_guard<std::mutex> l(mu);
        if (odd_errors.size() < 5) odd_errors.push_back(r.error);
      }
      if (v >= 0) {
        std::lock_guard<std::mutex> l(mu);
        seen.insert(v);
      }
      ++polls;
      std::this_thread::sleep_for(3ms);
    }
  });
  // Stops and joins the reader on every exit path (an ASSERT returns early).
  struct Joiner {
    std::atomic<bool> &stop;
    std::thread &t;
    ~Joiner() {
      stop = true;
      if (t.joinable()) t.join();
    }
  } joiner{stop, reader};
  ASSERT_TRUE(WaitFor([&] { return polls > 0; }, 10s));

  // One statement, one transaction.
  pg().exec("INSERT INTO big SELECT g, md5(g::text), g::bigint * 1000003 FROM generate_series(1, " +
            std::to_string(kRows) + ") g");

  bool done = WaitFor(
      [&] {
        std::lock_guard<std::mutex> l(mu);
        return seen.count(kRows) > 0 || !relay().Running();
      },
      120s, 20ms);
  std::this_thread::sleep_for(200ms);
  stop = true;
  if (reader.joinable()) reader.join();
  ASSERT_TRUE(done) << "SQLite never showed " << kRows << " rows within 120 s";
  ASSERT_TRUE(relay().Running()) << DescribeStatus(relay().ExitStatus());

  std::string observed;
  for (long long v : seen) observed += std::to_string(v) + " ";
  EXPECT_EQ(seen, (std::set<long long>{0, kRows}))
      << "a reader saw part of the transaction; counts observed: " << observed << "(" << polls
      << " polls)";
  EXPECT_GT(polls.load(), 10);
  EXPECT_TRUE(odd_errors.empty()) << odd_errors.front();

  EXPECT_TRUE(CompareTables(
      pg(), db,
      {{"big", "SELECT id, v, n FROM big ORDER BY id", "SELECT id, v, n FROM big ORDER BY id"}}));
  EXPECT_TRUE(std::regex_search(relay().LogTail(200),
                                std::regex("applied (from the spool )?in [0-9]{2,} pieces")))
      << relay().LogTail(40);
  ASSERT_TRUE(StopRelayCleanly());
}

TEST_F(BigTransaction, MillionRowStreamedTransactionSurvivesKillsWhileStreamingAndApplying) {
  constexpr long long kRows = 1000000;
  PgClusterOptions o;
  o.settings["logical_decoding_work_mem"] = "64kB";  // the server streams it while it runs
  StartCluster(o);
  pg().exec(R"sql(
    CREATE TABLE big (id int PRIMARY KEY, v text NOT NULL);
    CREATE PUBLICATION walrelay_pub FOR ALL TABLES;
  )sql");
  pg().CreateLogicalSlot("walrelay");
  const std::string db = pg().file("replica.db");
  RelayConfig cfg = SqliteRelayConfig(pg(), "walrelay", "walrelay_pub", db);
  cfg.pipeline = {{"batch_max_bytes", "4194304"}};
  MakeRelay(cfg);
  ASSERT_TRUE(StartRelayAndWaitStreaming("walrelay"));

  std::string insert_error;
  std::thread writer([&] {
    try {
      PgConn c(pg().conninfo("postgres"));
      c.Exec("INSERT INTO big SELECT g, md5(g::text) FROM generate_series(1, " +
             std::to_string(kRows) + ") g");
    } catch (const std::exception &e) {
      insert_error = e.what();
    }
  });
  // Kill #1 while the transaction streams in (nothing of it is committed yet).
  std::this_thread::sleep_for(1500ms);
  const bool streaming_when_killed = writer.joinable();
  ASSERT_EQ(relay().Kill(), 128 + SIGKILL);
  ASSERT_TRUE(WaitSlotInactive(pg(), "walrelay", 20s));
  writer.join();
  ASSERT_TRUE(insert_error.empty()) << insert_error;
  EXPECT_TRUE(streaming_when_killed);
  // Kill #2 once the committed transaction is being applied from the spool.
  ASSERT_TRUE(StartRelayAndWaitStreaming("walrelay"));
  ASSERT_TRUE(WaitFor([&] { return relay().LogTail(50).find("spool") != std::string::npos; }, 30s));
  std::this_thread::sleep_for(2500ms);
  const auto cp = ReadSqliteCheckpoint(db, "replica");
  const bool applied_before_kill2 = cp.has_value() && cp->end_lsn > 0;
  ASSERT_EQ(relay().Kill(), 128 + SIGKILL);
  ASSERT_TRUE(WaitSlotInactive(pg(), "walrelay", 20s));
  std::cerr << "[big txn] second kill " << (applied_before_kill2 ? "after" : "before")
            << " the transaction was applied\n";
  ASSERT_TRUE(StartRelayAndWaitStreaming("walrelay"));
  // Nothing of it may show before all of it does.
  long long last = -1;
  ASSERT_TRUE(WaitFor(
      [&] {
        auto r = TrySqliteQuery(db, "SELECT count(*) FROM big", 5s);
        if (r.ok && !r.rows.empty() && r.rows[0][0]) last = std::stoll(*r.rows[0][0]);
        EXPECT_TRUE(last <= 0 || last == kRows) << "partly applied: " << last << " rows";
        return last == kRows || !relay().Running();
      },
      240s, 200ms))
      << "SQLite holds " << last << " rows\n"
      << relay().LogTail(40);
  const Rows got = SqliteQuery(db, "SELECT count(*), sum(id), sum(length(v)) FROM big");
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(*got[0][0], std::to_string(kRows));
  EXPECT_EQ(*got[0][1], std::to_string(kRows * (kRows + 1) / 2));
  EXPECT_EQ(*got[0][2], std::to_string(kRows * 32));
  EXPECT_TRUE(CompareTables(pg(), db,
                            {{"sample", "SELECT id, v FROM big WHERE id % 9973 = 0 ORDER BY id",
                              "SELECT id, v FROM big WHERE id % 9973 = 0 ORDER BY id"}}));
  ASSERT_TRUE(StopRelayCleanly());
}

}  // namespace
}  // namespace walrelay::test

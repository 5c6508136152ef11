// A source transaction of 100,000 rows becomes visible in SQLite all at once: a reader
// polling the table while walrelay applies it sees either nothing or everything.
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
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
  MakeRelay(SqliteRelayConfig(pg(), "walrelay", "walrelay_pub", db));
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
  ASSERT_TRUE(StopRelayCleanly());
}

}  // namespace
}  // namespace walrelay::test

// pgoutput protocol 3 features against a live PostgreSQL 15: two-phase transactions
// (applied at COMMIT PREPARED, dropped at ROLLBACK PREPARED, nothing lost when walrelay is
// killed between PREPARE and COMMIT PREPARED) and logical decoding messages reaching a
// sink that asks for them (including walrelay's own heartbeat messages).
#include <gtest/gtest.h>

#include <thread>

#include "tests/integration/relay_test_base.h"

namespace walrelay::test {
namespace {

class Protocol : public RelayTest {};

std::string Hex(const std::string &s) {
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : s) {
    out += kHex[c >> 4];
    out += kHex[c & 15];
  }
  return out;
}

long long SqliteCount(const std::string &db, const std::string &table) {
  SqliteResult r = TrySqliteQuery(db, "SELECT count(*) FROM " + table);
  if (!r.ok || r.rows.empty() || !r.rows[0][0]) return -1;
  return std::stoll(*r.rows[0][0]);
}

TEST_F(Protocol, TwoPhaseAppliedAtCommitPreparedAndSurvivesAKillInBetween) {
  PgClusterOptions o;
  o.settings["max_prepared_transactions"] = "10";
  o.settings["logical_decoding_work_mem"] = "64kB";
  StartCluster(o);
  pg().exec(
      "CREATE TABLE t (id int PRIMARY KEY, v text);"
      "CREATE TABLE marker (id int PRIMARY KEY);"
      "CREATE PUBLICATION walrelay_pub FOR ALL TABLES;");
  pg().CreateLogicalSlot("walrelay");
  const std::string db = pg().file("replica.db");
  RelayConfig cfg = SqliteRelayConfig(pg(), "walrelay", "walrelay_pub", db);
  cfg.source = {{"two_phase", "true"}};
  cfg.spool = {{"spill_bytes", "65536"}};
  cfg.status_interval_ms = 200;
  MakeRelay(cfg);
  ASSERT_TRUE(StartRelayAndWaitStreaming("walrelay"));

  auto c = pg().Connect();
  // 'a': prepared, then committed.
  c->Exec("BEGIN");
  c->Exec("INSERT INTO t SELECT g, 'a' FROM generate_series(1, 100) g");
  c->Exec("PREPARE TRANSACTION 'a'");
  c->Exec("INSERT INTO marker VALUES (1)");
  ASSERT_TRUE(WaitFor([&] { return SqliteCount(db, "marker") == 1; }, 30s));
  EXPECT_LE(SqliteCount(db, "t"), 0) << "a prepared transaction was applied before COMMIT PREPARED";
  c->Exec("COMMIT PREPARED 'a'");
  // 'b': prepared, then rolled back: never applied.
  c->Exec("BEGIN");
  c->Exec("INSERT INTO t SELECT g, 'b' FROM generate_series(101, 200) g");
  c->Exec("PREPARE TRANSACTION 'b'");
  c->Exec("ROLLBACK PREPARED 'b'");
  // 'c': big enough to be streamed (64kB work mem), then prepared and committed.
  c->Exec("BEGIN");
  c->Exec("INSERT INTO t SELECT g, repeat('c', 50) FROM generate_series(1001, 21000) g");
  c->Exec("PREPARE TRANSACTION 'c'");
  c->Exec("COMMIT PREPARED 'c'");
  c->Exec("INSERT INTO marker VALUES (2)");
  ASSERT_TRUE(WaitFor([&] { return SqliteCount(db, "marker") == 2; }, 60s)) << relay().LogTail(40);
  EXPECT_EQ(SqliteCount(db, "t"), 100 + 20000);

  // 'd': prepared; a later transaction is applied and confirmed, so the server will not send
  // the prepared changes again. walrelay dies; COMMIT PREPARED happens while it is down.
  c->Exec("BEGIN");
  c->Exec("INSERT INTO t SELECT g, 'd' FROM generate_series(201, 300) g");
  c->Exec("PREPARE TRANSACTION 'd'");
  const uint64_t after_prepare = pg().CurrentWalLsn();
  c->Exec("INSERT INTO marker VALUES (3)");
  ASSERT_TRUE(WaitFor([&] { return SqliteCount(db, "marker") == 3; }, 30s));
  ASSERT_TRUE(WaitFor(
      [&] { return pg().ConfirmedFlushLsn("walrelay").value_or(0) >= after_prepare; }, 30s))
      << "the slot never confirmed past the PREPARE; the test would prove nothing";
  ASSERT_EQ(relay().Kill(), 128 + SIGKILL);
  ASSERT_TRUE(WaitSlotInactive(pg(), "walrelay", 20s));
  c->Exec("COMMIT PREPARED 'd'");
  // 'e': prepared and committed while walrelay is down, after the restart point.
  c->Exec("BEGIN");
  c->Exec("INSERT INTO t SELECT g, 'e' FROM generate_series(301, 400) g");
  c->Exec("PREPARE TRANSACTION 'e'");
  c->Exec("COMMIT PREPARED 'e'");
  ASSERT_TRUE(StartRelayAndWaitStreaming("walrelay"));
  const std::vector<TableCheck> checks = {
      {"t", "SELECT id, v FROM t ORDER BY id", "SELECT id, v FROM t ORDER BY id"},
      {"marker", "SELECT id FROM marker ORDER BY id", "SELECT id FROM marker ORDER BY id"},
  };
  ASSERT_TRUE(WaitUntilSame(pg(), db, checks, 60s, &relay()));
  EXPECT_NE(relay().LogTail(400).find("two-phase"), std::string::npos);
  EXPECT_NE(relay().LogTail(400).find("1 prepared transactions"), std::string::npos)
      << "the restart did not find the prepared transaction in the spool";
  ASSERT_TRUE(StopRelayCleanly());
}

TEST_F(Protocol, LogicalDecodingMessagesReachASinkThatAsksForThem) {
  StartCluster();
  pg().exec(
      "CREATE TABLE t (id int PRIMARY KEY);"
      "CREATE PUBLICATION walrelay_pub FOR ALL TABLES;");
  pg().CreateLogicalSlot("walrelay");
  const std::string db = pg().file("replica.db");
  const std::string applied = pg().file("applied.txt"), messages = pg().file("messages.txt");
  RelayConfig cfg = SqliteRelayConfig(pg(), "walrelay", "walrelay_pub", db);
  cfg.source = {{"messages", "true"}, {"heartbeat_interval_ms", "300"}};
  cfg.sinks.push_back(
      {"recorder", FixturePlugin("slow_sink"), {{"path", applied}, {"messages_path", messages}}});
  MakeRelay(cfg);
  ASSERT_TRUE(StartRelayAndWaitStreaming("walrelay"));

  auto c = pg().Connect();
  c->Exec("BEGIN");
  c->Exec("INSERT INTO t VALUES (1)");
  c->Exec("SELECT pg_logical_emit_message(true, 'app', 'in txn')");
  c->Exec("INSERT INTO t VALUES (2)");
  c->Exec("COMMIT");
  c->Exec("SELECT pg_logical_emit_message(false, 'app', E'no\\001txn')");
  c->Exec("BEGIN");
  c->Exec("SELECT pg_logical_emit_message(true, 'app', 'rolled back')");
  c->Exec("ROLLBACK");
  c->Exec("INSERT INTO t VALUES (3)");
  ASSERT_TRUE(WaitUntilSame(pg(), db, {{"t", "SELECT id FROM t ORDER BY id", "SELECT id FROM t ORDER BY id"}},
                            30s, &relay()));
  ASSERT_TRUE(WaitFor([&] { return CountInFile(messages, " app ") >= 2; }, 30s))
      << ReadFile(messages);
  // The heartbeat (source.heartbeat_interval_ms) is a non-transactional message too.
  ASSERT_TRUE(WaitFor([&] { return CountInFile(messages, " N walrelay_heartbeat ") >= 2; }, 30s))
      << ReadFile(messages);
  ASSERT_TRUE(StopRelayCleanly());
  const std::string m = ReadFile(messages);
  EXPECT_NE(m.find(" T app " + Hex("in txn") + "\n"), std::string::npos) << m;
  EXPECT_NE(m.find(" N app " + Hex(std::string("no\001txn")) + "\n"), std::string::npos) << m;
  EXPECT_EQ(m.find(Hex("rolled back")), std::string::npos) << m;
  EXPECT_EQ(CountInFile(messages, " app "), 2u) << m;
  // The transactional message came in order, inside its transaction: the SQLite sink, which
  // does not ask for messages, got the same transactions without them.
  EXPECT_NE(relay().LogTail(200).find("messages"), std::string::npos);
}

}  // namespace
}  // namespace walrelay::test

// End to end: PostgreSQL -> walrelay binary -> Kafka sink -> librdkafka mock cluster; a
// consumer rebuilds the tables from the events and compares them with the source.
#include <signal.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <random>
#include <thread>

#include "tests/plugins/kafka/common/json_value.h"
#include "tests/plugins/kafka/common/mock_cluster.h"
#include "tests/support/harness.h"

namespace walrelay::test {
namespace {

using kafkatest::Json;
using kafkatest::parse_json;
using kafkatest::Record;

/// A column of `after` rendered like PostgreSQL's text output for the compared types.
std::optional<std::string> render(const Json &v) {
  switch (v.type) {
    case Json::Null:
      return std::nullopt;
    case Json::Bool:
      return v.b ? "t" : "f";
    case Json::Number:
    case Json::String:
      return v.text;
    default:
      return "?";
  }
}

/// Replays the events of `topic` per key (create/update upsert, delete/tombstone remove)
/// and returns the rows, columns `cols` of `after`, ordered by the key text.
Rows rebuild(const std::string &bootstraps, const std::string &topic,
             const std::vector<std::string> &cols) {
  std::map<std::string, Row> rows;
  for (const Record &r : kafkatest::read_topic(bootstraps, topic)) {
    if (!r.key) continue;
    if (!r.value) {
      rows.erase(*r.key);
      continue;
    }
    const Json v = parse_json(*r.value);
    const std::string op = v["op"].str();
    if (op == "d") {
      rows.erase(*r.key);
      continue;
    }
    Row row;
    for (const auto &c : cols) {
      if (v["after"].has(c)) {
        row.push_back(render(v["after"][c]));
      } else {  // unchanged TOAST: keep the previous value
        const size_t i = static_cast<size_t>(&c - &cols[0]);
        row.push_back(rows.count(*r.key) ? rows[*r.key][i] : std::string("<missing>"));
      }
    }
    rows[*r.key] = row;
  }
  Rows out;
  for (auto &[k, row] : rows) out.push_back(row);
  return out;
}

/// walrelay.yaml in the cluster's dir: slot created by walrelay, one Kafka sink "events"
/// (topic prefix "pg", database "postgres") on the mock cluster.
std::string WriteKafkaRelayConfig(PgCluster &pg, kafkatest::MockCluster &kafka) {
  RelayConfig cfg;
  cfg.conninfo = pg.conninfo();
  cfg.create_slot = true;
  cfg.plugin_dir = WALRELAY_PLUGIN_DIR;
  cfg.sinks.push_back({"events",
                       "kafka",
                       {{"librdkafka.bootstrap.servers", kafka.bootstraps()},
                        {"topic_prefix", "pg"},
                        {"database", "postgres"}}});
  return WriteRelayConfig(pg.file("walrelay.yaml"), cfg);
}

TEST(kafka_end_to_end, PostgresChangesArriveAsDebeziumEvents) {
  kafkatest::MockCluster kafka;
  PgCluster pg;
  pg.exec(R"sql(
    CREATE TABLE customers (id int PRIMARY KEY, name text, vip bool, balance numeric(12,2),
                            score float8, created timestamptz, data bytea);
    CREATE TABLE docs (id int PRIMARY KEY, title text, body text);
    ALTER TABLE docs ALTER COLUMN body SET STORAGE EXTERNAL;
    CREATE TABLE done (id int PRIMARY KEY);
    CREATE PUBLICATION walrelay_pub FOR ALL TABLES;
  )sql");
  const std::string cfg_path = WriteKafkaRelayConfig(pg, kafka);
  Walrelay relay(cfg_path, pg.file("walrelay.log"));
  relay.Start();
  ASSERT_TRUE(WaitFor(
      [&] {
        return !relay.Running() || (pg.ConfirmedFlushLsn("walrelay").has_value() &&
                                    pg.SlotActivePid("walrelay").has_value());
      },
      30s))
      << relay.LogTail();
  ASSERT_TRUE(relay.Running()) << relay.LogTail();

  pg.exec(R"sql(
    INSERT INTO customers VALUES
      (1, 'Ann "A"', true, 10.50, 1.5, '2024-02-29 23:59:59.5+00', '\x00ff'),
      (2, E'tab\there', false, -0.01, 'NaN', '2000-01-01 00:00:00+05', NULL),
      (3, 'Zoë ✓ 😀', NULL, NULL, NULL, NULL, '\x');
    UPDATE customers SET name = 'Bob', balance = 99.99 WHERE id = 2;
    UPDATE customers SET id = 30 WHERE id = 3;
    DELETE FROM customers WHERE id = 1;
  )sql");
  pg.exec(
      "INSERT INTO docs SELECT 1, 'v1', string_agg(md5(g::text), '') "
      "FROM generate_series(1, 4000) g");
  pg.exec("UPDATE docs SET title = 'v2' WHERE id = 1");
  pg.exec("INSERT INTO done VALUES (1)");

  ASSERT_TRUE(WaitFor(
      [&] {
        return !relay.Running() ||
               !kafkatest::read_topic(kafka.bootstraps(), "pg.public.done").empty();
      },
      60s))
      << relay.LogTail();
  ASSERT_TRUE(relay.Running()) << relay.LogTail();

  const Rows expected = pg.query(
      "SELECT id::text, name, CASE WHEN vip THEN 't' WHEN NOT vip THEN 'f' END, "
      "balance::text, score::text, "
      "to_char(created AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS') || "
      "CASE WHEN extract(microseconds FROM created)::int % 1000000 <> 0 THEN "
      "'.' || lpad((extract(microseconds FROM created)::int % 1000000)::text, 6, '0') ELSE '' "
      "END || 'Z', encode(data, 'base64') FROM customers ORDER BY id::text");
  ASSERT_EQ(expected.size(), 2u);
  EXPECT_SAME_ROWS(expected, rebuild(kafka.bootstraps(), "pg.public.customers",
                                     {"id", "name", "vip", "balance", "score", "created", "data"}));

  EXPECT_SAME_ROWS(pg.query("SELECT id::text, title, md5(body) FROM docs ORDER BY id"), [&] {
    Rows rows = rebuild(kafka.bootstraps(), "pg.public.docs", {"id", "title", "body"});
    for (Row &r : rows) r[2] = pg.scalar("SELECT md5('" + r[2].value_or("") + "')");
    return rows;
  }());

  // The TOASTed body was left out of the update and listed instead.
  const auto docs = kafkatest::read_topic(kafka.bootstraps(), "pg.public.docs");
  ASSERT_EQ(docs.size(), 2u);
  const Json upd = parse_json(*docs[1].value);
  EXPECT_EQ(upd["op"].str(), "u");
  EXPECT_FALSE(upd["after"].has("body"));
  ASSERT_EQ(upd["unchanged_toast"].items.size(), 1u);
  EXPECT_EQ(upd["unchanged_toast"].items[0].str(), "body");
  EXPECT_EQ(upd["source"]["db"].str(), "postgres");
  EXPECT_EQ(upd["source"]["txId"].type, Json::Number);
  EXPECT_NE(upd["source"]["lsn"].num(), "0");

  EXPECT_TRUE(relay.Stop(60s) == 0) << relay.LogTail();
}

TEST(kafka_end_to_end, InitialSnapshotRowsAreReadEventsThenChangesStream) {
  kafkatest::MockCluster kafka;
  PgCluster pg;
  pg.exec(R"sql(
    CREATE TABLE items (id int PRIMARY KEY, label text);
    INSERT INTO items SELECT g, 'before ' || g FROM generate_series(1, 500) g;
    CREATE PUBLICATION walrelay_pub FOR ALL TABLES;
  )sql");
  const std::string cfg_path = WriteKafkaRelayConfig(pg, kafka);
  std::ofstream(cfg_path, std::ios::app) << "snapshot:\n  mode: initial\n  workers: 2\n";
  Walrelay relay(cfg_path, pg.file("walrelay.log"));
  relay.Start();
  ASSERT_TRUE(
      WaitFor([&] { return !relay.Running() || pg.SlotActivePid("walrelay").has_value(); }, 60s))
      << relay.LogTail();
  pg.exec("UPDATE items SET label = 'updated' WHERE id = 7");
  pg.exec("INSERT INTO items VALUES (501, 'after')");
  ASSERT_TRUE(WaitFor(
      [&] {
        return !relay.Running() ||
               kafkatest::read_topic(kafka.bootstraps(), "pg.public.items").size() >= 502;
      },
      60s))
      << relay.LogTail();
  const auto recs = kafkatest::read_topic(kafka.bootstraps(), "pg.public.items");
  ASSERT_EQ(recs.size(), 502u);
  // 500 read events (snapshot "true", no txId, no lsn), then the streamed update and insert
  // as ordinary events; per key (one partition) in order: row 7 is read, then updated.
  std::map<std::string, int> ops;
  std::vector<std::string> row7;
  for (const auto &r : recs) {
    const Json v = parse_json(*r.value);
    const std::string op = v["op"].str();
    ++ops[op];
    if (op == "r") {
      EXPECT_EQ(v["source"]["snapshot"].str(), "true");
      EXPECT_TRUE(v["source"]["txId"].is_null());
      EXPECT_TRUE(v["before"].is_null());
    } else {
      EXPECT_EQ(v["source"]["snapshot"].str(), "false");
      EXPECT_EQ(v["source"]["txId"].type, Json::Number);
    }
    if (r.key && *r.key == R"({"id":7})") row7.push_back(op + ":" + v["after"]["label"].str());
  }
  EXPECT_EQ(ops["r"], 500);
  EXPECT_EQ(ops["u"], 1);
  EXPECT_EQ(ops["c"], 1);
  EXPECT_EQ(row7, (std::vector<std::string>{"r:before 7", "u:updated"}));
  Rows want = pg.query("SELECT id::text, label FROM items"),
       got = rebuild(kafka.bootstraps(), "pg.public.items", {"id", "label"});
  std::sort(want.begin(), want.end());
  std::sort(got.begin(), got.end());
  EXPECT_SAME_ROWS(want, got);
  EXPECT_TRUE(relay.Stop(60s) == 0) << relay.LogTail();
}

Rows sorted(Rows rows) {
  std::sort(rows.begin(), rows.end());
  return rows;
}

// walrelay is killed (SIGKILL) 5 times, or all brokers go down for 4 s 5 times, while a
// workload runs; the tables rebuilt from the events must equal the source (no loss;
// replayed events converge). Duplicates are reported, not asserted.
/// How a run is disturbed while the workload writes.
enum class Fault { Sigkill, BrokersDown };

void FaultTest(bool exactly_once, Fault fault) {
  kafkatest::MockCluster kafka;
  PgCluster pg;
  Workload::CreateSchema(pg);
  pg.exec("CREATE TABLE done (id int PRIMARY KEY); CREATE PUBLICATION walrelay_pub FOR ALL TABLES");
  RelayConfig cfg;
  cfg.conninfo = pg.conninfo();
  cfg.create_slot = true;
  cfg.plugin_dir = WALRELAY_PLUGIN_DIR;
  KeyValues opts{{"librdkafka.bootstrap.servers", kafka.bootstraps()},
                 {"topic_prefix", "pg"},
                 {"librdkafka.message.timeout.ms", "3000"},
                 {"librdkafka.reconnect.backoff.max.ms", "500"}};
  if (exactly_once) {
    opts.push_back({"transactional_id", "walrelay-e2e"});
    opts.push_back({"checkpoint_topic", "walrelay_checkpoints"});
  }
  cfg.sinks.push_back({"events", "kafka", opts});
  Walrelay relay(WriteRelayConfig(pg.file("walrelay.yaml"), cfg), pg.file("walrelay.log"));
  relay.Start();
  ASSERT_TRUE(
      WaitFor([&] { return !relay.Running() || pg.SlotActivePid("walrelay").has_value(); }, 30s))
      << relay.LogTail();

  Workload wl(pg, 42, 3000);
  wl.Start();
  std::mt19937_64 rng(7);
  for (int k = 0; k < 5; ++k) {
    std::this_thread::sleep_for(
        std::chrono::milliseconds(std::uniform_int_distribution<int>(500, 2000)(rng)));
    ASSERT_TRUE(relay.Running()) << relay.LogTail();
    if (fault == Fault::Sigkill) {
      ASSERT_EQ(relay.Kill(), 128 + SIGKILL);
      ASSERT_TRUE(WaitSlotInactive(pg, "walrelay", 20s));
      relay.Start();
    } else {  // long enough for deliveries to time out: apply fails with WR_RETRY
      ASSERT_TRUE(kafka.command("down all"));
      std::this_thread::sleep_for(4s);
      ASSERT_TRUE(kafka.command("up all"));
    }
  }
  std::this_thread::sleep_for(2s);
  wl.Stop();
  ASSERT_TRUE(wl.error().empty()) << wl.error();
  pg.exec("INSERT INTO done VALUES (1)");
  ASSERT_TRUE(WaitFor(
      [&] {
        return !relay.Running() ||
               !kafkatest::read_topic(kafka.bootstraps(), "pg.public.done").empty();
      },
      120s))
      << relay.LogTail();
  ASSERT_TRUE(relay.Running()) << relay.LogTail();
  std::cerr << "[kafka kill test] " << wl.transactions() << " transactions, " << wl.changes()
            << " changes\n";

  EXPECT_SAME_ROWS(
      sorted(pg.query("SELECT id, balance, note FROM wl_accounts")),
      sorted(rebuild(kafka.bootstraps(), "pg.public.wl_accounts", {"id", "balance", "note"})));
  EXPECT_SAME_ROWS(sorted(pg.query("SELECT customer_id, order_no, amount, status FROM wl_orders")),
                   sorted(rebuild(kafka.bootstraps(), "pg.public.wl_orders",
                                  {"customer_id", "order_no", "amount", "status"})));
  // Reported only (see the note above): events beyond one per source change.
  const auto recs = kafkatest::read_topic(kafka.bootstraps(), "pg.public.wl_accounts");
  std::cerr << "[kafka kill test] wl_accounts: " << recs.size() << " records\n";
  EXPECT_TRUE(relay.Stop(60s) == 0) << relay.LogTail();
}

TEST(kafka_end_to_end, AtLeastOnceModeSurvivesRepeatedSigkill) { FaultTest(false, Fault::Sigkill); }

TEST(kafka_end_to_end, AtLeastOnceModeSurvivesBrokersGoingDown) {
  FaultTest(false, Fault::BrokersDown);
}

TEST(kafka_end_to_end, ExactlyOnceModeSurvivesBrokersGoingDown) {
  FaultTest(true, Fault::BrokersDown);
}

// DISABLED: librdkafka 2.0.2's mock cluster does not hide records of aborted transactions
// from read_committed consumers (it writes no control records and keeps no aborted-txn
// index; verified: an aborted record is consumed with isolation.level=read_committed). A
// kill between producing a batch's checkpoint record and its commit then leaves an
// *aborted* checkpoint that load_position reads back as if committed, and the batch is
// skipped: the rebuilt tables miss rows. Against a real broker the record is invisible.
// Run with --gtest_also_run_disabled_tests against a newer mock or a real cluster.
TEST(kafka_end_to_end, DISABLED_ExactlyOnceModeSurvivesRepeatedSigkill) {
  FaultTest(true, Fault::Sigkill);
}

}  // namespace
}  // namespace walrelay::test

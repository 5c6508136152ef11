// The chaos suite (tests/chaos/README.md): pgbench writes into PostgreSQL while walrelay
// replicates to SQLite, MariaDB and Kafka (exactly-once mode) at once, and is killed (kill
// -9) again and again; the source, MariaDB and the Kafka brokers go away once each. Then
// every destination must equal the source row for row, and a read_committed Kafka consumer
// must see each change exactly once.
#include <gtest/gtest.h>

#include <iostream>

#include "tests/chaos/chaos_options.h"
#include "tests/chaos/destinations.h"
#include "tests/chaos/faults.h"
#include "tests/chaos/kafka_tables.h"
#include "tests/chaos/load.h"
#include "tests/chaos/positions.h"
#include "tests/chaos/summary.h"
#include "tests/chaos/tables.h"
#include "tests/support/harness.h"

namespace walrelay::chaos {
namespace {

using namespace std::chrono_literals;
using test::Clock;

/// walrelay.yaml: one source, the three sinks.
test::RelayConfig RelayConfigFor(const test::PgCluster &pg, const SinkLocations &where) {
  test::RelayConfig cfg;
  cfg.plugin_dir = WALRELAY_PLUGIN_DIR;
  cfg.conninfo = pg.conninfo();
  cfg.slot = kSlot;
  cfg.sinks = {
      {kSqliteSink, "sqlite", {{"path", where.sqlite_path}}},
      {kMariaSink,
       "mysql",
       {{"host", "127.0.0.1"},
        {"port", std::to_string(where.maria_port)},
        {"user", "root"},
        {"database", kMariaDatabase},
        {"ssl_mode", "disabled"}}},
      {kKafkaSink,
       "kafka",
       {{"librdkafka.bootstrap.servers", where.kafka_bootstraps},
        {"topic_prefix", kTopicPrefix},
        {"database", "postgres"},
        {"transactional_id", "walrelay-chaos"},
        {"checkpoint_topic", kCheckpointTopic},
        {"librdkafka.message.timeout.ms", "3000"},
        {"librdkafka.reconnect.backoff.max.ms", "500"},
        // The mock keeps only the last 5 MB of a partition: compressed batches stay below.
        {"librdkafka.compression.type", "lz4"}}},
  };
  return cfg;
}

/// Commits a row into chaos_done and waits until every sink's checkpoint covers it (nothing
/// else writes then, so every earlier transaction is applied too). "" or why not.
std::string WaitCaughtUp(test::PgCluster &pg, test::Walrelay &relay, const SinkLocations &where,
                         int marker, std::chrono::milliseconds timeout) {
  // An LSN inside the marker's transaction: only it, or a later one, ends past it.
  const uint64_t lsn =
      test::ParseLsn(pg.scalar("INSERT INTO chaos_done VALUES (" + std::to_string(marker) +
                               ", now()) RETURNING pg_current_wal_insert_lsn()")
                         .value_or(""));
  Positions last;
  const bool ok = test::WaitFor(
      [&] {
        if (!relay.Running()) return true;
        last = ReadPositions(where);
        return last.AllAtLeast(lsn);
      },
      timeout, 1s);
  if (!relay.Running()) {
    return "walrelay ended (" + test::DescribeStatus(relay.ExitStatus()) + ")\n" + relay.LogTail();
  }
  if (!ok) {
    return "the sinks did not reach " + test::FormatLsn(lsn) + " within " +
           std::to_string(timeout.count() / 1000) + " s: " + last.Describe() + "\n" +
           relay.LogTail();
  }
  return "";
}

/// Reads every table from the source and the three destinations and compares them.
std::vector<TableResult> CompareAll(test::PgCluster &pg, const SinkLocations &where,
                                    const std::set<uint64_t> &checkpoints) {
  std::vector<TableResult> out;
  const auto fill = [](DestinationResult &d, const TableSpec &t, const test::Rows &source,
                       test::Rows rows, const std::string &error) {
    if (!error.empty()) d.problems.push_back(error);
    rows = Canonical(t, std::move(rows));
    d.rows = rows.size();
    d.checksum = Checksum(rows);
    d.diff = Compare(source, rows);
  };
  for (const TableSpec &t : Tables()) {
    TableResult r;
    r.name = t.name;
    ReadResult src = ReadPostgres(pg, t);
    if (!src.error.empty()) ADD_FAILURE() << "table " << t.name << ": source: " << src.error;
    const test::Rows source = Canonical(t, std::move(src.rows));
    r.source_rows = source.size();
    r.checksum = Checksum(source);
    ReadResult lite = ReadSqlite(where.sqlite_path, t);
    fill(r.sqlite, t, source, std::move(lite.rows), lite.error);
    ReadResult maria = ReadMariaDb(where.maria_port, t);
    fill(r.mariadb, t, source, std::move(maria.rows), maria.error);
    KafkaTable kafka = ReadKafkaTable(where.kafka_bootstraps, t, checkpoints);
    fill(r.kafka, t, source, std::move(kafka.rows), "");
    for (std::string &p : kafka.problems) r.kafka.problems.push_back(std::move(p));
    r.kafka_events = kafka.events;
    r.kafka_aborted_records = kafka.aborted_records;
    r.kafka_aborted_runs = kafka.aborted_runs;
    out.push_back(std::move(r));
  }
  return out;
}

TEST(chaos, EveryDestinationEqualsTheSourceAfterKillsAndRestarts) {
  const auto wall_start = Clock::now();
  const ChaosOptions opt = ChaosOptions::FromEnv();
  SCOPED_TRACE("WALRELAY_TEST_SEED=" + std::to_string(opt.seed));
  std::cout << "[chaos] mode " << opt.mode << ", " << opt.load_seconds
            << " s of load, >= " << opt.min_kills << " kills, seed " << opt.seed << std::endl;

  kafkatest::MockCluster kafka;
  // The checkpoint topic as documented (one partition); more partitions for the big topics
  // (the mock keeps only the last 5 MB of each).
  for (const auto &[topic, partitions] : {std::pair<std::string, int>{kCheckpointTopic, 1},
                                          {"pg.public.pgbench_accounts", 16},
                                          {"pg.public.chaos_docs", 16},
                                          {"pg.public.chaos_items", 16},
                                          {"pg.public.pgbench_history", 8}}) {
    ASSERT_TRUE(kafka.command("topic " + topic + " " + std::to_string(partitions))) << topic;
  }
  wrmysql::MariaDbServer maria;
  wrmysql::Client(maria.port())
      .exec(std::string("CREATE DATABASE ") + kMariaDatabase + " CHARACTER SET utf8mb4");
  test::PgCluster pg(test::PgClusterOptions{{{"logical_decoding_work_mem", "64kB"}}});
  pg.exec("CREATE PUBLICATION walrelay_pub FOR ALL TABLES");
  pg.CreateLogicalSlot(kSlot);

  const SinkLocations where{pg.file("replica.db"), maria.port(), kafka.bootstraps()};
  test::Walrelay relay(test::WriteRelayConfig(pg.file("walrelay.yaml"), RelayConfigFor(pg, where)),
                       pg.file("walrelay.log"));
  relay.Start();
  ASSERT_TRUE(
      test::WaitFor([&] { return !relay.Running() || pg.SlotActivePid(kSlot).has_value(); }, 60s))
      << relay.LogTail();
  ASSERT_TRUE(relay.Running()) << relay.LogTail();

  // Every row goes through replication: the tables are created and filled now.
  CreateSchema(pg);
  if (std::string e = WaitCaughtUp(pg, relay, where, 0, 600s); !e.empty()) FAIL() << e;
  std::cout << "[chaos] set-up replicated in "
            << std::chrono::duration_cast<std::chrono::seconds>(Clock::now() - wall_start).count()
            << " s" << std::endl;

  WriteCustomScript(pg.file("chaos_script.sql"));
  PgbenchLoad load(pg, {opt.pgbench_clients, opt.pgbench_rate, opt.load_seconds,
                        pg.file("chaos_script.sql"), pg.file("pgbench.log")});
  const auto load_end = Clock::now() + std::chrono::seconds(opt.load_seconds);
  load.Start();
  FaultDriver faults({pg, maria, kafka, relay, where}, opt);
  const std::string fault_error = faults.Run(load_end, [&] { return load.running(); });
  load.Finish(std::chrono::seconds(opt.load_seconds + 60));
  std::cout << "[chaos] pgbench:\n" << load.Report() << std::flush;
  ASSERT_TRUE(fault_error.empty()) << fault_error;
  EXPECT_GT(load.transactions(), opt.load_seconds) << load.Report();

  if (std::string e = WaitCaughtUp(pg, relay, where, 1, 600s); !e.empty()) FAIL() << e;
  EXPECT_EQ(relay.Stop(120s), 0) << relay.LogTail();

  if (opt.sabotage) {
    test::SqliteExec(where.sqlite_path, std::string("DELETE FROM \"") + kSabotageTable +
                                            "\" WHERE rowid = (SELECT min(rowid) FROM \"" +
                                            kSabotageTable + "\")");
    std::cout << "[chaos] SABOTAGE: deleted one row of " << kSabotageTable
              << " from the SQLite destination" << std::endl;
  }

  Summary s;
  s.mode = opt.mode;
  s.seed = opt.seed;
  s.load_seconds = opt.load_seconds;
  s.min_kills = opt.min_kills;
  s.kills = faults.kills();
  s.walrelay_starts = relay.starts();
  s.pg_restarts = faults.pg_restarts();
  s.maria_restarts = faults.maria_restarts();
  s.kafka_outages = faults.kafka_outages();
  s.kafka_outage_seconds = kKafkaOutageSeconds;
  s.pgbench_transactions = load.transactions();
  s.pgbench_rounds = load.rounds();
  s.sabotage = opt.sabotage;
  const std::set<uint64_t> checkpoints = KafkaCheckpoints(where.kafka_bootstraps);
  s.kafka_checkpoints = checkpoints.size() - 1;
  s.tables = CompareAll(pg, where, checkpoints);
  s.wall_seconds =
      std::chrono::duration_cast<std::chrono::seconds>(Clock::now() - wall_start).count();
  std::cout << s.Render() << std::flush;

  EXPECT_EQ(s.Mismatches(), 0u) << s.Failures();
  EXPECT_GE(s.kills, opt.min_kills);
  EXPECT_EQ(s.pg_restarts, 1);
  EXPECT_EQ(s.maria_restarts, 1);
  EXPECT_EQ(s.kafka_outages, 1);
}

}  // namespace
}  // namespace walrelay::chaos

// Initial snapshot (snapshot.mode) against a real PostgreSQL into the SQLite sink: rows
// that existed before walrelay created the slot arrive, rows written during the copy
// arrive exactly once (no gap, no overlap), an interrupted snapshot is redone, and a
// snapshot row is identical to the same row streamed.
#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <thread>

#include "tests/integration/relay_test_base.h"

namespace walrelay::test {
namespace {

class Snapshot : public RelayTest {
 protected:
  // A config with one SQLite sink, the slot created by walrelay, and a snapshot section.
  void MakeSnapshotRelay(const std::string &mode, int workers, const std::string &chunk_bytes,
                         int progress_ms = 500) {
    db_ = pg().file("replica.db");
    RelayConfig cfg = SqliteRelayConfig(pg(), "walrelay", "walrelay_pub", db_);
    cfg.create_slot = true;
    Walrelay &r = MakeRelay(cfg);
    std::ofstream out(r.config_path(), std::ios::app);
    out << "snapshot:\n  mode: " << mode << "\n  workers: " << workers
        << "\n  chunk_bytes: " << chunk_bytes << "\n  progress_interval_ms: " << progress_ms
        << "\n";
  }

  // A table big enough for many chunks: about 60 bytes of heap per row.
  void CreateBigTable(long long rows) {
    pg().exec("CREATE TABLE snap_big (id bigint PRIMARY KEY, grp int NOT NULL, label text)");
    pg().exec(
        "INSERT INTO snap_big SELECT g, g % 97, 'row ' || g || E'\\t\\\\ x' FROM "
        "generate_series(1, " +
        std::to_string(rows) + ") g");
  }

  static TableCheck BigCheck() {
    return {"snap_big", "SELECT id, grp, label FROM snap_big ORDER BY id",
            "SELECT id, grp, label FROM snap_big ORDER BY id"};
  }

  std::string db_;
};

TEST_F(Snapshot, CopiesExistingRowsAndStreamsWritesDuringTheCopyExactlyOnce) {
  StartCluster();
  Workload::CreateSchema(pg());
  CreateBigTable(150000);
  pg().exec("CREATE PUBLICATION walrelay_pub FOR ALL TABLES");
  // Rows before walrelay exists, and writes that go on while the snapshot copies.
  Workload wl(pg(), TestSeed(), 3000);
  wl.Start();
  ASSERT_TRUE(WaitFor([&] { return wl.changes() >= 3000 || !wl.error().empty(); }, 60s));
  MakeSnapshotRelay("initial", 3, "65536");  // 8 pages per chunk: ~150 chunks of snap_big
  relay().Start();
  // Writes to the big table during the copy too (updates move rows between chunks).
  ASSERT_TRUE(WaitFor([&] { return pg().SlotExists("walrelay") || !relay().Running(); }, 60s))
      << relay().LogTail();
  for (int i = 0; i < 20; ++i) {
    pg().exec("UPDATE snap_big SET label = label || ' u" + std::to_string(i) +
              "', grp = grp + 1000 WHERE id % 500 = " + std::to_string(i));
    pg().exec("DELETE FROM snap_big WHERE id % 1000 = " + std::to_string(i + 100));
    pg().exec("INSERT INTO snap_big SELECT g, 7, 'new' FROM generate_series(" +
              std::to_string(200000 + i * 100) + ", " + std::to_string(200000 + i * 100 + 49) +
              ") g");
  }
  std::this_thread::sleep_for(2s);
  wl.Stop();
  ASSERT_TRUE(wl.error().empty()) << wl.error();
  auto checks = Workload::Checks();
  checks.push_back(BigCheck());
  ASSERT_TRUE(WaitUntilSame(pg(), db_, checks, 180s, &relay()));
  const std::string log = ReadFile(relay().log_path());
  EXPECT_NE(log.find("snapshot: copied"), std::string::npos) << relay().LogTail();
  EXPECT_NE(log.find("chunks"), std::string::npos);
  ASSERT_TRUE(StopRelayCleanly());
  // A restart neither copies again nor loses anything.
  pg().exec("INSERT INTO snap_big VALUES (999999, 1, 'after restart')");
  relay().Start();
  ASSERT_TRUE(WaitUntilSame(pg(), db_, checks, 60s, &relay()));
  ASSERT_TRUE(StopRelayCleanly());
  const std::string log2 = ReadFile(relay().log_path());
  EXPECT_EQ(log2.find("snapshot: copied", log.size()), std::string::npos)
      << "the second run copied again";
}

TEST_F(Snapshot, SnapshotRowsEqualStreamedRowsForEveryType) {
  StartCluster();
  pg().exec("CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy')");
  const std::string cols =
      "id int PRIMARY KEY, i8 bigint, n numeric(20,5), nu numeric, t text, vc varchar(10), "
      "b bool, d date, ts timestamp, tz timestamptz, tm time, iv interval, by bytea, j json, "
      "jb jsonb, u uuid, f8 float8, f4 real, ia int[], ta text[], m mood";
  pg().exec("CREATE TABLE zoo_snap (" + cols + ")");
  pg().exec("CREATE TABLE zoo_stream (" + cols + ")");
  pg().exec(
      "INSERT INTO zoo_snap VALUES "
      "(1, 9223372036854775807, 12345.67891, 1e-20, E'tab\\there\\nnew \\\\ back', 'abc', true, "
      "'2024-02-29', '2024-02-29 23:59:59.123456', '2024-02-29 23:59:59.123456+05:30', "
      "'13:14:15.5', '1 year 2 mons 3 days 04:05:06.7', '\\x00ff10', '{\"a\": [1, 2]}', "
      "'{\"b\": \"\\u00e9\"}', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', 'NaN', '-Infinity', "
      "'{1,NULL,3}', '{\"q\\\"uote\",\"comma,here\",NULL}', 'happy'),"
      "(2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, "
      "NULL, NULL, NULL, NULL, NULL, NULL),"
      "(3, -1, -0.00001, 123456789012345678901234567890.123, 'Grüße 😀 中文', '', false, "
      "'0001-01-01 BC', 'infinity', '-infinity', '00:00', '-5 days', '', 'null', '[]', "
      "'00000000-0000-0000-0000-000000000000', 1.5e300, 3.25, '{}', '{\"\"}', 'sad')");
  pg().exec("CREATE PUBLICATION walrelay_pub FOR ALL TABLES");
  MakeSnapshotRelay("initial", 2, "8192");
  ASSERT_TRUE(StartRelayAndWaitStreaming("walrelay", 60s));
  pg().exec("INSERT INTO zoo_stream SELECT * FROM zoo_snap");
  const std::string all =
      "SELECT id, i8, n, nu, t, vc, b, d, ts, tz, tm, iv, by, j, jb, u, f8, f4, ia, ta, m FROM ";
  ASSERT_TRUE(WaitFor(
      [&] {
        auto r = TrySqliteQuery(db_, "SELECT count(*) FROM zoo_stream");
        return r.ok && !r.rows.empty() && r.rows[0][0] == std::optional<std::string>("3");
      },
      60s))
      << relay().LogTail();
  const Rows snap = SqliteQuery(db_, all + "zoo_snap ORDER BY id");
  const Rows streamed = SqliteQuery(db_, all + "zoo_stream ORDER BY id");
  ASSERT_EQ(snap.size(), 3u);
  ASSERT_EQ(streamed.size(), 3u);
  for (size_t i = 0; i < snap.size(); ++i)
    EXPECT_EQ(FormatRow(snap[i], 400), FormatRow(streamed[i], 400)) << "row " << i + 1;
  ASSERT_TRUE(StopRelayCleanly());
}

// A kill -9 during the copy: the restart keeps the slot and the table the interrupted run
// had spooled completely, copies the other one again from a new snapshot, and leaves out
// its streamed changes that snapshot already holds; writes before, between and after the
// runs all arrive exactly once (the key-less table would show a duplicate as an extra row).
TEST_F(Snapshot, InterruptedSnapshotResumesWithTheIncompleteTablesOnly) {
  StartCluster();
  CreateBigTable(600000);  // the larger table: copied first, complete before the kill
  pg().exec("CREATE TABLE snap_nokey (v int, note text)");
  pg().exec("ALTER TABLE snap_nokey REPLICA IDENTITY FULL");
  pg().exec("INSERT INTO snap_nokey SELECT g % 10, 'n' || g FROM generate_series(1, 600000) g");
  pg().exec("CREATE PUBLICATION walrelay_pub FOR ALL TABLES");
  MakeSnapshotRelay("initial", 1, "262144", 100);
  relay().Start();
  ASSERT_TRUE(WaitFor([&] { return pg().SlotExists("walrelay") || !relay().Running(); }, 60s));
  // Changes after the slot's consistent point, to both tables, while the copy runs.
  pg().exec("UPDATE snap_big SET label = 'during' WHERE id % 1000 = 1");
  pg().exec("INSERT INTO snap_nokey VALUES (-1, 'during the first run')");
  // Kill it while it copies the second table (the first one is then complete): the
  // progress lines (every 100 ms) name the table being copied.
  const std::regex copying(R"(snapshot public\.snap_nokey +[1-9][0-9]* rows of)");
  ASSERT_TRUE(WaitFor(
      [&] {
        return !relay().Running() || std::regex_search(ReadFile(relay().log_path()), copying);
      },
      120s, 5ms))
      << relay().LogTail();
  ASSERT_TRUE(relay().Running()) << relay().LogTail();
  ASSERT_EQ(relay().Kill(), 128 + SIGKILL);
  ASSERT_EQ(ReadFile(relay().log_path()).find("snapshot: copied"), std::string::npos)
      << "the copy finished before the kill; the test needs a bigger table";
  ASSERT_TRUE(WaitSlotInactive(pg(), "walrelay", 20s));
  pg().exec("UPDATE snap_big SET label = 'between' WHERE id % 1000 = 2");
  pg().exec("INSERT INTO snap_nokey VALUES (42, 'written between the runs')");
  pg().exec("DELETE FROM snap_nokey WHERE v = 3 AND note LIKE 'n1%'");
  relay().Start();
  std::vector<TableCheck> checks{BigCheck(),
                                 {"snap_nokey", "SELECT v, note FROM snap_nokey ORDER BY v, note",
                                  "SELECT v, note FROM snap_nokey ORDER BY v, note"}};
  ASSERT_TRUE(WaitUntilSame(pg(), db_, checks, 180s, &relay()));
  pg().exec("INSERT INTO snap_nokey VALUES (43, 'streamed after')");
  pg().exec("UPDATE snap_big SET label = 'after' WHERE id % 1000 = 3");
  ASSERT_TRUE(WaitUntilSame(pg(), db_, checks, 60s, &relay()));
  ASSERT_TRUE(StopRelayCleanly());
  const std::string log = ReadFile(relay().log_path());
  EXPECT_NE(log.find("resuming: 1 table(s) already complete, 1 to copy again"), std::string::npos)
      << relay().LogTail();
  EXPECT_FALSE(pg().SlotExists("walrelay_wr_resume"));  // the resume's temporary slot is gone
  // Restarting again, now with snapshot.mode never: nothing is copied again and streaming
  // goes on (the filter of the re-copied table's old changes is loaded in every mode).
  {
    std::string yaml = ReadFile(relay().config_path());
    yaml.replace(yaml.find("mode: initial"), 13, "mode: never");
    std::ofstream(relay().config_path()) << yaml;
  }
  relay().Start();
  pg().exec("INSERT INTO snap_nokey VALUES (44, 'third run')");
  ASSERT_TRUE(WaitUntilSame(pg(), db_, checks, 60s, &relay()));
  ASSERT_TRUE(StopRelayCleanly());
}

TEST_F(Snapshot, InitialOnlyCopiesThenStopsWithoutKeepingASlot) {
  StartCluster();
  CreateBigTable(30000);
  pg().exec("CREATE PUBLICATION walrelay_pub FOR ALL TABLES");
  MakeSnapshotRelay("initial_only", 2, "65536");
  relay().Start();
  ASSERT_TRUE(WaitFor([&] { return !relay().Running(); }, 120s)) << relay().LogTail();
  ASSERT_EQ(relay().ExitStatus(), 0) << relay().LogTail();
  EXPECT_TRUE(CompareTables(pg(), db_, {BigCheck()}));
  EXPECT_FALSE(pg().SlotExists("walrelay"));
  const CommandResult st = RunCommand({WalrelayBin(), "status", "-c", relay().config_path()});
  EXPECT_NE(st.output.find("initial snapshot: done, 30000 rows copied"), std::string::npos)
      << st.output;
  // Done is done: a second run copies nothing and stops.
  pg().exec("INSERT INTO snap_big VALUES (0, 0, 'not copied')");
  relay().Start();
  ASSERT_TRUE(WaitFor([&] { return !relay().Running(); }, 60s)) << relay().LogTail();
  ASSERT_EQ(relay().ExitStatus(), 0) << relay().LogTail();
  auto r = SqliteQuery(db_, "SELECT count(*) FROM snap_big");
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0][0], std::optional<std::string>("30000"));
}

}  // namespace
}  // namespace walrelay::test

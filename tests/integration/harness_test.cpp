// Self-tests of the integration harness (tests/support). They need PostgreSQL 15 but not
// the walrelay binary. Each check here can fail: every helper is also shown to report the
// negative case (differences, timeouts, dead processes).
#include <dlfcn.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <filesystem>
#include <thread>

#include <gtest/gtest.h>
#include <walrelay/sink.h>

#include "tests/support/harness.h"

namespace walrelay::test {
namespace {

// One cluster shared by the tests that need no special settings.
class HarnessPg : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { cluster_ = new PgCluster(); }
  static void TearDownTestSuite() {
    delete cluster_;
    cluster_ = nullptr;
  }
  static PgCluster *cluster_;
};
PgCluster *HarnessPg::cluster_ = nullptr;

TEST_F(HarnessPg, ClusterIsConfiguredForLogicalReplication) {
  PgCluster &pg = *cluster_;
  EXPECT_EQ(pg.scalar("SHOW wal_level"), "logical");
  EXPECT_EQ(pg.scalar("SHOW TimeZone"), "UTC");
  EXPECT_EQ(pg.scalar("SHOW max_replication_slots"), "20");
  EXPECT_EQ(pg.scalar("SHOW max_wal_senders"), "20");
  EXPECT_EQ(pg.scalar("SHOW listen_addresses"), "127.0.0.1");
  EXPECT_EQ(pg.scalar("SHOW port"), std::to_string(pg.port()));
  EXPECT_FALSE(pg.port() >= 55440 && pg.port() <= 55449) << pg.port();
  EXPECT_EQ(pg.scalar("SHOW unix_socket_directories"), pg.dir());
  EXPECT_EQ(pg.scalar("SELECT rolreplication FROM pg_roles WHERE rolname = current_user"), "t");
  // Timestamps come out in UTC, the form the SQLite sink stores.
  EXPECT_EQ(pg.scalar("SELECT '2024-05-06 07:08:09+02'::timestamptz::text"),
            "2024-05-06 05:08:09+00");
  EXPECT_NE(pg.ReadLog().find("database system is ready to accept connections"), std::string::npos)
      << pg.ReadLog();
  if (RunningAsRoot()) {
    struct stat st {};
    ASSERT_EQ(::stat(pg.data_dir().c_str(), &st), 0);
    EXPECT_NE(st.st_uid, 0u) << "data dir must belong to the postgres user";
  }
}

TEST_F(HarnessPg, ExecQueryAndNulls) {
  PgCluster &pg = *cluster_;
  pg.exec("CREATE TABLE h_exec (id int PRIMARY KEY, v text)");
  EXPECT_EQ(pg.exec("INSERT INTO h_exec VALUES (1, 'a'), (2, NULL), (3, '')"), 3);
  Rows rows = pg.query("SELECT id, v FROM h_exec ORDER BY id");
  Rows want = {{"1", "a"}, {"2", std::nullopt}, {"3", ""}};
  EXPECT_SAME_ROWS(want, rows);
  EXPECT_THROW(pg.exec("SELECT * FROM no_such_table"), std::runtime_error);
  // The shared connection still works after an error.
  EXPECT_EQ(pg.scalar("SELECT count(*) FROM h_exec"), "3");
}

TEST_F(HarnessPg, LogicalSlotStreamsPublishedChanges) {
  PgCluster &pg = *cluster_;
  pg.exec("CREATE TABLE h_slot (id int PRIMARY KEY, v text)");
  pg.exec("CREATE PUBLICATION h_pub FOR TABLE h_slot");
  std::string lsn = pg.CreateLogicalSlot("h_slot");
  ASSERT_NO_THROW(ParseLsn(lsn)) << lsn;
  ASSERT_TRUE(pg.SlotExists("h_slot"));
  EXPECT_FALSE(pg.SlotExists("h_no_such_slot"));
  ASSERT_TRUE(pg.ConfirmedFlushLsn("h_slot").has_value());
  EXPECT_FALSE(pg.SlotActivePid("h_slot").has_value());
  EXPECT_EQ(PendingSlotMessages(pg, "h_slot", "h_pub"), 0);
  pg.exec("INSERT INTO h_slot VALUES (1, 'x')");
  // BEGIN, RELATION, INSERT, COMMIT.
  EXPECT_EQ(PendingSlotMessages(pg, "h_slot", "h_pub"), 4);
  EXPECT_GE(pg.CurrentWalLsn(), ParseLsn(lsn));
  pg.exec("SELECT pg_drop_replication_slot('h_slot')");
}

TEST_F(HarnessPg, CompareTablesReportsDifferences) {
  PgCluster &pg = *cluster_;
  pg.exec("CREATE TABLE h_cmp (id int PRIMARY KEY, flag bool, n numeric(8,2), b bytea)");
  pg.exec("INSERT INTO h_cmp VALUES (1, true, 1.50, '\\x00ff'), (2, false, NULL, NULL)");
  TempDir dir;
  std::string db = dir.file("cmp.db");
  SqliteExec(db,
             "PRAGMA journal_mode=WAL;"
             "CREATE TABLE h_cmp (id INTEGER PRIMARY KEY, flag INTEGER, n TEXT, b BLOB);"
             "INSERT INTO h_cmp VALUES (1, 1, '1.50', x'00ff'), (2, 0, NULL, NULL);");
  std::vector<TableCheck> checks = {
      {"h_cmp", "SELECT id, flag::int, n, encode(b, 'hex') FROM h_cmp ORDER BY id",
       "SELECT id, flag, n, CASE WHEN b IS NULL THEN NULL ELSE lower(hex(b)) END FROM h_cmp "
       "ORDER BY id"}};
  EXPECT_TRUE(CompareTables(pg, db, checks));

  SqliteExec(db, "UPDATE h_cmp SET n = '1.5' WHERE id = 1");
  auto r = CompareTables(pg, db, checks);
  ASSERT_FALSE(r);
  EXPECT_NE(std::string(r.message()).find("'1.50'"), std::string::npos) << r.message();
  EXPECT_NE(std::string(r.message()).find("'1.5'"), std::string::npos) << r.message();

  auto t0 = Clock::now();
  auto w = WaitUntilSame(pg, db, checks, 700ms);
  EXPECT_FALSE(w);
  EXPECT_GE(Clock::now() - t0, 700ms);
  EXPECT_NE(std::string(w.message()).find("did not catch up"), std::string::npos) << w.message();

  // A change that arrives while waiting is picked up.
  std::thread fixer([&] {
    std::this_thread::sleep_for(300ms);
    SqliteExec(db, "UPDATE h_cmp SET n = '1.50' WHERE id = 1");
  });
  EXPECT_TRUE(WaitUntilSame(pg, db, checks, 10s));
  fixer.join();

  // A missing SQLite table is a difference, not an exception.
  auto missing = CompareTables(pg, db, {{"nope", "SELECT 1", "SELECT * FROM nope"}});
  EXPECT_FALSE(missing);
  EXPECT_NE(std::string(missing.message()).find("no such table"), std::string::npos);
}

TEST_F(HarnessPg, WaitUntilSameFailsFastWhenRelayDies) {
  PgCluster &pg = *cluster_;
  TempDir dir;
  std::string db = dir.file("never.db");
  // A "walrelay" that exits at once (not the real binary: this test must not need it).
  Walrelay relay(dir.file("unused.yaml"), dir.file("relay.log"), "/bin/false");
  relay.Start();
  auto t0 = Clock::now();
  auto r = WaitUntilSame(pg, db, {{"t", "SELECT 1", "SELECT 1"}}, 30s, &relay);
  EXPECT_FALSE(r);
  EXPECT_LT(Clock::now() - t0, 5s);
  EXPECT_NE(std::string(r.message()).find("walrelay ended"), std::string::npos) << r.message();
}

TEST(PgClusterTest, ExtraSettingsRestartStopAndCleanup) {
  std::string dir;
  int port = 0;
  {
    PgClusterOptions o;
    o.settings["wal_sender_timeout"] = "2s";
    o.settings["log_min_messages"] = "info";
    PgCluster pg(o);
    dir = pg.dir();
    port = pg.port();
    EXPECT_EQ(pg.scalar("SHOW wal_sender_timeout"), "2s");
    EXPECT_EQ(pg.scalar("SHOW log_min_messages"), "info");
    pg.exec("CREATE TABLE r (id int)");
    pg.exec("INSERT INTO r VALUES (1)");
    pg.restart("immediate");
    EXPECT_TRUE(pg.running());
    EXPECT_EQ(pg.port(), port);
    EXPECT_EQ(pg.scalar("SELECT count(*) FROM r"), "1");
    pg.stop();
    EXPECT_FALSE(pg.running());
    EXPECT_THROW(PgConn c(pg.conninfo()), std::runtime_error);
    pg.start();
    EXPECT_EQ(pg.scalar("SELECT count(*) FROM r"), "1");
  }
  // Destructor: server gone, directory removed (unless asked to keep it).
  EXPECT_THROW(PgConn c("host=127.0.0.1 port=" + std::to_string(port) +
                        " dbname=postgres user=postgres connect_timeout=5"),
               std::runtime_error);
  if (!KeepTestDirs()) {
    EXPECT_FALSE(FileExists(dir)) << dir;
  }
}

TEST(PgClusterTest, BadSettingFailsWithServerLog) {
  PgClusterOptions o;
  o.settings["wal_level"] = "bogus";
  try {
    PgCluster pg(o);
    FAIL() << "cluster started with wal_level=bogus";
  } catch (const std::runtime_error &e) {
    EXPECT_NE(std::string(e.what()).find("wal_level"), std::string::npos) << e.what();
  }
}

// The slow-sink test detects a dropped walsender by its pid and by the server log line.
// Show that both signals do appear when a client stops answering keepalives.
TEST(PgClusterTest, WalsenderTimeoutIsDetectable) {
  PgClusterOptions o;
  o.settings["wal_sender_timeout"] = "2s";
  PgCluster pg(o);
  pg.exec("CREATE TABLE t (id int PRIMARY KEY)");
  pg.exec("CREATE PUBLICATION p FOR ALL TABLES");
  pg.CreateLogicalSlot("s");
  PGconn *rep = PQconnectdb((pg.conninfo() + " replication=database").c_str());
  ASSERT_EQ(PQstatus(rep), CONNECTION_OK) << PQerrorMessage(rep);
  PGresult *res = PQexec(rep,
                         "START_REPLICATION SLOT s LOGICAL 0/0 "
                         "(proto_version '1', publication_names 'p')");
  ASSERT_EQ(PQresultStatus(res), PGRES_COPY_BOTH) << PQerrorMessage(rep);
  PQclear(res);
  std::optional<long long> pid;
  ASSERT_TRUE(WaitFor([&] { return (pid = pg.SlotActivePid("s")).has_value(); }, 10s));
  // Never read, never send feedback.
  const std::string msg = "terminating walsender process due to replication timeout";
  EXPECT_TRUE(WaitFor([&] { return CountInFile(pg.log_path(), msg) > 0; }, 15s))
      << TailFile(pg.log_path());
  EXPECT_TRUE(WaitFor(
      [&] {
        return pg.query("SELECT 1 FROM pg_stat_replication WHERE pid = " + std::to_string(*pid))
            .empty();
      },
      10s));
  PQfinish(rep);
}

TEST(ProcessTest, ExitCodeAndOutputGoToLog) {
  TempDir dir;
  Process p({"/bin/sh", "-c", "echo to-stdout; echo to-stderr >&2; exit 3"}, dir.file("p.log"));
  EXPECT_EQ(p.Wait(10s), 3);
  EXPECT_FALSE(p.Running());
  std::string log = p.Log();
  EXPECT_NE(log.find("to-stdout"), std::string::npos) << log;
  EXPECT_NE(log.find("to-stderr"), std::string::npos) << log;
}

TEST(ProcessTest, WaitTimesOutThenSignalEndsIt) {
  TempDir dir;
  Process p({"sleep", "30"}, dir.file("p.log"));
  EXPECT_TRUE(p.Running());
  auto t0 = Clock::now();
  EXPECT_EQ(p.Wait(200ms), std::nullopt);
  EXPECT_GE(Clock::now() - t0, 200ms);
  EXPECT_TRUE(p.Signal(SIGTERM));
  EXPECT_EQ(p.Wait(10s), 128 + SIGTERM);
  EXPECT_FALSE(p.Signal(SIGTERM));
  EXPECT_EQ(DescribeStatus(p.ExitStatus()), "killed by signal 15");
}

TEST(ProcessTest, KillEnvAndCwd) {
  TempDir dir;
  Process p({"/bin/sh", "-c", "echo FOO=$FOO; pwd; trap '' TERM; while :; do sleep 0.05; done"},
            dir.file("p.log"), {{"FOO", "bar baz"}}, dir.path());
  EXPECT_TRUE(WaitFor([&] { return p.Log().find("FOO=bar baz") != std::string::npos; }, 10s))
      << p.Log();
  EXPECT_NE(p.Log().find(dir.path()), std::string::npos) << p.Log();
  p.Signal(SIGTERM);  // ignored
  EXPECT_EQ(p.Wait(300ms), std::nullopt);
  EXPECT_EQ(p.Kill(), 128 + SIGKILL);
}

TEST(ProcessTest, DestructorKillsChild) {
  TempDir dir;
  pid_t pid;
  {
    Process p({"sleep", "30"}, dir.file("p.log"));
    pid = p.pid();
    EXPECT_EQ(::kill(pid, 0), 0);
  }
  EXPECT_NE(::kill(pid, 0), 0);  // reaped: no such process
}

TEST(ProcessTest, MissingProgramThrows) {
  TempDir dir;
  EXPECT_THROW(Process({"/nonexistent/program"}, dir.file("p.log")), std::runtime_error);
  auto r = RunCommand({"/bin/sh", "-c", "echo hi; exit 7"});
  EXPECT_EQ(r.exit_code, 7);
  EXPECT_EQ(r.output, "hi\n");
  auto t = RunCommand({"sleep", "10"}, 200ms);
  EXPECT_TRUE(t.timed_out);
}

TEST(RowsTest, SameRowsReportsFirstDifferences) {
  Rows a = {{"1", "x"}, {"2", std::nullopt}, {"3", "z"}};
  EXPECT_TRUE(SameRows(a, a));

  Rows value = {{"1", "x"}, {"2", std::nullopt}, {"3", "Z"}};
  auto r = SameRows(a, value, "t");
  ASSERT_FALSE(r);
  std::string m = r.message();
  EXPECT_NE(m.find("row 2"), std::string::npos) << m;
  EXPECT_NE(m.find("('3', 'z')"), std::string::npos) << m;
  EXPECT_NE(m.find("('3', 'Z')"), std::string::npos) << m;

  Rows empty_not_null = {{"1", "x"}, {"2", ""}, {"3", "z"}};
  auto n = SameRows(a, empty_not_null);
  ASSERT_FALSE(n);
  EXPECT_NE(std::string(n.message()).find("NULL"), std::string::npos) << n.message();

  Rows fewer = {{"1", "x"}};
  auto f = SameRows(a, fewer);
  ASSERT_FALSE(f);
  EXPECT_NE(std::string(f.message()).find("expected 3 rows, got 1"), std::string::npos)
      << f.message();

  Rows dup = {{"1", "x"}, {"2", std::nullopt}, {"3", "z"}, {"3", "z"}};
  EXPECT_FALSE(SameRows(a, dup));

  std::string big(5000, 'q');
  EXPECT_NE(FormatValue(big).find("(5000 bytes)"), std::string::npos);
}

TEST(RowsTest, SqliteQueryReadOnlyOnWalDatabase) {
  TempDir dir;
  std::string db = dir.file("t.db");
  // Missing file: an error, and the file is not created.
  auto none = TrySqliteQuery(db, "SELECT 1");
  EXPECT_FALSE(none.ok);
  EXPECT_FALSE(FileExists(db));

  SqliteExec(db,
             "PRAGMA journal_mode=WAL;"
             "CREATE TABLE t (i INTEGER, r REAL, s TEXT, b BLOB, n TEXT);"
             "INSERT INTO t VALUES (42, 1.5, 'abc', x'00ff', NULL);");
  Rows rows = SqliteQuery(db, "SELECT i, r, s, b, n FROM t");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0][0], "42");
  EXPECT_EQ(rows[0][1], "1.5");
  EXPECT_EQ(rows[0][2], "abc");
  EXPECT_EQ(rows[0][3], std::string("\0\xff", 2));
  EXPECT_EQ(rows[0][4], std::nullopt);

  auto missing = TrySqliteQuery(db, "SELECT * FROM nope");
  EXPECT_FALSE(missing.ok);
  EXPECT_NE(missing.error.find("no such table"), std::string::npos) << missing.error;
  EXPECT_THROW(SqliteQuery(db, "SELECT * FROM nope"), std::runtime_error);
  // Read-only: a write through the query helper fails.
  EXPECT_FALSE(TrySqliteQuery(db, "INSERT INTO t (i) VALUES (1)").ok);
}

TEST(RowsTest, SqliteQueryRetriesWhileLocked) {
  TempDir dir;
  std::string db = dir.file("lock.db");
  SqliteExec(db,
             "PRAGMA journal_mode=DELETE; CREATE TABLE t (i INTEGER); INSERT INTO t VALUES (1);");
  sqlite3 *w = nullptr;
  ASSERT_EQ(sqlite3_open(db.c_str(), &w), SQLITE_OK);
  ASSERT_EQ(
      sqlite3_exec(w, "BEGIN EXCLUSIVE; INSERT INTO t VALUES (2);", nullptr, nullptr, nullptr),
      SQLITE_OK);
  // While the exclusive lock is held, a query with no patience fails with "locked".
  auto busy = TrySqliteQuery(db, "SELECT count(*) FROM t", 0ms);
  EXPECT_FALSE(busy.ok);
  std::thread committer([&] {
    std::this_thread::sleep_for(400ms);
    sqlite3_exec(w, "COMMIT", nullptr, nullptr, nullptr);
  });
  auto t0 = Clock::now();
  auto r = TrySqliteQuery(db, "SELECT count(*) FROM t", 10s);
  EXPECT_GE(Clock::now() - t0, 300ms);
  committer.join();
  sqlite3_close(w);
  ASSERT_TRUE(r.ok) << r.error;
  ASSERT_EQ(r.rows.size(), 1u);
  EXPECT_EQ(r.rows[0][0], "2");
}

TEST(UtilTest, LsnWaitForPortAndTempDir) {
  EXPECT_EQ(ParseLsn("0/16B3748"), 0x16B3748ull);
  EXPECT_EQ(ParseLsn("16/B374D848"), (0x16ull << 32) | 0xB374D848ull);
  EXPECT_EQ(FormatLsn((0x16ull << 32) | 0xB374D848ull), "16/B374D848");
  EXPECT_EQ(FormatLsn(ParseLsn("A/0")), "A/0");
  EXPECT_THROW(ParseLsn("16B3748"), std::invalid_argument);
  EXPECT_THROW(ParseLsn("0/XYZ"), std::invalid_argument);
  EXPECT_THROW(ParseLsn("/1"), std::invalid_argument);

  int calls = 0;
  EXPECT_TRUE(WaitFor([&] { return ++calls == 3; }, 5s, 10ms));
  EXPECT_EQ(calls, 3);
  auto t0 = Clock::now();
  EXPECT_FALSE(WaitFor([] { return false; }, 200ms, 20ms));
  EXPECT_GE(Clock::now() - t0, 200ms);
  EXPECT_LT(Clock::now() - t0, 2s);

  for (int i = 0; i < 20; ++i) {
    int p = FreeLoopbackPort();
    EXPECT_GT(p, 0);
    EXPECT_FALSE(p >= 55440 && p <= 55449);
  }

  std::string path;
  {
    TempDir d;
    path = d.path();
    WriteFile(d.file("x"), "hello\nworld\n");
    EXPECT_EQ(ReadFile(d.file("x")), "hello\nworld\n");
    EXPECT_EQ(TailFile(d.file("x"), 1), "world\n");
    EXPECT_EQ(CountInFile(d.file("x"), "o"), 2u);
  }
  if (!KeepTestDirs()) {
    EXPECT_FALSE(FileExists(path));
  }
}

TEST(RelayConfigTest, RendersYamlWithQuoting) {
  RelayConfig c;
  c.conninfo = "host=127.0.0.1 port=5 dbname=postgres user=postgres";
  c.slot = "s1";
  c.publication = "p1";
  c.create_slot = true;
  c.status_interval_ms = 500;
  c.pipeline = {{"batch_max_txns", "2"}};
  c.sinks.push_back({"replica", "sqlite", {{"path", "/tmp/a \"b\"\\c.db"}, {"n", "7"}}});
  c.sinks.push_back({"slow", "/x/slow_sink.so", {{"env", "${HOME}"}}});
  std::string y = RenderRelayConfig(c);
  EXPECT_NE(y.find("  conninfo: \"host=127.0.0.1 port=5 dbname=postgres user=postgres\"\n"),
            std::string::npos)
      << y;
  EXPECT_NE(y.find("  create_slot: true\n"), std::string::npos) << y;
  EXPECT_NE(y.find("  status_interval_ms: 500\n"), std::string::npos) << y;
  EXPECT_NE(y.find("pipeline:\n  batch_max_txns: 2\n"), std::string::npos) << y;
  EXPECT_NE(y.find("  - name: \"replica\"\n    plugin: \"sqlite\"\n    options:\n"
                   "      path: \"/tmp/a \\\"b\\\"\\\\c.db\"\n      n: 7\n"),
            std::string::npos)
      << y;
  EXPECT_NE(y.find("env: \"$${HOME}\""), std::string::npos) << y;
  EXPECT_NE(y.find("plugin_dir: \"" + SqlitePluginDir() + "\""), std::string::npos) << y;
}

// The slow_sink fixture, driven through the C ABI the way the host drives it.
struct FakeHost {
  static std::string &last_error() {
    static std::string e;
    return e;
  }
  static void log(wr_host_sink *, wr_log_level, const char *) {}
  static void set_error(wr_host_sink *, const char *m) { last_error() = m ? m : ""; }
  static int64_t now_us() { return 0; }
};

TEST(SlowSinkFixtureTest, RecordsBatchesAndLoadsPosition) {
  std::string so = FixturePlugin("slow_sink");
  void *h = dlopen(so.c_str(), RTLD_NOW | RTLD_LOCAL);
  ASSERT_NE(h, nullptr) << dlerror();
  auto entry = reinterpret_cast<wr_sink_entry_fn>(dlsym(h, WR_SINK_ENTRY_SYMBOL));
  ASSERT_NE(entry, nullptr);
  wr_host_api host{sizeof(wr_host_api), 1, 1, 0, "test", &FakeHost::log, &FakeHost::set_error,
                   &FakeHost::now_us};
  const wr_plugin *pl = entry(&host);
  ASSERT_NE(pl, nullptr);
  EXPECT_STREQ(pl->name, "slow_sink");
  EXPECT_EQ(pl->capabilities, WR_CAP_TRANSACTIONAL | WR_CAP_TRUNCATE | WR_CAP_MESSAGES);

  TempDir dir;
  std::string path = dir.file("applied.txt");
  wr_config_entry entries[] = {{"path", path.c_str(), "t:1:1"}, {"stall_ms", "150", "t:2:1"}};
  wr_config cfg{sizeof(wr_config), 2, entries};
  wr_sink *sink = nullptr;
  ASSERT_EQ(pl->vtable->create(&host, nullptr, "slow", &cfg, &sink), WR_OK)
      << FakeHost::last_error();
  wr_lsn pos = 123;
  ASSERT_EQ(pl->vtable->load_position(sink, &pos), WR_OK);
  EXPECT_EQ(pos, WR_LSN_INVALID);

  wr_batch b{sizeof(wr_batch), 0, nullptr, (0x1ull << 32) | 0xABCDEFull, 17};
  auto t0 = Clock::now();
  ASSERT_EQ(pl->vtable->apply(sink, &b), WR_OK);
  EXPECT_GE(Clock::now() - t0, 150ms);
  b.end_lsn = (0x1ull << 32) | 0xABCF00ull;
  b.n_changes = 3;
  ASSERT_EQ(pl->vtable->apply(sink, &b), WR_OK);
  EXPECT_EQ(ReadFile(path), "1/ABCDEF 17\n1/ABCF00 3\n");
  ASSERT_EQ(pl->vtable->load_position(sink, &pos), WR_OK);
  EXPECT_EQ(pos, b.end_lsn);
  pl->vtable->destroy(sink);

  // A torn last line (crash mid-write) is ignored.
  WriteFile(path, ReadFile(path) + "1/FFFF");
  entries[1].value = "0";
  ASSERT_EQ(pl->vtable->create(&host, nullptr, "slow", &cfg, &sink), WR_OK);
  ASSERT_EQ(pl->vtable->load_position(sink, &pos), WR_OK);
  EXPECT_EQ(pos, b.end_lsn);
  pl->vtable->destroy(sink);

  // Unknown options are refused.
  wr_config_entry bad[] = {{"path", path.c_str(), "t:1:1"}, {"stal_ms", "1", "t:2:1"}};
  wr_config bad_cfg{sizeof(wr_config), 2, bad};
  EXPECT_EQ(pl->vtable->create(&host, nullptr, "slow", &bad_cfg, &sink), WR_INVALID_CONFIG);
  EXPECT_NE(FakeHost::last_error().find("stal_ms"), std::string::npos) << FakeHost::last_error();
  dlclose(h);
}

}  // namespace
}  // namespace walrelay::test

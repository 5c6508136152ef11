// Bad input at run time: each case ends with a clear error naming the thing, and nothing
// is lost: once the cause is fixed, a restart replicates everything.
#include <gtest/gtest.h>

#include "tests/integration/relay_test_base.h"

namespace walrelay::test {
namespace {

const std::vector<TableCheck> kChecks = {
    {"t", "SELECT id, v FROM t ORDER BY id", "SELECT id, v FROM t ORDER BY id"}};

class BadInput : public RelayTest {
 protected:
  void SetUpSource() {
    StartCluster();
    pg().exec(
        "CREATE TABLE t (id int PRIMARY KEY, v text);"
        "CREATE PUBLICATION walrelay_pub FOR ALL TABLES;");
    pg().CreateLogicalSlot("walrelay");
  }
  // Waits for walrelay to exit by itself; returns its log.
  std::string ExitedLog(int *code) {
    EXPECT_TRUE(WaitFor([&] { return !relay().Running(); }, 60s)) << relay().LogTail();
    auto st = relay().ExitStatus();
    *code = st ? *st : -1;
    return ReadFile(relay().log_path());
  }
};

TEST_F(BadInput, WrongSourcePasswordFailsNamingTheUserAndNotThePassword) {
  SetUpSource();
  pg().exec("INSERT INTO t VALUES (1, 'before')");
  // Password authentication over TCP from now on (the harness keeps its open session).
  pg().exec("ALTER USER postgres PASSWORD 'right-password'");
  WriteFile(pg().data_dir() + "/pg_hba.conf",
            "local all all trust\nlocal replication all trust\n"
            "host all all 127.0.0.1/32 scram-sha-256\n"
            "host replication all 127.0.0.1/32 scram-sha-256\n");
  pg().exec("SELECT pg_reload_conf()");
  const std::string db = pg().file("replica.db");
  RelayConfig c = SqliteRelayConfig(pg(), "walrelay", "walrelay_pub", db);
  const std::string base = c.conninfo;
  c.conninfo = base + " password=wrong-password";
  MakeRelay(c).Start();
  int code = 0;
  const std::string log = ExitedLog(&code);
  EXPECT_NE(code, 0) << log;
  EXPECT_NE(log.find("password authentication failed for user \"postgres\""), std::string::npos)
      << log;
  EXPECT_EQ(log.find("wrong-password"), std::string::npos) << log;
  // Fixed: everything arrives.
  c.conninfo = base + " password=right-password";
  MakeRelay(c, "fixed");
  ASSERT_TRUE(StartRelayAndWaitStreaming("walrelay"));
  pg().exec("INSERT INTO t VALUES (2, 'after')");
  EXPECT_TRUE(WaitUntilSame(pg(), db, kChecks, 60s, &relay()));
}

TEST_F(BadInput, MissingPublicationIsNamedAtStart) {
  SetUpSource();
  const std::string db = pg().file("replica.db");
  RelayConfig c = SqliteRelayConfig(pg(), "walrelay", "walrelay_pub", db);
  c.publication = "no_such_pub";
  MakeRelay(c).Start();
  int code = 0;
  const std::string log = ExitedLog(&code);
  EXPECT_NE(code, 0) << log;
  EXPECT_NE(log.find("no_such_pub"), std::string::npos) << log;
}

TEST_F(BadInput, UpdateOfATableWithoutReplicaIdentityIsRefusedBySourceAndNothingIsLost) {
  SetUpSource();
  pg().exec("CREATE TABLE nokey (a int, b text)");  // published (FOR ALL TABLES), no key
  const std::string db = pg().file("replica.db");
  MakeRelay(SqliteRelayConfig(pg(), "walrelay", "walrelay_pub", db));
  ASSERT_TRUE(StartRelayAndWaitStreaming("walrelay"));
  pg().exec("INSERT INTO t VALUES (1, 'a'); INSERT INTO nokey VALUES (1, 'x')");
  // PostgreSQL refuses the UPDATE itself, naming the table and the fix.
  std::string error;
  try {
    pg().exec("UPDATE nokey SET b = 'y'");
  } catch (const std::exception &e) {
    error = e.what();
  }
  EXPECT_NE(error.find("cannot update table \"nokey\" because it does not have a replica "
                       "identity and publishes updates"),
            std::string::npos)
      << error;
  pg().exec("INSERT INTO t VALUES (2, 'b')");
  EXPECT_TRUE(WaitUntilSame(pg(), db, kChecks, 60s, &relay()));
  EXPECT_TRUE(WaitUntilSame(
      pg(), db, {{"nokey", "SELECT a, b FROM nokey", "SELECT a, b FROM nokey"}}, 30s, &relay()));
  ASSERT_TRUE(StopRelayCleanly());
}

TEST_F(BadInput, SpoolFileSizeLimitStopsWithTheFileNamedAndARestartLosesNothing) {
  SetUpSource();
  const std::string db = pg().file("replica.db");
  RelayConfig c = SqliteRelayConfig(pg(), "walrelay", "walrelay_pub", db);
  c.spool = {{"spill_bytes", "65536"}};
  std::string cfg = WriteRelayConfig(pg().file("walrelay.yaml"), c);
  // walrelay under `ulimit -f 4096` (4 MiB per file): a 20 MB transaction cannot be spooled.
  const std::string wrapper = pg().file("limited.sh");
  WriteFile(wrapper, "#!/bin/sh\nulimit -f 4096\nexec " + WalrelayBin() + " \"$@\"\n");
  ASSERT_EQ(RunCommand({"chmod", "755", wrapper}).exit_code, 0);
  relay_ = std::make_unique<Walrelay>(cfg, pg().file("walrelay.log"), wrapper);
  ASSERT_TRUE(StartRelayAndWaitStreaming("walrelay"));
  pg().exec("INSERT INTO t VALUES (1, 'small')");
  pg().exec("INSERT INTO t SELECT g, repeat(md5(g::text), 6) FROM generate_series(2, 100001) g");
  int code = 0;
  const std::string log = ExitedLog(&code);
  EXPECT_EQ(code, 1) << log;
  EXPECT_NE(log.find("File too large"), std::string::npos) << log;
  EXPECT_NE(log.find("walrelay-spool-walrelay/"), std::string::npos) << log;
  // No limit: the restart replicates all of it, once.
  relay_ = std::make_unique<Walrelay>(cfg, pg().file("walrelay2.log"));
  ASSERT_TRUE(StartRelayAndWaitStreaming("walrelay"));
  EXPECT_TRUE(WaitUntilSame(pg(), db, kChecks, 120s, &relay()));
  ASSERT_TRUE(StopRelayCleanly());
}

}  // namespace
}  // namespace walrelay::test

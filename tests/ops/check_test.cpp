// `walrelay check`: a healthy setup, tables without a usable replica identity, wal_level,
// missing publication/slot, unreachable source and sinks.
#include <gtest/gtest.h>

#include <fstream>

#include "tests/ops/ops_test_base.h"

namespace walrelay::test {
namespace {

class Check : public OpsTest {};

TEST_F(Check, HealthySetupIsAllGreen) {
  StartCluster();
  pg().exec(
      "CREATE TABLE items (id int PRIMARY KEY, v text);"
      "CREATE TABLE logs (v text); ALTER TABLE logs REPLICA IDENTITY FULL;"
      "CREATE PUBLICATION walrelay_pub FOR TABLE items, logs;");
  pg().CreateLogicalSlot("walrelay");
  const auto r = RunWalrelay({"check", "-c", WriteConfig(BaseConfig())});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(MarkedLines(r.output, kFail).empty()) << r.output;
  EXPECT_GE(MarkedLines(r.output, kOk).size(), 10u) << r.output;
  EXPECT_NE(r.output.find(kOk + " wal_level = logical"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("public.items, public.logs"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find(kOk + " sink 'replica'"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find(kOk + " slot 'walrelay': pgoutput, inactive"), std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("password=***"), std::string::npos) << r.output;
}

// With snapshot.mode initial, every published table must be readable by the role: the
// initial snapshot COPYs it.
TEST_F(Check, SnapshotNeedsSelectOnEveryPublishedTable) {
  StartCluster();
  pg().exec(
      "CREATE TABLE items (id int PRIMARY KEY, v text);"
      "CREATE TABLE secret (id int PRIMARY KEY, v text);"
      "CREATE PUBLICATION walrelay_pub FOR TABLE items, secret;"
      "CREATE ROLE snap_reader LOGIN REPLICATION;"
      "GRANT SELECT ON items TO snap_reader;");
  pg().CreateLogicalSlot("walrelay");
  auto cfg = BaseConfig();
  const auto at = cfg.conninfo.find("user=postgres");
  ASSERT_NE(at, std::string::npos) << cfg.conninfo;
  cfg.conninfo.replace(at, 13, "user=snap_reader");
  const std::string path = WriteConfig(cfg);
  std::ofstream(path, std::ios::app) << "snapshot: initial\n";
  const auto r = RunWalrelay({"check", "-c", path});
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find(kFail + " table public.secret (publication 'walrelay_pub'): role "
                                  "snap_reader may not SELECT it"),
            std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("  fix: GRANT SELECT ON public.secret TO snap_reader;"),
            std::string::npos)
      << r.output;
  EXPECT_EQ(r.output.find("table public.items (publication"), std::string::npos) << r.output;
  // Granted, the same check passes that line.
  pg().exec("GRANT SELECT ON secret TO snap_reader");
  const auto ok = RunWalrelay({"check", "-c", path});
  EXPECT_NE(ok.output.find(kOk + " initial snapshot: role snap_reader may read every table"),
            std::string::npos)
      << ok.output;
}

TEST_F(Check, TablesWithoutReplicaIdentityAreNamedWithTheirFix) {
  StartCluster();
  pg().exec(
      "CREATE TABLE items (id int PRIMARY KEY, v text);"
      "CREATE TABLE nokey (v text);"
      "CREATE TABLE \"Odd Name\" (v text);"
      "CREATE TABLE nothing (id int PRIMARY KEY); ALTER TABLE nothing REPLICA IDENTITY NOTHING;"
      "CREATE PUBLICATION walrelay_pub FOR TABLE items, nokey, \"Odd Name\", nothing;");
  pg().CreateLogicalSlot("walrelay");
  const auto r = RunWalrelay({"check", "-c", WriteConfig(BaseConfig())});
  EXPECT_EQ(r.exit_code, 1) << r.output;
  const auto fails = MarkedLines(r.output, kFail);
  ASSERT_EQ(fails.size(), 3u) << r.output;
  EXPECT_NE(r.output.find(kFail + " table public.nokey (publication 'walrelay_pub'): no primary "
                                  "key and replica identity DEFAULT"),
            std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("  fix: ALTER TABLE public.nokey REPLICA IDENTITY FULL;"),
            std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("  fix: ALTER TABLE public.\"Odd Name\" REPLICA IDENTITY FULL;"),
            std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find(kFail + " table public.nothing (publication 'walrelay_pub'): replica "
                                  "identity NOTHING"),
            std::string::npos)
      << r.output;
  // The table with a primary key is fine.
  EXPECT_EQ(r.output.find("table public.items ("), std::string::npos) << r.output;

  // The printed fix works: after applying it, check is green again.
  pg().exec(
      "ALTER TABLE public.nokey REPLICA IDENTITY FULL;"
      "ALTER TABLE public.\"Odd Name\" REPLICA IDENTITY FULL;"
      "ALTER TABLE public.nothing REPLICA IDENTITY FULL;");
  const auto again = RunWalrelay({"check", "-c", pg().file("walrelay.yaml")});
  EXPECT_EQ(again.exit_code, 0) << again.output;
}

TEST_F(Check, WalLevelReplicaIsReportedWithTheFix) {
  PgClusterOptions o;
  o.settings["wal_level"] = "replica";
  StartCluster(o);
  ASSERT_EQ(pg().scalar("SHOW wal_level").value_or(""), "replica");
  pg().exec(
      "CREATE TABLE items (id int PRIMARY KEY); CREATE PUBLICATION walrelay_pub FOR ALL TABLES;");
  RelayConfig cfg = BaseConfig();
  cfg.create_slot = true;  // the missing slot is then not a failure of its own
  const auto r = RunWalrelay({"check", "-c", WriteConfig(cfg)});
  EXPECT_EQ(r.exit_code, 1) << r.output;
  const auto fails = MarkedLines(r.output, kFail);
  ASSERT_EQ(fails.size(), 1u) << r.output;
  EXPECT_EQ(fails[0].rfind(kFail + " wal_level = replica", 0), 0u) << r.output;
  EXPECT_NE(r.output.find("  fix: ALTER SYSTEM SET wal_level = logical;\n  fix: then restart"),
            std::string::npos)
      << r.output;
}

TEST_F(Check, MissingPublicationAndSlot) {
  StartCluster();
  pg().exec("CREATE TABLE items (id int PRIMARY KEY)");
  const auto r = RunWalrelay({"check", "-c", WriteConfig(BaseConfig())});
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(
      r.output.find(kFail + " publication 'walrelay_pub' does not exist in database "
                            "postgres\n  fix: CREATE PUBLICATION walrelay_pub FOR ALL TABLES;"),
      std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find(kFail + " slot 'walrelay' does not exist"), std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("  fix: walrelay init -c " + pg().file("walrelay.yaml")),
            std::string::npos)
      << r.output;
}

TEST_F(Check, UnreachableSinksAreNamed) {
  StartCluster();
  pg().exec(
      "CREATE TABLE items (id int PRIMARY KEY); CREATE PUBLICATION walrelay_pub FOR ALL TABLES;");
  pg().CreateLogicalSlot("walrelay");
  RelayConfig cfg = BaseConfig();
  cfg.sinks[0].options = {{"path", pg().file("no/such/dir/replica.db")}};
  cfg.sinks.push_back(SinkSpec{"too_new", FixturePlugin("abi_too_new"), {}});
  cfg.sinks.push_back(SinkSpec{"fine", "sqlite", {{"path", pg().file("fine.db")}}});
  const auto r = RunWalrelay({"check", "-c", WriteConfig(cfg)});
  EXPECT_EQ(r.exit_code, 1) << r.output;
  const auto fails = MarkedLines(r.output, kFail);
  ASSERT_EQ(fails.size(), 2u) << r.output;
  EXPECT_EQ(fails[0].rfind(kFail + " sink 'replica' (sqlite", 0), 0u) << r.output;
  EXPECT_NE(fails[0].find("cannot open it"), std::string::npos) << r.output;
  EXPECT_EQ(fails[1].rfind(kFail + " sink 'too_new': plugin refused", 0), 0u) << r.output;
  EXPECT_NE(r.output.find(kOk + " sink 'fine'"), std::string::npos) << r.output;
}

TEST_F(Check, UnreachableSourceFailsWithoutShowingThePassword) {
  StartCluster();
  RelayConfig cfg = BaseConfig();
  cfg.conninfo = "host=127.0.0.1 port=" + std::to_string(FreeLoopbackPort()) +
                 " dbname=postgres user=postgres connect_timeout=5 password=" + kSecret;
  const auto r = RunWalrelay({"check", "-c", WriteConfig(cfg)});
  EXPECT_EQ(r.exit_code, 1) << r.output;
  ASSERT_FALSE(MarkedLines(r.output, kFail).empty()) << r.output;
  EXPECT_EQ(MarkedLines(r.output, kFail)[0].rfind(kFail + " cannot connect to source", 0), 0u)
      << r.output;
  EXPECT_NE(r.output.find("password=***"), std::string::npos) << r.output;
}

TEST_F(Check, ConfigErrorExitsTwo) {
  StartCluster();
  WriteFile(pg().file("bad.yaml"), "source:\n  slot: x\n  no_such_key: 1\n");
  const auto r = RunWalrelay({"check", "-c", pg().file("bad.yaml")});
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("error: "), std::string::npos) << r.output;
}

}  // namespace
}  // namespace walrelay::test

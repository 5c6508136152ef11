// `walrelay init` and `walrelay teardown`: creation, idempotency, confirmation, refusal
// while the slot is in use.
#include <gtest/gtest.h>

#include "tests/ops/ops_test_base.h"

namespace walrelay::test {
namespace {

class InitTeardown : public OpsTest {
 protected:
  std::optional<std::string> SlotPlugin(const std::string &slot) {
    return pg().scalar("SELECT plugin FROM pg_replication_slots WHERE slot_name = '" + slot + "'");
  }
  bool PublicationExists(const std::string &name) {
    return pg().scalar("SELECT count(*) FROM pg_publication WHERE pubname = '" + name + "'") == "1";
  }
};

TEST_F(InitTeardown, InitCreatesPublicationForTablesAndSlotThenIsIdempotent) {
  StartCluster();
  pg().exec(
      "CREATE TABLE items (id int PRIMARY KEY); CREATE TABLE other (id int PRIMARY KEY);"
      "CREATE SCHEMA \"My Schema\"; CREATE TABLE \"My Schema\".t (id int PRIMARY KEY);");
  const std::string cfg =
      WriteConfig(BaseConfig(),
                  "  create_publication: true\n"
                  "  publication_tables: [\"public.items\", \"My Schema.t\"]\n");
  const auto first = RunWalrelay({"init", "-c", cfg});
  ASSERT_EQ(first.exit_code, 0) << first.output;
  EXPECT_NE(first.output.find(kOk + " publication 'walrelay_pub' created"), std::string::npos)
      << first.output;
  EXPECT_NE(first.output.find(kOk + " slot 'walrelay' created"), std::string::npos) << first.output;
  EXPECT_EQ(SlotPlugin("walrelay"), "pgoutput");
  const Rows tables = pg().query(
      "SELECT schemaname || '.' || tablename FROM pg_publication_tables "
      "WHERE pubname = 'walrelay_pub' ORDER BY 1");
  ASSERT_EQ(tables.size(), 2u);
  EXPECT_EQ(tables[0][0], "My Schema.t");
  EXPECT_EQ(tables[1][0], "public.items");
  const auto confirmed = pg().ConfirmedFlushLsn("walrelay");

  const auto second = RunWalrelay({"init", "-c", cfg});
  EXPECT_EQ(second.exit_code, 0) << second.output;
  EXPECT_NE(second.output.find(kOk + " publication 'walrelay_pub' exists"), std::string::npos)
      << second.output;
  EXPECT_NE(second.output.find(kOk + " slot 'walrelay' exists"), std::string::npos)
      << second.output;
  EXPECT_EQ(second.output.find("created"), std::string::npos) << second.output;
  EXPECT_EQ(pg().ConfirmedFlushLsn("walrelay"), confirmed);  // the very same slot

  // The new setup passes the doctor.
  const auto check = RunWalrelay({"check", "-c", cfg});
  EXPECT_EQ(check.exit_code, 0) << check.output;
}

TEST_F(InitTeardown, InitCreatesForAllTablesWhenNoTablesAreListed) {
  StartCluster();
  const auto r =
      RunWalrelay({"init", "-c", WriteConfig(BaseConfig(), "  create_publication: true\n")});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(pg().scalar("SELECT puballtables FROM pg_publication WHERE pubname = 'walrelay_pub'"),
            "t");
  EXPECT_TRUE(pg().SlotExists("walrelay"));
}

TEST_F(InitTeardown, InitWithoutPublicationAndCreatePublicationOffCreatesNothing) {
  StartCluster();
  const auto r = RunWalrelay({"init", "-c", WriteConfig(BaseConfig())});
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find(kFail + " publication 'walrelay_pub' does not exist"), std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("  fix: CREATE PUBLICATION walrelay_pub FOR ALL TABLES;"),
            std::string::npos)
      << r.output;
  EXPECT_FALSE(pg().SlotExists("walrelay"));
  EXPECT_FALSE(PublicationExists("walrelay_pub"));
}

TEST_F(InitTeardown, TeardownRefusesWithoutYesOffATerminal) {
  StartCluster();
  pg().exec("CREATE PUBLICATION walrelay_pub FOR ALL TABLES");
  pg().CreateLogicalSlot("walrelay");
  const auto r = RunWalrelay({"teardown", "-c", WriteConfig(BaseConfig())});
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("refusing to drop slot 'walrelay'"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("--yes"), std::string::npos) << r.output;
  EXPECT_TRUE(pg().SlotExists("walrelay"));
}

// On a terminal (a pty from script(1)), teardown asks and only "y" drops.
TEST_F(InitTeardown, TeardownOnATerminalAsksAndOnlyYesDrops) {
  StartCluster();
  pg().exec("CREATE PUBLICATION walrelay_pub FOR ALL TABLES");
  pg().CreateLogicalSlot("walrelay");
  const std::string cfg = WriteConfig(BaseConfig());
  const auto answer = [&](const std::string &reply) {
    const std::string inner = WalrelayBin() + " teardown -c " + cfg + " --drop-publication";
    return RunCommand(
        {"sh", "-c", "printf '" + reply + "\\n' | script -qec '" + inner + "' /dev/null"}, 60s);
  };
  const auto no = answer("n");
  EXPECT_EQ(no.exit_code, 1) << no.output;  // script -e passes the exit code on
  EXPECT_NE(no.output.find("drop slot 'walrelay' and publication 'walrelay_pub' in database "
                           "postgres? [y/N]"),
            std::string::npos)
      << no.output;
  EXPECT_NE(no.output.find(kFail + " not confirmed: nothing dropped"), std::string::npos)
      << no.output;
  EXPECT_TRUE(pg().SlotExists("walrelay"));
  EXPECT_TRUE(PublicationExists("walrelay_pub"));

  const auto yes = answer("y");
  EXPECT_EQ(yes.exit_code, 0) << yes.output;
  EXPECT_NE(yes.output.find(kOk + " slot 'walrelay' dropped"), std::string::npos) << yes.output;
  EXPECT_NE(yes.output.find(kOk + " publication 'walrelay_pub' dropped"), std::string::npos)
      << yes.output;
  EXPECT_FALSE(pg().SlotExists("walrelay"));
  EXPECT_FALSE(PublicationExists("walrelay_pub"));
  EXPECT_EQ(yes.output.find(kSecret), std::string::npos);
}

TEST_F(InitTeardown, TeardownYesDropsTheSlotAndOnRequestThePublication) {
  StartCluster();
  pg().exec("CREATE PUBLICATION walrelay_pub FOR ALL TABLES");
  pg().CreateLogicalSlot("walrelay");
  const std::string cfg = WriteConfig(BaseConfig());
  const auto r = RunWalrelay({"teardown", "-c", cfg, "--yes"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find(kOk + " slot 'walrelay' dropped"), std::string::npos) << r.output;
  EXPECT_FALSE(pg().SlotExists("walrelay"));
  EXPECT_TRUE(PublicationExists("walrelay_pub"));  // kept without --drop-publication

  const auto again = RunWalrelay({"teardown", "-c", cfg, "--yes", "--drop-publication"});
  ASSERT_EQ(again.exit_code, 0) << again.output;
  EXPECT_NE(again.output.find(kOk + " slot 'walrelay' does not exist"), std::string::npos)
      << again.output;
  EXPECT_NE(again.output.find(kOk + " publication 'walrelay_pub' dropped"), std::string::npos)
      << again.output;
  EXPECT_FALSE(PublicationExists("walrelay_pub"));

  // init brings both back.
  const std::string cfg2 = WriteConfig(BaseConfig(), "  create_publication: true\n");
  const auto init = RunWalrelay({"init", "-c", cfg2});
  EXPECT_EQ(init.exit_code, 0) << init.output;
  EXPECT_TRUE(pg().SlotExists("walrelay"));
  EXPECT_TRUE(PublicationExists("walrelay_pub"));
}

TEST_F(InitTeardown, TeardownRefusesWhileTheSlotIsActive) {
  StartCluster();
  pg().exec(
      "CREATE TABLE items (id int PRIMARY KEY); CREATE PUBLICATION walrelay_pub FOR ALL TABLES");
  pg().CreateLogicalSlot("walrelay");
  const std::string cfg = WriteConfig(BaseConfig());
  Walrelay relay(cfg, pg().file("run.log"));
  relay.Start();
  ASSERT_TRUE(WaitFor([&] { return !relay.Running() || pg().SlotActivePid("walrelay"); }, 30s))
      << relay.LogTail();
  ASSERT_TRUE(relay.Running()) << relay.LogTail();
  const long long pid = *pg().SlotActivePid("walrelay");
  const auto r = RunWalrelay({"teardown", "-c", cfg, "--yes", "--drop-publication"});
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find(kFail + " slot 'walrelay' is active (pid " + std::to_string(pid) + ")"),
            std::string::npos)
      << r.output;
  EXPECT_TRUE(pg().SlotExists("walrelay"));
  EXPECT_TRUE(PublicationExists("walrelay_pub"));
  EXPECT_EQ(relay.Stop(), 0) << relay.LogTail();
}

}  // namespace
}  // namespace walrelay::test

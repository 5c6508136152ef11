// Secrets stay secret: the source password (given through ${ENV}) and a Kafka SASL password
// never appear in walrelay's log (at debug level), nor in the output of check, status and
// plugins, while those outputs do show the connection they describe.
#include <gtest/gtest.h>

#include <cstdlib>

#include "tests/integration/relay_test_base.h"

namespace walrelay::test {
namespace {

constexpr const char *kPgSecret = "PgS3cret-9f27c1";
constexpr const char *kSaslSecret = "SaslS3cret-4be0d8";

class Secrets : public RelayTest {};

TEST_F(Secrets, PasswordsNeverReachLogsOrCommandOutput) {
  StartCluster();  // trust authentication: the password is sent but not needed
  pg().exec(
      "CREATE TABLE t (id int PRIMARY KEY, v text);"
      "CREATE PUBLICATION walrelay_pub FOR ALL TABLES;");
  pg().CreateLogicalSlot("walrelay");
  ::setenv("WR_TEST_PG_PASSWORD", kPgSecret, 1);

  const std::string db = pg().file("replica.db");
  RelayConfig c = SqliteRelayConfig(pg(), "walrelay", "walrelay_pub", db);
  c.log_level = "debug";
  c.conninfo += " password=${WR_TEST_PG_PASSWORD}";
  // A Kafka sink whose brokers do not exist: it keeps retrying, logging as it goes.
  c.sinks.push_back({"events",
                     "kafka",
                     {{"librdkafka.bootstrap.servers", "127.0.0.1:1"},
                      {"librdkafka.security.protocol", "sasl_plaintext"},
                      {"librdkafka.sasl.mechanism", "PLAIN"},
                      {"librdkafka.sasl.username", "walrelay"},
                      {"librdkafka.sasl.password", kSaslSecret},
                      {"delivery_timeout_ms", "2000"}}});
  MakeRelay(c);
  ASSERT_TRUE(StartRelayAndWaitStreaming("walrelay"));
  pg().exec("INSERT INTO t SELECT g, 'v' || g FROM generate_series(1, 100) g");
  const std::vector<TableCheck> checks = {
      {"t", "SELECT id, v FROM t ORDER BY id", "SELECT id, v FROM t ORDER BY id"}};
  EXPECT_TRUE(WaitUntilSame(pg(), db, checks, 60s, &relay()));
  std::this_thread::sleep_for(3s);  // let the Kafka sink fail and retry a few times
  relay().Stop(30s);

  std::map<std::string, std::string> outputs;
  outputs["run log"] = ReadFile(relay().log_path());
  for (const char *cmd : {"check", "status", "plugins"}) {
    auto r = RunCommand({WalrelayBin(), cmd, "-c", relay().config_path()}, 60s);
    outputs[cmd] = r.output;
  }
  for (const auto &[what, text] : outputs) {
    EXPECT_EQ(text.find(kPgSecret), std::string::npos) << what << ":\n" << text;
    EXPECT_EQ(text.find(kSaslSecret), std::string::npos) << what << ":\n" << text;
  }
  // The outputs do describe the source and the sinks (so the checks above saw real text).
  EXPECT_NE(outputs["run log"].find("password=***"), std::string::npos) << outputs["run log"];
  EXPECT_NE(outputs["run log"].find("sink 'events'"), std::string::npos) << outputs["run log"];
  EXPECT_NE(outputs["check"].find("events"), std::string::npos) << outputs["check"];
  EXPECT_NE(outputs["status"].find("replica"), std::string::npos) << outputs["status"];
  EXPECT_NE(outputs["plugins"].find("kafka"), std::string::npos) << outputs["plugins"];
}

}  // namespace
}  // namespace walrelay::test

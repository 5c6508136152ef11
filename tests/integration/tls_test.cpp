// TLS to PostgreSQL: the server gets a certificate from a CA made for the test; walrelay
// connects with sslmode=verify-full, replicates over TLS (pg_stat_ssl shows it), and
// refuses a server its CA did not sign or whose name does not match.
#include <gtest/gtest.h>

#include "tests/integration/relay_test_base.h"
#include "tests/support/test_pki.h"

namespace walrelay::test {
namespace {

// ca.pem, other-ca.pem, server.pem, server-key.pem (tests/support/test_pki.h), with the
// server's files owned by the server (the postgres OS user when we are root).
::testing::AssertionResult MakePki(const TempDir &dir) {
  try {
    MakeTestPki(dir.path());
  } catch (const std::exception &e) {
    return ::testing::AssertionFailure() << e.what();
  }
  if (RunningAsRoot()) {
    const std::vector<std::string> argv = {"chown", "postgres:postgres", dir.file("server-key.pem"),
                                           dir.file("server.pem"), dir.file("ca.pem")};
    auto r = RunCommand(argv, 60s);
    if (r.exit_code != 0)
      return ::testing::AssertionFailure() << JoinArgs(argv) << " exited " << r.exit_code << ":\n"
                                           << r.output;
  }
  return ::testing::AssertionSuccess();
}

class Tls : public RelayTest {};

TEST_F(Tls, VerifyFullReplicatesOverTlsAndRefusesAForeignCaOrAWrongHostName) {
  TempDir pki("walrelay-pki-");
  ASSERT_TRUE(MakePki(pki));
  PgClusterOptions o;
  o.settings = {{"ssl", "on"},
                {"ssl_cert_file", "'" + pki.file("server.pem") + "'"},
                {"ssl_key_file", "'" + pki.file("server-key.pem") + "'"}};
  StartCluster(o);
  pg().exec(
      "CREATE TABLE accounts (id int PRIMARY KEY, owner text, balance numeric(12,2));"
      "CREATE PUBLICATION walrelay_pub FOR ALL TABLES;");
  pg().CreateLogicalSlot("walrelay");

  const std::string db = pg().file("replica.db");
  RelayConfig c = SqliteRelayConfig(pg(), "walrelay", "walrelay_pub", db);
  const std::string base = c.conninfo;
  c.conninfo = base + " sslmode=verify-full sslrootcert=" + pki.file("ca.pem");
  MakeRelay(c);
  ASSERT_TRUE(StartRelayAndWaitStreaming("walrelay"));
  pg().exec(
      "INSERT INTO accounts SELECT g, 'owner ' || g, g * 1.5 FROM generate_series(1, 500) g;"
      "UPDATE accounts SET balance = balance + 1 WHERE id % 7 = 0;"
      "DELETE FROM accounts WHERE id % 11 = 0;");
  const std::vector<TableCheck> checks = {{"accounts",
                                           "SELECT id, owner, balance FROM accounts ORDER BY id",
                                           "SELECT id, owner, balance FROM accounts ORDER BY id"}};
  EXPECT_TRUE(WaitUntilSame(pg(), db, checks, 60s, &relay()));
  // The walsender serving walrelay's slot speaks TLS.
  EXPECT_EQ(pg().scalar("SELECT s.ssl::text FROM pg_stat_ssl s JOIN pg_replication_slots r "
                        "ON r.active_pid = s.pid WHERE r.slot_name = 'walrelay'"),
            "true");
  ASSERT_TRUE(StopRelayCleanly());

  // A CA that did not sign the server certificate: refused, and the message says why.
  c.conninfo = base + " sslmode=verify-full sslrootcert=" + pki.file("other-ca.pem");
  std::string cfg = WriteRelayConfig(pg().file("foreign-ca.yaml"), c);
  auto r = RunCommand({WalrelayBin(), "check", "-c", cfg}, 60s);
  EXPECT_NE(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("certificate verify failed"), std::string::npos) << r.output;

  // The right CA but a host name the certificate does not carry.
  c.conninfo =
      "host=localhost hostaddr=127.0.0.1 port=" + std::to_string(pg().port()) +
      " dbname=postgres user=postgres sslmode=verify-full sslrootcert=" + pki.file("ca.pem");
  cfg = WriteRelayConfig(pg().file("host-ok.yaml"), c);
  r = RunCommand({WalrelayBin(), "check", "-c", cfg}, 60s);
  EXPECT_EQ(r.exit_code, 0) << r.output;  // DNS:localhost is in the certificate
  c.conninfo =
      "host=walrelay.invalid hostaddr=127.0.0.1 port=" + std::to_string(pg().port()) +
      " dbname=postgres user=postgres sslmode=verify-full sslrootcert=" + pki.file("ca.pem");
  cfg = WriteRelayConfig(pg().file("wrong-host.yaml"), c);
  r = RunCommand({WalrelayBin(), "check", "-c", cfg}, 60s);
  EXPECT_NE(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("does not match host name \"walrelay.invalid\""), std::string::npos)
      << r.output;
}

}  // namespace
}  // namespace walrelay::test

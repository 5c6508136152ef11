// TLS to PostgreSQL: the server gets a certificate from a CA made for the test; walrelay
// connects with sslmode=verify-full, replicates over TLS (pg_stat_ssl shows it), and
// refuses a server its CA did not sign or whose name does not match.
#include <gtest/gtest.h>

#include "tests/integration/relay_test_base.h"

namespace walrelay::test {
namespace {

// A CA, a second unrelated CA, and a server certificate for 127.0.0.1 signed by the first.
struct TestPki {
  std::string ca_crt, other_ca_crt, server_crt, server_key;
};

::testing::AssertionResult Run(const std::vector<std::string> &argv) {
  auto r = RunCommand(argv, 60s);
  if (r.exit_code == 0) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << JoinArgs(argv) << " exited " << r.exit_code << ":\n"
                                       << r.output;
}

::testing::AssertionResult MakePki(const TempDir &dir, TestPki &pki) {
  const auto f = [&](const std::string &n) { return dir.file(n); };
  pki = {f("ca.crt"), f("other-ca.crt"), f("server.crt"), f("server.key")};
  WriteFile(f("san.ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
  const std::vector<std::vector<std::string>> steps = {
      {"openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj",
       "/CN=walrelay test CA", "-keyout", f("ca.key"), "-out", pki.ca_crt},
      {"openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj",
       "/CN=some other CA", "-keyout", f("other-ca.key"), "-out", pki.other_ca_crt},
      {"openssl", "req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1", "-keyout",
       pki.server_key, "-out", f("server.csr")},
      {"openssl", "x509", "-req", "-in", f("server.csr"), "-CA", pki.ca_crt, "-CAkey", f("ca.key"),
       "-CAcreateserial", "-days", "2", "-extfile", f("san.ext"), "-out", pki.server_crt},
      {"chmod", "0600", pki.server_key},
  };
  for (const auto &s : steps)
    if (auto r = Run(s); !r) return r;
  // The server (the postgres OS user when we are root) must own its key.
  if (RunningAsRoot())
    if (auto r = Run({"chown", "postgres:postgres", pki.server_key, pki.server_crt, pki.ca_crt});
        !r)
      return r;
  return ::testing::AssertionSuccess();
}

class Tls : public RelayTest {};

TEST_F(Tls, VerifyFullReplicatesOverTlsAndRefusesAForeignCaOrAWrongHostName) {
  TempDir pki_dir("walrelay-pki-");
  TestPki pki;
  ASSERT_TRUE(MakePki(pki_dir, pki));
  PgClusterOptions o;
  o.settings = {{"ssl", "on"},
                {"ssl_cert_file", "'" + pki.server_crt + "'"},
                {"ssl_key_file", "'" + pki.server_key + "'"}};
  StartCluster(o);
  pg().exec(
      "CREATE TABLE accounts (id int PRIMARY KEY, owner text, balance numeric(12,2));"
      "CREATE PUBLICATION walrelay_pub FOR ALL TABLES;");
  pg().CreateLogicalSlot("walrelay");

  const std::string db = pg().file("replica.db");
  RelayConfig c = SqliteRelayConfig(pg(), "walrelay", "walrelay_pub", db);
  const std::string base = c.conninfo;
  c.conninfo = base + " sslmode=verify-full sslrootcert=" + pki.ca_crt;
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
  c.conninfo = base + " sslmode=verify-full sslrootcert=" + pki.other_ca_crt;
  std::string cfg = WriteRelayConfig(pg().file("foreign-ca.yaml"), c);
  auto r = RunCommand({WalrelayBin(), "check", "-c", cfg}, 60s);
  EXPECT_NE(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("certificate verify failed"), std::string::npos) << r.output;

  // The right CA but a host name the certificate does not carry.
  c.conninfo = "host=localhost hostaddr=127.0.0.1 port=" + std::to_string(pg().port()) +
               " dbname=postgres user=postgres sslmode=verify-full sslrootcert=" + pki.ca_crt;
  cfg = WriteRelayConfig(pg().file("host-ok.yaml"), c);
  r = RunCommand({WalrelayBin(), "check", "-c", cfg}, 60s);
  EXPECT_EQ(r.exit_code, 0) << r.output;  // DNS:localhost is in the certificate
  c.conninfo = "host=walrelay.invalid hostaddr=127.0.0.1 port=" + std::to_string(pg().port()) +
               " dbname=postgres user=postgres sslmode=verify-full sslrootcert=" + pki.ca_crt;
  cfg = WriteRelayConfig(pg().file("wrong-host.yaml"), c);
  r = RunCommand({WalrelayBin(), "check", "-c", cfg}, 60s);
  EXPECT_NE(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("does not match host name \"walrelay.invalid\""), std::string::npos)
      << r.output;
}

}  // namespace
}  // namespace walrelay::test

// MySQL sink on MariaDB over TLS: a MariaDB of its own with a certificate made at test time
// by the openssl CLI (self-signed CA, server certificate for 127.0.0.1 / localhost) and
// require_secure_transport=ON. ssl_mode required and verify_ca replicate; a client without
// TLS is refused (so the sink's session is encrypted); verify_ca with a wrong CA fails.
#include <cstdlib>
#include <filesystem>
#include <memory>

#include "tests/plugins/mysql/sink_fixture.h"
#include "tests/support/test_pki.h"

namespace wrmysql {
namespace {

const Relation kItems(800, 1, WR_REPLICA_IDENTITY_DEFAULT, "public", "items",
                      {{"id", kInt4, true}, {"v", kText}});

/// ca.pem / server.pem / server-key.pem signed by that CA, and other-ca.pem (unrelated).
struct Certs {
  std::string dir;
  Certs() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "walrelay-tls-XXXXXX").string();
    if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
    dir = tmpl;
    walrelay::test::MakeTestPki(dir);
  }
  ~Certs() {
    std::error_code ec;
    if (!std::getenv("WALRELAY_KEEP_TEST_DIRS")) std::filesystem::remove_all(dir, ec);
  }
  std::string file(const std::string &name) const { return dir + "/" + name; }
};

TEST(mysql_tls, RequiredAndVerifyCaReplicateOverTlsWrongCaFails) {
  ASSERT_NE(plugin(), nullptr);
  if (!walrelay::test::HaveOpenssl()) {
    GTEST_SKIP() << "openssl CLI not installed";
  }
  Certs certs;
  MariaDbServer tls_server(
      {"--ssl-ca=" + certs.file("ca.pem"), "--ssl-cert=" + certs.file("server.pem"),
       "--ssl-key=" + certs.file("server-key.pem"), "--require-secure-transport=ON"},
      /*tls=*/true, /*skip_grant_tables=*/false);  // grant checks enforce secure transport
  Client admin(tls_server.port(), "", true);
  EXPECT_NE(admin.query("SHOW SESSION STATUS LIKE 'Ssl_cipher'").at(0).at(1), "");
  admin.exec("CREATE DATABASE tls CHARACTER SET utf8mb4");

  // A client without TLS is refused: whatever the sink connects with is encrypted.
  try {
    Client plain(tls_server.port());
    ADD_FAILURE() << "a connection without TLS was accepted: "
                  << plain.query("SHOW SESSION STATUS LIKE 'Ssl_cipher'").at(0).at(1) << " "
                  << plain.scalar("SELECT @@require_secure_transport") << " "
                  << plain.scalar("SELECT CURRENT_USER()") << " "
                  << plain.scalar("SELECT VERSION()");
  } catch (const std::exception &e) {
    // MariaDB 10.11 reports it as "Access denied" (the same user gets in over TLS above).
    const std::string msg = e.what();
    EXPECT_TRUE(msg.find("secure transport") != std::string::npos ||
                msg.find("Access denied") != std::string::npos)
        << msg;
  }

  const Options base = {{"host", "127.0.0.1"},
                        {"port", std::to_string(tls_server.port())},
                        {"user", "root"},
                        {"database", "tls"}};
  auto with = [&](const Options &extra) {
    Options o = base;
    o.insert(o.end(), extra.begin(), extra.end());
    return o;
  };
  int id = 0;
  auto replicate = [&](const Options &opts, const std::string &what) {
    g_last_error.clear();
    wr_sink *sink = nullptr;
    ASSERT_EQ(create_sink(opts, &sink), WR_OK) << what << ": " << g_last_error;
    BatchBuilder b;
    ++id;
    b.txn(0x100 * static_cast<wr_lsn>(id))
        .insert(kItems, {T(std::to_string(id)), T(what)})
        .insert(kItems, {T(std::to_string(100 + id)), T(what)});
    EXPECT_EQ(plugin()->vtable->apply(sink, &b.build()), WR_OK) << what << ": " << g_last_error;
    plugin()->vtable->destroy(sink);
  };
  replicate(with({{"ssl_mode", "required"}}), "required");
  replicate(with({{"ssl_mode", "verify_ca"}, {"ssl_ca", certs.file("ca.pem")}}), "verify_ca");
  replicate(with({{"ssl_mode", "verify_identity"}, {"ssl_ca", certs.file("ca.pem")}}),
            "verify_identity");
  EXPECT_EQ(admin.query("SELECT id, v FROM tls.items ORDER BY id"),
            (Rows{{"1", "required"},
                  {"2", "verify_ca"},
                  {"3", "verify_identity"},
                  {"101", "required"},
                  {"102", "verify_ca"},
                  {"103", "verify_identity"}}));

  // ssl_mode disabled (and preferred, which requests no TLS with Connector/C 3.3) cannot
  // connect at all.
  wr_sink *sink = nullptr;
  g_last_error.clear();
  EXPECT_NE(create_sink(with({{"ssl_mode", "disabled"}}), &sink), WR_OK);
  EXPECT_TRUE(g_last_error.find("secure transport") != std::string::npos ||
              g_last_error.find("Access denied") != std::string::npos)
      << g_last_error;
  if (sink) plugin()->vtable->destroy(sink);

  // A CA that did not sign the server certificate: the connection fails, saying why.
  sink = nullptr;
  g_last_error.clear();
  const wr_status st =
      create_sink(with({{"ssl_mode", "verify_ca"}, {"ssl_ca", certs.file("other-ca.pem")}}), &sink);
  EXPECT_EQ(st, WR_FATAL);  // a configuration error, not retried
  std::cerr << "[tls] wrong CA: status " << st << ": " << g_last_error << "\n";
  EXPECT_NE(g_last_error.find("TLS/SSL error"), std::string::npos) << g_last_error;
  EXPECT_NE(g_last_error.find("certificate"), std::string::npos) << g_last_error;
  if (sink) plugin()->vtable->destroy(sink);
}

}  // namespace
}  // namespace wrmysql

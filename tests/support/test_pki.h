// A throwaway PKI for TLS tests, made with the openssl CLI. Header-only (std::system), so
// test binaries that do not link walrelay_test_support (the MySQL sink's) can use it too.
#ifndef WALRELAY_TESTS_SUPPORT_TEST_PKI_H
#define WALRELAY_TESTS_SUPPORT_TEST_PKI_H

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

namespace walrelay::test {

/// True when the openssl CLI runs.
inline bool HaveOpenssl() { return std::system("openssl version > /dev/null 2>&1") == 0; }

/// Writes into the existing directory `dir`: ca.pem + ca-key.pem (a CA), other-ca.pem +
/// other-ca-key.pem (an unrelated CA), and server.pem + server-key.pem (mode 0600): a
/// server certificate for CN 127.0.0.1 with subjectAltName IP:127.0.0.1 and DNS:localhost,
/// signed by ca.pem. RSA 2048, SHA-256, valid 2 days. Throws std::runtime_error with the
/// failing command and openssl's output.
inline void MakeTestPki(const std::string &dir) {
  const auto run = [&](const std::string &cmd) {
    const std::string full = "cd '" + dir + "' && (" + cmd + ") > pki.log 2>&1";
    if (std::system(full.c_str()) != 0) {
      std::ifstream in(dir + "/pki.log");
      std::stringstream out;
      out << in.rdbuf();
      throw std::runtime_error("command failed: " + cmd + "\n" + out.str());
    }
  };
  const std::string req = "openssl req -x509 -newkey rsa:2048 -nodes -days 2 -sha256 ";
  run(req + "-keyout ca-key.pem -out ca.pem -subj /CN=walrelay-test-ca");
  run(req + "-keyout other-ca-key.pem -out other-ca.pem -subj /CN=walrelay-other-ca");
  run("openssl req -newkey rsa:2048 -nodes -sha256 -keyout server-key.pem -out server.csr "
      "-subj /CN=127.0.0.1");
  run("printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\\nbasicConstraints=CA:FALSE\\n' > "
      "ext.cnf && openssl x509 -req -in server.csr -CA ca.pem -CAkey ca-key.pem "
      "-CAcreateserial -out server.pem -days 2 -sha256 -extfile ext.cnf && "
      "chmod 0600 server-key.pem");
}

}  // namespace walrelay::test

#endif  // WALRELAY_TESTS_SUPPORT_TEST_PKI_H

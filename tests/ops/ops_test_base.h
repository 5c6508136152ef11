// Shared fixture of the operator command tests (check, init, teardown, status): a cluster,
// a config file, and running `walrelay <command> -c <config>` to completion.
#ifndef WALRELAY_TESTS_OPS_OPS_TEST_BASE_H
#define WALRELAY_TESTS_OPS_OPS_TEST_BASE_H

#include <gtest/gtest.h>

#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "tests/support/harness.h"

namespace walrelay::test {

/// A password that must never appear in any output (the cluster trusts every connection,
/// so it is accepted and ignored).
inline constexpr const char *kSecret = "S3cr3t-pw-do-not-print";

class OpsTest : public ::testing::Test {
 protected:
  void StartCluster(PgClusterOptions options = {}) {
    cluster_ = std::make_unique<PgCluster>(std::move(options));
  }
  PgCluster &pg() { return *cluster_; }

  /// A config with one SQLite sink (pg().file("replica.db")), the conninfo carrying
  /// kSecret as password, slot "walrelay", publication "walrelay_pub".
  RelayConfig BaseConfig() {
    RelayConfig c = SqliteRelayConfig(pg(), "walrelay", "walrelay_pub", pg().file("replica.db"));
    c.conninfo += std::string(" password=") + kSecret;
    c.spool = {{"dir", pg().file("spool")}};
    return c;
  }

  /// Writes `config` (plus `extra_source_yaml` lines appended to the source: section) and
  /// returns its path.
  std::string WriteConfig(const RelayConfig &config, const std::string &extra_source_yaml = "",
                          const std::string &name = "walrelay.yaml") {
    std::string text = RenderRelayConfig(config);
    if (!extra_source_yaml.empty()) {
      const auto at = text.find('\n', text.find("  status_interval_ms:")) + 1;
      text.insert(at, extra_source_yaml);
    }
    const std::string path = pg().file(name);
    WriteFile(path, text);
    return path;
  }

  /// Runs `walrelay <args...>`; records the output for failure messages and checks that
  /// it never shows the password.
  CommandResult RunWalrelay(const std::vector<std::string> &args) {
    std::vector<std::string> argv = {WalrelayBin()};
    argv.insert(argv.end(), args.begin(), args.end());
    CommandResult r = RunCommand(argv, 120s);
    log_ +=
        "$ " + JoinArgs(argv) + "\n" + r.output + "[exit " + std::to_string(r.exit_code) + "]\n";
    EXPECT_EQ(r.output.find(kSecret), std::string::npos)
        << "the password leaked into the output of " << JoinArgs(args) << ":\n"
        << r.output;
    return r;
  }

  void TearDown() override {
    // WALRELAY_OPS_SHOW=1 prints every command's output even when the test passes.
    const char *show = std::getenv("WALRELAY_OPS_SHOW");
    if (HasFailure() || (show && *show)) std::cerr << "--- walrelay commands ---\n" << log_;
    if (HasFailure()) {
      if (cluster_)
        std::cerr << "--- PostgreSQL log tail ---\n" << TailFile(cluster_->log_path(), 40);
    }
    cluster_.reset();
  }

  std::unique_ptr<PgCluster> cluster_;
  std::string log_;
};

/// Lines of `output` that start with `mark` ("✔" or "✘").
inline std::vector<std::string> MarkedLines(const std::string &output, const std::string &mark) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < output.size()) {
    size_t end = output.find('\n', start);
    if (end == std::string::npos) end = output.size();
    const std::string line = output.substr(start, end - start);
    if (line.rfind(mark, 0) == 0) out.push_back(line);
    start = end + 1;
  }
  return out;
}

inline const std::string kOk = "\xE2\x9C\x94";
inline const std::string kFail = "\xE2\x9C\x98";

}  // namespace walrelay::test

#endif  // WALRELAY_TESTS_OPS_OPS_TEST_BASE_H

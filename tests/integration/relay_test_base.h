// Shared fixture of the walrelay integration tests: one cluster per test, a walrelay
// process, and on failure the tails of both logs in the test output.
#ifndef WALRELAY_TESTS_INTEGRATION_RELAY_TEST_BASE_H
#define WALRELAY_TESTS_INTEGRATION_RELAY_TEST_BASE_H

#include <gtest/gtest.h>

#include <iostream>
#include <memory>
#include <string>

#include "tests/support/harness.h"

namespace walrelay::test {

class RelayTest : public ::testing::Test {
 protected:
  /// Starts the cluster (call from the test body or SetUp) with extra settings.
  void StartCluster(PgClusterOptions options = {}) {
    cluster_ = std::make_unique<PgCluster>(std::move(options));
  }
  PgCluster &pg() { return *cluster_; }

  /// Writes `config` to the cluster's temp dir and prepares a Walrelay for it (not
  /// started).
  Walrelay &MakeRelay(const RelayConfig &config, const std::string &name = "walrelay") {
    std::string cfg = WriteRelayConfig(pg().file(name + ".yaml"), config);
    relay_ = std::make_unique<Walrelay>(cfg, pg().file(name + ".log"));
    return *relay_;
  }
  Walrelay &relay() { return *relay_; }

  /// Starts walrelay and waits until it streams from `slot` (the slot is active).
  ::testing::AssertionResult StartRelayAndWaitStreaming(const std::string &slot,
                                                        std::chrono::milliseconds timeout = 30s) {
    relay().Start();
    bool ok = WaitFor([&] { return !relay().Running() || pg().SlotActivePid(slot).has_value(); },
                      timeout);
    if (ok && relay().Running()) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << "walrelay is not streaming from slot " << slot << " ("
                                         << DescribeStatus(relay().ExitStatus()) << ")\n"
                                         << relay().LogTail();
  }

  /// SIGTERM and expect a clean exit (code 0) within `timeout`.
  ::testing::AssertionResult StopRelayCleanly(std::chrono::milliseconds timeout = 60s) {
    auto st = relay().Stop(timeout);
    if (st == 0) return ::testing::AssertionSuccess();
    if (!st) relay().Kill();
    return ::testing::AssertionFailure()
           << "walrelay after SIGTERM: "
           << (st ? DescribeStatus(st) : "did not exit within timeout")
           << " (expected exit code 0)\n"
           << relay().LogTail();
  }

  void TearDown() override {
    if (HasFailure()) {
      if (relay_) std::cerr << relay_->LogTail(80);
      if (cluster_)
        std::cerr << "--- PostgreSQL log tail ---\n" << TailFile(cluster_->log_path(), 40);
    }
    if (relay_ && relay_->Running()) relay_->Kill();
    relay_.reset();
    cluster_.reset();
  }

  std::unique_ptr<PgCluster> cluster_;
  std::unique_ptr<Walrelay> relay_;
};

}  // namespace walrelay::test

#endif  // WALRELAY_TESTS_INTEGRATION_RELAY_TEST_BASE_H

// Test helper: a gtest fixture with a mock cluster and one Kafka sink on it, driven through
// the C ABI the way the host drives it.
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <thread>

#include "tests/plugins/kafka/common/mock_cluster.h"
#include "tests/plugins/kafka/common/sink_harness.h"

namespace kafkatest {

class MockSinkTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_NE(plugin(), nullptr); }
  void TearDown() override { destroy_sink(sink_); }

  /// Creates the sink on the mock cluster (topic_prefix "pg", database "shop") with `extra`
  /// options.
  wr_status open(const Options &extra = {}) {
    destroy_sink(sink_);
    Options opts{{"librdkafka.bootstrap.servers", cluster_.bootstraps()},
                 {"topic_prefix", "pg"},
                 {"database", "shop"}};
    opts.insert(opts.end(), extra.begin(), extra.end());
    return create_sink(opts, &sink_);
  }
  wr_status apply(const wr_batch &b) { return plugin()->vtable->apply(sink_, &b); }
  /// What the host does after WR_RETRY: back off, load_position, apply again; up to
  /// `attempts` times (the client needs a moment to reconnect to restarted brokers).
  wr_status retry_apply(const wr_batch &b, int attempts = 10) {
    wr_status st = WR_RETRY;
    for (int i = 0; i < attempts && st == WR_RETRY; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
      wr_lsn lsn = 0;
      st = plugin()->vtable->load_position(sink_, &lsn);
      if (st == WR_OK) st = apply(b);
    }
    return st;
  }
  /// load_position (expected to succeed).
  wr_lsn position() {
    wr_lsn lsn = 12345;
    EXPECT_EQ(plugin()->vtable->load_position(sink_, &lsn), WR_OK) << g_last_error;
    return lsn;
  }
  /// Records per key of `topic` ("null" for a null key).
  std::map<std::string, int> count_by_key(const std::string &topic, bool read_committed = true) {
    std::map<std::string, int> count;
    for (const Record &r : read_topic(cluster_.bootstraps(), topic, read_committed)) {
      ++count[r.key ? *r.key : "null"];
    }
    return count;
  }

  MockCluster cluster_;
  wr_sink *sink_ = nullptr;
};

}  // namespace kafkatest

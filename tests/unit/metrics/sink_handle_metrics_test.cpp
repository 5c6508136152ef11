// SinkHandle updates its sink's metrics: state, applied LSN, errors, apply durations.
#include <gtest/gtest.h>

#include "core/metrics/metrics.h"
#include "core/plugin_host/sink_handle.h"
#include "tests/unit/metrics/fake_sink.h"

namespace walrelay {
namespace {

using namespace fakesink;

class SinkHandleMetrics : public ::testing::Test {
 protected:
  void SetUp() override {
    reset();
    make_plugin(plugin_);
    config_.name = "s1";
  }
  static wr_batch batch(wr_lsn end, uint32_t flags = 0) {
    wr_batch b{};
    b.struct_size = sizeof(wr_batch);
    b.end_lsn = end;
    b.flags = flags;
    return b;
  }
  LoadedPlugin plugin_;
  SinkConfig config_;
};

TEST_F(SinkHandleMetrics, OwnMetricsUntilAttached) {
  SinkHandle h(plugin_, config_);
  EXPECT_EQ(h.metrics().get_state(), metrics::SinkState::kStarting);
  metrics::Metrics reg;
  metrics::SinkMetrics *m = reg.register_sink(h.name());
  h.attach_metrics(*m);
  EXPECT_EQ(&h.metrics(), m);
  ASSERT_TRUE(h.create().ok());
  g_loaded = 500;
  ASSERT_TRUE(h.load_position().ok());
  EXPECT_EQ(m->get_state(), metrics::SinkState::kUp);
  EXPECT_EQ(m->applied_lsn.value(), 500u);
  EXPECT_EQ(m->errors.value(), 0u);
}

TEST_F(SinkHandleMetrics, ApplyOutcomesDriveStateLsnErrorsAndHistogram) {
  metrics::Metrics reg;
  SinkHandle h(plugin_, config_);
  metrics::SinkMetrics &m = *reg.register_sink("s1");
  h.attach_metrics(m);
  ASSERT_TRUE(h.create().ok());
  ASSERT_TRUE(h.load_position().ok());

  ASSERT_TRUE(h.apply(batch(100)).ok());
  EXPECT_EQ(m.applied_lsn.value(), 100u);
  EXPECT_TRUE(m.up());
  // A piece that leaves its transaction open does not move the applied LSN.
  ASSERT_TRUE(h.apply(batch(200, WR_BATCH_TXN_CONTINUES)).ok());
  EXPECT_EQ(m.applied_lsn.value(), 100u);

  g_apply = WR_RETRY;
  EXPECT_FALSE(h.apply(batch(200)).ok());
  EXPECT_EQ(m.get_state(), metrics::SinkState::kApplyFailed);
  EXPECT_EQ(m.errors.value(), 1u);
  EXPECT_EQ(m.applied_lsn.value(), 100u);
  // load_position succeeding after a failed apply does not make the sink up again...
  g_loaded = 100;
  ASSERT_TRUE(h.load_position().ok());
  EXPECT_EQ(m.get_state(), metrics::SinkState::kApplyFailed);
  EXPECT_FALSE(reg.readiness().reason.find("sink s1: last apply failed") == std::string::npos);
  // ... the next successful apply does.
  g_apply = WR_OK;
  ASSERT_TRUE(h.apply(batch(200)).ok());
  EXPECT_TRUE(m.up());
  EXPECT_EQ(m.applied_lsn.value(), 200u);

  uint64_t applies = 0;
  for (size_t i = 0; i <= metrics::Histogram::kBoundsNs.size(); ++i)
    applies += m.apply_seconds.bucket(i);
  EXPECT_EQ(applies, 4u);

  g_apply = WR_FATAL;
  EXPECT_FALSE(h.apply(batch(300)).ok());
  EXPECT_FALSE(m.up());
  EXPECT_EQ(m.errors.value(), 2u);
}

TEST_F(SinkHandleMetrics, SetupFailures) {
  metrics::Metrics reg;
  {
    SinkHandle h(plugin_, config_);
    h.attach_metrics(*reg.register_sink("a"));
    g_create = WR_RETRY;
    EXPECT_FALSE(h.create().ok());
    EXPECT_EQ(h.metrics().get_state(), metrics::SinkState::kSetupFailed);
    g_create = WR_OK;
    ASSERT_TRUE(h.create().ok());
    g_load = WR_RETRY;
    EXPECT_FALSE(h.load_position().ok());
    EXPECT_EQ(h.metrics().get_state(), metrics::SinkState::kSetupFailed);
    g_load = WR_OK;
    ASSERT_TRUE(h.load_position().ok());
    EXPECT_TRUE(h.metrics().up());
    EXPECT_EQ(h.metrics().errors.value(), 2u);
  }
  const std::string text = reg.render();
  EXPECT_NE(text.find("walrelay_sink_errors_total{sink=\"a\"} 2\n"), std::string::npos) << text;
  EXPECT_NE(text.find("walrelay_sink_up{sink=\"a\"} 1\n"), std::string::npos);
}

}  // namespace
}  // namespace walrelay

// Metrics registry: exposition text, escaping, concurrent updates, readiness.
#include "core/metrics/metrics.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace walrelay::metrics {
namespace {

TEST(Escape, LabelValues) {
  EXPECT_EQ(escape_label_value("plain"), "plain");
  EXPECT_EQ(escape_label_value("a\\b\"c\nd"), "a\\\\b\\\"c\\nd");
  EXPECT_EQ(escape_label_value(""), "");
}

TEST(FormatDouble, PrometheusForms) {
  EXPECT_EQ(format_double(0.0), "0");
  EXPECT_EQ(format_double(1.5), "1.5");
  EXPECT_EQ(format_double(0.25), "0.25");
  EXPECT_EQ(format_double(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(format_double(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(format_double(std::numeric_limits<double>::quiet_NaN()), "NaN");
}

// The whole text of a small registry, byte for byte.
TEST(Render, ExactExposition) {
  Metrics m;
  SinkMetrics *s = m.register_sink("db\"1\\x\ny");
  s->txns.add(3);
  s->changes.add(7);
  s->bytes.add(1234);
  s->retries.add(2);
  s->errors.add(1);
  s->applied_lsn.set(0x16B374D848ull);
  s->applied_commit_time.set(1700000000.25);
  s->set_state(SinkState::kUp);
  s->apply_seconds.observe(std::chrono::microseconds(300));  // <= 0.0005
  s->apply_seconds.observe(std::chrono::milliseconds(20));   // <= 0.025
  s->apply_seconds.observe(std::chrono::seconds(200));       // +Inf
  m.source.lag_bytes.set(4096);
  m.source.lag_seconds.set(1.5);
  m.source.received_bytes.add(99);
  m.source.streaming.set(1);
  m.source.reconnects.add(1);
  m.spool_bytes.set(65536);
  m.snapshot.running.set(1);
  m.snapshot.chunks_done.set(2);
  m.snapshot.chunks_planned.set(5);
  m.register_table("public.orders")->rows.add(10);
  m.register_table("public.orders")->rows.add(5);  // same table: same counter

  const std::string L = "{sink=\"db\\\"1\\\\x\\ny\"";
  std::string want;
  want +=
      "# HELP walrelay_sink_transactions_total Source transactions applied by the sink and "
      "made durable there.\n";
  want += "# TYPE walrelay_sink_transactions_total counter\n";
  want += "walrelay_sink_transactions_total" + L + "} 3\n";
  want +=
      "# HELP walrelay_sink_changes_total Changes (row inserts, updates, deletes, "
      "truncates, messages) of the applied transactions.\n";
  want += "# TYPE walrelay_sink_changes_total counter\n";
  want += "walrelay_sink_changes_total" + L + "} 7\n";
  want +=
      "# HELP walrelay_sink_bytes_total Bytes of the applied transactions' spool records "
      "(walrelay's encoded form of their changes, uncompressed).\n";
  want += "# TYPE walrelay_sink_bytes_total counter\n";
  want += "walrelay_sink_bytes_total" + L + "} 1234\n";
  want +=
      "# HELP walrelay_sink_retries_total Sink calls repeated after the sink answered "
      "retry.\n";
  want += "# TYPE walrelay_sink_retries_total counter\n";
  want += "walrelay_sink_retries_total" + L + "} 2\n";
  want +=
      "# HELP walrelay_sink_errors_total Sink calls (create, load_position, apply) that "
      "returned an error status (retry or fatal).\n";
  want += "# TYPE walrelay_sink_errors_total counter\n";
  want += "walrelay_sink_errors_total" + L + "} 1\n";
  want +=
      "# HELP walrelay_sink_applied_lsn End LSN (as a number) of the last transaction the "
      "sink holds durably; 0: none.\n";
  want += "# TYPE walrelay_sink_applied_lsn gauge\n";
  want += "walrelay_sink_applied_lsn" + L + "} 97500059720\n";
  want +=
      "# HELP walrelay_sink_applied_commit_timestamp_seconds Commit time (Unix seconds) of "
      "the last transaction the sink applied; 0: none yet.\n";
  want += "# TYPE walrelay_sink_applied_commit_timestamp_seconds gauge\n";
  want += "walrelay_sink_applied_commit_timestamp_seconds" + L + "} 1700000000.25\n";
  want +=
      "# HELP walrelay_sink_up 1 when the sink's last apply (before any apply: its set-up) "
      "succeeded, else 0.\n";
  want += "# TYPE walrelay_sink_up gauge\n";
  want += "walrelay_sink_up" + L + "} 1\n";
  want +=
      "# HELP walrelay_sink_apply_duration_seconds Duration of the sink's apply calls (one "
      "per batch or piece), successful or not.\n";
  want += "# TYPE walrelay_sink_apply_duration_seconds histogram\n";
  const char *les[] = {"0.0005", "0.001", "0.0025", "0.005", "0.01", "0.025", "0.05",
                       "0.1",    "0.25",  "0.5",    "1",     "5",    "30",    "120"};
  const int cum[] = {1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2};
  for (int i = 0; i < 14; ++i)
    want += "walrelay_sink_apply_duration_seconds_bucket" + L + ",le=\"" + les[i] + "\"} " +
            std::to_string(cum[i]) + "\n";
  want += "walrelay_sink_apply_duration_seconds_bucket" + L + ",le=\"+Inf\"} 3\n";
  want += "walrelay_sink_apply_duration_seconds_sum" + L + "} 200.0203\n";
  want += "walrelay_sink_apply_duration_seconds_count" + L + "} 3\n";
  want +=
      "# HELP walrelay_source_lag_bytes Bytes of WAL between the server's latest position "
      "and the flush position confirmed to it.\n";
  want += "# TYPE walrelay_source_lag_bytes gauge\n";
  want += "walrelay_source_lag_bytes 4096\n";
  want +=
      "# HELP walrelay_source_lag_seconds Seconds between now and the last applied commit "
      "of the sinks still behind; 0 when caught up.\n";
  want += "# TYPE walrelay_source_lag_seconds gauge\n";
  want += "walrelay_source_lag_seconds 1.5\n";
  want +=
      "# HELP walrelay_source_received_bytes_total Bytes of WAL data (pgoutput messages) "
      "received from the replication slot.\n";
  want += "# TYPE walrelay_source_received_bytes_total counter\n";
  want += "walrelay_source_received_bytes_total 99\n";
  want +=
      "# HELP walrelay_source_streaming 1 while the replication stream is open and "
      "streaming, else 0.\n";
  want += "# TYPE walrelay_source_streaming gauge\n";
  want += "walrelay_source_streaming 1\n";
  want +=
      "# HELP walrelay_source_reconnects_total Reconnections to the source after a lost "
      "replication connection.\n";
  want += "# TYPE walrelay_source_reconnects_total counter\n";
  want += "walrelay_source_reconnects_total 1\n";
  want +=
      "# HELP walrelay_spool_bytes Bytes of spool files on disk that not every sink has "
      "consumed yet.\n";
  want += "# TYPE walrelay_spool_bytes gauge\n";
  want += "walrelay_spool_bytes 65536\n";
  want += "# HELP walrelay_snapshot_running 1 while the initial snapshot copies.\n";
  want += "# TYPE walrelay_snapshot_running gauge\n";
  want += "walrelay_snapshot_running 1\n";
  want += "# HELP walrelay_snapshot_chunks_done Snapshot chunks copied so far.\n";
  want += "# TYPE walrelay_snapshot_chunks_done gauge\n";
  want += "walrelay_snapshot_chunks_done 2\n";
  want +=
      "# HELP walrelay_snapshot_chunks_planned Snapshot chunks to copy in all (0 until the "
      "snapshot is planned).\n";
  want += "# TYPE walrelay_snapshot_chunks_planned gauge\n";
  want += "walrelay_snapshot_chunks_planned 5\n";
  want +=
      "# HELP walrelay_snapshot_rows_copied_total Rows copied by the initial snapshot, per "
      "source table.\n";
  want += "# TYPE walrelay_snapshot_rows_copied_total counter\n";
  want += "walrelay_snapshot_rows_copied_total{table=\"public.orders\"} 15\n";
  EXPECT_EQ(m.render(), want);
}

TEST(Render, EmptyRegistryHasEveryFamilyAndNoSinkSamples) {
  Metrics m;
  const std::string text = m.render();
  EXPECT_NE(text.find("# TYPE walrelay_sink_transactions_total counter\n"), std::string::npos);
  EXPECT_EQ(text.find("walrelay_sink_transactions_total{"), std::string::npos);
  EXPECT_NE(text.find("\nwalrelay_source_streaming 0\n"), std::string::npos);
  // Every line is a comment or "name[{labels}] value".
  size_t families = 0;
  for (size_t at = 0; at < text.size();) {
    const size_t nl = text.find('\n', at);
    ASSERT_NE(nl, std::string::npos) << "text must end in a newline";
    const std::string line = text.substr(at, nl - at);
    if (line.rfind("# TYPE ", 0) == 0) ++families;
    if (line[0] != '#') {
      EXPECT_EQ(line.rfind("walrelay_", 0), 0u) << line;
    }
    at = nl + 1;
  }
  EXPECT_EQ(families, 19u);
}

TEST(Registry, SameNameSameHandleAndStableAddresses) {
  Metrics m;
  SinkMetrics *a = m.register_sink("a");
  std::vector<SinkMetrics *> others;
  for (int i = 0; i < 100; ++i) others.push_back(m.register_sink("s" + std::to_string(i)));
  EXPECT_EQ(m.register_sink("a"), a);
  EXPECT_NE(m.register_sink("b"), a);
  EXPECT_EQ(m.register_sink("s42"), others[42]);
}

TEST(Counters, ManyThreadsSumExactly) {
  Metrics m;
  SinkMetrics *s = m.register_sink("s");
  TableMetrics *t = m.register_table("public.t");
  constexpr int kThreads = 8, kPerThread = 100000;
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i)
    threads.emplace_back([&] {
      for (int j = 0; j < kPerThread; ++j) {
        s->txns.add();
        s->changes.add(3);
        s->apply_seconds.observe(std::chrono::milliseconds(j % 3));
        t->rows.add();
        m.source.received_bytes.add(2);
      }
    });
  // Rendering concurrently must be safe (and is checked by TSan/ASan runs).
  for (int i = 0; i < 20; ++i) EXPECT_FALSE(m.render().empty());
  for (auto &th : threads) th.join();
  const uint64_t n = uint64_t{kThreads} * kPerThread;
  EXPECT_EQ(s->txns.value(), n);
  EXPECT_EQ(s->changes.value(), 3 * n);
  EXPECT_EQ(t->rows.value(), n);
  EXPECT_EQ(m.source.received_bytes.value(), 2 * n);
  uint64_t observations = 0;
  for (size_t i = 0; i <= Histogram::kBoundsNs.size(); ++i)
    observations += s->apply_seconds.bucket(i);
  EXPECT_EQ(observations, n);
  const std::string text = m.render();
  EXPECT_NE(text.find("walrelay_sink_transactions_total{sink=\"s\"} " + std::to_string(n) + "\n"),
            std::string::npos);
  EXPECT_NE(text.find("walrelay_sink_apply_duration_seconds_count{sink=\"s\"} " +
                      std::to_string(n) + "\n"),
            std::string::npos);
}

TEST(Histogram, BoundsAreInclusive) {
  Histogram h;
  h.observe(std::chrono::nanoseconds(Histogram::kBoundsNs[0]));      // le 0.0005
  h.observe(std::chrono::nanoseconds(Histogram::kBoundsNs[0] + 1));  // le 0.001
  h.observe(std::chrono::nanoseconds(-5));                           // counts as 0
  EXPECT_EQ(h.bucket(0), 2u);
  EXPECT_EQ(h.bucket(1), 1u);
  EXPECT_EQ(h.sum_ns(), 2 * Histogram::kBoundsNs[0] + 1);
}

TEST(Readiness, NamesWhatIsNotReady) {
  Metrics m;
  Readiness r = m.readiness();
  EXPECT_FALSE(r.ready);
  EXPECT_EQ(r.reason, "source: not streaming\n");
  m.source.streaming.set(1);
  EXPECT_TRUE(m.readiness().ready);
  SinkMetrics *a = m.register_sink("mysql1");
  SinkMetrics *b = m.register_sink("kafka");
  r = m.readiness();
  EXPECT_FALSE(r.ready);
  EXPECT_EQ(r.reason, "sink mysql1: not started yet\nsink kafka: not started yet\n");
  a->set_state(SinkState::kApplyFailed);
  b->set_state(SinkState::kUp);
  r = m.readiness();
  EXPECT_EQ(r.reason, "sink mysql1: last apply failed\n");
  a->set_state(SinkState::kStopped);
  EXPECT_EQ(m.readiness().reason, "sink mysql1: delivery stopped after a fatal error\n");
  a->set_state(SinkState::kSetupFailed);
  EXPECT_EQ(m.readiness().reason, "sink mysql1: create or load_position failed\n");
  a->set_state(SinkState::kUp);
  r = m.readiness();
  EXPECT_TRUE(r.ready);
  EXPECT_EQ(r.reason, "");
}

TEST(SourceLag, BytesFromConfirmedSecondsFromOldestBehindSink) {
  Metrics m;
  m.set_source_lag(1000, 1000, 5000.0);
  EXPECT_EQ(m.source.lag_bytes.value(), 0u);
  EXPECT_EQ(m.source.lag_seconds.value(), 0.0);
  m.set_source_lag(1000, 400, 5000.0);  // no sink: seconds unknown
  EXPECT_EQ(m.source.lag_bytes.value(), 600u);
  EXPECT_EQ(m.source.lag_seconds.value(), 0.0);
  SinkMetrics *a = m.register_sink("a");
  SinkMetrics *b = m.register_sink("b");
  SinkMetrics *c = m.register_sink("c");
  a->applied_lsn.set(400);
  a->applied_commit_time.set(4990.0);
  b->applied_lsn.set(700);
  b->applied_commit_time.set(4995.5);
  c->applied_lsn.set(1000);  // caught up: not counted however old its last commit
  c->applied_commit_time.set(10.0);
  m.set_source_lag(1000, 400, 5000.0);
  EXPECT_EQ(m.source.lag_bytes.value(), 600u);
  EXPECT_DOUBLE_EQ(m.source.lag_seconds.value(), 10.0);
  m.set_source_lag(1000, 1200, 5000.0);  // confirmed ahead (idle slot advanced): no lag
  EXPECT_EQ(m.source.lag_bytes.value(), 0u);
  EXPECT_EQ(m.source.lag_seconds.value(), 0.0);
}

TEST(ProcessMetrics, IsOneRegistry) { EXPECT_EQ(&process_metrics(), &process_metrics()); }

}  // namespace
}  // namespace walrelay::metrics

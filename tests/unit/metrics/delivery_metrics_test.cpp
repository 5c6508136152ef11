// DeliveryWorker counts into its sink's metrics: transactions, changes, bytes, retries,
// commit time; a fatal error marks the sink stopped.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <thread>

#include "core/metrics/metrics.h"
#include "core/pipeline/delivery_worker.h"
#include "core/pipeline/transaction_builder.h"
#include "core/plugin_host/sink_handle.h"
#include "core/spool/journal.h"
#include "tests/unit/core/message_builders.h"
#include "tests/unit/metrics/fake_sink.h"

namespace walrelay {
namespace {

using namespace testmsg;
namespace fs = std::filesystem;

std::string temp_dir(const char *name) {
  const std::string d =
      fs::temp_directory_path().string() + "/wr-metrics-" + name + "-" + std::to_string(::getpid());
  fs::remove_all(d);
  return d;
}

// Spools `n` transactions of `rows` inserts each; returns the last end LSN.
uint64_t spool_txns(spool::Journal &j, TransactionPool &pool, int n, int rows) {
  TransactionBuilder b(pool);
  uint64_t lsn = 0x1000, end = 0;
  b.next(relation(7, {"id", "v"}), lsn);
  for (int t = 0; t < n; ++t, lsn += 0x1000) {
    b.next(begin(100 + t, lsn + 0x100), lsn + 1);
    for (int i = 0; i < rows; ++i)
      b.next(insert(7, {{'t', std::to_string(i)}, {'t', "value"}}), lsn + 2 + i);
    auto f = b.next(commit(lsn + 0x100, lsn + 0x110), lsn + 0x60);
    EXPECT_TRUE(f.has_value());
    j.append_txn(*f->txn);
    end = lsn + 0x110;
    pool.put(std::move(f->txn));
  }
  j.commit();
  j.wait_durable();
  return end;
}

struct Rig {
  const std::string dir;
  spool::Journal journal;
  TransactionPool pool;
  LoadedPlugin plugin;
  SinkConfig config;
  metrics::Metrics registry;
  std::unique_ptr<SinkHandle> sink;
  StopSignal stop;
  PipelineConfig pipeline;

  explicit Rig(const char *name) : dir(temp_dir(name)), journal({dir}, 1) {
    fakesink::reset();
    fakesink::make_plugin(plugin);
    config.name = "s1";
    sink = std::make_unique<SinkHandle>(plugin, config);
    sink->attach_metrics(*registry.register_sink("s1"));
    EXPECT_TRUE(sink->create().ok());
    EXPECT_TRUE(sink->load_position().ok());
  }
  ~Rig() { fs::remove_all(dir); }

  // Runs the worker until it holds `end` (or 20 s pass), then stops it.
  void deliver_until(DeliveryWorker &w, uint64_t end) {
    std::thread t([&] { w.run(); });
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (w.position() < end && w.error().empty() && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    stop.request_and_notify();
    journal.close();
    t.join();
  }
};

TEST(DeliveryMetrics, CountsTransactionsChangesBytesAndRetries) {
  Rig r("counts");
  const uint64_t end = spool_txns(r.journal, r.pool, 3, 4);
  fakesink::g_retries_left = 1;  // the first apply answers retry once
  DeliveryWorker w(r.journal, 0, *r.sink, r.pool, r.pipeline, r.stop, 0);
  r.deliver_until(w, end);
  ASSERT_EQ(w.error(), "");
  const metrics::SinkMetrics &m = *r.registry.register_sink("s1");
  EXPECT_EQ(m.txns.value(), 3u);
  EXPECT_EQ(m.changes.value(), 12u);
  EXPECT_EQ(w.txns_applied(), 3u);
  EXPECT_EQ(w.changes_applied(), 12u);
  // Each transaction's record holds at least its 4 rows of "value" text.
  EXPECT_GT(m.bytes.value(), 3u * 4u * 5u);
  EXPECT_EQ(m.retries.value(), 1u);
  EXPECT_EQ(m.errors.value(), 1u);
  EXPECT_TRUE(m.up());
  EXPECT_EQ(m.applied_lsn.value(), end);
  // commit() messages carry 1 s after PostgreSQL's epoch (2000-01-01).
  EXPECT_DOUBLE_EQ(m.applied_commit_time.value(), 946684801.0);
  uint64_t applies = 0;
  for (size_t i = 0; i <= metrics::Histogram::kBoundsNs.size(); ++i)
    applies += m.apply_seconds.bucket(i);
  EXPECT_GE(applies, 2u);  // the refused one and at least one that succeeded
  EXPECT_TRUE(r.registry.readiness().reason.find("sink s1") == std::string::npos);
}

TEST(DeliveryMetrics, FatalApplyMarksTheSinkStopped) {
  Rig r("fatal");
  const uint64_t end = spool_txns(r.journal, r.pool, 2, 1);
  fakesink::g_apply = WR_FATAL;
  DeliveryWorker w(r.journal, 0, *r.sink, r.pool, r.pipeline, r.stop, 0);
  r.deliver_until(w, end);
  EXPECT_NE(w.error(), "");
  const metrics::SinkMetrics &m = *r.registry.register_sink("s1");
  EXPECT_EQ(m.get_state(), metrics::SinkState::kStopped);
  EXPECT_EQ(m.txns.value(), 0u);
  EXPECT_EQ(m.errors.value(), 1u);
  EXPECT_EQ(m.retries.value(), 0u);
  r.registry.source.streaming.set(1);
  EXPECT_EQ(r.registry.readiness().reason, "sink s1: delivery stopped after a fatal error\n");
}

}  // namespace
}  // namespace walrelay

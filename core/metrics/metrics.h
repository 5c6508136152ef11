// Process-wide metrics registry: counters and gauges that hot paths update lock-free, and
// their rendering in the Prometheus text exposition format (version 0.0.4).
//
// Updating a metric is one relaxed atomic operation: no allocation, no lock, no formatting.
// Registering a sink or table (rare: at start-up) takes the registry mutex and returns a
// pointer to a struct of atomics with a stable address that the caller keeps. Rendering
// walks the registry under the same mutex. See docs/METRICS.md for every metric.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace walrelay::metrics {

/// Monotonic counter (Prometheus type `counter`).
class Counter {
 public:
  /// Adds `n`. Lock-free, any thread.
  void add(uint64_t n = 1) noexcept { v_.fetch_add(n, std::memory_order_relaxed); }
  /// Current value. Any thread.
  uint64_t value() const noexcept { return v_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> v_{0};
};

/// Unsigned integer gauge (bytes, LSNs, counts, 0/1 flags). Rendered as an exact integer.
class IntGauge {
 public:
  /// Sets the value. Lock-free, any thread.
  void set(uint64_t v) noexcept { v_.store(v, std::memory_order_relaxed); }
  /// Adds `n` (use for "done" counts that can also be set). Lock-free, any thread.
  void add(uint64_t n = 1) noexcept { v_.fetch_add(n, std::memory_order_relaxed); }
  /// Current value. Any thread.
  uint64_t value() const noexcept { return v_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> v_{0};
};

/// Floating-point gauge (seconds).
class Gauge {
 public:
  /// Sets the value. Lock-free on every platform walrelay builds on, any thread.
  void set(double v) noexcept { v_.store(v, std::memory_order_relaxed); }
  /// Current value. Any thread.
  double value() const noexcept { return v_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> v_{0.0};
};

/// Duration histogram with fixed buckets (seconds, Prometheus type `histogram`). Stores
/// per-bucket counts and the sum in nanoseconds; cumulative counts are made when rendering.
class Histogram {
 public:
  /// Upper bounds of the buckets in nanoseconds (the last bucket, +Inf, is implicit).
  static constexpr std::array<uint64_t, 14> kBoundsNs{
      500'000,       1'000'000,     2'500'000,      5'000'000,      10'000'000,
      25'000'000,    50'000'000,    100'000'000,    250'000'000,    500'000'000,
      1'000'000'000, 5'000'000'000, 30'000'000'000, 120'000'000'000};
  /// The same bounds as rendered in the `le` label (seconds).
  static constexpr std::array<const char *, 14> kBoundLabels{
      "0.0005", "0.001", "0.0025", "0.005", "0.01", "0.025", "0.05",
      "0.1",    "0.25",  "0.5",    "1",     "5",    "30",    "120"};

  /// Records one duration (negative durations count as 0). Lock-free, any thread.
  void observe(std::chrono::nanoseconds d) noexcept;
  /// Observations in bucket `i` alone (not cumulative); i == kBoundsNs.size() is the
  /// bucket above the last bound.
  uint64_t bucket(size_t i) const noexcept { return buckets_[i].load(std::memory_order_relaxed); }
  /// Sum of all observations, nanoseconds.
  uint64_t sum_ns() const noexcept { return sum_ns_.load(std::memory_order_relaxed); }

 private:
  std::array<std::atomic<uint64_t>, kBoundsNs.size() + 1> buckets_{};
  std::atomic<uint64_t> sum_ns_{0};
};

/// What a sink last did, for walrelay_sink_up and /readyz.
enum class SinkState : uint8_t {
  kStarting,     ///< registered; create()/load_position() not answered yet
  kUp,           ///< the last apply() (or, before any, load_position()) succeeded
  kSetupFailed,  ///< create() or load_position() failed before any apply()
  kApplyFailed,  ///< the last apply() failed (retry or fatal)
  kStopped,      ///< delivery to the sink stopped after a fatal error
};

/// Short text for a state ("last apply failed", ...), used in /readyz reasons.
const char *sink_state_text(SinkState s);

/// Metrics of one sink. Updated by its SinkHandle (state, applied LSN, errors, apply
/// durations) and its DeliveryWorker (transactions, changes, bytes, retries).
struct SinkMetrics {
  Counter txns;               ///< whole source transactions applied
  Counter changes;            ///< changes (rows, truncates, messages) of those transactions
  Counter bytes;              ///< spool record bytes of those transactions (docs/METRICS.md)
  Counter retries;            ///< sink calls repeated after WR_RETRY
  Counter errors;             ///< sink calls that returned a status other than WR_OK
  IntGauge applied_lsn;       ///< end LSN the sink holds durably (0: none)
  Gauge applied_commit_time;  ///< commit time (Unix seconds) of the last applied transaction
  Histogram apply_seconds;    ///< duration of every apply() call
  std::atomic<SinkState> state{SinkState::kStarting};

  /// Sets the state. Lock-free, any thread.
  void set_state(SinkState s) noexcept { state.store(s, std::memory_order_relaxed); }
  /// Current state. Any thread.
  SinkState get_state() const noexcept { return state.load(std::memory_order_relaxed); }
  /// True when the state is kUp.
  bool up() const noexcept { return get_state() == SinkState::kUp; }
};

/// Metrics of one table copied by the initial snapshot.
struct TableMetrics {
  Counter rows;  ///< rows copied so far
};

/// Metrics of the replication source (set by the source / daemon).
struct SourceMetrics {
  IntGauge lag_bytes;      ///< server WAL position minus the confirmed flush position; see
                           ///< Metrics::set_source_lag()
  Gauge lag_seconds;       ///< seconds behind; see Metrics::set_source_lag()
  Counter received_bytes;  ///< bytes of replication messages (XLogData payload) received
  IntGauge streaming;      ///< 1 while the replication stream is open, else 0
  Counter reconnects;      ///< reconnections after a lost connection
};

/// Progress of the initial snapshot.
struct SnapshotMetrics {
  IntGauge running;         ///< 1 while the snapshot copies, else 0
  IntGauge chunks_done;     ///< chunks copied
  IntGauge chunks_planned;  ///< chunks to copy in all (known once planned)
};

/// Whether the process is ready (/readyz) and, if not, why.
struct Readiness {
  bool ready = false;
  /// One line per thing not ready ("source: not streaming", "sink s1: last apply failed");
  /// empty when ready.
  std::string reason;
};

/// The registry. One per process (process_metrics()); tests make their own.
class Metrics {
 public:
  Metrics() = default;
  Metrics(const Metrics &) = delete;
  Metrics &operator=(const Metrics &) = delete;

  /// Returns the metrics of sink `name`, registering it on first use (a second call with
  /// the same name returns the same struct). The pointer stays valid for the registry's
  /// life; the caller keeps it and updates it without locking. Takes the registry mutex.
  SinkMetrics *register_sink(std::string_view name);
  /// Returns the snapshot metrics of table `name` (e.g. "public.orders"), registering it on
  /// first use; same lifetime rules as register_sink().
  TableMetrics *register_table(std::string_view name);

  SourceMetrics source;
  SnapshotMetrics snapshot;
  IntGauge spool_bytes;  ///< bytes of spool files on disk not yet consumed by every sink

  /// Sets source.lag_bytes and source.lag_seconds (call at each status update, not per
  /// message: takes the mutex). `server_lsn`: the highest WAL position the server reported;
  /// `confirmed_lsn`: the flush position confirmed to it. lag_bytes = server_lsn -
  /// confirmed_lsn (0 when not ahead). lag_seconds = 0 when lag_bytes is 0, else
  /// `now_unix_seconds` minus the oldest applied_commit_time among registered sinks whose
  /// applied_lsn is below server_lsn (0 when none of them has applied a transaction yet).
  void set_source_lag(uint64_t server_lsn, uint64_t confirmed_lsn, double now_unix_seconds);

  /// The whole registry in the Prometheus text exposition format 0.0.4 (every family with
  /// `# HELP` and `# TYPE`, sinks and tables in registration order). Takes the mutex.
  std::string render() const;
  /// Ready when the source is streaming and every registered sink is up. Takes the mutex.
  Readiness readiness() const;

 private:
  mutable std::mutex mu_;
  std::vector<std::pair<std::string, std::unique_ptr<SinkMetrics>>> sinks_;
  std::vector<std::pair<std::string, std::unique_ptr<TableMetrics>>> tables_;
};

/// The process-wide registry (constructed on first use, never destroyed before exit).
Metrics &process_metrics();

/// `v` escaped for a label value: backslash, double quote and newline become \\, \" and \n.
std::string escape_label_value(std::string_view v);

/// The Prometheus text form of `v`: shortest round-trip decimal, "NaN", "+Inf", "-Inf".
std::string format_double(double v);

/// Content type of render()'s output.
inline constexpr const char *kContentType = "text/plain; version=0.0.4; charset=utf-8";

}  // namespace walrelay::metrics

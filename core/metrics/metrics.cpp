// Metrics registry and Prometheus text rendering.
#include "core/metrics/metrics.h"

#include <charconv>
#include <cmath>

namespace walrelay::metrics {

// Updates must never take a lock.
static_assert(std::atomic<uint64_t>::is_always_lock_free);
static_assert(std::atomic<double>::is_always_lock_free);
static_assert(std::atomic<SinkState>::is_always_lock_free);

namespace {

// Appends "# HELP name help\n# TYPE name type\n". HELP text escapes backslash and newline.
void family(std::string &out, const char *name, const char *type, std::string_view help) {
  out += "# HELP ";
  out += name;
  out += ' ';
  for (char c : help) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  out += "\n# TYPE ";
  out += name;
  out += ' ';
  out += type;
  out += '\n';
}

// Appends `name{label="value"[,le="bound"]} ` (no braces without a label).
void sample_start(std::string &out, std::string_view name, const char *label,
                  std::string_view value, const char *le = nullptr) {
  out += name;
  if (label || le) {
    out += '{';
    if (label) {
      out += label;
      out += "=\"";
      out += escape_label_value(value);
      out += '"';
    }
    if (le) {
      if (label) out += ',';
      out += "le=\"";
      out += le;
      out += '"';
    }
    out += '}';
  }
  out += ' ';
}

void sample(std::string &out, std::string_view name, const char *label, std::string_view value,
            uint64_t v) {
  sample_start(out, name, label, value);
  out += std::to_string(v);
  out += '\n';
}

void sample(std::string &out, std::string_view name, const char *label, std::string_view value,
            double v) {
  sample_start(out, name, label, value);
  out += format_double(v);
  out += '\n';
}

}  // namespace

void Histogram::observe(std::chrono::nanoseconds d) noexcept {
  const uint64_t ns = d.count() > 0 ? static_cast<uint64_t>(d.count()) : 0;
  size_t i = 0;
  while (i < kBoundsNs.size() && ns > kBoundsNs[i]) ++i;
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  sum_ns_.fetch_add(ns, std::memory_order_relaxed);
}

const char *sink_state_text(SinkState s) {
  switch (s) {
    case SinkState::kStarting:
      return "not started yet";
    case SinkState::kUp:
      return "up";
    case SinkState::kSetupFailed:
      return "create or load_position failed";
    case SinkState::kApplyFailed:
      return "last apply failed";
    case SinkState::kStopped:
      return "delivery stopped after a fatal error";
  }
  return "unknown state";
}

SinkMetrics *Metrics::register_sink(std::string_view name) {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto &[n, m] : sinks_)
    if (n == name) return m.get();
  sinks_.emplace_back(std::string(name), std::make_unique<SinkMetrics>());
  return sinks_.back().second.get();
}

TableMetrics *Metrics::register_table(std::string_view name) {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto &[n, m] : tables_)
    if (n == name) return m.get();
  tables_.emplace_back(std::string(name), std::make_unique<TableMetrics>());
  return tables_.back().second.get();
}

std::string Metrics::render() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::string out;
  out.reserve(2048 + sinks_.size() * 2048 + tables_.size() * 128);

  // Per sink: one family at a time (the format wants a family's samples together).
  struct SinkCounter {
    const char *name, *help;
    const Counter SinkMetrics::*member;
  };
  static constexpr SinkCounter kSinkCounters[] = {
      {"walrelay_sink_transactions_total",
       "Source transactions applied by the sink and made durable there.", &SinkMetrics::txns},
      {"walrelay_sink_changes_total",
       "Changes (row inserts, updates, deletes, truncates, messages) of the applied "
       "transactions.",
       &SinkMetrics::changes},
      {"walrelay_sink_bytes_total",
       "Bytes of the applied transactions' spool records (walrelay's encoded form of their "
       "changes, uncompressed).",
       &SinkMetrics::bytes},
      {"walrelay_sink_retries_total", "Sink calls repeated after the sink answered retry.",
       &SinkMetrics::retries},
      {"walrelay_sink_errors_total",
       "Sink calls (create, load_position, apply) that returned an error status (retry or "
       "fatal).",
       &SinkMetrics::errors},
  };
  for (const auto &c : kSinkCounters) {
    family(out, c.name, "counter", c.help);
    for (const auto &[n, m] : sinks_) sample(out, c.name, "sink", n, ((*m).*(c.member)).value());
  }
  family(out, "walrelay_sink_applied_lsn", "gauge",
         "End LSN (as a number) of the last transaction the sink holds durably; 0: none.");
  for (const auto &[n, m] : sinks_)
    sample(out, "walrelay_sink_applied_lsn", "sink", n, m->applied_lsn.value());
  family(out, "walrelay_sink_applied_commit_timestamp_seconds", "gauge",
         "Commit time (Unix seconds) of the last transaction the sink applied; 0: none yet.");
  for (const auto &[n, m] : sinks_)
    sample(out, "walrelay_sink_applied_commit_timestamp_seconds", "sink", n,
           m->applied_commit_time.value());
  family(out, "walrelay_sink_up", "gauge",
         "1 when the sink's last apply (before any apply: its set-up) succeeded, else 0.");
  for (const auto &[n, m] : sinks_)
    sample(out, "walrelay_sink_up", "sink", n, uint64_t{m->up() ? 1u : 0u});
  family(out, "walrelay_sink_apply_duration_seconds", "histogram",
         "Duration of the sink's apply calls (one per batch or piece), successful or not.");
  for (const auto &[n, m] : sinks_) {
    const Histogram &h = m->apply_seconds;
    uint64_t cumulative = 0;
    for (size_t i = 0; i < Histogram::kBoundsNs.size(); ++i) {
      cumulative += h.bucket(i);
      sample_start(out, "walrelay_sink_apply_duration_seconds_bucket", "sink", n,
                   Histogram::kBoundLabels[i]);
      out += std::to_string(cumulative);
      out += '\n';
    }
    cumulative += h.bucket(Histogram::kBoundsNs.size());
    sample_start(out, "walrelay_sink_apply_duration_seconds_bucket", "sink", n, "+Inf");
    out += std::to_string(cumulative);
    out += '\n';
    sample(out, "walrelay_sink_apply_duration_seconds_sum", "sink", n,
           static_cast<double>(h.sum_ns()) / 1e9);
    // The count is the +Inf bucket, so the two agree even while observations race.
    sample(out, "walrelay_sink_apply_duration_seconds_count", "sink", n, cumulative);
  }

  family(
      out, "walrelay_source_lag_bytes", "gauge",
      "Bytes of WAL between the server's latest position and the flush position confirmed to it.");
  sample(out, "walrelay_source_lag_bytes", nullptr, {}, source.lag_bytes.value());
  family(out, "walrelay_source_lag_seconds", "gauge",
         "Seconds between now and the last applied commit of the sinks still behind; 0 when caught "
         "up.");
  sample(out, "walrelay_source_lag_seconds", nullptr, {}, source.lag_seconds.value());
  family(out, "walrelay_source_received_bytes_total", "counter",
         "Bytes of WAL data (pgoutput messages) received from the replication slot.");
  sample(out, "walrelay_source_received_bytes_total", nullptr, {}, source.received_bytes.value());
  family(out, "walrelay_source_streaming", "gauge",
         "1 while the replication stream is open and streaming, else 0.");
  sample(out, "walrelay_source_streaming", nullptr, {}, source.streaming.value());
  family(out, "walrelay_source_reconnects_total", "counter",
         "Reconnections to the source after a lost replication connection.");
  sample(out, "walrelay_source_reconnects_total", nullptr, {}, source.reconnects.value());

  family(out, "walrelay_spool_bytes", "gauge",
         "Bytes of spool files on disk that not every sink has consumed yet.");
  sample(out, "walrelay_spool_bytes", nullptr, {}, spool_bytes.value());

  family(out, "walrelay_snapshot_running", "gauge", "1 while the initial snapshot copies.");
  sample(out, "walrelay_snapshot_running", nullptr, {}, snapshot.running.value());
  family(out, "walrelay_snapshot_chunks_done", "gauge", "Snapshot chunks copied so far.");
  sample(out, "walrelay_snapshot_chunks_done", nullptr, {}, snapshot.chunks_done.value());
  family(out, "walrelay_snapshot_chunks_planned", "gauge",
         "Snapshot chunks to copy in all (0 until the snapshot is planned).");
  sample(out, "walrelay_snapshot_chunks_planned", nullptr, {}, snapshot.chunks_planned.value());
  family(out, "walrelay_snapshot_rows_copied_total", "counter",
         "Rows copied by the initial snapshot, per source table.");
  for (const auto &[n, m] : tables_)
    sample(out, "walrelay_snapshot_rows_copied_total", "table", n, m->rows.value());
  return out;
}

void Metrics::set_source_lag(uint64_t server_lsn, uint64_t confirmed_lsn, double now_unix_seconds) {
  std::lock_guard<std::mutex> lock(mu_);
  const uint64_t bytes = server_lsn > confirmed_lsn ? server_lsn - confirmed_lsn : 0;
  double oldest = 0;
  if (bytes > 0)
    for (const auto &[n, m] : sinks_) {
      const double t = m->applied_commit_time.value();
      if (m->applied_lsn.value() < server_lsn && t > 0 && (oldest == 0 || t < oldest)) oldest = t;
    }
  source.lag_bytes.set(bytes);
  source.lag_seconds.set(oldest > 0 && now_unix_seconds > oldest ? now_unix_seconds - oldest : 0);
}

Readiness Metrics::readiness() const {
  std::lock_guard<std::mutex> lock(mu_);
  Readiness r;
  if (source.streaming.value() == 0) r.reason += "source: not streaming\n";
  for (const auto &[n, m] : sinks_) {
    const SinkState s = m->get_state();
    if (s == SinkState::kUp) continue;
    r.reason += "sink ";
    r.reason += n;
    r.reason += ": ";
    r.reason += sink_state_text(s);
    r.reason += '\n';
  }
  r.ready = r.reason.empty();
  return r;
}

Metrics &process_metrics() {
  // Leaked on purpose: threads may still update it while static destructors run.
  static Metrics *m = new Metrics;
  return *m;
}

std::string escape_label_value(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '"')
      out += "\\\"";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

std::string format_double(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof(buf), v);
  return std::string(buf, r.ptr);
}

}  // namespace walrelay::metrics

// One configured sink instance: calls through the plugin's vtable and captures errors.
#pragma once

#include <walrelay/sink.h>

#include <memory>
#include <string>
#include <vector>

#include "core/config/config.h"
#include "core/metrics/metrics.h"
#include "core/plugin_host/host_api.h"
#include "core/plugin_host/plugin_loader.h"

namespace walrelay {

/// Status plus the message the plugin set (with the sink name prefixed by the caller).
struct SinkResult {
  wr_status status = WR_OK;
  std::string message;
  bool ok() const { return status == WR_OK; }
};

/// Human-readable name of a status ("retry", "fatal", ...).
const char *status_name(wr_status s);

/// Owns one wr_sink instance. Calls are serialized by the caller (one delivery worker).
class SinkHandle {
 public:
  SinkHandle(const LoadedPlugin &plugin, const SinkConfig &config);
  ~SinkHandle();
  SinkHandle(const SinkHandle &) = delete;
  SinkHandle &operator=(const SinkHandle &) = delete;

  /// Calls create() with the flattened options. Failure: metrics state kSetupFailed and
  /// one error counted.
  SinkResult create();
  /// Calls load_position(); on success stores it in position() and in the metrics'
  /// applied LSN (and the state becomes kUp unless an apply() failed last). Failure: one
  /// error counted; before any apply() the state becomes kSetupFailed.
  SinkResult load_position();
  /// Calls apply(); on success position() becomes batch.end_lsn (unless the batch is a
  /// piece flagged WR_BATCH_TXN_CONTINUES). Records the call's duration in the metrics'
  /// histogram; sets the state to kUp (success) or kApplyFailed and counts an error.
  SinkResult apply(const wr_batch &batch);

  /// Makes this handle (and its delivery worker) update `m` (usually
  /// `process_metrics().register_sink(name())`) instead of the handle's own unregistered
  /// metrics. Call before create() and before any thread uses the handle; `m` must outlive
  /// the handle. Resets nothing in `m`.
  void attach_metrics(metrics::SinkMetrics &m) { metrics_ = &m; }
  /// The metrics this handle updates (its own until attach_metrics()). Never null.
  metrics::SinkMetrics &metrics() { return *metrics_; }
  /// Read-only view of metrics().
  const metrics::SinkMetrics &metrics() const { return *metrics_; }

  const std::string &name() const { return hs_.name; }
  const LoadedPlugin &plugin() const { return plugin_; }
  wr_lsn position() const { return position_; }
  bool has_capability(uint64_t cap) const { return (plugin_.info->capabilities & cap) != 0; }

 private:
  SinkResult result(wr_status st, const char *call);

  const LoadedPlugin &plugin_;
  SinkConfig config_;
  wr_host_sink hs_;
  wr_sink *sink_ = nullptr;
  wr_lsn position_ = WR_LSN_INVALID;
  bool applied_once_ = false;         // an apply() has been called
  metrics::SinkMetrics own_metrics_;  // used until attach_metrics()
  metrics::SinkMetrics *metrics_ = &own_metrics_;
};

}  // namespace walrelay

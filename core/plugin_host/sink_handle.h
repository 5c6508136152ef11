// One configured sink instance: calls through the plugin's vtable and captures errors.
#pragma once

#include <walrelay/sink.h>

#include <memory>
#include <string>
#include <vector>

#include "core/config/config.h"
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

  /// Calls create() with the flattened options.
  SinkResult create();
  /// Calls load_position(); on success stores it in position().
  SinkResult load_position();
  /// Calls apply(); on success position() becomes batch.end_lsn (unless the batch is a
  /// piece flagged WR_BATCH_TXN_CONTINUES).
  SinkResult apply(const wr_batch &batch);

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
};

}  // namespace walrelay

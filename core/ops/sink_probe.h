// Loads each configured sink's plugin and opens the sink the way `walrelay run` does
// (create() then load_position()), once, without retrying: for `check` and `status`.
#pragma once

#include <walrelay/sink.h>

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/config/config.h"
#include "core/plugin_host/plugin_loader.h"

namespace walrelay::ops {

/// What probing one sink found.
struct SinkProbe {
  std::string name;                   ///< sinks[].name
  std::string where;                  ///< where the sink entry is in the config file
  std::filesystem::path plugin_path;  ///< resolved plugin file
  bool plugin_ok = false;             ///< the plugin loaded and its ABI was accepted
  std::string plugin_text;            ///< "<name> <version>, ABI <n>" when plugin_ok
  uint64_t capabilities = 0;          ///< WR_CAP_* bits when plugin_ok
  bool reachable = false;             ///< create() and load_position() returned WR_OK
  std::string error;                  ///< why not, when !plugin_ok or !reachable
  wr_lsn position = WR_LSN_INVALID;   ///< applied position (when reachable)
};

/// Probes sinks. Keeps every plugin it loaded loaded until it is destroyed (sink
/// instances are destroyed before that, inside probe()). Main thread only.
class SinkProber {
 public:
  /// `plugin_dir`: the config's plugin_dir, or app::default_plugin_dir() when empty;
  /// `check_permissions`: the config's plugin_check_permissions.
  explicit SinkProber(std::string plugin_dir, bool check_permissions = true);
  /// Loads the sink's plugin (once per file), creates the instance, reads its position,
  /// destroys the instance. Never throws for plugin or sink failures (they land in
  /// SinkProbe::error).
  SinkProbe probe(const SinkConfig &sink);
  /// The directory plugin names are resolved in.
  const std::string &plugin_dir() const { return plugin_dir_; }

 private:
  std::string plugin_dir_;
  bool check_permissions_;
  std::map<std::filesystem::path, std::unique_ptr<LoadedPlugin>> plugins_;
  std::map<std::filesystem::path, std::string> refused_;
};

}  // namespace walrelay::ops

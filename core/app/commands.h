// The walrelay subcommands, callable from main() and from tests.
#pragma once

#include <string>

namespace walrelay::app {

/// Exit codes: 0 clean stop, 1 runtime failure (source or sink), 2 configuration or plugin
/// problem found at start-up.
inline constexpr int kExitOk = 0;
inline constexpr int kExitRuntime = 1;
inline constexpr int kExitConfig = 2;

/// Sets up spdlog on stderr at `level` (trace|debug|info|warn|error).
void setup_logging(const std::string &level);

/// Options of `walrelay run`.
struct RunOptions {
  std::string config_path;
  std::string log_level;  ///< overrides the config when non-empty
  std::string start_lsn;  ///< "X/Y": start there instead of the sinks' positions
  std::string stop_lsn;   ///< "X/Y": stop once everything committed up to it is applied
};

/// `walrelay run -c FILE`: replicate until SIGINT/SIGTERM (or --stop-lsn is reached).
int run_command(const RunOptions &options);

/// `walrelay plugins [-c FILE] [--plugin-dir DIR]`: lists every plugin found (name, version,
/// ABI version, capabilities, options, path) and every file refused, with the reason.
int plugins_command(const std::string &config_path, const std::string &plugin_dir);

/// The plugin dir used when the config names none: <exe>/../plugins if it exists (build
/// tree), else <exe>/../lib/walrelay/plugins (installed).
std::string default_plugin_dir();

}  // namespace walrelay::app

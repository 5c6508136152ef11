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

/// `walrelay check -c FILE`: checks every prerequisite of `walrelay run` (server
/// settings, role, replication connection, publications and their tables' replica
/// identity, slot, sinks, spool dir) and prints one "✔ ..." or "✘ ..." line per check,
/// each ✘ followed by "  fix: ..." lines (stdout; the conninfo only redacted). Returns
/// kExitOk when every check passed, kExitRuntime when any failed, kExitConfig when the
/// config cannot be loaded. Implemented in core/ops/check_command.cpp.
int check_command(const std::string &config_path);

/// `walrelay init -c FILE`: creates the publication(s) of source.publication when missing
/// and source.create_publication is on (FOR TABLE source.publication_tables, or FOR ALL
/// TABLES), then the logical pgoutput slot source.slot. Idempotent: existing objects are
/// reported "exists". Exit codes as check_command. core/ops/init_command.cpp.
int init_command(const std::string &config_path);

/// Options of `walrelay teardown`.
struct TeardownOptions {
  std::string config_path;
  bool yes = false;               ///< --yes: do not ask
  bool drop_publication = false;  ///< --drop-publication: drop source.publication too
};

/// `walrelay teardown -c FILE [--yes] [--drop-publication]`: drops the slot (and the
/// publications), after asking on a terminal unless --yes. Refuses (kExitRuntime) while
/// the slot is active, naming the pid; refuses (kExitConfig) without --yes when stdin is
/// not a terminal. Leaves the spool and the sinks alone. core/ops/teardown_command.cpp.
int teardown_command(const TeardownOptions &options);

/// `walrelay status -c FILE`: the slot's lag (bytes) and retained WAL, each sink's applied
/// LSN (load_position), the spool's size and the time lag (age of the oldest spooled
/// transaction the slowest sink has not applied). Read-only; works with or without a
/// running daemon (never takes the spool's LOCK). Exit codes as check_command.
/// core/ops/status_command.cpp.
int status_command(const std::string &config_path);

/// The plugin dir used when the config names none: <exe>/../plugins if it exists (build
/// tree), else <exe>/../lib/walrelay/plugins (installed).
std::string default_plugin_dir();

}  // namespace walrelay::app

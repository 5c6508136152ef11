// Driving the walrelay binary: its YAML config, the process, and checks of what it wrote.
#ifndef WALRELAY_TESTS_SUPPORT_RELAY_H
#define WALRELAY_TESTS_SUPPORT_RELAY_H

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "tests/support/pg_cluster.h"
#include "tests/support/process.h"
#include "tests/support/rows.h"

namespace walrelay::test {

/// Paths baked in by tests/CMakeLists.txt.
std::string WalrelayBin();                           ///< the walrelay executable
std::string SqlitePluginDir();                       ///< dir holding walrelay-sink-sqlite.so
std::string FixturePlugin(const std::string &name);  ///< <fixture dir>/<name>.so

using KeyValues = std::vector<std::pair<std::string, std::string>>;

/// One entry of `sinks:`.
struct SinkSpec {
  std::string name;
  std::string plugin;  ///< plugin name in plugin_dir ("sqlite") or a path to a .so
  KeyValues options;   ///< written under options:, in order
};

/// What WriteRelayConfig writes (see config/walrelay.example.yaml).
struct RelayConfig {
  std::string log_level = "info";
  std::string plugin_dir = SqlitePluginDir();
  std::string conninfo;
  std::string slot = "walrelay";
  std::string publication = "walrelay_pub";
  bool create_slot = false;
  int status_interval_ms = 1000;
  KeyValues source;    ///< further source: keys, e.g. {{"two_phase", "true"}}
  KeyValues pipeline;  ///< e.g. {{"batch_max_txns", "2"}}; section omitted when empty
  KeyValues spool;     ///< e.g. {{"spill_bytes", "65536"}}; section omitted when empty
  std::string http_listen;  ///< http.listen ("" = no metrics endpoint, the tests' default)
  std::vector<SinkSpec> sinks;
};

/// A config with one SQLite sink named `sink_name` writing `sqlite_path`.
RelayConfig SqliteRelayConfig(const PgCluster &cluster, const std::string &slot,
                              const std::string &publication, const std::string &sqlite_path,
                              const std::string &sink_name = "replica");

/// The YAML text of a config (values quoted as YAML double-quoted scalars unless they are
/// plain integers or booleans).
std::string RenderRelayConfig(const RelayConfig &config);
/// Writes RenderRelayConfig(config) to `path` and returns `path`.
std::string WriteRelayConfig(const std::string &path, const RelayConfig &config);

/// A walrelay process running `walrelay run -c <config>`, restartable; every run appends
/// to the same log file, each run preceded by a marker line.
class Walrelay {
 public:
  /// `binary` defaults to WalrelayBin(); it is run as `<binary> run -c <config_path>`.
  Walrelay(std::string config_path, std::string log_path, std::string binary = WalrelayBin());
  ~Walrelay() = default;

  /// Starts `walrelay run -c config` (the previous run must have ended).
  void Start();
  /// SIGTERM, then waits up to `timeout` for exit; returns the status (nullopt on timeout,
  /// then the process is still running).
  std::optional<int> Stop(std::chrono::milliseconds timeout = std::chrono::seconds(60));
  /// SIGKILL and reap.
  std::optional<int> Kill();
  bool Running();
  /// Exit status of the last run once it ended.
  std::optional<int> ExitStatus();
  Process *process() { return proc_.get(); }
  const std::string &log_path() const { return log_path_; }
  const std::string &config_path() const { return config_path_; }
  int starts() const { return starts_; }
  /// Last lines of the log, for failure messages.
  std::string LogTail(size_t lines = 60) const;

 private:
  std::string config_path_;
  std::string log_path_;
  std::string binary_;
  std::unique_ptr<Process> proc_;
  int starts_ = 0;
};

/// One table compared between PostgreSQL and SQLite: both queries must produce the same
/// columns in the same canonical text and the same order.
struct TableCheck {
  std::string name;
  std::string pg_sql;
  std::string sqlite_sql;
};

/// Runs every check once. Fails with the first differences of every differing table
/// (or the SQLite error, e.g. a table that does not exist yet).
::testing::AssertionResult CompareTables(PgCluster &cluster, const std::string &sqlite_path,
                                         const std::vector<TableCheck> &checks);

/// Polls CompareTables until it succeeds (-> success) or `timeout` passes (-> the last
/// failure). When `relay` is given and its process ends, fails at once with its status
/// and log tail.
::testing::AssertionResult WaitUntilSame(PgCluster &cluster, const std::string &sqlite_path,
                                         const std::vector<TableCheck> &checks,
                                         std::chrono::milliseconds timeout,
                                         Walrelay *relay = nullptr);

/// The SQLite sink's checkpoint row (table walrelay_checkpoint) for `sink`.
struct SqliteCheckpoint {
  uint64_t end_lsn = 0;
  std::string end_lsn_text;
};
std::optional<SqliteCheckpoint> ReadSqliteCheckpoint(const std::string &sqlite_path,
                                                     const std::string &sink = "replica");

/// Published changes still waiting in `slot` (pg_logical_slot_peek_binary_changes with
/// pgoutput; the slot must be inactive). Counts messages, BEGIN/COMMIT included.
long long PendingSlotMessages(PgCluster &cluster, const std::string &slot,
                              const std::string &publication);

/// Waits until nobody streams from `slot` (active = false).
bool WaitSlotInactive(PgCluster &cluster, const std::string &slot,
                      std::chrono::milliseconds timeout = std::chrono::seconds(30));

/// What the slow_sink fixture plugin recorded as applied ("<end_lsn> <n_changes>" lines).
struct SlowSinkApplied {
  uint64_t last_lsn = 0;  ///< end LSN of the last recorded batch (0: none)
  long long batches = 0;
  long long changes = 0;
};
/// Reads the fixture's file (complete lines only).
SlowSinkApplied ReadSlowSinkApplied(const std::string &path);

}  // namespace walrelay::test

#endif  // WALRELAY_TESTS_SUPPORT_RELAY_H

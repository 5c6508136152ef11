// walrelay configuration model and its YAML loader (documented key by key in docs/CONFIG.md).
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>
#include <vector>

namespace walrelay {

/// A configuration error; what() starts with "file:line:column: " when a place is known.
class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// pgoutput `streaming` option: off, on (protocol 2+), parallel (protocol 4, PG 16+).
enum class StreamingMode { kOff, kOn, kParallel };

struct SourceConfig {
  std::string conninfo;            ///< libpq connection string (without replication=)
  std::string slot;                ///< logical replication slot name
  std::string publication;         ///< publication name(s), comma-separated
  bool create_slot = true;         ///< create the slot when missing
  int status_interval_ms = 10000;  ///< standby status update interval
  /// pgoutput proto_version 1-4; 0 = the highest the server supports (PG 14: 2, 15: 3,
  /// 16+: 4).
  int proto_version = 0;
  StreamingMode streaming = StreamingMode::kOn;  ///< used when the protocol allows (2+)
  bool two_phase = false;         ///< decode prepared transactions at PREPARE (protocol 3+)
  bool messages = false;          ///< logical decoding messages (pg_logical_emit_message)
  bool binary = false;            ///< binary send format for values (every sink must accept it)
  std::string origin;             ///< "" (not sent), "any" or "none" (PG 16+)
  int heartbeat_interval_ms = 0;  ///< pg_logical_emit_message every N ms; 0 = off
  /// `walrelay init` creates the publication when it is missing (teardown may drop it).
  bool create_publication = false;
  /// Tables ("schema.table" or "table") of the publication `init` creates; empty = FOR ALL
  /// TABLES.
  std::vector<std::string> publication_tables;
};

/// snapshot.mode: copy the published tables' existing rows before streaming.
enum class SnapshotMode {
  kNever,        ///< stream only what is committed after the slot was created
  kInitial,      ///< on a new slot, copy every published table, then stream
  kInitialOnly,  ///< copy every published table, then stop (no slot kept)
};

struct SnapshotConfig {
  SnapshotMode mode = SnapshotMode::kNever;
  int workers = 4;                   ///< parallel COPY connections
  uint64_t chunk_bytes = 64u << 20;  ///< heap bytes per ctid-range chunk of a table
  int progress_interval_ms = 10000;  ///< log line interval without a TTY
};

/// http: the metrics and health endpoint.
struct HttpConfig {
  std::string listen = "127.0.0.1:9187";  ///< host:port; empty = no endpoint
};

struct PipelineConfig {
  size_t batch_max_txns = 2000;
  /// Memory of one delivery batch; a transaction above it reaches sinks that can take it
  /// in pieces (WR_CAP_PARTIAL_TXN) piece by piece.
  size_t batch_max_bytes = 16u << 20;
  /// Sinks declaring WR_CAP_EARLY_APPLY get a large transaction's pieces before its commit
  /// (core/pipeline/early_apply.cpp); false: every transaction reaches sinks at its commit.
  bool early_apply = true;
};

/// What the source confirms to PostgreSQL as flushed.
enum class AckMode {
  kApplied,  ///< the lowest position every sink holds durably (default)
  kSpooled,  ///< what the spool holds durably (sinks may then lag behind the slot)
};

/// spool.fsync
enum class SpoolFsync { kAlways, kBatch, kNever };

struct SpoolConfig {
  std::string dir;  ///< default: <config dir>/walrelay-spool-<slot>
  uint64_t segment_bytes = 64u << 20;
  bool compression = false;
  SpoolFsync fsync = SpoolFsync::kBatch;
  uint64_t max_bytes = 1ull << 30;  ///< unconsumed committed bytes before back-pressure
  uint64_t spill_bytes = 4u << 20;  ///< memory per transaction before it goes to disk
  int group_commit_ms = 0;  ///< fsync batch: at most one fdatasync per this many ms (0..1000)
  AckMode ack = AckMode::kApplied;
};

/// One `options:` entry, flattened ("a.b" for nested maps, "a.0" for sequence items).
struct SinkOption {
  std::string key;
  std::string value;
  std::string where;  ///< "file:line:column"
};

struct SinkConfig {
  std::string name;
  std::string plugin;  ///< plugin name in plugin_dir, or a path to a .so
  std::vector<SinkOption> options;
  std::string where;  ///< where the sink entry starts
};

struct Config {
  std::string path;
  std::string log_level = "info";
  std::string plugin_dir;
  /// Refuse plugin files/directories writable by group or others or owned by another user.
  bool plugin_check_permissions = true;
  SourceConfig source;
  PipelineConfig pipeline;
  SpoolConfig spool;
  SnapshotConfig snapshot;
  HttpConfig http;
  std::vector<SinkConfig> sinks;
};

/// Loads and validates a config file. Throws ConfigError naming file:line:column for
/// malformed YAML, unknown keys, wrong types, missing required keys and unset ${ENV}
/// variables.
Config load_config(const std::string &path);

/// Same, from a string (`name` stands for the file in messages).
Config parse_config(const std::string &text, const std::string &name);

/// Replaces ${NAME} with the environment variable NAME ("$${" stands for a literal "${").
/// Throws ConfigError mentioning `where` when a variable is unset or a brace is unclosed.
std::string interpolate_env(const std::string &value, const std::string &where);

}  // namespace walrelay

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

struct SourceConfig {
  std::string conninfo;       ///< libpq connection string (without replication=)
  std::string slot;           ///< logical replication slot name
  std::string publication;    ///< publication name(s), comma-separated
  bool create_slot = true;    ///< create the slot when missing
  int status_interval_ms = 10000;  ///< standby status update interval
  bool streaming = true;      ///< protocol v2 streaming of in-progress transactions (PG 14+)
};

struct PipelineConfig {
  size_t queue_max_bytes = 256u << 20;
  size_t queue_max_txns = 100000;
  size_t batch_max_txns = 10000;
  size_t batch_max_bytes = 64u << 20;
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
  std::string where;   ///< where the sink entry starts
};

struct Config {
  std::string path;
  std::string log_level = "info";
  std::string plugin_dir;
  SourceConfig source;
  PipelineConfig pipeline;
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

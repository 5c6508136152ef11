// The sink's options: the wr_option table and parsing into SinkOptions.
#pragma once

#include <walrelay/sink.hpp>

#include <string>

namespace walrelay::sqlite {

/// Options the plugin accepts (also used by the SDK adapter to reject unknown keys).
inline constexpr wr_option kOptions[] = {
    {"path", WR_OPT_STRING, 1, nullptr, "SQLite database file (created when missing)"},
    {"synchronous", WR_OPT_STRING, 0, "FULL",
     "PRAGMA synchronous: FULL (durable on power loss) or NORMAL"},
    {"busy_timeout_ms", WR_OPT_INT, 0, "5000",
     "how long to wait for a lock held by another connection before retrying the batch"},
    {"create_tables", WR_OPT_BOOL, 0, "true",
     "create missing destination tables and add missing columns"},
};

/// Parsed options.
struct SinkOptions {
  std::string path;
  std::string synchronous = "FULL";  ///< "FULL" or "NORMAL", upper case
  int busy_timeout_ms = 5000;
  bool create_tables = true;

  /// Parses and validates `config` (unknown keys are rejected by the SDK adapter before);
  /// throws sdk::invalid_config naming the key.
  static SinkOptions parse(const sdk::Config &config);
};

}  // namespace walrelay::sqlite

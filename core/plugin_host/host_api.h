// The host-services table (wr_host_api) given to every plugin, and per-sink host handles.
#pragma once

#include <walrelay/sink.h>

#include <string>

// The opaque wr_host_sink handle of sink.h, defined here: one per sink instance.
struct wr_host_sink {
  std::string name;        ///< configured sink name, used in log lines
  std::string last_error;  ///< message set by the plugin during its current call
};

namespace walrelay {

/// The process-wide host API (static storage; valid until exit). Its log() forwards to
/// spdlog, set_error() stores into the wr_host_sink (or a thread-local slot for NULL).
const wr_host_api *host_api();

/// Returns and clears the message a plugin set with set_error(NULL, ...) on this thread.
std::string take_entry_error();

}  // namespace walrelay

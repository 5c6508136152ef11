// Test helper: loads the Kafka sink plugin through the C ABI with a fake host.
#pragma once

#include <dlfcn.h>
#include <gtest/gtest.h>
#include <walrelay/sink.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace kafkatest {

/// Last message passed to set_error.
inline std::string g_last_error;
/// Set to true to see the plugin's (and librdkafka's) log lines on stderr.
inline std::atomic<bool> g_verbose{false};

inline void host_log(wr_host_sink *, wr_log_level level, const char *msg) {
  if (g_verbose || level >= WR_LOG_WARN) {
    std::fprintf(stderr, "[sink log %d] %s\n", static_cast<int>(level), msg);
  }
}
inline void host_set_error(wr_host_sink *, const char *msg) {
  g_last_error = msg ? msg : "";
  std::fprintf(stderr, "[sink error] %s\n", g_last_error.c_str());
}
inline int64_t host_now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

/// The fake host's services.
inline const wr_host_api *host_api() {
  static const wr_host_api api = {sizeof(wr_host_api), 1,           1, 0, "test", &host_log,
                                  &host_set_error,     &host_now_us};
  return &api;
}

/// Path of the built plugin.
inline std::string plugin_path() {
  return std::string(WALRELAY_PLUGIN_DIR) + "/walrelay-sink-kafka.so";
}

/// The plugin, loaded once per process with dlopen(RTLD_NOW) and kept loaded.
inline const wr_plugin *plugin() {
  static const wr_plugin *p = [] {
    void *h = dlopen(plugin_path().c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!h) {
      ADD_FAILURE() << "dlopen " << plugin_path() << ": " << dlerror();
      return static_cast<const wr_plugin *>(nullptr);
    }
    auto entry = reinterpret_cast<wr_sink_entry_fn>(dlsym(h, WR_SINK_ENTRY_SYMBOL));
    if (!entry) {
      ADD_FAILURE() << "no symbol " << WR_SINK_ENTRY_SYMBOL;
      return static_cast<const wr_plugin *>(nullptr);
    }
    return entry(host_api());
  }();
  return p;
}

/// Any non-null pointer serves as the host's handle for a sink.
inline wr_host_sink *fake_handle() {
  static int anchor;
  return reinterpret_cast<wr_host_sink *>(&anchor);
}

/// Key/value options as the host would flatten them.
using Options = std::vector<std::pair<std::string, std::string>>;

/// Calls the plugin's create() with `opts`.
inline wr_status create_sink(const Options &opts, wr_sink **out, const char *name = "events") {
  std::vector<wr_config_entry> entries;
  for (const auto &[k, v] : opts) entries.push_back({k.c_str(), v.c_str(), "test.yaml:7:3"});
  const wr_config cfg{sizeof(wr_config), static_cast<uint32_t>(entries.size()), entries.data()};
  *out = nullptr;
  g_last_error.clear();
  return plugin()->vtable->create(host_api(), fake_handle(), name, &cfg, out);
}

/// Destroys a sink created by create_sink (null is fine).
inline void destroy_sink(wr_sink *&s) {
  if (s) plugin()->vtable->destroy(s);
  s = nullptr;
}

}  // namespace kafkatest

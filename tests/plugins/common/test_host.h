// Test helper shared by the sink plugin tests: a fake host (wr_host_api), loading a plugin
// through the real C ABI (dlopen + entry symbol), and create()/destroy() with options.
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

namespace wrtest_host {

/// Last message passed to set_error (tests run one at a time per process).
inline std::string g_last_error;
/// Log lines below WR_LOG_WARN are printed only when this is true.
inline std::atomic<bool> g_verbose{false};
/// Every log line the plugin wrote (guard with g_log_mu: plugins may log from their threads).
inline std::mutex g_log_mu;
inline std::vector<std::string> g_log;

inline void host_log(wr_host_sink *, wr_log_level level, const char *msg) {
  if (g_verbose || level >= WR_LOG_WARN)
    std::fprintf(stderr, "[sink log %d] %s\n", static_cast<int>(level), msg);
  std::lock_guard<std::mutex> lock(g_log_mu);
  g_log.emplace_back(msg ? msg : "");
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

/// The fake host's services (ABI range 1..1).
inline const wr_host_api *host_api() {
  static const wr_host_api api = {sizeof(wr_host_api), 1,           1, 0, "test", &host_log,
                                  &host_set_error,     &host_now_us};
  return &api;
}

/// Path of a built plugin: WALRELAY_PLUGIN_DIR/walrelay-sink-<name>.so.
inline std::string plugin_path(const std::string &name) {
  return std::string(WALRELAY_PLUGIN_DIR) + "/walrelay-sink-" + name + ".so";
}

/// dlopen(RTLD_NOW | RTLD_LOCAL) + the entry symbol; the library stays loaded. Adds a test
/// failure and returns nullptr when anything is missing.
inline const wr_plugin *load_plugin(const std::string &path) {
  void *h = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!h) {
    ADD_FAILURE() << "dlopen " << path << ": " << dlerror();
    return nullptr;
  }
  auto entry = reinterpret_cast<wr_sink_entry_fn>(dlsym(h, WR_SINK_ENTRY_SYMBOL));
  if (!entry) {
    ADD_FAILURE() << "no symbol " << WR_SINK_ENTRY_SYMBOL << " in " << path;
    return nullptr;
  }
  return entry(host_api());
}

/// Any non-null pointer serves as the host's handle for a sink.
inline wr_host_sink *fake_handle() {
  static int anchor;
  return reinterpret_cast<wr_host_sink *>(&anchor);
}

/// Key/value options as the host would flatten them.
using Options = std::vector<std::pair<std::string, std::string>>;

/// Calls `plugin`'s create() with `opts`, each entry located at `where`.
inline wr_status create_sink(const wr_plugin *plugin, const Options &opts, wr_sink **out,
                             const char *name, const char *where = "test.yaml:7:3") {
  std::vector<wr_config_entry> entries;
  for (const auto &[k, v] : opts) entries.push_back({k.c_str(), v.c_str(), where});
  const wr_config cfg{sizeof(wr_config), static_cast<uint32_t>(entries.size()), entries.data()};
  *out = nullptr;
  g_last_error.clear();
  return plugin->vtable->create(host_api(), fake_handle(), name, &cfg, out);
}

}  // namespace wrtest_host

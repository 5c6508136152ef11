// Test helper: loads the Kafka sink plugin through the C ABI with a fake host.
#pragma once

#include <dlfcn.h>
#include <gtest/gtest.h>
#include <walrelay/sink.h>

#include "../../common/test_host.h"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace kafkatest {

using wrtest_host::fake_handle;
using wrtest_host::g_last_error;
using wrtest_host::g_verbose;
using wrtest_host::host_api;
using wrtest_host::Options;

/// Path of the built plugin.
inline std::string plugin_path() { return wrtest_host::plugin_path("kafka"); }

/// The plugin, loaded once per process and kept loaded.
inline const wr_plugin *plugin() {
  static const wr_plugin *p = wrtest_host::load_plugin(plugin_path());
  return p;
}

/// Calls the plugin's create() with `opts`.
inline wr_status create_sink(const Options &opts, wr_sink **out, const char *name = "events") {
  return wrtest_host::create_sink(plugin(), opts, out, name);
}

/// Destroys a sink created by create_sink (null is fine).
inline void destroy_sink(wr_sink *&s) {
  if (s) plugin()->vtable->destroy(s);
  s = nullptr;
}

}  // namespace kafkatest

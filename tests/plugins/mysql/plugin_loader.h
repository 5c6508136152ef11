// Test helper: loads the MySQL sink plugin through dlopen with a fake host API.
#pragma once

#include <dlfcn.h>
#include <gtest/gtest.h>
#include <walrelay/sink.h>

#include "../common/test_host.h"

#include <chrono>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

namespace wrmysql {

using wrtest_host::fake_handle;
using wrtest_host::g_last_error;
using wrtest_host::g_log;
using wrtest_host::host_api;
using wrtest_host::Options;

/// The plugin, loaded once per process and kept loaded.
inline const wr_plugin *plugin() {
  static const wr_plugin *p = wrtest_host::load_plugin(wrtest_host::plugin_path("mysql"));
  return p;
}

/// Calls the plugin's create() with `opts`.
inline wr_status create_sink(const Options &opts, wr_sink **out, const char *name = "replica") {
  return wrtest_host::create_sink(plugin(), opts, out, name);
}

}  // namespace wrmysql

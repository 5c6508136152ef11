// Test helper: loads the SQL Server sink plugin through dlopen with the shared fake host.
#pragma once

#include "tests/plugins/common/batch_builder.h"
#include "tests/plugins/common/test_host.h"

namespace wrsqlserver {

using namespace wrtest_batch;  // NOLINT(google-build-using-namespace): test helper alias
using wrtest_host::g_last_error;
using wrtest_host::Options;

/// The plugin, loaded once per process and kept loaded.
inline const wr_plugin *plugin() {
  static const wr_plugin *p = wrtest_host::load_plugin(wrtest_host::plugin_path("sqlserver"));
  return p;
}

inline wr_status create_sink(const Options &opts, wr_sink **out, const char *name = "replica") {
  return wrtest_host::create_sink(plugin(), opts, out, name);
}

}  // namespace wrsqlserver

// Loads sink plugins (.so) with Boost.DLL and checks their ABI before any use.
#pragma once

#include <walrelay/sink.h>

#include <boost/dll/shared_library.hpp>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace walrelay {

/// A plugin refused at load; what() is "plugin <path>: <reason>".
class PluginError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// A loaded, checked plugin. The library stays loaded as long as this object lives; keep
/// it until process exit (plugin threads may still run until then).
struct LoadedPlugin {
  std::filesystem::path path;
  boost::dll::shared_library library;
  const wr_plugin *info = nullptr;  ///< plugin-owned static storage
};

/// Default file name of a plugin called `name`: "walrelay-sink-<name>.so".
std::string plugin_file_name(const std::string &name);

/// Resolves a sink's `plugin:` value: a path when it contains '/' or ends in ".so",
/// else plugin_dir/walrelay-sink-<name>.so.
std::filesystem::path resolve_plugin(const std::string &plugin, const std::string &plugin_dir);

/// Loads `path` with RTLD_NOW | RTLD_LOCAL, finds WR_SINK_ENTRY_SYMBOL, calls it with the
/// host API and checks ABI version, struct sizes and required slots. With
/// `check_permissions` (config `plugin_check_permissions`, default true) a file or
/// directory that another user could write is refused first (plugin_permissions.h).
/// Throws PluginError naming the path and the reason. Main thread only.
std::unique_ptr<LoadedPlugin> load_plugin(const std::filesystem::path &path,
                                          bool check_permissions = true);

/// Every walrelay-sink-*.so in `dir`, sorted; empty when the dir does not exist.
std::vector<std::filesystem::path> find_plugins(const std::string &dir);

}  // namespace walrelay

// What every operator command does first: logging on stderr, the config loaded.
#pragma once

#include <optional>
#include <string>

#include "core/config/config.h"

namespace walrelay::ops {

/// Sets up logging (stderr, level warn: plugin and library warnings only, so that stdout
/// holds just the check lines) and loads `config_path`. On a ConfigError prints
/// "error: <file:line:column: message>" on stderr and returns nullopt (the caller exits
/// with app::kExitConfig).
std::optional<Config> load_command_config(const std::string &config_path);

/// The plugin directory of `cfg`: plugin_dir, or app::default_plugin_dir() when unset.
std::string plugin_dir_of(const Config &cfg);

}  // namespace walrelay::ops

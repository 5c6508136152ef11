// Shared start of the operator commands.
#include "core/ops/command_setup.h"

#include <cstdio>

#include "core/app/commands.h"

namespace walrelay::ops {

std::optional<Config> load_command_config(const std::string &config_path) {
  app::setup_logging("warn");
  try {
    return load_config(config_path);
  } catch (const ConfigError &e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return std::nullopt;
  }
}

std::string plugin_dir_of(const Config &cfg) {
  return cfg.plugin_dir.empty() ? app::default_plugin_dir() : cfg.plugin_dir;
}

}  // namespace walrelay::ops

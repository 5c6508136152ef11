// spdlog set-up and default locations.
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <filesystem>

#include "core/app/commands.h"

namespace walrelay::app {

void setup_logging(const std::string &level) {
  static bool done = false;
  if (!done) {
    auto logger = spdlog::stderr_color_mt("walrelay");
    spdlog::set_default_logger(logger);
    spdlog::set_pattern("%Y-%m-%d %H:%M:%S.%e %^%-5l%$ %v");
    done = true;
  }
  spdlog::set_level(spdlog::level::from_str(level.empty() ? "info" : level));
  spdlog::flush_on(spdlog::level::info);
}

std::string default_plugin_dir() {
  std::error_code ec;
  const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return "plugins";
  const auto base = exe.parent_path().parent_path();
  if (std::filesystem::is_directory(base / "plugins", ec)) return (base / "plugins").string();
  return (base / "lib" / "walrelay" / "plugins").string();
}

}  // namespace walrelay::app

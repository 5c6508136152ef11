// Host services for plugins: logging through spdlog, error capture, clock.
#include "core/plugin_host/host_api.h"

#include <spdlog/spdlog.h>

#include <chrono>

namespace walrelay {

namespace {

thread_local std::string t_entry_error;

void host_log(wr_host_sink *sink, wr_log_level level, const char *msg) {
  static const spdlog::level::level_enum map[] = {spdlog::level::trace, spdlog::level::debug,
                                                  spdlog::level::info, spdlog::level::warn,
                                                  spdlog::level::err};
  const auto lvl = (level >= 0 && level <= 4) ? map[level] : spdlog::level::info;
  spdlog::log(lvl, "[sink {}] {}", sink ? sink->name : std::string("?"), msg ? msg : "");
}

void host_set_error(wr_host_sink *sink, const char *msg) {
  (sink ? sink->last_error : t_entry_error) = msg ? msg : "";
}

int64_t host_now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

const wr_host_api kHostApi = {
    sizeof(wr_host_api), 1, WR_SINK_ABI_VERSION, 0, WALRELAY_VERSION,
    &host_log,           &host_set_error,        &host_now_us,
};

}  // namespace

const wr_host_api *host_api() { return &kHostApi; }

std::string take_entry_error() {
  std::string s;
  s.swap(t_entry_error);
  return s;
}

}  // namespace walrelay

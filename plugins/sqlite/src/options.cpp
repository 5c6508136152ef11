// The sink's options: the wr_option table and parsing into SinkOptions.
#include "options.h"

#include <climits>

namespace walrelay::sqlite {
namespace {

std::string where(const sdk::Config &config, const std::string &key) {
  auto it = config.entries().find(key);
  return it == config.entries().end() ? std::string("?") : it->second.where;
}

std::string upper(std::string s) {
  for (char &c : s) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return s;
}

}  // namespace

SinkOptions SinkOptions::parse(const sdk::Config &config) {
  SinkOptions o;
  o.path = config.require("path");
  if (o.path.empty()) {
    throw sdk::invalid_config(where(config, "path") + ": option 'path' must not be empty");
  }
  if (auto s = config.get("synchronous")) {
    o.synchronous = upper(*s);
    if (o.synchronous != "FULL" && o.synchronous != "NORMAL") {
      throw sdk::invalid_config(where(config, "synchronous") +
                                ": option 'synchronous' must be FULL or NORMAL, got '" + *s + "'");
    }
  }
  const long long timeout = config.get_int("busy_timeout_ms", 5000);
  if (timeout < 0 || timeout > INT_MAX) {
    throw sdk::invalid_config(where(config, "busy_timeout_ms") +
                              ": option 'busy_timeout_ms' must be between 0 and " +
                              std::to_string(INT_MAX) + ", got " + std::to_string(timeout));
  }
  o.busy_timeout_ms = static_cast<int>(timeout);
  o.create_tables = config.get_bool("create_tables", true);
  return o;
}

}  // namespace walrelay::sqlite

// The sink's options: the wr_option table and parsing into SinkOptions.
#include "options.h"

namespace walrelay::mysql {
namespace {

std::string where(const sdk::Config &config, const std::string &key) {
  auto it = config.entries().find(key);
  return it == config.entries().end() ? std::string("?") : it->second.where;
}

[[noreturn]] void bad(const sdk::Config &config, const std::string &key, const std::string &what) {
  throw sdk::invalid_config(where(config, key) + ": option '" + key + "' " + what);
}

std::string lower(std::string s) {
  for (char &c : s) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return s;
}

unsigned ranged(const sdk::Config &config, const std::string &key, long long def, long long lo,
                long long hi) {
  const long long v = config.get_int(key, def);
  if (v < lo || v > hi) {
    bad(config, key,
        "must be between " + std::to_string(lo) + " and " + std::to_string(hi) + ", got " +
            std::to_string(v));
  }
  return static_cast<unsigned>(v);
}

/// Splits "a, b,c" at commas, trimming spaces; empty items are an error.
std::vector<std::string> parse_list(const sdk::Config &config, const std::string &key) {
  std::vector<std::string> out;
  const std::string text = config.get_or(key, "");
  if (text.find_first_not_of(' ') == std::string::npos) return out;
  size_t pos = 0;
  while (true) {
    size_t end = text.find(',', pos);
    if (end == std::string::npos) end = text.size();
    std::string item = text.substr(pos, end - pos);
    const size_t a = item.find_first_not_of(' ');
    const size_t b = item.find_last_not_of(' ');
    if (a == std::string::npos) bad(config, key, "has an empty item in '" + text + "'");
    out.push_back(item.substr(a, b - a + 1));
    if (end == text.size()) break;
    pos = end + 1;
  }
  return out;
}

/// Parses "a=b,c=d" (spaces around items allowed). `what` names the items in errors.
std::map<std::string, std::string> parse_map(const sdk::Config &config, const std::string &key,
                                             const std::string &what = "schema=database") {
  std::map<std::string, std::string> out;
  const std::string text = config.get_or(key, "");
  size_t pos = 0;
  while (pos <= text.size() && !text.empty()) {
    size_t end = text.find(',', pos);
    if (end == std::string::npos) end = text.size();
    std::string item = text.substr(pos, end - pos);
    const size_t a = item.find_first_not_of(' ');
    const size_t b = item.find_last_not_of(' ');
    item = a == std::string::npos ? "" : item.substr(a, b - a + 1);
    const size_t eq = item.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == item.size()) {
      bad(config, key, "must be a list of " + what + " items, got '" + item + "'");
    }
    std::string from = item.substr(0, eq), to = item.substr(eq + 1);
    while (!from.empty() && from.back() == ' ') from.pop_back();
    while (!to.empty() && to.front() == ' ') to.erase(0, 1);
    if (!out.emplace(from, to).second) bad(config, key, "maps '" + from + "' twice");
    pos = end + 1;
    if (end == text.size()) break;
  }
  return out;
}

}  // namespace

SinkOptions SinkOptions::parse(const sdk::Config &config) {
  SinkOptions o;
  o.host = config.get_or("host", o.host);
  if (o.host.empty()) bad(config, "host", "must not be empty");
  o.port = ranged(config, "port", 3306, 1, 65535);
  o.socket = config.get_or("socket", "");
  o.user = config.require("user");
  o.password = config.get_or("password", "");
  o.database = config.require("database");
  if (o.database.empty()) bad(config, "database", "must not be empty");
  const std::string mode = lower(config.get_or("ssl_mode", "preferred"));
  if (mode == "disabled") {
    o.ssl_mode = SslMode::Disabled;
  } else if (mode == "preferred") {
    o.ssl_mode = SslMode::Preferred;
  } else if (mode == "required") {
    o.ssl_mode = SslMode::Required;
  } else if (mode == "verify_ca") {
    o.ssl_mode = SslMode::VerifyCa;
  } else if (mode == "verify_identity") {
    o.ssl_mode = SslMode::VerifyIdentity;
  } else {
    bad(config, "ssl_mode",
        "must be disabled, preferred, required, verify_ca or verify_identity, got '" + mode + "'");
  }
  o.ssl_ca = config.get_or("ssl_ca", "");
  if ((o.ssl_mode == SslMode::VerifyCa || o.ssl_mode == SslMode::VerifyIdentity) &&
      o.ssl_ca.empty()) {
    throw sdk::invalid_config(where(config, "ssl_mode") + ": option 'ssl_mode' " + mode +
                              " needs option 'ssl_ca'");
  }
  constexpr long long kDay = 24LL * 3600 * 1000;
  o.connect_timeout_ms = ranged(config, "connect_timeout_ms", 10000, 1, kDay);
  o.read_timeout_ms = ranged(config, "read_timeout_ms", 60000, 1, kDay);
  o.write_timeout_ms = ranged(config, "write_timeout_ms", 60000, 1, kDay);
  o.schema_map = parse_map(config, "schema_map");
  o.create_tables = config.get_bool("create_tables", true);
  o.insert_batch_rows = ranged(config, "insert_batch_rows", 256, 1, 4096);
  o.load_data_min_rows = ranged(config, "load_data_min_rows", 1000, 0, 1000000000);
  const std::string sf = lower(config.get_or("special_floats", "null"));
  if (sf != "null" && sf != "fail")
    bad(config, "special_floats", "must be null or fail, got '" + sf + "'");
  o.special_floats_fail = sf == "fail";
  o.collation = config.get_or("collation", o.collation);
  for (char c : o.collation) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) {
      bad(config, "collation", "must be a collation name, got '" + o.collation + "'");
    }
  }
  if (o.collation.empty()) bad(config, "collation", "must not be empty");
  const std::string sc = lower(config.get_or("schema_change", "follow"));
  if (sc != "follow" && sc != "fail")
    bad(config, "schema_change", "must be follow or fail, got '" + sc + "'");
  o.schema_change_fail = sc == "fail";
  o.drop_columns = config.get_bool("drop_columns", false);
  const std::string tc = lower(config.get_or("type_change", "fail"));
  if (tc != "follow" && tc != "fail")
    bad(config, "type_change", "must be follow or fail, got '" + tc + "'");
  o.type_change_follow = tc == "follow";
  const std::string de = lower(config.get_or("on_data_error", "fail"));
  if (de != "fail" && de != "skip")
    bad(config, "on_data_error", "must be fail or skip, got '" + de + "'");
  o.skip_data_errors = de == "skip";
  const std::string arrays = lower(config.get_or("arrays", "json"));
  if (arrays != "json" && arrays != "text")
    bad(config, "arrays", "must be json or text, got '" + arrays + "'");
  o.arrays_json = arrays == "json";
  o.include_tables = parse_list(config, "include_tables");
  o.exclude_tables = parse_list(config, "exclude_tables");
  o.table_map = parse_map(config, "table_map", "schema.table=table");
  std::map<std::string, std::string> targets;  // destination -> source, to catch clashes
  for (const auto &[from, to] : o.table_map) {
    const size_t dot = from.find('.');
    if (dot == std::string::npos || dot == 0 || dot + 1 == from.size()) {
      bad(config, "table_map", "needs schema.table on the left of '=', got '" + from + "'");
    }
    auto [it, fresh] = targets.emplace(from.substr(0, dot) + "\n" + to, from);
    if (!fresh) {
      bad(config, "table_map",
          "maps both '" + it->second + "' and '" + from + "' to table '" + to + "'");
    }
  }
  return o;
}

}  // namespace walrelay::mysql

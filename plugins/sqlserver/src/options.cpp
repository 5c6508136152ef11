// The SQL Server sink's options: parsing and validation.
#include "options.h"

namespace walrelay::sqlserver {
namespace {

std::string where(const sdk::Config &config, const std::string &key) {
  auto it = config.entries().find(key);
  return it == config.entries().end() ? std::string("?") : it->second.where;
}

[[noreturn]] void bad(const sdk::Config &config, const std::string &key, const std::string &what) {
  throw sdk::invalid_config(where(config, key) + ": option '" + key + "' " + what);
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

std::string trim(const std::string &s) {
  const size_t a = s.find_first_not_of(' ');
  if (a == std::string::npos) return {};
  return s.substr(a, s.find_last_not_of(' ') - a + 1);
}

/// Parses "a=b,c=d" (spaces around items allowed; an empty string is an empty map).
std::map<std::string, std::string> parse_map(const sdk::Config &config, const std::string &key,
                                             const std::string &form) {
  std::map<std::string, std::string> out;
  const std::string text = config.get_or(key, "");
  if (trim(text).empty()) return out;
  size_t pos = 0;
  while (true) {
    size_t end = text.find(',', pos);
    if (end == std::string::npos) end = text.size();
    const std::string item = trim(text.substr(pos, end - pos));
    const size_t eq = item.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == item.size())
      bad(config, key, "must be a list of " + form + " items, got '" + item + "'");
    const std::string from = trim(item.substr(0, eq)), to = trim(item.substr(eq + 1));
    if (from.empty() || to.empty())
      bad(config, key, "must be a list of " + form + " items, got '" + item + "'");
    if (!out.emplace(from, to).second) bad(config, key, "maps '" + from + "' twice");
    if (end == text.size()) break;
    pos = end + 1;
  }
  return out;
}

}  // namespace

SinkOptions SinkOptions::parse(const sdk::Config &config) {
  SinkOptions o;
  o.host = config.get_or("host", o.host);
  if (o.host.empty()) bad(config, "host", "must not be empty");
  o.port = ranged(config, "port", 1433, 1, 65535);
  o.server_name = config.get_or("server_name", "");
  o.user = config.require("user");
  o.password = config.get_or("password", "");
  o.database = config.require("database");
  if (o.database.empty()) bad(config, "database", "must not be empty");
  const std::string tds = config.get_or("tds_version", "7.4");
  if (tds == "7.1") {
    o.tds_version_minor = 1;
  } else if (tds == "7.2") {
    o.tds_version_minor = 2;
  } else if (tds == "7.3") {
    o.tds_version_minor = 3;
  } else if (tds == "7.4") {
    o.tds_version_minor = 4;
  } else {
    bad(config, "tds_version", "must be 7.1, 7.2, 7.3 or 7.4, got '" + tds + "'");
  }
  o.require_encryption = config.get_bool("require_encryption", false);
  constexpr long long kDay = 24LL * 3600 * 1000;
  o.login_timeout_ms = ranged(config, "login_timeout_ms", 10000, 1, kDay);
  o.query_timeout_ms = ranged(config, "query_timeout_ms", 60000, 1, kDay);
  o.lock_timeout_ms = ranged(config, "lock_timeout_ms", 30000, 0, kDay);
  o.schema_map = parse_map(config, "schema_map", "pgschema=sqlserverschema");
  o.create_tables = config.get_bool("create_tables", true);
  o.drop_columns = config.get_bool("drop_columns", false);
  o.tables.include = split_patterns(config.get_or("include_tables", ""));
  o.tables.exclude = split_patterns(config.get_or("exclude_tables", ""));
  for (const char *key : {"include_tables", "exclude_tables"}) {
    for (const std::string &p : split_patterns(config.get_or(key, ""))) {
      if (p.find('.') == std::string::npos)
        bad(config, key, "must list schema.table patterns, got '" + p + "'");
    }
  }
  o.collation = config.get_or("collation", o.collation);
  for (char c : o.collation) {
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')) {
      bad(config, "collation", "must be a collation name, got '" + o.collation + "'");
    }
  }
  const std::string sf = config.get_or("special_floats", "null");
  if (sf != "null" && sf != "fail")
    bad(config, "special_floats", "must be null or fail, got '" + sf + "'");
  o.special_floats_fail = sf == "fail";
  o.insert_batch_rows = ranged(config, "insert_batch_rows", 500, 1, 1000);
  o.batch_bytes = ranged(config, "batch_bytes", 1048576, 4096, 64LL * 1024 * 1024);
  o.bulk_min_rows = ranged(config, "bulk_min_rows", 1000, 0, 1000000000);
  o.bulk_batch_rows = ranged(config, "bulk_batch_rows", 10000, 0, 1000000000);
  const std::string sc = config.get_or("schema_change", "follow");
  if (sc != "follow" && sc != "fail")
    bad(config, "schema_change", "must be follow or fail, got '" + sc + "'");
  o.schema_change_fail = sc == "fail";
  const std::string tc = config.get_or("type_change", "fail");
  if (tc != "follow" && tc != "fail")
    bad(config, "type_change", "must be follow or fail, got '" + tc + "'");
  o.type_change_follow = tc == "follow";
  o.table_map = parse_map(config, "table_map", "schema.table=dest_table");
  // Destination ([schema].[table], compared ASCII case-insensitively as SQL Server's usual
  // catalog collations do) -> the source mapped to it, to reject two sources on one table.
  std::map<std::string, std::string> targets;
  for (const auto &[from, to] : o.table_map) {
    const size_t dot = from.find('.');
    if (dot == std::string::npos || dot == 0 || dot + 1 == from.size())
      bad(config, "table_map", "needs schema.table on the left of '=', got '" + from + "'");
    const Destination d =
        destination(from.substr(0, dot), from.substr(dot + 1), o.schema_map, o.table_map);
    std::string key = qualified(d);
    for (char &c : key) {
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    auto [it, fresh] = targets.emplace(key, from);
    if (!fresh) {
      bad(config, "table_map",
          "maps both '" + it->second + "' and '" + from + "' to the same destination table " +
              qualified(d));
    }
  }
  return o;
}

}  // namespace walrelay::sqlserver

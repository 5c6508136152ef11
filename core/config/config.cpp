// YAML config loading with strict keys, typed values and ${ENV} interpolation.
#include "core/config/config.h"

#include <yaml-cpp/yaml.h>

#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

namespace walrelay {

namespace {

class Loader {
 public:
  explicit Loader(std::string file) : file_(std::move(file)) {}

  std::string where(const YAML::Node &n) const {
    const YAML::Mark m = n.Mark();
    if (m.line < 0) return file_;
    return file_ + ":" + std::to_string(m.line + 1) + ":" + std::to_string(m.column + 1);
  }
  [[noreturn]] void fail(const YAML::Node &n, const std::string &msg) const {
    throw ConfigError(where(n) + ": " + msg);
  }

  void expect_map(const YAML::Node &n, const std::string &key) const {
    if (!n.IsMap()) fail(n, "'" + key + "' must be a mapping");
  }

  void check_keys(const YAML::Node &map, const std::string &section,
                  const std::set<std::string> &known) const {
    for (auto it = map.begin(); it != map.end(); ++it) {
      const std::string k = it->first.as<std::string>();
      if (!known.count(k)) {
        std::string list;
        for (const auto &s : known) list += (list.empty() ? "" : ", ") + s;
        fail(it->first, "unknown key '" + (section.empty() ? k : section + "." + k) +
                            "' (known: " + list + ")");
      }
    }
  }

  std::string str(const YAML::Node &n, const std::string &key) const {
    if (!n.IsScalar()) fail(n, "'" + key + "' must be a string");
    return interpolate_env(n.Scalar(), where(n));
  }

  long long integer(const YAML::Node &n, const std::string &key, long long min,
                    long long max) const {
    const std::string s = n.IsScalar() ? interpolate_env(n.Scalar(), where(n)) : "";
    try {
      size_t pos = 0;
      long long v = std::stoll(s, &pos);
      if (pos != s.size()) throw std::invalid_argument(s);
      if (v < min || v > max)
        fail(n, "'" + key + "' must be between " + std::to_string(min) + " and " +
                    std::to_string(max) + ", got " + s);
      return v;
    } catch (const std::logic_error &) {
      fail(n, "'" + key + "' must be an integer, got '" + s + "'");
    }
  }

  bool boolean(const YAML::Node &n, const std::string &key) const {
    const std::string s = n.IsScalar() ? interpolate_env(n.Scalar(), where(n)) : "";
    if (s == "true" || s == "yes" || s == "on") return true;
    if (s == "false" || s == "no" || s == "off") return false;
    fail(n, "'" + key + "' must be true or false, got '" + s + "'");
  }

  void flatten(const YAML::Node &n, const std::string &prefix,
               std::vector<SinkOption> &out) const {
    if (n.IsMap()) {
      for (auto it = n.begin(); it != n.end(); ++it)
        flatten(it->second, prefix.empty() ? it->first.as<std::string>()
                                           : prefix + "." + it->first.as<std::string>(),
                out);
    } else if (n.IsSequence()) {
      for (size_t i = 0; i < n.size(); ++i) flatten(n[i], prefix + "." + std::to_string(i), out);
    } else if (n.IsScalar()) {
      out.push_back({prefix, interpolate_env(n.Scalar(), where(n)), where(n)});
    } else if (n.IsNull()) {
      out.push_back({prefix, "", where(n)});
    }
  }

  Config load(const YAML::Node &root) const {
    Config c;
    c.path = file_;
    if (!root.IsMap()) throw ConfigError(file_ + ": the top level must be a mapping");
    check_keys(root, "", {"log_level", "plugin_dir", "source", "pipeline", "sinks"});
    if (auto n = root["log_level"]) {
      c.log_level = str(n, "log_level");
      static const std::set<std::string> levels{"trace", "debug", "info", "warn", "error"};
      if (!levels.count(c.log_level))
        fail(n, "'log_level' must be one of trace, debug, info, warn, error");
    }
    if (auto n = root["plugin_dir"]) c.plugin_dir = str(n, "plugin_dir");

    const YAML::Node src = root["source"];
    if (!src) throw ConfigError(file_ + ": missing required key 'source'");
    expect_map(src, "source");
    check_keys(src, "source",
               {"conninfo", "slot", "publication", "create_slot", "status_interval_ms",
                "streaming"});
    auto required = [&](const YAML::Node &map, const char *key, const std::string &sect) {
      const YAML::Node n = map[key];
      if (!n) fail(map, "missing required key '" + sect + "." + key + "'");
      return str(n, sect + "." + key);
    };
    c.source.conninfo = required(src, "conninfo", "source");
    c.source.slot = required(src, "slot", "source");
    c.source.publication = required(src, "publication", "source");
    if (auto n = src["create_slot"]) c.source.create_slot = boolean(n, "source.create_slot");
    if (auto n = src["streaming"]) c.source.streaming = boolean(n, "source.streaming");
    if (auto n = src["status_interval_ms"])
      c.source.status_interval_ms =
          static_cast<int>(integer(n, "source.status_interval_ms", 10, 3600000));

    if (auto p = root["pipeline"]) {
      expect_map(p, "pipeline");
      check_keys(p, "pipeline",
                 {"queue_max_bytes", "queue_max_txns", "batch_max_txns", "batch_max_bytes"});
      const long long big = 1LL << 40;
      if (auto n = p["queue_max_bytes"])
        c.pipeline.queue_max_bytes = integer(n, "pipeline.queue_max_bytes", 1024, big);
      if (auto n = p["queue_max_txns"])
        c.pipeline.queue_max_txns = integer(n, "pipeline.queue_max_txns", 1, big);
      if (auto n = p["batch_max_txns"])
        c.pipeline.batch_max_txns = integer(n, "pipeline.batch_max_txns", 1, big);
      if (auto n = p["batch_max_bytes"])
        c.pipeline.batch_max_bytes = integer(n, "pipeline.batch_max_bytes", 1024, big);
    }

    const YAML::Node sinks = root["sinks"];
    if (!sinks) throw ConfigError(file_ + ": missing required key 'sinks'");
    if (!sinks.IsSequence() || sinks.size() == 0) fail(sinks, "'sinks' must be a non-empty list");
    std::set<std::string> names;
    for (size_t i = 0; i < sinks.size(); ++i) {
      const YAML::Node s = sinks[i];
      const std::string sect = "sinks." + std::to_string(i);
      expect_map(s, sect);
      check_keys(s, sect, {"name", "plugin", "options"});
      SinkConfig sc;
      sc.where = where(s);
      sc.name = required(s, "name", sect);
      sc.plugin = required(s, "plugin", sect);
      if (!names.insert(sc.name).second) fail(s["name"], "duplicate sink name '" + sc.name + "'");
      if (auto o = s["options"]) {
        if (!o.IsMap() && !o.IsNull()) fail(o, "'" + sect + ".options' must be a mapping");
        flatten(o, "", sc.options);
      }
      c.sinks.push_back(std::move(sc));
    }
    return c;
  }

 private:
  std::string file_;
};

}  // namespace

std::string interpolate_env(const std::string &value, const std::string &where) {
  std::string out;
  out.reserve(value.size());
  for (size_t i = 0; i < value.size(); ++i) {
    if (value.compare(i, 3, "$${") == 0) {
      out += "${";
      i += 2;
    } else if (value.compare(i, 2, "${") == 0) {
      const size_t end = value.find('}', i + 2);
      if (end == std::string::npos)
        throw ConfigError(where + ": unclosed '${' in value");
      const std::string name = value.substr(i + 2, end - i - 2);
      const char *v = name.empty() ? nullptr : std::getenv(name.c_str());
      if (v == nullptr)
        throw ConfigError(where + ": environment variable '" + name + "' is not set");
      out += v;
      i = end;
    } else {
      out += value[i];
    }
  }
  return out;
}

Config parse_config(const std::string &text, const std::string &name) {
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception &e) {
    throw ConfigError(name + ":" + std::to_string(e.mark.line + 1) + ":" +
                      std::to_string(e.mark.column + 1) + ": malformed YAML: " + e.msg);
  }
  try {
    return Loader(name).load(root);
  } catch (const YAML::Exception &e) {
    throw ConfigError(name + ":" + std::to_string(e.mark.line + 1) + ":" +
                      std::to_string(e.mark.column + 1) + ": " + e.msg);
  }
}

Config load_config(const std::string &path) {
  std::ifstream in(path);
  if (!in) throw ConfigError(path + ": cannot open config file");
  std::stringstream ss;
  ss << in.rdbuf();
  return parse_config(ss.str(), path);
}

}  // namespace walrelay

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

  void flatten(const YAML::Node &n, const std::string &prefix, std::vector<SinkOption> &out) const {
    if (n.IsMap()) {
      for (auto it = n.begin(); it != n.end(); ++it)
        flatten(it->second,
                prefix.empty() ? it->first.as<std::string>()
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
    check_keys(root, "",
               {"log_level", "plugin_dir", "plugin_check_permissions", "source", "pipeline",
                "spool", "snapshot", "http", "sinks"});
    if (auto n = root["log_level"]) {
      c.log_level = str(n, "log_level");
      static const std::set<std::string> levels{"trace", "debug", "info", "warn", "error"};
      if (!levels.count(c.log_level))
        fail(n, "'log_level' must be one of trace, debug, info, warn, error");
    }
    if (auto n = root["plugin_dir"]) c.plugin_dir = str(n, "plugin_dir");
    if (auto n = root["plugin_check_permissions"])
      c.plugin_check_permissions = boolean(n, "plugin_check_permissions");

    const YAML::Node src = root["source"];
    if (!src) throw ConfigError(file_ + ": missing required key 'source'");
    expect_map(src, "source");
    check_keys(src, "source",
               {"conninfo", "slot", "publication", "create_slot", "status_interval_ms", "streaming",
                "proto_version", "two_phase", "messages", "binary", "origin",
                "heartbeat_interval_ms", "create_publication", "publication_tables"});
    auto required = [&](const YAML::Node &map, const char *key, const std::string &sect) {
      const YAML::Node n = map[key];
      if (!n) fail(map, "missing required key '" + sect + "." + key + "'");
      return str(n, sect + "." + key);
    };
    c.source.conninfo = required(src, "conninfo", "source");
    c.source.slot = required(src, "slot", "source");
    c.source.publication = required(src, "publication", "source");
    if (auto n = src["create_slot"]) c.source.create_slot = boolean(n, "source.create_slot");
    if (auto n = src["streaming"]) {
      const std::string v = str(n, "source.streaming");
      if (v == "parallel")
        c.source.streaming = StreamingMode::kParallel;
      else if (v == "true" || v == "on" || v == "yes")
        c.source.streaming = StreamingMode::kOn;
      else if (v == "false" || v == "off" || v == "no")
        c.source.streaming = StreamingMode::kOff;
      else
        fail(n, "'source.streaming' must be true, false or parallel, got '" + v + "'");
    }
    if (auto n = src["proto_version"])
      c.source.proto_version = static_cast<int>(integer(n, "source.proto_version", 1, 4));
    if (auto n = src["two_phase"]) c.source.two_phase = boolean(n, "source.two_phase");
    if (auto n = src["messages"]) c.source.messages = boolean(n, "source.messages");
    if (auto n = src["binary"]) c.source.binary = boolean(n, "source.binary");
    if (auto n = src["origin"]) {
      c.source.origin = str(n, "source.origin");
      if (c.source.origin != "any" && c.source.origin != "none")
        fail(n, "'source.origin' must be any or none, got '" + c.source.origin + "'");
    }
    if (auto n = src["heartbeat_interval_ms"])
      c.source.heartbeat_interval_ms =
          static_cast<int>(integer(n, "source.heartbeat_interval_ms", 0, 86400000));
    if (auto n = src["create_publication"])
      c.source.create_publication = boolean(n, "source.create_publication");
    if (auto n = src["publication_tables"]) {
      if (!n.IsSequence()) fail(n, "'source.publication_tables' must be a list of table names");
      for (const auto &t : n)
        c.source.publication_tables.push_back(str(t, "source.publication_tables"));
    }
    if (auto n = src["status_interval_ms"])
      c.source.status_interval_ms =
          static_cast<int>(integer(n, "source.status_interval_ms", 10, 3600000));
    // Combinations pgoutput refuses, caught here with the place named.
    if (c.source.proto_version != 0) {
      const int v = c.source.proto_version;
      if (auto n = src["streaming"]; n && c.source.streaming == StreamingMode::kParallel && v < 4)
        fail(n, "'source.streaming: parallel' needs source.proto_version 4 (got " +
                    std::to_string(v) + ")");
      if (auto n = src["streaming"]; n && c.source.streaming == StreamingMode::kOn && v < 2)
        fail(n,
             "'source.streaming: true' needs source.proto_version 2 or later (got 1); "
             "set streaming: false or raise proto_version");
      if (auto n = src["two_phase"]; n && c.source.two_phase && v < 3)
        fail(n, "'source.two_phase: true' needs source.proto_version 3 or later (got " +
                    std::to_string(v) + ")");
    }

    const long long big = 1LL << 40;
    if (auto p = root["pipeline"]) {
      expect_map(p, "pipeline");
      check_keys(p, "pipeline", {"batch_max_txns", "batch_max_bytes", "early_apply"});
      if (auto n = p["batch_max_txns"])
        c.pipeline.batch_max_txns = integer(n, "pipeline.batch_max_txns", 1, big);
      if (auto n = p["batch_max_bytes"])
        c.pipeline.batch_max_bytes = integer(n, "pipeline.batch_max_bytes", 1024, big);
      if (auto n = p["early_apply"]) c.pipeline.early_apply = boolean(n, "pipeline.early_apply");
    }

    if (auto p = root["spool"]) {
      expect_map(p, "spool");
      check_keys(p, "spool",
                 {"dir", "segment_bytes", "compression", "fsync", "max_bytes", "spill_bytes", "ack",
                  "group_commit_ms"});
      if (auto n = p["dir"]) c.spool.dir = str(n, "spool.dir");
      if (auto n = p["segment_bytes"])
        c.spool.segment_bytes = integer(n, "spool.segment_bytes", 64 * 1024, 1LL << 32);
      if (auto n = p["compression"]) c.spool.compression = boolean(n, "spool.compression");
      if (auto n = p["fsync"]) {
        const std::string v = str(n, "spool.fsync");
        if (v == "always")
          c.spool.fsync = SpoolFsync::kAlways;
        else if (v == "batch")
          c.spool.fsync = SpoolFsync::kBatch;
        else if (v == "never")
          c.spool.fsync = SpoolFsync::kNever;
        else
          fail(n, "'spool.fsync' must be always, batch or never, got '" + v + "'");
      }
      if (auto n = p["max_bytes"])
        c.spool.max_bytes = integer(n, "spool.max_bytes", 1024 * 1024, big);
      if (auto n = p["spill_bytes"])
        c.spool.spill_bytes = integer(n, "spool.spill_bytes", 4096, 1LL << 30);
      if (auto n = p["group_commit_ms"])
        c.spool.group_commit_ms = static_cast<int>(integer(n, "spool.group_commit_ms", 0, 1000));
      if (auto n = p["ack"]) {
        const std::string v = str(n, "spool.ack");
        if (v == "applied")
          c.spool.ack = AckMode::kApplied;
        else if (v == "spooled")
          c.spool.ack = AckMode::kSpooled;
        else
          fail(n, "'spool.ack' must be applied or spooled, got '" + v + "'");
      }
    }
    // snapshot.mode, or `snapshot: <mode>` as a shorthand for `snapshot: {mode: <mode>}`.
    auto snapshot_mode = [&](const YAML::Node &n, const std::string &key,
                             const std::string &choices) {
      const std::string v = str(n, key);
      if (v == "never") return SnapshotMode::kNever;
      if (v == "initial") return SnapshotMode::kInitial;
      if (v == "initial_only") return SnapshotMode::kInitialOnly;
      fail(n, "'" + key + "' must be " + choices + ", got '" + v + "'");
    };
    if (auto p = root["snapshot"]; p && p.IsScalar()) {
      c.snapshot.mode = snapshot_mode(p, "snapshot", "never, initial, initial_only or a mapping");
    } else if (auto p = root["snapshot"]) {
      expect_map(p, "snapshot");
      check_keys(p, "snapshot", {"mode", "workers", "chunk_bytes", "progress_interval_ms"});
      if (auto n = p["mode"])
        c.snapshot.mode = snapshot_mode(n, "snapshot.mode", "never, initial or initial_only");
      if (auto n = p["workers"])
        c.snapshot.workers = static_cast<int>(integer(n, "snapshot.workers", 1, 64));
      if (auto n = p["chunk_bytes"])
        c.snapshot.chunk_bytes = integer(n, "snapshot.chunk_bytes", 8192, big);
      if (auto n = p["progress_interval_ms"])
        c.snapshot.progress_interval_ms =
            static_cast<int>(integer(n, "snapshot.progress_interval_ms", 100, 3600000));
    }
    if (auto p = root["http"]) {
      expect_map(p, "http");
      check_keys(p, "http", {"listen"});
      if (auto n = p["listen"]) {
        c.http.listen = str(n, "http.listen");
        const auto colon = c.http.listen.rfind(':');
        if (!c.http.listen.empty() &&
            (colon == std::string::npos || colon + 1 == c.http.listen.size() ||
             c.http.listen.find_first_not_of("0123456789", colon + 1) != std::string::npos))
          fail(n, "'http.listen' must be host:port (e.g. 127.0.0.1:9187) or empty, got '" +
                      c.http.listen + "'");
      }
    }
    if (c.spool.dir.empty()) {
      // Next to the config file, one directory per slot.
      const auto slash = file_.find_last_of('/');
      const std::string base = slash == std::string::npos ? "." : file_.substr(0, slash);
      c.spool.dir = base + "/walrelay-spool-" + c.source.slot;
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
      if (end == std::string::npos) throw ConfigError(where + ": unclosed '${' in value");
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

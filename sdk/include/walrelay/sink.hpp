// walrelay sink SDK, optional header-only C++ layer over sink.h.
//
// Turns a C++ class into the C function table, converting every exception into a status
// plus message so that no exception ever crosses the ABI. Nothing here is part of the ABI:
// it compiles into the plugin, so the plugin and host may use different C++ runtimes.
//
// Usage (see plugins/sqlite for a full sink):
//
//   class MySink {
//    public:
//     explicit MySink(walrelay::sdk::SinkContext &ctx);  // parse ctx.config, connect
//     wr_lsn load_position();                             // throw sdk::Error on failure
//     void apply(const wr_batch &batch);                  // throw sdk::Error on failure
//   };
//   static const wr_option kOptions[] = {{"path", WR_OPT_STRING, 1, nullptr, "file"}};
//   WALRELAY_SINK_PLUGIN(MySink, "mysink", "0.1.0", "writes somewhere",
//                        WR_CAP_TRANSACTIONAL, kOptions)
#ifndef WALRELAY_SINK_HPP
#define WALRELAY_SINK_HPP

#include <walrelay/sink.h>

#include <cinttypes>
#include <cstdio>
#include <exception>
#include <map>
#include <new>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace walrelay::sdk {

/// An error carrying the wr_status to return. Throw from a sink's constructor,
/// load_position() or apply(); the adapter reports `what()` through host->set_error.
class Error : public std::runtime_error {
 public:
  Error(wr_status status, const std::string &message)
      : std::runtime_error(message), status_(status) {}
  wr_status status() const noexcept { return status_; }

 private:
  wr_status status_;
};

/// Transient failure: the host backs off and retries.
inline Error retry(const std::string &m) { return Error(WR_RETRY, m); }
/// Permanent failure: the host stops.
inline Error fatal(const std::string &m) { return Error(WR_FATAL, m); }
/// Bad option.
inline Error invalid_config(const std::string &m) { return Error(WR_INVALID_CONFIG, m); }

/// Formats an LSN the way PostgreSQL prints it ("16/B374D848").
inline std::string format_lsn(wr_lsn lsn) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%" PRIX32 "/%" PRIX32, static_cast<uint32_t>(lsn >> 32),
                static_cast<uint32_t>(lsn));
  return buf;
}

/// The bytes of a TEXT or BINARY value (empty view for NULL / unchanged TOAST).
inline std::string_view bytes(const wr_value &v) {
  return v.data ? std::string_view(v.data, v.len) : std::string_view();
}

/// ASCII case-insensitive equality: how SQLite and MySQL compare unquoted-identifier
/// spellings of column and table names (a sink checking which columns a table has).
inline bool ascii_iequal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

/// Returns *p after checking that the host passed a struct at least as large as this SDK's
/// (every v1 field present); throws fatal() naming `what` otherwise. Use on every wr_batch,
/// wr_txn, wr_change and wr_relation a sink reads.
template <class T>
const T &checked(const T *p, const char *what) {
  if (p == nullptr) throw fatal(std::string("host passed a null ") + what);
  if (p->struct_size < sizeof(T))
    throw fatal(std::string("host passed a ") + what + " with struct_size " +
                std::to_string(p->struct_size) + ", expected at least " +
                std::to_string(sizeof(T)));
  return *p;
}

/// "INSERT", "UPDATE", "DELETE", "TRUNCATE" for a WR_CHANGE_* kind.
inline const char *change_kind_name(uint32_t kind) {
  switch (kind) {
    case WR_CHANGE_INSERT:
      return "INSERT";
    case WR_CHANGE_UPDATE:
      return "UPDATE";
    case WR_CHANGE_DELETE:
      return "DELETE";
    case WR_CHANGE_TRUNCATE:
      return "TRUNCATE";
    default:
      return "unknown change";
  }
}

/// A value for error messages: NULL, <unchanged toast>, <binary, N bytes>, or the text in
/// quotes cut at `max_len` bytes.
inline std::string describe_value(const wr_value &v, size_t max_len = 64) {
  switch (v.kind) {
    case WR_VALUE_NULL:
      return "NULL";
    case WR_VALUE_UNCHANGED_TOAST:
      return "<unchanged toast>";
    case WR_VALUE_BINARY:
      return "<binary, " + std::to_string(v.len) + " bytes>";
    default: {
      std::string_view t = bytes(v);
      std::string out = "'" + std::string(t.substr(0, max_len)) + "'";
      if (t.size() > max_len) out += "...";
      return out;
    }
  }
}

/// Read-only view of a sink's flattened options with unknown-key checking.
/// Copies the entries (they are valid only during create()).
class Config {
 public:
  struct Entry {
    std::string value;
    std::string where;
  };

  Config() = default;
  explicit Config(const wr_config *cfg) {
    if (cfg == nullptr) return;
    for (uint32_t i = 0; i < cfg->n_entries; ++i) {
      const wr_config_entry &e = cfg->entries[i];
      entries_[e.key] = Entry{e.value ? e.value : "", e.where ? e.where : "?"};
    }
  }

  /// The value of `key`, or nullopt.
  std::optional<std::string> get(const std::string &key) const {
    auto it = entries_.find(key);
    if (it == entries_.end()) return std::nullopt;
    return it->second.value;
  }
  /// The value of `key`, or `def`.
  std::string get_or(const std::string &key, const std::string &def) const {
    auto v = get(key);
    return v ? *v : def;
  }
  /// The value of `key`; throws invalid_config naming the key when it is missing.
  std::string require(const std::string &key) const {
    auto v = get(key);
    if (!v) throw invalid_config("missing required option '" + key + "'");
    return *v;
  }
  /// Integer option; throws invalid_config naming key and location when not an integer.
  long long get_int(const std::string &key, long long def) const {
    auto it = entries_.find(key);
    if (it == entries_.end()) return def;
    try {
      size_t pos = 0;
      long long v = std::stoll(it->second.value, &pos);
      if (pos != it->second.value.size()) throw std::invalid_argument("trailing");
      return v;
    } catch (const std::exception &) {
      throw invalid_config(it->second.where + ": option '" + key + "' must be an integer, got '" +
                           it->second.value + "'");
    }
  }
  /// Boolean option (true/false/yes/no/on/off/1/0).
  bool get_bool(const std::string &key, bool def) const {
    auto it = entries_.find(key);
    if (it == entries_.end()) return def;
    const std::string &s = it->second.value;
    if (s == "true" || s == "yes" || s == "on" || s == "1") return true;
    if (s == "false" || s == "no" || s == "off" || s == "0") return false;
    throw invalid_config(it->second.where + ": option '" + key + "' must be a boolean, got '" + s +
                         "'");
  }
  /// Throws invalid_config for the first key not listed in `known` (n entries).
  void reject_unknown(const wr_option *known, size_t n) const {
    for (const auto &[key, entry] : entries_) {
      bool found = false;
      for (size_t i = 0; i < n && !found; ++i) found = key == known[i].key;
      if (!found) throw invalid_config(entry.where + ": unknown option '" + key + "'");
    }
  }
  const std::map<std::string, Entry> &entries() const { return entries_; }

 private:
  std::map<std::string, Entry> entries_;
};

/// What a sink's constructor receives.
struct SinkContext {
  const wr_host_api *host;
  wr_host_sink *handle;
  std::string name;
  Config config;

  /// Logs through the host (thread-safe).
  void log(wr_log_level level, const std::string &msg) const {
    if (host && host->log) host->log(handle, level, msg.c_str());
  }
};

namespace detail {

inline wr_status report(const wr_host_api *host, wr_host_sink *hs, wr_status st,
                        const char *msg) noexcept {
  if (host && host->set_error) host->set_error(hs, msg);
  return st;
}

/// Holds the instance plus what the adapter needs to report errors.
template <class Sink>
struct Instance {
  const wr_host_api *host;
  wr_host_sink *hs;
  Sink *sink;
};

template <class Sink>
struct Adapter {
  static const wr_option *&options() {
    static const wr_option *opts = nullptr;
    return opts;
  }
  static size_t &n_options() {
    static size_t n = 0;
    return n;
  }

  static wr_status create(const wr_host_api *host, wr_host_sink *hs, const char *name,
                          const wr_config *config, wr_sink **out) noexcept {
    if (out == nullptr) return WR_FATAL;
    try {
      SinkContext ctx{host, hs, name ? name : "", Config(config)};
      ctx.config.reject_unknown(options(), n_options());
      auto *inst = new Instance<Sink>{host, hs, nullptr};
      try {
        inst->sink = new Sink(ctx);
      } catch (...) {
        delete inst;
        throw;
      }
      *out = reinterpret_cast<wr_sink *>(inst);
      return WR_OK;
    } catch (const Error &e) {
      return report(host, hs, e.status(), e.what());
    } catch (const std::bad_alloc &) {
      return report(host, hs, WR_FATAL, "out of memory");
    } catch (const std::exception &e) {
      return report(host, hs, WR_FATAL, e.what());
    } catch (...) {
      return report(host, hs, WR_FATAL, "unknown exception in create");
    }
  }

  static void destroy(wr_sink *s) noexcept {
    auto *inst = reinterpret_cast<Instance<Sink> *>(s);
    if (!inst) return;
    try {
      delete inst->sink;
    } catch (...) {
    }
    delete inst;
  }

  template <class F>
  static wr_status guarded(wr_sink *s, F &&f) noexcept {
    auto *inst = reinterpret_cast<Instance<Sink> *>(s);
    try {
      f(*inst->sink);
      return WR_OK;
    } catch (const Error &e) {
      return report(inst->host, inst->hs, e.status(), e.what());
    } catch (const std::bad_alloc &) {
      return report(inst->host, inst->hs, WR_FATAL, "out of memory");
    } catch (const std::exception &e) {
      return report(inst->host, inst->hs, WR_FATAL, e.what());
    } catch (...) {
      return report(inst->host, inst->hs, WR_FATAL, "unknown exception");
    }
  }

  static wr_status load_position(wr_sink *s, wr_lsn *out) noexcept {
    if (s == nullptr || out == nullptr) return WR_FATAL;
    return guarded(s, [out](Sink &k) { *out = k.load_position(); });
  }
  static wr_status apply(wr_sink *s, const wr_batch *b) noexcept {
    if (s == nullptr) return WR_FATAL;
    return guarded(s, [b](Sink &k) {
      if (b == nullptr || b->struct_size < sizeof(wr_batch))
        throw fatal("host passed no batch or a wr_batch smaller than ABI v1's");
      k.apply(*b);
    });
  }

  static const wr_sink_vtable *vtable() {
    static const wr_sink_vtable vt = {sizeof(wr_sink_vtable), 0,     &create, &destroy,
                                      &load_position,         &apply};
    return &vt;
  }
};

}  // namespace detail
}  // namespace walrelay::sdk

/// Defines the plugin's entry symbol for class SINK. OPTIONS is a static array of
/// wr_option (used both for docs and for rejecting unknown keys).
#define WALRELAY_SINK_PLUGIN(SINK, NAME, VERSION, DESCRIPTION, CAPS, OPTIONS)                     \
  extern "C" WR_SINK_EXPORT const wr_plugin *walrelay_sink_entry(const wr_host_api *host) {       \
    using A = ::walrelay::sdk::detail::Adapter<SINK>;                                             \
    if (host == nullptr || host->abi_min > WR_SINK_ABI_VERSION ||                                 \
        host->abi_max < WR_SINK_ABI_VERSION) {                                                    \
      if (host && host->set_error)                                                                \
        host->set_error(nullptr, "plugin " NAME " supports only sink ABI version 1");             \
      return nullptr;                                                                             \
    }                                                                                             \
    A::options() = OPTIONS;                                                                       \
    A::n_options() = sizeof(OPTIONS) / sizeof((OPTIONS)[0]);                                      \
    static const wr_plugin info = {sizeof(wr_plugin),                                             \
                                   WR_SINK_ABI_VERSION,                                           \
                                   NAME,                                                          \
                                   VERSION,                                                       \
                                   DESCRIPTION,                                                   \
                                   (CAPS),                                                        \
                                   static_cast<uint32_t>(sizeof(OPTIONS) / sizeof((OPTIONS)[0])), \
                                   0,                                                             \
                                   OPTIONS,                                                       \
                                   A::vtable()};                                                  \
    return &info;                                                                                 \
  }

#endif  // WALRELAY_SINK_HPP

// `walrelay run`: load config and plugins, create sinks, then stream until told to stop.
#include <signal.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <map>
#include <optional>
#include <thread>
#include <tuple>

#include "core/app/commands.h"
#include "core/config/config.h"
#include "core/metrics/http_server.h"
#include "core/metrics/metrics.h"
#include "core/pgoutput/error.h"
#include "core/pipeline/delivery.h"
#include "core/pipeline/transaction_builder.h"
#include "core/plugin_host/plugin_loader.h"
#include "core/plugin_host/sink_handle.h"
#include "core/replication/replication_connection.h"
#include "core/replication/source.h"
#include "core/spool/journal.h"
#include "core/util/lsn.h"

namespace walrelay::app {

namespace {

StopSignal g_stop;

void on_signal(int) { g_stop.request(); }

void install_signal_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  signal(SIGPIPE, SIG_IGN);
  // A file size limit (ulimit -f) then fails the write with EFBIG, reported as a spool
  // error naming the file, instead of killing the process without a word.
  signal(SIGXFSZ, SIG_IGN);
}

// Creates a sink, retrying while the destination is unreachable.
bool create_sink(SinkHandle &sink) {
  bool created = false;  // create() once: a retry after load_position() failed reuses it
  for (int attempt = 0;; ++attempt) {
    SinkResult r;
    if (!created) {
      r = sink.create();
      created = r.ok();
    }
    if (r.ok()) r = sink.load_position();
    if (r.ok()) return true;
    if (r.status != WR_RETRY) {
      spdlog::error("{}", r.message);
      return false;
    }
    const auto wait = std::chrono::milliseconds(std::min(30000, 500 << std::min(attempt, 6)));
    spdlog::warn("{}; retrying in {} ms", r.message, wait.count());
    if (g_stop.sleep_for(wait)) return false;
  }
}

}  // namespace

int run_command(const RunOptions &options) {
  const std::string &config_path = options.config_path;
  const std::string &log_level = options.log_level;
  std::optional<Lsn> start_lsn, stop_lsn;
  for (const auto &[flag, text, out] : {std::tuple{"--start-lsn", &options.start_lsn, &start_lsn},
                                        std::tuple{"--stop-lsn", &options.stop_lsn, &stop_lsn}}) {
    if (text->empty()) continue;
    *out = parse_lsn(*text);
    if (!*out || **out == 0) {
      setup_logging(log_level);
      spdlog::error("{} '{}' is not an LSN (expected the form X/Y, e.g. 16/B374D848)", flag, *text);
      return kExitConfig;
    }
  }
  Config cfg;
  try {
    cfg = load_config(config_path);
  } catch (const ConfigError &e) {
    setup_logging(log_level);
    spdlog::error("{}", e.what());
    return kExitConfig;
  }
  setup_logging(log_level.empty() ? cfg.log_level : log_level);
  install_signal_handlers();
  // /metrics, /healthz, /readyz (http.listen); stopped when this function returns.
  std::unique_ptr<metrics::MetricsServer> http;
  try {
    http = metrics::start_metrics_server(cfg.http, metrics::process_metrics());
  } catch (const metrics::MetricsServerError &e) {
    spdlog::error("{}", e.what());
    return kExitConfig;
  }
  if (http) spdlog::info("http: /metrics, /healthz, /readyz on {}", http->address());
  const std::string plugin_dir = cfg.plugin_dir.empty() ? default_plugin_dir() : cfg.plugin_dir;
  spdlog::info("walrelay {} starting: config {}, source {}, slot '{}'", WALRELAY_VERSION,
               config_path, replication::redact_conninfo(cfg.source.conninfo), cfg.source.slot);

  // Plugins load on the main thread, once per file, and stay loaded until exit.
  std::map<std::filesystem::path, std::unique_ptr<LoadedPlugin>> plugins;
  std::vector<std::unique_ptr<SinkHandle>> sinks;
  for (const auto &sc : cfg.sinks) {
    const auto path = resolve_plugin(sc.plugin, plugin_dir);
    try {
      auto &lp = plugins[path];
      if (!lp) lp = load_plugin(path, cfg.plugin_check_permissions);
      spdlog::info("sink '{}': plugin {} {} (ABI {}) from {}", sc.name, lp->info->name,
                   lp->info->version ? lp->info->version : "?", lp->info->abi_version,
                   path.string());
      sinks.push_back(std::make_unique<SinkHandle>(*lp, sc));
      sinks.back()->attach_metrics(*metrics::process_metrics().register_sink(sc.name));
    } catch (const PluginError &e) {
      spdlog::error("{} (sink '{}' at {})", e.what(), sc.name, sc.where);
      return kExitConfig;
    }
  }
  for (auto &s : sinks) {
    if (!create_sink(*s)) return g_stop.requested() ? kExitOk : kExitConfig;
    spdlog::info("sink '{}': applied position {}", s->name(),
                 s->position() ? format_lsn(s->position()) : std::string("none"));
  }

  for (auto &s : sinks)
    if (cfg.source.binary && !s->has_capability(WR_CAP_BINARY_VALUES)) {
      spdlog::error(
          "source.binary is on but sink '{}' (plugin {}) does not accept binary "
          "values (WR_CAP_BINARY_VALUES); turn source.binary off",
          s->name(), s->plugin().info->name);
      return kExitConfig;
    }
  if (cfg.source.messages && std::none_of(sinks.begin(), sinks.end(), [](const auto &s) {
        return s->has_capability(WR_CAP_MESSAGES);
      }))
    spdlog::warn(
        "source.messages is on but no sink takes logical decoding messages "
        "(WR_CAP_MESSAGES); they are dropped");

  // The spool: every committed transaction is durable here before any sink sees it.
  std::unique_ptr<spool::Journal> journal;
  try {
    spool::JournalOptions jo;
    jo.dir = cfg.spool.dir;
    jo.segment_bytes = cfg.spool.segment_bytes;
    jo.compress = cfg.spool.compression;
    jo.fsync = cfg.spool.fsync == SpoolFsync::kAlways  ? spool::FsyncPolicy::kAlways
               : cfg.spool.fsync == SpoolFsync::kNever ? spool::FsyncPolicy::kNever
                                                       : spool::FsyncPolicy::kOnSync;
    jo.group_commit = std::chrono::milliseconds(cfg.spool.group_commit_ms);
    jo.max_bytes = cfg.spool.max_bytes;
    journal = std::make_unique<spool::Journal>(jo, sinks.size());
  } catch (const spool::SpoolError &e) {
    spdlog::error("{}", e.what());
    return kExitRuntime;
  }
  spdlog::info(
      "spool: {} (spooled up to {})", cfg.spool.dir,
      journal->spooled_lsn() ? format_lsn(journal->spooled_lsn()) : std::string("nothing"));

  // Resume after what the spool holds, or from the lowest position any sink holds (0: the
  // slot's confirmed position), or from --start-lsn.
  wr_lsn start = UINT64_MAX;
  for (const auto &s : sinks) start = std::min(start, s->position());
  start = std::max<wr_lsn>(start, journal->spooled_lsn());
  if (start_lsn) start = *start_lsn;

  TransactionPool pool;
  std::vector<SinkHandle *> raw;
  for (auto &s : sinks) raw.push_back(s.get());
  // One delivery thread per sink, each reading the spool at its own pace.
  Delivery delivery(*journal, raw, pool, cfg.pipeline, g_stop, stop_lsn.value_or(0));

  replication::Source source(
      cfg.source, cfg.spool, *journal, pool, [&] { return delivery.applied_lsn(); },
      [&] { return delivery.done(); }, g_stop);
  if (stop_lsn) source.set_stop_lsn(*stop_lsn);
  wr_lsn highest = 0;
  for (const auto &s : sinks) highest = std::max(highest, s->position());
  source.set_snapshot(cfg.snapshot, highest);
  // The sinks get nothing (not even what the spool holds) until the source has checked
  // that the spool belongs to it.
  source.set_on_ready([&] { delivery.start(); });
  int rc = kExitOk;
  try {
    source.run(start, start_lsn.has_value());
  } catch (const std::exception &e) {
    spdlog::error("source: {}", e.what());
    rc = kExitRuntime;
  }
  g_stop.request_and_notify();
  journal->close();
  delivery.join();
  try {
    journal->collect();  // delete what every sink has passed
  } catch (const std::exception &e) {
    spdlog::warn("spool: {}", e.what());
  }
  if (!delivery.error().empty()) rc = kExitRuntime;
  for (const auto &w : delivery.workers())
    spdlog::info("sink '{}': {} transactions, {} changes applied; position {}", w->sink_name(),
                 w->txns_applied(), w->changes_applied(), format_lsn(w->position()));
  spdlog::info("walrelay stopped; applied position {}", format_lsn(delivery.applied_lsn()));
  sinks.clear();  // destroy instances before their plugins
  return rc;
}

}  // namespace walrelay::app

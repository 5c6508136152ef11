// `walrelay status -c FILE`: how far behind everything is, from the server's slot, the
// sinks' own positions and the spool; works whether or not the daemon runs (read-only).
#include <chrono>
#include <memory>

#include "core/app/commands.h"
#include "core/ops/command_setup.h"
#include "core/ops/pg_session.h"
#include "core/ops/report.h"
#include "core/ops/sink_probe.h"
#include "core/ops/slot_state.h"
#include "core/ops/spool_stats.h"
#include "core/replication/replication_connection.h"
#include "core/snapshot/snapshot_state.h"
#include "core/spool/spool.h"
#include "core/util/lsn.h"

namespace walrelay::app {

namespace {

std::string seconds_text(long long us) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f s", static_cast<double>(us) / 1e6);
  return buf;
}

}  // namespace

int status_command(const std::string &config_path) {
  const auto cfg = ops::load_command_config(config_path);
  if (!cfg) return kExitConfig;
  ops::Report rep;

  // The server's side: the slot.
  uint64_t server_wal = 0;
  try {
    ops::PgSession s(cfg->source.conninfo);
    const auto st = ops::query_slot(s, cfg->source.slot);
    if (!st) {
      rep.fail("slot '" + cfg->source.slot + "' does not exist in database " + s.database(),
               "walrelay init -c " + config_path);
    } else {
      server_wal = st->current_wal;
      rep.ok("slot '" + cfg->source.slot + "': " +
             (st->active ? "active (pid " + std::to_string(st->active_pid.value_or(0)) +
                               "): walrelay is running"
                         : std::string("inactive: no walrelay is streaming")) +
             "; server WAL " + format_lsn(st->current_wal) + ", confirmed_flush_lsn " +
             format_lsn(st->confirmed_flush) + ", lag " + std::to_string(st->lag_bytes) +
             " bytes; retained WAL " + ops::bytes_text(st->retained_bytes));
    }
  } catch (const ops::PgError &e) {
    rep.fail(std::string("source: ") + e.what(),
             "check source.conninfo in " + config_path +
                 " (redacted: " + replication::redact_conninfo(cfg->source.conninfo) + ")");
  }

  // Each sink's applied position, as the sink itself holds it.
  ops::SinkProber prober(ops::plugin_dir_of(*cfg), cfg->plugin_check_permissions);
  uint64_t slowest = UINT64_MAX;
  bool all_known = true;
  for (const auto &sc : cfg->sinks) {
    const ops::SinkProbe p = prober.probe(sc);
    if (!p.plugin_ok || !p.reachable) {
      all_known = false;
      rep.fail("sink '" + p.name + "': applied position unknown: " + p.error,
               "walrelay check -c " + config_path);
      continue;
    }
    slowest = std::min<uint64_t>(slowest, p.position);
    std::string text = "sink '" + p.name + "': applied " +
                       (p.position ? format_lsn(p.position) : std::string("nothing yet"));
    if (server_wal && p.position)
      text += ", " + std::to_string(server_wal > p.position ? server_wal - p.position : 0) +
              " bytes behind the server's WAL";
    rep.ok(text);
  }

  // The spool: size, and the age of the oldest transaction the slowest sink lacks.
  const ops::SpoolUsage usage = ops::spool_usage(cfg->spool.dir);
  if (usage.exists)
    rep.ok("spool " + cfg->spool.dir + ": " + ops::bytes_text(static_cast<long long>(usage.bytes)) +
           " in " + std::to_string(usage.files) + " files");
  else
    rep.ok("spool " + cfg->spool.dir + ": does not exist yet (0 bytes)");
  if (usage.exists) {
    // The initial snapshot's phase (snapshot.mode), when one was ever started here.
    try {
      const auto st = snapshot::read_snapshot_state(cfg->spool.dir);
      if (st.phase == snapshot::SnapshotPhase::kDone)
        rep.ok("initial snapshot: done, " + std::to_string(st.rows) +
               " rows copied (consistent at " + format_lsn(st.consistent_point) + ")");
      else if (st.phase == snapshot::SnapshotPhase::kCopying)
        rep.ok("initial snapshot: copying (or interrupted: the next walrelay run copies again)");
    } catch (const std::exception &e) {
      rep.fail(std::string("initial snapshot: ") + e.what(), "walrelay run rewrites it");
    }
  }
  if (slowest != UINT64_MAX && all_known && usage.exists) {
    try {
      const ops::SpoolLag lag = ops::spool_lag(cfg->spool.dir, slowest);
      const long long now_us = std::chrono::duration_cast<std::chrono::microseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count();
      if (lag.oldest_unapplied) {
        const auto &h = *lag.oldest_unapplied;
        rep.ok("time lag " + seconds_text(std::max(0LL, now_us - h.commit_time_us)) +
               ": the oldest spooled transaction the slowest sink has not applied committed "
               "at " +
               ops::format_utc_us(h.commit_time_us) + " (xid " + std::to_string(h.xid) + ", end " +
               format_lsn(h.end_lsn) + ")");
      } else {
        rep.ok(std::string("time lag 0.0 s: every sink holds every spooled transaction") +
               (lag.newest_applied
                    ? " (newest committed at " +
                          ops::format_utc_us(lag.newest_applied->commit_time_us) + ")"
                    : std::string()));
      }
    } catch (const std::exception &e) {
      rep.fail(std::string("time lag unknown: ") + e.what(),
               "walrelay run reports and repairs the spool at start");
    }
  } else if (usage.exists && !all_known) {
    rep.fail("time lag unknown: a sink's applied position is unknown",
             "walrelay check -c " + config_path);
  }
  return rep.exit_code();
}

}  // namespace walrelay::app

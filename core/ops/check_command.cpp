// `walrelay check -c FILE`: the doctor. Every prerequisite of `walrelay run`, one line each,
// with the fix for what is wrong.
#include <unistd.h>

#include <filesystem>
#include <functional>
#include <memory>
#include <set>

#include "core/app/commands.h"
#include "core/ops/command_setup.h"
#include "core/ops/pg_session.h"
#include "core/ops/publication.h"
#include "core/ops/report.h"
#include "core/ops/sink_probe.h"
#include "core/ops/slot_state.h"
#include "core/replication/replication_connection.h"
#include "core/replication/source.h"
#include "core/util/lsn.h"

namespace walrelay::app {

namespace {

using ops::PgSession;
using ops::Report;

constexpr const char *kRestart = "then restart PostgreSQL (the setting takes effect at start)";

// Runs one check; a failed query becomes a ✘ line instead of ending the command.
void guarded(Report &rep, const std::string &what, const std::function<void()> &fn) {
  try {
    fn();
  } catch (const std::exception &e) {
    rep.fail(what + ": " + e.what());
  }
}

long long to_ll(const std::optional<std::string> &v) { return v ? std::stoll(*v) : 0; }

void check_settings(PgSession &s, const Config &cfg, Report &rep) {
  const auto wal_level = s.scalar("SELECT current_setting('wal_level')").value_or("");
  if (wal_level == "logical")
    rep.ok("wal_level = logical");
  else
    rep.fail("wal_level = " + wal_level + " (logical decoding needs wal_level = logical)",
             std::string("ALTER SYSTEM SET wal_level = logical;\n") + kRestart);

  const bool slot_exists =
      s.scalar("SELECT 1 FROM pg_catalog.pg_replication_slots WHERE slot_name = $1",
               {cfg.source.slot})
          .has_value();
  const long long max_slots = to_ll(s.scalar("SELECT current_setting('max_replication_slots')"));
  const long long used = to_ll(s.scalar("SELECT count(*) FROM pg_catalog.pg_replication_slots"));
  const long long need_slots = used + (slot_exists ? 0 : 1);
  const std::string slots_text = "max_replication_slots = " + std::to_string(max_slots) + " (" +
                                 std::to_string(used) + " in use" +
                                 (slot_exists ? ", including slot '" + cfg.source.slot + "')"
                                              : ", slot '" + cfg.source.slot + "' needs one more)");
  if (max_slots >= need_slots && max_slots > 0)
    rep.ok(slots_text);
  else
    rep.fail(slots_text, "ALTER SYSTEM SET max_replication_slots = " +
                             std::to_string(std::max(need_slots + 4, 10LL)) + ";\n" + kRestart);

  const long long max_senders = to_ll(s.scalar("SELECT current_setting('max_wal_senders')"));
  const long long senders = to_ll(s.scalar(
      "SELECT count(*) FROM pg_catalog.pg_stat_activity WHERE backend_type = 'walsender'"));
  const bool slot_active =
      s.scalar("SELECT 1 FROM pg_catalog.pg_replication_slots WHERE slot_name = $1 AND active",
               {cfg.source.slot})
          .has_value();
  const long long need_senders = senders + (slot_active ? 0 : 1);
  const std::string senders_text = "max_wal_senders = " + std::to_string(max_senders) + " (" +
                                   std::to_string(senders) + " in use)";
  if (max_senders >= need_senders && max_senders > 0)
    rep.ok(senders_text);
  else
    rep.fail(senders_text, "ALTER SYSTEM SET max_wal_senders = " +
                               std::to_string(std::max(need_senders + 4, 10LL)) + ";\n" + kRestart);
}

void check_role(PgSession &s, Report &rep) {
  const ops::PgRows r = s.query(
      "SELECT rolreplication, rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user");
  const bool replication = !r.empty() && r[0][0].value_or("") == "t";
  const bool super = !r.empty() && r[0][1].value_or("") == "t";
  if (replication || super)
    rep.ok("role " + s.user() + " may replicate (" +
           (super ? std::string("superuser") : std::string("REPLICATION")) + ")");
  else
    rep.fail("role " + s.user() + " lacks the REPLICATION attribute",
             "ALTER ROLE " + s.ident(s.user()) + " WITH REPLICATION;  (as a superuser)");
}

void check_replication_connection(const Config &cfg, Report &rep) {
  try {
    replication::ReplicationConnection conn(cfg.source.conninfo);
    const auto id = conn.identify_system();
    rep.ok("replication connection accepted (system " + id.system_id + ", timeline " +
           std::to_string(id.timeline) + ")");
  } catch (const replication::ReplicationError &e) {
    rep.fail(std::string("replication connection refused: ") + e.what(),
             "the role needs REPLICATION (or superuser), pg_hba.conf must allow it for this "
             "database (a replication=database connection matches the database column), and "
             "max_wal_senders must have a free sender");
  }
}

void check_publications(PgSession &s, const Config &cfg, Report &rep) {
  std::set<std::string> reported;  // tables named once even when in several publications
  for (const auto &name : replication::split_publications(cfg.source.publication)) {
    const auto pub = ops::query_publication(s, name);
    if (!pub) {
      rep.fail("publication '" + name + "' does not exist in database " + s.database(),
               cfg.source.create_publication
                   ? "walrelay init -c " + cfg.path + "  (source.create_publication is on)"
                   : "CREATE PUBLICATION " + s.ident(name) +
                         " FOR ALL TABLES;  (or FOR TABLE ...; or set "
                         "source.create_publication: true and run walrelay init)");
      continue;
    }
    std::string list;
    const size_t shown = std::min<size_t>(pub->tables.size(), 10);
    for (size_t i = 0; i < shown; ++i) list += (i ? ", " : "") + pub->tables[i];
    if (pub->tables.size() > shown)
      list += ", ... (" + std::to_string(pub->tables.size() - shown) + " more)";
    const std::string scope = pub->all_tables ? "FOR ALL TABLES, " : "";
    if (pub->tables.empty()) {
      rep.fail("publication '" + name + "' (" + scope + "0 tables) publishes no table",
               "ALTER PUBLICATION " + s.ident(name) + " ADD TABLE <schema.table>;");
      continue;
    }
    rep.ok("publication '" + name + "' (" + scope + std::to_string(pub->tables.size()) +
           (pub->tables.size() == 1 ? " table): " : " tables): ") + list);
    const auto problems = ops::identity_problems(s, name);
    for (const auto &p : problems) {
      if (!reported.insert(p.table).second) continue;
      rep.fail("table " + p.table + " (publication '" + name + "'): " + p.identity +
                   "; its UPDATEs and DELETEs cannot be replicated",
               p.fix);
    }
    if (cfg.snapshot.mode != SnapshotMode::kNever) {
      // The initial snapshot reads every published table with COPY.
      const auto unreadable = s.query(
          "SELECT quote_ident(schemaname) || '.' || quote_ident(tablename) "
          "FROM pg_catalog.pg_publication_tables WHERE pubname = $1 AND NOT "
          "has_table_privilege(format('%I.%I', schemaname, tablename), 'SELECT') ORDER BY 1",
          {name});
      for (const auto &row : unreadable)
        rep.fail("table " + row[0].value_or("?") + " (publication '" + name + "'): role " +
                     s.user() + " may not SELECT it, so the initial snapshot cannot copy it",
                 "GRANT SELECT ON " + row[0].value_or("?") + " TO " + s.ident(s.user()) + ";");
      if (unreadable.empty())
        rep.ok("initial snapshot: role " + s.user() + " may read every table of publication '" +
               name + "'");
    }
    if (problems.empty())
      rep.ok("replica identity: every table of publication '" + name +
             "' has a primary key or a replica identity" +
             (pub->publishes_update || pub->publishes_delete ? ""
                                                             : " (it publishes no UPDATE/DELETE)"));
  }
}

void check_slot(PgSession &s, const Config &cfg, Report &rep) {
  const std::string &slot = cfg.source.slot;
  const auto st = ops::query_slot(s, slot);
  if (!st) {
    if (cfg.source.create_slot)
      rep.ok("slot '" + slot +
             "' does not exist yet; walrelay run creates it "
             "(source.create_slot), or walrelay init -c " +
             cfg.path + " does now");
    else
      rep.fail("slot '" + slot + "' does not exist (and source.create_slot is off)",
               "walrelay init -c " + cfg.path);
    return;
  }
  const std::string redo = "walrelay teardown -c " + cfg.path + ", then walrelay init -c " +
                           cfg.path + "  (or choose another source.slot)";
  if (st->slot_type != "logical" || st->plugin != "pgoutput") {
    rep.fail("slot '" + slot + "' is a " + st->slot_type + " slot" +
                 (st->plugin.empty() ? "" : " of plugin " + st->plugin) +
                 ", not a logical pgoutput slot",
             redo);
    return;
  }
  if (st->database != s.database()) {
    rep.fail("slot '" + slot + "' belongs to database " + st->database +
                 " but source.conninfo connects to " + s.database(),
             "fix dbname in source.conninfo, or " + redo);
    return;
  }
  const std::string state =
      "slot '" + slot + "': pgoutput, " +
      (st->active ? "active (pid " + std::to_string(st->active_pid.value_or(0)) + ")"
                  : std::string("inactive")) +
      ", confirmed_flush_lsn " + format_lsn(st->confirmed_flush) + ", lag " +
      std::to_string(st->lag_bytes) + " bytes, retained WAL " +
      ops::bytes_text(st->retained_bytes) + ", restart_lsn " + format_lsn(st->restart_lsn) +
      ", wal_status " + (st->wal_status.empty() ? "-" : st->wal_status);
  if (st->wal_status == "lost")
    rep.fail(state + ": the server removed WAL the slot needs; changes were lost",
             redo + ", then resynchronize the sinks (snapshot.mode: initial)");
  else if (st->wal_status == "unreserved")
    rep.fail(state + ": WAL past max_slot_wal_keep_size will be removed at the next checkpoint",
             "let walrelay catch up now (walrelay run), or raise max_slot_wal_keep_size");
  else
    rep.ok(state);
}

void check_sinks(const Config &cfg, Report &rep) {
  ops::SinkProber prober(ops::plugin_dir_of(cfg), cfg.plugin_check_permissions);
  for (const auto &sc : cfg.sinks) {
    const ops::SinkProbe p = prober.probe(sc);
    if (!p.plugin_ok) {
      rep.fail("sink '" + p.name + "': plugin refused: " + p.error,
               "check plugin: of the sink at " + p.where + " and plugin_dir (" +
                   prober.plugin_dir() + "); walrelay plugins -c " + cfg.path +
                   " lists what is installed");
      continue;
    }
    if (!p.reachable) {
      rep.fail("sink '" + p.name + "' (" + p.plugin_text + "): cannot open it: " + p.error,
               "check the sink's options at " + p.where +
                   " and that its destination is "
                   "reachable");
      continue;
    }
    rep.ok("sink '" + p.name + "' (" + p.plugin_text + "): plugin accepted, reachable, applied " +
           (p.position ? format_lsn(p.position) : std::string("nothing yet")));
    if (cfg.source.binary && !(p.capabilities & WR_CAP_BINARY_VALUES))
      rep.fail("sink '" + p.name + "' does not accept binary values but source.binary is on",
               "set source.binary: false");
  }
}

void check_spool_dir(const Config &cfg, Report &rep) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::path p = cfg.spool.dir;
  while (!p.empty() && !fs::exists(p, ec)) p = p.parent_path();
  if (p.empty()) p = ".";
  const bool exists = fs::is_directory(cfg.spool.dir, ec);
  if (::access(p.c_str(), W_OK | X_OK) == 0)
    rep.ok("spool dir " + cfg.spool.dir + (exists ? " is writable" : " can be created"));
  else
    rep.fail("spool dir " + cfg.spool.dir + ": " + p.string() + " is not writable",
             "give the walrelay user write access to " + p.string() + ", or set spool.dir");
}

}  // namespace

int check_command(const std::string &config_path) {
  const auto cfg = ops::load_command_config(config_path);
  if (!cfg) return kExitConfig;
  Report rep;
  rep.ok("config " + config_path + " (slot '" + cfg->source.slot + "', publication '" +
         cfg->source.publication + "', " + std::to_string(cfg->sinks.size()) +
         (cfg->sinks.size() == 1 ? " sink)" : " sinks)"));
  std::unique_ptr<PgSession> s;
  try {
    s = std::make_unique<PgSession>(cfg->source.conninfo);
  } catch (const ops::PgError &e) {
    rep.fail(e.what(), "check source.conninfo in " + config_path +
                           " (host, port, dbname, user, password) and that the server is up "
                           "and pg_hba.conf lets this host in");
  }
  if (s) {
    rep.ok("source reachable: " + replication::redact_conninfo(cfg->source.conninfo) +
           " (PostgreSQL " + std::to_string(s->server_version() / 10000) + "." +
           std::to_string(s->server_version() % 10000) + ", database " + s->database() + ", user " +
           s->user() + ")");
    guarded(rep, "server settings", [&] { check_settings(*s, *cfg, rep); });
    guarded(rep, "role", [&] { check_role(*s, rep); });
    check_replication_connection(*cfg, rep);
    guarded(rep, "publications", [&] { check_publications(*s, *cfg, rep); });
    guarded(rep, "slot", [&] { check_slot(*s, *cfg, rep); });
  }
  check_sinks(*cfg, rep);
  check_spool_dir(*cfg, rep);
  return rep.exit_code();
}

}  // namespace walrelay::app

// `walrelay init -c FILE`: creates the publication (when source.create_publication is on)
// and the logical slot. Idempotent: what exists already is reported as such.
#include <memory>

#include "core/app/commands.h"
#include "core/ops/command_setup.h"
#include "core/ops/pg_session.h"
#include "core/ops/publication.h"
#include "core/ops/report.h"
#include "core/replication/replication_connection.h"
#include "core/replication/source.h"
#include "core/util/lsn.h"

namespace walrelay::app {

namespace {

// The publications first: pgoutput looks them up with the catalog as of the position it
// decodes, so a publication created after the slot is not seen by changes before it.
void init_publications(ops::PgSession &s, const Config &cfg, ops::Report &rep) {
  for (const auto &name : replication::split_publications(cfg.source.publication)) {
    try {
      if (const auto pub = ops::query_publication(s, name)) {
        rep.ok("publication '" + name + "' exists (" +
               (pub->all_tables ? std::string("FOR ALL TABLES, ") : std::string()) +
               std::to_string(pub->tables.size()) + " tables)");
        continue;
      }
      if (!cfg.source.create_publication) {
        rep.fail("publication '" + name +
                     "' does not exist and source.create_publication is "
                     "off",
                 "CREATE PUBLICATION " + s.ident(name) +
                     " FOR ALL TABLES;  (or set source.create_publication: true, with "
                     "source.publication_tables for FOR TABLE, and run init again)");
        continue;
      }
      const std::string sql = ops::create_publication_sql(s, name, cfg.source);
      s.query(sql);
      rep.ok("publication '" + name + "' created: " + sql);
    } catch (const ops::PgError &e) {
      rep.fail("publication '" + name + "': " + e.what(),
               "check source.publication_tables (the tables must exist) and that the role "
               "may create it (FOR ALL TABLES needs a superuser)");
    }
  }
}

void init_slot(const Config &cfg, ops::Report &rep) {
  const std::string &slot = cfg.source.slot;
  try {
    replication::ReplicationConnection conn(cfg.source.conninfo);
    if (auto st = conn.find_slot(slot)) {
      if (st->slot_type != "logical" || st->plugin != "pgoutput") {
        rep.fail("slot '" + slot + "' exists but is a " + st->slot_type + " slot" +
                     (st->plugin.empty() ? "" : " of plugin " + st->plugin),
                 "walrelay teardown -c " + cfg.path +
                     " then init again, or choose another "
                     "source.slot");
        return;
      }
      rep.ok("slot '" + slot + "' exists (confirmed_flush_lsn " + format_lsn(st->confirmed_flush) +
             ")");
      return;
    }
    if (cfg.snapshot.mode != SnapshotMode::kNever) {
      // The initial snapshot needs the snapshot exported when the slot is created, and
      // only `walrelay run` can keep that connection open while it copies.
      rep.ok("slot '" + slot + "' left to walrelay run: with snapshot.mode " +
             (cfg.snapshot.mode == SnapshotMode::kInitial ? "initial" : "initial_only") +
             " it creates the slot together with its snapshot");
      return;
    }
    conn.create_slot(slot);
    const auto st = conn.find_slot(slot);
    rep.ok("slot '" + slot + "' created (logical, pgoutput, starts at " +
           format_lsn(st ? st->confirmed_flush : 0) + ")");
  } catch (const replication::ReplicationError &e) {
    rep.fail(std::string("slot '") + slot + "': " + e.what(),
             "walrelay check -c " + cfg.path +
                 " names what is missing (wal_level, "
                 "max_replication_slots, the REPLICATION privilege)");
  }
}

}  // namespace

int init_command(const std::string &config_path) {
  const auto cfg = ops::load_command_config(config_path);
  if (!cfg) return kExitConfig;
  ops::Report rep;
  std::unique_ptr<ops::PgSession> s;
  try {
    s = std::make_unique<ops::PgSession>(cfg->source.conninfo);
  } catch (const ops::PgError &e) {
    rep.fail(e.what(), "check source.conninfo in " + config_path);
    return rep.exit_code();
  }
  init_publications(*s, *cfg, rep);
  if (rep.failures() == 0)
    init_slot(*cfg, rep);
  else
    rep.fail(
        "slot '" + cfg->source.slot + "' not created: the publication must exist first",
        "fix the publication as shown above, then run walrelay init -c " + config_path + " again");
  return rep.exit_code();
}

}  // namespace walrelay::app

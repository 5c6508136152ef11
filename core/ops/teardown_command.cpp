// `walrelay teardown -c FILE [--yes] [--drop-publication]`: drops the slot (and optionally
// the publication) after confirmation.
#include <unistd.h>

#include <cctype>
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>

#include "core/app/commands.h"
#include "core/ops/command_setup.h"
#include "core/ops/pg_session.h"
#include "core/ops/publication.h"
#include "core/ops/report.h"
#include "core/ops/slot_state.h"
#include "core/replication/source.h"
#include "core/util/lsn.h"

namespace walrelay::app {

namespace {

// Asks `question` on the terminal; true for "y" / "yes" (any case).
bool confirm(const std::string &question) {
  std::printf("%s [y/N] ", question.c_str());
  std::fflush(stdout);
  std::string answer;
  if (!std::getline(std::cin, answer)) return false;
  for (auto &c : answer) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return answer == "y" || answer == "yes";
}

}  // namespace

int teardown_command(const TeardownOptions &options) {
  const auto cfg = ops::load_command_config(options.config_path);
  if (!cfg) return kExitConfig;
  ops::Report rep;
  std::unique_ptr<ops::PgSession> s;
  try {
    s = std::make_unique<ops::PgSession>(cfg->source.conninfo);
  } catch (const ops::PgError &e) {
    rep.fail(e.what(), "check source.conninfo in " + options.config_path);
    return rep.exit_code();
  }
  const std::string &slot = cfg->source.slot;
  const auto pubs = replication::split_publications(cfg->source.publication);
  try {
    const auto st = ops::query_slot(*s, slot);
    if (st && st->active) {
      rep.fail("slot '" + slot + "' is active (pid " + std::to_string(st->active_pid.value_or(0)) +
                   "): a walrelay is streaming from it; nothing dropped",
               "stop that walrelay first (or SELECT pg_terminate_backend(" +
                   std::to_string(st->active_pid.value_or(0)) + ");), then run teardown again");
      return rep.exit_code();
    }
    std::string what = st ? "slot '" + slot + "'" : std::string();
    if (options.drop_publication)
      for (const auto &p : pubs)
        if (ops::query_publication(*s, p))
          what += (what.empty() ? "" : " and ") + std::string("publication '") + p + "'";
    if (!what.empty() && !options.yes) {
      if (!::isatty(STDIN_FILENO)) {
        std::fprintf(stderr,
                     "error: refusing to drop %s without confirmation: stdin is not a "
                     "terminal; pass --yes\n",
                     what.c_str());
        return kExitConfig;
      }
      if (!confirm("drop " + what + " in database " + s->database() + "?")) {
        rep.fail("not confirmed: nothing dropped");
        return rep.exit_code();
      }
    }
    if (!st) {
      rep.ok("slot '" + slot + "' does not exist (nothing to drop)");
    } else {
      s->query("SELECT pg_catalog.pg_drop_replication_slot($1)", {slot});
      rep.ok("slot '" + slot + "' dropped (its confirmed_flush_lsn was " +
             format_lsn(st->confirmed_flush) + ")");
    }
  } catch (const ops::PgError &e) {
    rep.fail("slot '" + slot + "': " + e.what(),
             e.sqlstate() == "55006" ? "stop the walrelay streaming from it, then run teardown "
                                       "again"
                                     : "");
    return rep.exit_code();
  }
  if (options.drop_publication) {
    for (const auto &p : pubs) {
      try {
        if (!ops::query_publication(*s, p)) {
          rep.ok("publication '" + p + "' does not exist (nothing to drop)");
          continue;
        }
        s->query("DROP PUBLICATION " + s->ident(p));
        rep.ok("publication '" + p + "' dropped");
      } catch (const ops::PgError &e) {
        rep.fail("publication '" + p + "': " + e.what(),
                 "DROP PUBLICATION " + s->ident(p) + ";  (as its owner)");
      }
    }
  }
  rep.detail("the spool (" + cfg->spool.dir +
             ") and the sinks' positions are kept; remove the "
             "spool dir before replicating from a new slot");
  return rep.exit_code();
}

}  // namespace walrelay::app

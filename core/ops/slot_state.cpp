// pg_replication_slots lookup.
#include "core/ops/slot_state.h"

#include "core/util/lsn.h"

namespace walrelay::ops {

std::optional<SlotState> query_slot(PgSession &session, const std::string &slot) {
  const PgRows rows = session.query(
      "WITH w AS (SELECT CASE WHEN pg_catalog.pg_is_in_recovery() "
      "THEN pg_catalog.pg_last_wal_replay_lsn() ELSE pg_catalog.pg_current_wal_lsn() END AS "
      "lsn) "
      "SELECT s.plugin, s.slot_type, s.database, s.wal_status, s.active, s.active_pid, "
      "s.restart_lsn, s.confirmed_flush_lsn, w.lsn, "
      "pg_catalog.pg_wal_lsn_diff(w.lsn, s.confirmed_flush_lsn)::bigint, "
      "pg_catalog.pg_wal_lsn_diff(w.lsn, s.restart_lsn)::bigint "
      "FROM pg_catalog.pg_replication_slots s, w WHERE s.slot_name = $1",
      {slot});
  if (rows.empty()) return std::nullopt;
  const auto &r = rows.front();
  const auto text = [&](size_t i) { return r[i].value_or(""); };
  const auto lsn = [&](size_t i) { return r[i] ? parse_lsn(*r[i]).value_or(0) : 0; };
  const auto num = [&](size_t i) { return r[i] ? std::stoll(*r[i]) : 0LL; };
  SlotState s;
  s.plugin = text(0);
  s.slot_type = text(1);
  s.database = text(2);
  s.wal_status = text(3);
  s.active = text(4) == "t";
  if (r[5]) s.active_pid = std::stoll(*r[5]);
  s.restart_lsn = lsn(6);
  s.confirmed_flush = lsn(7);
  s.current_wal = lsn(8);
  s.lag_bytes = num(9);
  s.retained_bytes = num(10);
  return s;
}

}  // namespace walrelay::ops

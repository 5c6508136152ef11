// The replication slot as pg_replication_slots shows it, with lag and retained WAL.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/ops/pg_session.h"

namespace walrelay::ops {

/// One row of pg_replication_slots plus positions computed by the server.
struct SlotState {
  std::string plugin;      ///< output plugin ("pgoutput"); empty for physical slots
  std::string slot_type;   ///< "logical" or "physical"
  std::string database;    ///< database of a logical slot
  std::string wal_status;  ///< reserved | extended | unreserved | lost (empty if NULL)
  bool active = false;
  std::optional<long long> active_pid;  ///< the walsender holding the slot
  uint64_t restart_lsn = 0;             ///< 0 when NULL
  uint64_t confirmed_flush = 0;         ///< 0 when NULL
  uint64_t current_wal = 0;             ///< pg_current_wal_lsn() (replay LSN on a standby)
  /// Bytes from confirmed_flush_lsn to the current WAL position: what the slot's consumer
  /// has not confirmed yet (0 when unknown).
  long long lag_bytes = 0;
  /// Bytes of WAL the slot keeps on the server (current WAL - restart_lsn).
  long long retained_bytes = 0;
};

/// Looks up `slot`; nullopt when it does not exist. Throws PgError.
std::optional<SlotState> query_slot(PgSession &session, const std::string &slot);

}  // namespace walrelay::ops

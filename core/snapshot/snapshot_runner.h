// The initial snapshot (backfill): N worker connections import the slot's exported
// snapshot and COPY every published table in ctid-range chunks, in parallel; the rows
// reach the spool as insert-only transactions, one per chunk.
#pragma once

#include <cstdint>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "core/config/config.h"
#include "core/pipeline/transaction_builder.h"
#include "core/snapshot/catalog.h"
#include "core/util/stop_signal.h"

namespace walrelay::spool {
class Journal;
}

namespace walrelay::snapshot {

/// What one snapshot run copies and how its transactions are numbered.
///
/// Snapshot transactions carry commit_lsn 0 (that is what marks them; sinks see the
/// wr_txn flag WR_TXN_SNAPSHOT) and, as end_lsn, ordinals first_ordinal, first_ordinal+1,
/// ... that must stay below the slot's consistent point, so that every sink applies them
/// exactly once and before anything streamed from the slot.
struct SnapshotJob {
  std::string conninfo;       ///< the source's (an ordinary connection is made)
  std::string snapshot_name;  ///< exported snapshot to import
  std::vector<std::string> publications;
  uint64_t first_ordinal = 1;
  uint64_t limit = 0;           ///< ordinals must stay below (consistent point)
  bool truncate_first = false;  ///< restart: a TRUNCATE of every table comes first
  int64_t time_us = 0;          ///< commit time of the snapshot transactions
  /// Tables (relation OIDs) not to copy: an interrupted snapshot spooled them completely.
  std::set<uint32_t> skip_tables;
  /// Called (source thread) once every chunk of a table went through `emit`.
  std::function<void(uint32_t oid)> on_table_done;
};

/// Totals of one run.
struct SnapshotResult {
  uint64_t last_ordinal = 0;  ///< end_lsn of the last transaction emitted (0: none)
  uint64_t rows = 0;
  size_t tables = 0, chunks = 0;
};

/// Runs on the source thread; workers are threads of its own.
class SnapshotRunner {
 public:
  /// `journal` and `spill_bytes` as for TransactionBuilder: a chunk above spill_bytes goes
  /// to a transaction file of the spool while it is copied.
  SnapshotRunner(const SnapshotConfig &config, TransactionPool &pool, spool::Journal *journal,
                 size_t spill_bytes, StopSignal &stop);

  /// Plans and copies everything; every finished chunk is passed to `emit` (in the order
  /// chunks finish) which must spool it. Returns early (result.last_ordinal as far as it
  /// got) when stop is requested. Throws SnapshotError naming the table on a server error.
  SnapshotResult run(const SnapshotJob &job, const std::function<void(Finished)> &emit);

 private:
  SnapshotConfig config_;
  TransactionBuilder builder_;
  StopSignal &stop_;
};

}  // namespace walrelay::snapshot

// The initial snapshot's progress marker, <spool dir>/SNAPSHOT: whether a snapshot into
// this spool is under way or done, so that a restart after a crash knows what to redo.
#pragma once

#include <cstdint>
#include <map>
#include <string>

namespace walrelay::snapshot {

enum class SnapshotPhase {
  kNone,     ///< no snapshot was ever started on this spool
  kCopying,  ///< started, not finished: a restart must do it again
  kDone,     ///< every snapshot row is in the spool
};

struct SnapshotState {
  SnapshotPhase phase = SnapshotPhase::kNone;
  std::string slot;
  uint64_t consistent_point = 0;  ///< the slot's, once created
  uint64_t rows = 0;              ///< rows copied (kDone)
  /// Tables (relation OID) whose every chunk is in the spool, with the consistent point of
  /// the snapshot they were copied from: the slot's, or a later one when an interrupted
  /// snapshot was resumed (then their streamed changes before it are left out).
  std::map<uint32_t, uint64_t> done_tables;
};

/// Reads <dir>/SNAPSHOT; kNone when the file does not exist. Throws std::runtime_error
/// naming the file when it cannot be read or parsed.
SnapshotState read_snapshot_state(const std::string &dir);

/// Replaces <dir>/SNAPSHOT atomically and durably (temporary file, fsync, rename, fsync
/// of the directory). Throws std::runtime_error naming the file.
void write_snapshot_state(const std::string &dir, const SnapshotState &state);

}  // namespace walrelay::snapshot

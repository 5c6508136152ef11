// Read-only look at a spool directory (never takes its LOCK, never writes): its size, and
// how old the oldest transaction a sink has not applied yet is.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/spool/txn_codec.h"

namespace walrelay::ops {

/// Bytes and number of regular files under a spool directory (recursively).
struct SpoolUsage {
  bool exists = false;
  uint64_t bytes = 0;
  uint64_t files = 0;
};

/// Sums the sizes of the regular files under `dir` (files vanishing meanwhile are
/// skipped). exists = false when `dir` is not a directory.
SpoolUsage spool_usage(const std::string &dir);

/// Where a sink at `applied_lsn` stands in the spool's transaction stream.
struct SpoolLag {
  /// Header of the first committed transaction in the spool with end_lsn > applied_lsn
  /// (commit_time_us: microseconds since the Unix epoch); nullopt when the sink holds
  /// everything the spool holds.
  std::optional<spool::TxnHeader> oldest_unapplied;
  /// Header of the last transaction before that one still in the spool (the newest the
  /// sink applied that was not collected yet); nullopt when none is left.
  std::optional<spool::TxnHeader> newest_applied;
};

/// Reads the journal's main segments in `dir` from the oldest retained one, decoding only
/// transaction headers, and stops at the first transaction not applied at `applied_lsn`.
/// A segment being written is read up to its last complete record. Throws
/// spool::SpoolError on corruption.
SpoolLag spool_lag(const std::string &dir, uint64_t applied_lsn);

}  // namespace walrelay::ops

// The outcome of a chaos run and the summary table printed at its end.
#ifndef WALRELAY_TESTS_CHAOS_SUMMARY_H
#define WALRELAY_TESTS_CHAOS_SUMMARY_H

#include <cstdint>
#include <string>
#include <vector>

#include "tests/chaos/destinations.h"

namespace walrelay::chaos {

/// One destination's copy of one table.
struct DestinationResult {
  size_t rows = 0;
  std::string checksum;
  Diff diff;
  std::vector<std::string> problems;  ///< read errors, exactly-once violations (Kafka)
  size_t mismatches() const { return diff.mismatches() + problems.size(); }
};

/// One table: the source and the three destinations.
struct TableResult {
  std::string name;
  size_t source_rows = 0;
  std::string checksum;
  DestinationResult sqlite, mariadb, kafka;
  size_t kafka_events = 0, kafka_aborted_records = 0, kafka_aborted_runs = 0;
};

/// Everything the summary shows.
struct Summary {
  std::string mode;
  uint64_t seed = 0;
  int load_seconds = 0;
  long long wall_seconds = 0;
  int min_kills = 0;
  int kills = 0;
  int walrelay_starts = 0;
  int pg_restarts = 0;
  int maria_restarts = 0;
  int kafka_outages = 0;
  int kafka_outage_seconds = 0;
  long long pgbench_transactions = 0;
  int pgbench_rounds = 0;
  size_t kafka_checkpoints = 0;
  bool sabotage = false;
  std::vector<TableResult> tables;

  size_t Mismatches() const;
  /// The table printed to stdout (fixed-width, one line per table and per total).
  std::string Render() const;
  /// One line per differing (table, destination), naming both, with the first rows that
  /// differ: the failure message.
  std::string Failures() const;
};

}  // namespace walrelay::chaos

#endif  // WALRELAY_TESTS_CHAOS_SUMMARY_H

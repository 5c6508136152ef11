// Rebuilding the replicated tables from the Kafka topics, through the exactly-once view
// (tests/plugins/kafka/common/exactly_once_view.h).
#ifndef WALRELAY_TESTS_CHAOS_KAFKA_TABLES_H
#define WALRELAY_TESTS_CHAOS_KAFKA_TABLES_H

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "tests/chaos/tables.h"

namespace walrelay::chaos {

/// Sink name, topic prefix and checkpoint topic of the Kafka sink.
inline constexpr const char *kKafkaSink = "kafka";
inline constexpr const char *kTopicPrefix = "pg";
inline constexpr const char *kCheckpointTopic = "walrelay_checkpoints";

/// "pg.public.<table>".
std::string TopicOf(const TableSpec &table);

/// A table as a read_committed consumer rebuilds it.
struct KafkaTable {
  test::Rows rows;                    ///< the rebuilt rows (not yet canonical)
  size_t records = 0;                 ///< records read, tombstones included
  size_t events = 0;                  ///< change events left once (after the view)
  size_t aborted_records = 0;         ///< records of aborted transactions taken out
  size_t aborted_runs = 0;            ///< runs of them
  std::vector<std::string> problems;  ///< exactly-once violations and reading errors
};

/// Reads the table's topic, takes out the aborted transactions' records (checking that every
/// other event is there once), and replays the events: per key for tables with a key, as a
/// multiset (after rows added, before rows removed) for REPLICA IDENTITY FULL tables.
/// `checkpoints`: the checkpoint topic's end LSNs (plus 0). Never fails the test itself:
/// what would is returned in `problems`.
KafkaTable ReadKafkaTable(const std::string &bootstraps, const TableSpec &table,
                          const std::set<uint64_t> &checkpoints);

/// The end LSNs of the Kafka sink's checkpoint records, plus 0.
std::set<uint64_t> KafkaCheckpoints(const std::string &bootstraps);

}  // namespace walrelay::chaos

#endif  // WALRELAY_TESTS_CHAOS_KAFKA_TABLES_H

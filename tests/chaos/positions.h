// The applied position (checkpoint end LSN) of each of the run's three sinks.
#ifndef WALRELAY_TESTS_CHAOS_POSITIONS_H
#define WALRELAY_TESTS_CHAOS_POSITIONS_H

#include <cstdint>
#include <optional>
#include <string>

namespace walrelay::chaos {

/// Sink names in walrelay.yaml (each keys its checkpoint by it).
inline constexpr const char *kSqliteSink = "sqlite";
inline constexpr const char *kMariaSink = "mariadb";

/// Where the three sinks' checkpoints are.
struct SinkLocations {
  std::string sqlite_path;
  unsigned maria_port = 0;
  std::string kafka_bootstraps;
};

/// Checkpoint end LSNs; nullopt when not readable now (destination down, nothing yet).
struct Positions {
  std::optional<uint64_t> sqlite, mariadb, kafka;

  /// True when every sink is known to be at or past `lsn`.
  bool AllAtLeast(uint64_t lsn) const;
  /// True when every sink is known to be past where it was in `before`.
  bool AllPast(const Positions &before) const;
  /// "sqlite 0/1A2B, mariadb ?, kafka 0/1A00" for messages.
  std::string Describe() const;
};

/// Reads the three checkpoints (the Kafka one through a read_committed consumer of the
/// checkpoint topic; call it only while the brokers are up).
Positions ReadPositions(const SinkLocations &where);

}  // namespace walrelay::chaos

#endif  // WALRELAY_TESTS_CHAOS_POSITIONS_H

// The fault schedule of a chaos run, driven from the test's main thread (walrelay is
// restarted from it: a child dies with the thread that spawned it, see process.h).
#ifndef WALRELAY_TESTS_CHAOS_FAULTS_H
#define WALRELAY_TESTS_CHAOS_FAULTS_H

#include <chrono>
#include <functional>
#include <random>
#include <string>

#include "tests/chaos/chaos_options.h"
#include "tests/chaos/positions.h"
#include "tests/plugins/kafka/common/mock_cluster.h"
#include "tests/plugins/mysql/mariadb_server.h"
#include "tests/support/pg_cluster.h"
#include "tests/support/relay.h"

namespace walrelay::chaos {

/// The replication slot walrelay streams from.
inline constexpr const char *kSlot = "walrelay";
/// How long all Kafka brokers stay down.
inline constexpr int kKafkaOutageSeconds = 5;

/// Everything the faults act on.
struct Targets {
  test::PgCluster &pg;
  wrmysql::MariaDbServer &maria;
  kafkatest::MockCluster &kafka;
  test::Walrelay &relay;
  SinkLocations where;
};

/// Kills walrelay (SIGKILL) at random intervals and restarts it, and, once each, restarts
/// the source with `pg_ctl restart -m immediate` (at 30 % of the load), restarts MariaDB (at
/// 50 %) and takes every Kafka broker down for kKafkaOutageSeconds (at 70 %).
class FaultDriver {
 public:
  FaultDriver(Targets targets, const ChaosOptions &options);

  /// Runs the schedule until the load window [now, load_end) is over, every one-off fault
  /// happened and at least options.min_kills kills were done. `load_running` tells whether
  /// pgbench still writes. Returns "" or why it stopped early (walrelay ended on its own,
  /// a kill did not kill).
  std::string Run(std::chrono::steady_clock::time_point load_end,
                  const std::function<bool()> &load_running);

  int kills() const { return kills_; }
  int pg_restarts() const { return pg_restarts_; }
  int maria_restarts() const { return maria_restarts_; }
  int kafka_outages() const { return kafka_outages_; }

 private:
  std::string KillAndRestart(const std::function<bool()> &load_running);
  void RestartSource();
  void RestartMariaDb();
  void KafkaOutage();
  std::chrono::milliseconds NextKillDelay();
  void Log(const std::string &what);

  Targets t_;
  const ChaosOptions &options_;
  std::mt19937_64 rng_;
  std::chrono::steady_clock::time_point start_;
  Positions at_start_;  ///< sink positions when walrelay was last started
  int kills_ = 0, pg_restarts_ = 0, maria_restarts_ = 0, kafka_outages_ = 0;
};

}  // namespace walrelay::chaos

#endif  // WALRELAY_TESTS_CHAOS_FAULTS_H

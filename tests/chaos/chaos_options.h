// Settings of a chaos run, read from the environment (tests/chaos/README.md).
#ifndef WALRELAY_TESTS_CHAOS_CHAOS_OPTIONS_H
#define WALRELAY_TESTS_CHAOS_CHAOS_OPTIONS_H

#include <cstdint>
#include <string>

namespace walrelay::chaos {

/// What one run does: how long the load runs, how often walrelay is killed, the pgbench
/// settings, and whether the self-check sabotages a destination.
struct ChaosOptions {
  std::string mode = "ci";  ///< "ci" (short, the ctest entry) or "full"
  int load_seconds = 120;   ///< how long pgbench runs (faults happen meanwhile)
  int min_kills = 5;        ///< kill -9 of walrelay at least this often
  int pgbench_clients = 4;  ///< pgbench -c
  int pgbench_rate = 60;    ///< pgbench -R (transactions per second, all clients)
  bool sabotage = false;    ///< delete one SQLite row before comparing (the test must fail)
  uint64_t seed = 0;        ///< random kill intervals; $WALRELAY_TEST_SEED replays a run

  /// WALRELAY_CHAOS_MODE=ci|full (default ci: 120 s of load, >= 5 kills; full: 900 s,
  /// >= 50 kills), WALRELAY_CHAOS_SECONDS overrides the load duration,
  /// WALRELAY_CHAOS_SABOTAGE=1 enables the self-check. Throws std::invalid_argument on a bad
  /// value.
  static ChaosOptions FromEnv();
};

}  // namespace walrelay::chaos

#endif  // WALRELAY_TESTS_CHAOS_CHAOS_OPTIONS_H

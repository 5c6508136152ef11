// The source side of the chaos run: pgbench's TPC-B tables plus custom tables, and pgbench
// running in rounds from a thread (a round ends early when the source restarts).
#ifndef WALRELAY_TESTS_CHAOS_LOAD_H
#define WALRELAY_TESTS_CHAOS_LOAD_H

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

#include "tests/support/pg_cluster.h"

namespace walrelay::chaos {

/// Creates the tables (with `pgbench -i -s 1`, its primary keys before its data, and
/// pgbench_history REPLICA IDENTITY FULL) and their first rows. Call it once walrelay
/// streams from the slot: every row reaches the destinations through replication.
void CreateSchema(test::PgCluster &pg);

/// Writes the custom pgbench script (inserts, updates of only the non-TOAST columns of rows
/// with a large TOASTed body, body rewrites, deletes, primary key changes, multi-statement
/// and large streamed transactions) to `path`.
void WriteCustomScript(const std::string &path);

/// pgbench settings.
struct LoadOptions {
  int clients = 4;
  int rate = 60;       ///< -R, transactions per second over all clients
  int seconds = 120;   ///< total duration over all rounds
  std::string script;  ///< the custom script, run as -f script@3 beside -b tpcb-like@1
  std::string log_path;
};

/// `pgbench -c N -R rate -T remaining -b tpcb-like@1 -f custom@3 --max-tries=10` in a thread,
/// started again (after the source accepts connections again) whenever a round ends before
/// the duration is over: a restart of the source aborts its clients.
class PgbenchLoad {
 public:
  PgbenchLoad(const test::PgCluster &pg, LoadOptions options);
  ~PgbenchLoad();
  PgbenchLoad(const PgbenchLoad &) = delete;
  PgbenchLoad &operator=(const PgbenchLoad &) = delete;

  void Start();
  /// Waits until the duration is over (or `timeout`), then stops (kills a pgbench still
  /// running) and joins the thread.
  void Finish(std::chrono::milliseconds timeout);
  bool running() const { return running_.load(); }

  int rounds() const { return rounds_.load(); }
  int failed_rounds() const { return failed_rounds_.load(); }
  /// Sum of "number of transactions actually processed" over the rounds.
  long long transactions() const { return transactions_.load(); }
  /// Summary lines of every round (exit status, processed/failed counts).
  std::string Report() const;

 private:
  void Run();
  void RunRound(int seconds);
  bool WaitForSource(std::chrono::steady_clock::time_point deadline);

  std::string conninfo_;
  int port_ = 0;
  LoadOptions options_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> running_{false};
  std::atomic<int> rounds_{0};
  std::atomic<int> failed_rounds_{0};
  std::atomic<long long> transactions_{0};
  mutable std::mutex mu_;
  std::string report_;
};

}  // namespace walrelay::chaos

#endif  // WALRELAY_TESTS_CHAOS_LOAD_H

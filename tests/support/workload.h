// A mixed OLTP-ish write workload on three tables, run from a thread, for the crash and
// restart tests: inserts, updates (incl. primary key changes), deletes, single-row and
// bulk transactions, one table without a primary key (REPLICA IDENTITY FULL) on which a
// duplicated apply would show as extra rows.
#ifndef WALRELAY_TESTS_SUPPORT_WORKLOAD_H
#define WALRELAY_TESTS_SUPPORT_WORKLOAD_H

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/pg_cluster.h"
#include "tests/support/relay.h"

namespace walrelay::test {

class Workload {
 public:
  /// Creates wl_accounts (PK id), wl_orders (PK customer_id, order_no), wl_log (no PK,
  /// REPLICA IDENTITY FULL). They start empty.
  static void CreateSchema(PgCluster &cluster);
  /// Row-for-row checks of the three tables plus their counts.
  static std::vector<TableCheck> Checks();

  /// `max_changes_per_sec` paces the thread (0: as fast as possible).
  Workload(const PgCluster &cluster, uint64_t seed, long long max_changes_per_sec = 6000);
  ~Workload();
  Workload(const Workload &) = delete;
  Workload &operator=(const Workload &) = delete;

  /// Starts the thread.
  void Start();
  /// Asks the thread to stop after its current transaction and joins it.
  void Stop();
  bool running() const { return running_.load(); }

  long long changes() const { return changes_.load(); }
  long long transactions() const { return txns_.load(); }
  /// Empty unless the thread failed (it stops at the first error).
  std::string error() const;

 private:
  void Run();
  void OneTransaction();
  long long Exec(const std::string &sql);

  std::string conninfo_;
  uint64_t seed_;
  long long max_rate_;
  std::unique_ptr<PgConn> conn_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> running_{false};
  std::atomic<long long> changes_{0};
  std::atomic<long long> txns_{0};
  mutable std::mutex mu_;
  std::string error_;

  // Generator state (thread only).
  uint64_t rng_ = 0;
  long long next_account_ = 1;
  long long next_bulk_customer_ = 1000;
  long long next_log_seq_ = 1;
  std::vector<long long> small_order_no_;
  uint64_t Next();
  long long Rand(long long lo, long long hi);  // inclusive
};

}  // namespace walrelay::test

#endif  // WALRELAY_TESTS_SUPPORT_WORKLOAD_H

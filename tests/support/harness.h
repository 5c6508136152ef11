// Umbrella header of the integration test harness (library walrelay_test_support):
//   PgCluster / PgConn   throwaway PostgreSQL 15 clusters          (pg_cluster.h)
//   Process              child processes with a log file           (process.h)
//   Rows, SameRows, SqliteQuery                                    (rows.h)
//   RelayConfig, Walrelay, TableCheck, WaitUntilSame, checkpoints  (relay.h)
//   Workload             mixed write workload from a thread        (workload.h)
//   TempDir, WaitFor, ParseLsn, RunCommand, ...                    (util.h)
#ifndef WALRELAY_TESTS_SUPPORT_HARNESS_H
#define WALRELAY_TESTS_SUPPORT_HARNESS_H

#include "tests/support/pg_cluster.h"
#include "tests/support/process.h"
#include "tests/support/relay.h"
#include "tests/support/rows.h"
#include "tests/support/util.h"
#include "tests/support/workload.h"

#endif  // WALRELAY_TESTS_SUPPORT_HARNESS_H

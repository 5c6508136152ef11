// A throwaway PostgreSQL 15 cluster for one test (or one test suite).
#ifndef WALRELAY_TESTS_SUPPORT_PG_CLUSTER_H
#define WALRELAY_TESTS_SUPPORT_PG_CLUSTER_H

#include <libpq-fe.h>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tests/support/rows.h"
#include "tests/support/util.h"

namespace walrelay::test {

/// One libpq connection. Methods throw std::runtime_error (with the server message and
/// the SQL) on failure.
class PgConn {
 public:
  explicit PgConn(const std::string &conninfo);
  ~PgConn();
  PgConn(const PgConn &) = delete;
  PgConn &operator=(const PgConn &) = delete;

  /// Runs one or more statements (simple query protocol); returns the number of rows
  /// affected by the last one (PQcmdTuples, 0 when none).
  long long Exec(const std::string &sql);
  /// Runs a query and returns its rows as text (NULL -> nullopt).
  Rows Query(const std::string &sql);
  /// First column of the first row ("" when no row, nullopt when NULL).
  std::optional<std::string> Scalar(const std::string &sql);
  PGconn *raw() { return conn_; }

 private:
  PGconn *conn_ = nullptr;
};

/// Options of a PgCluster.
struct PgClusterOptions {
  /// Extra server settings, written to postgresql.conf (e.g. {"wal_sender_timeout","2s"}).
  std::map<std::string, std::string> settings;
  /// Directory holding initdb / pg_ctl / postgres.
  std::string bin_dir = "/usr/lib/postgresql/15/bin";
};

/// Starts a PostgreSQL cluster in a fresh temp dir: wal_level=logical, 20 slots and wal
/// senders, listening on 127.0.0.1 at a free port (Unix socket in the temp dir),
/// timezone=UTC, C locale, UTF8, trust authentication (incl. replication), superuser
/// `postgres`. When running as root, initdb/pg_ctl run as the `postgres` OS user.
/// The destructor stops it (-m immediate) and removes the dir (unless
/// WALRELAY_KEEP_TEST_DIRS is set). Constructor throws with the server log on failure.
class PgCluster {
 public:
  explicit PgCluster(PgClusterOptions options = {});
  ~PgCluster();
  PgCluster(const PgCluster &) = delete;
  PgCluster &operator=(const PgCluster &) = delete;

  int port() const { return port_; }
  /// Temp dir holding data/, server.log, the socket; tests may put their files here.
  const std::string &dir() const { return dir_->path(); }
  std::string file(const std::string &name) const { return dir_->file(name); }
  std::string data_dir() const { return dir_->file("data"); }
  /// The server log file (stderr of postmaster).
  std::string log_path() const { return dir_->file("server.log"); }
  std::string ReadLog() const { return ReadFile(log_path()); }

  /// "host=127.0.0.1 port=N dbname=DB user=postgres".
  std::string conninfo(const std::string &dbname = "postgres") const;

  /// On the cluster's shared connection to `postgres` (reconnects after a restart).
  long long exec(const std::string &sql);
  Rows query(const std::string &sql);
  std::optional<std::string> scalar(const std::string &sql);
  /// A new connection (e.g. for another thread).
  std::unique_ptr<PgConn> Connect(const std::string &dbname = "postgres") const;

  /// pg_ctl stop -m <mode> (smart|fast|immediate), then start again (same port).
  void restart(const std::string &mode = "fast");
  /// pg_ctl stop -m <mode>. No-op when not running.
  void stop(const std::string &mode = "fast");
  /// Starts a stopped cluster.
  void start();
  bool running() const { return running_; }

  // Replication helpers.
  /// Creates a logical slot with pgoutput; returns its consistent point (LSN text).
  std::string CreateLogicalSlot(const std::string &slot);
  /// confirmed_flush_lsn of a slot (nullopt when the slot does not exist or it is NULL).
  std::optional<uint64_t> ConfirmedFlushLsn(const std::string &slot);
  /// active_pid of a slot, nullopt when inactive or missing.
  std::optional<long long> SlotActivePid(const std::string &slot);
  bool SlotExists(const std::string &slot);
  /// pg_current_wal_lsn().
  uint64_t CurrentWalLsn();

 private:
  void InitDb();
  void StartServer();
  std::string LogExcerpt() const;

  PgClusterOptions options_;
  std::unique_ptr<TempDir> dir_;
  int port_ = 0;
  bool running_ = false;
  std::unique_ptr<PgConn> conn_;
};

}  // namespace walrelay::test

#endif  // WALRELAY_TESTS_SUPPORT_PG_CLUSTER_H

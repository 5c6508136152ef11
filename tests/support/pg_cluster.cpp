#include "tests/support/pg_cluster.h"

#include <iostream>
#include <stdexcept>

#include "tests/support/process.h"

namespace walrelay::test {

// ---------------------------------------------------------------------------------------
// PgConn

PgConn::PgConn(const std::string &conninfo) {
  conn_ = PQconnectdb(conninfo.c_str());
  if (PQstatus(conn_) != CONNECTION_OK) {
    std::string msg = PQerrorMessage(conn_);
    PQfinish(conn_);
    conn_ = nullptr;
    throw std::runtime_error("cannot connect (" + conninfo + "): " + msg);
  }
}

PgConn::~PgConn() {
  if (conn_) PQfinish(conn_);
}

namespace {

std::string Cut(const std::string &sql) {
  return sql.size() > 300 ? sql.substr(0, 300) + "..." : sql;
}

}  // namespace

long long PgConn::Exec(const std::string &sql) {
  PGresult *res = PQexec(conn_, sql.c_str());
  auto st = PQresultStatus(res);
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK && st != PGRES_EMPTY_QUERY) {
    std::string msg = PQerrorMessage(conn_);
    PQclear(res);
    throw std::runtime_error("SQL failed: " + msg + "in: " + Cut(sql));
  }
  const char *n = PQcmdTuples(res);
  long long affected = (n && *n) ? std::stoll(n) : 0;
  PQclear(res);
  return affected;
}

Rows PgConn::Query(const std::string &sql) {
  PGresult *res = PQexec(conn_, sql.c_str());
  auto st = PQresultStatus(res);
  if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) {
    std::string msg = PQerrorMessage(conn_);
    PQclear(res);
    throw std::runtime_error("SQL failed: " + msg + "in: " + Cut(sql));
  }
  Rows rows;
  int nr = PQntuples(res), nc = PQnfields(res);
  rows.reserve(nr);
  for (int r = 0; r < nr; ++r) {
    Row row;
    row.reserve(nc);
    for (int c = 0; c < nc; ++c) {
      if (PQgetisnull(res, r, c))
        row.emplace_back(std::nullopt);
      else
        row.emplace_back(std::string(PQgetvalue(res, r, c), PQgetlength(res, r, c)));
    }
    rows.push_back(std::move(row));
  }
  PQclear(res);
  return rows;
}

std::optional<std::string> PgConn::Scalar(const std::string &sql) {
  Rows rows = Query(sql);
  if (rows.empty() || rows[0].empty()) return std::string();
  return rows[0][0];
}

// ---------------------------------------------------------------------------------------
// PgCluster

PgCluster::PgCluster(PgClusterOptions options) : options_(std::move(options)) {
  dir_ = std::make_unique<TempDir>("walrelay-pg-");
  InitDb();
  // The port is free when chosen but not reserved: on a bind failure pick another.
  std::string last_error;
  for (int attempt = 0; attempt < 4; ++attempt) {
    port_ = FreeLoopbackPort();
    try {
      StartServer();
      return;
    } catch (const std::exception &e) {
      last_error = e.what();
      if (ReadLog().find("could not bind") == std::string::npos &&
          ReadLog().find("could not create any TCP/IP sockets") == std::string::npos)
        break;
    }
  }
  throw std::runtime_error(last_error);
}

PgCluster::~PgCluster() {
  conn_.reset();
  if (running_) {
    RunCommand(AsPostgresUser({options_.bin_dir + "/pg_ctl", "stop", "-D", data_dir(), "-m",
                               "immediate", "-w", "-t", "30"}),
               60s, dir());
    running_ = false;
  }
  if (KeepTestDirs()) std::cerr << "[harness] PostgreSQL log: " << log_path() << "\n";
}

std::string PgCluster::LogExcerpt() const {
  return "--- server log tail ---\n" + TailFile(log_path(), 40);
}

void PgCluster::InitDb() {
  auto r =
      RunCommand(AsPostgresUser({options_.bin_dir + "/initdb", "-D", data_dir(), "-U", "postgres",
                                 "--auth=trust", "--no-locale", "-E", "UTF8", "--no-sync"}),
                 180s, dir());
  if (r.exit_code != 0)
    throw std::runtime_error("initdb failed (" + DescribeStatus(r.exit_code) + "):\n" + r.output);
  WriteFile(data_dir() + "/pg_hba.conf",
            "# written by walrelay tests\n"
            "local all all trust\n"
            "local replication all trust\n"
            "host all all 127.0.0.1/32 trust\n"
            "host replication all 127.0.0.1/32 trust\n");
}

void PgCluster::StartServer() {
  std::map<std::string, std::string> s = {
      {"listen_addresses", "'127.0.0.1'"},
      {"port", std::to_string(port_)},
      {"unix_socket_directories", "'" + dir() + "'"},
      {"wal_level", "logical"},
      {"max_replication_slots", "20"},
      {"max_wal_senders", "20"},
      {"timezone", "'UTC'"},
      {"log_timezone", "'UTC'"},
      {"fsync", "off"},  // the OS never crashes in these tests; only processes do
      {"full_page_writes", "off"},
      {"shared_buffers", "64MB"},
      {"max_connections", "50"},
      {"log_line_prefix", "'%m [%p] %a '"},
      {"logging_collector", "off"},
  };
  for (auto &[k, v] : options_.settings) s[k] = v;
  // postgresql.auto.conf is read last and wins over postgresql.conf; rewriting it on
  // every start keeps the chosen port.
  std::string conf = "# written by walrelay tests (tests/support/pg_cluster.cpp)\n";
  for (auto &[k, v] : s) conf += k + " = " + v + "\n";
  WriteFile(data_dir() + "/postgresql.auto.conf", conf);

  auto r = RunCommand(AsPostgresUser({options_.bin_dir + "/pg_ctl", "start", "-D", data_dir(), "-l",
                                      log_path(), "-w", "-t", "60"}),
                      90s, dir());
  if (r.exit_code != 0) {
    // pg_ctl may have left a half-started postmaster behind.
    RunCommand(AsPostgresUser({options_.bin_dir + "/pg_ctl", "stop", "-D", data_dir(), "-m",
                               "immediate", "-w", "-t", "10"}),
               30s, dir());
    throw std::runtime_error("PostgreSQL did not start (" + DescribeStatus(r.exit_code) +
                             "): " + r.output + "\n" + LogExcerpt());
  }
  running_ = true;
}

std::string PgCluster::conninfo(const std::string &dbname) const {
  return "host=127.0.0.1 port=" + std::to_string(port_) + " dbname=" + dbname + " user=postgres";
}

long long PgCluster::exec(const std::string &sql) {
  if (!conn_ || PQstatus(conn_->raw()) != CONNECTION_OK) conn_ = Connect();
  return conn_->Exec(sql);
}

Rows PgCluster::query(const std::string &sql) {
  if (!conn_ || PQstatus(conn_->raw()) != CONNECTION_OK) conn_ = Connect();
  return conn_->Query(sql);
}

std::optional<std::string> PgCluster::scalar(const std::string &sql) {
  if (!conn_ || PQstatus(conn_->raw()) != CONNECTION_OK) conn_ = Connect();
  return conn_->Scalar(sql);
}

std::unique_ptr<PgConn> PgCluster::Connect(const std::string &dbname) const {
  return std::make_unique<PgConn>(conninfo(dbname));
}

void PgCluster::stop(const std::string &mode) {
  conn_.reset();
  if (!running_) return;
  auto r = RunCommand(AsPostgresUser({options_.bin_dir + "/pg_ctl", "stop", "-D", data_dir(), "-m",
                                      mode, "-w", "-t", "60"}),
                      90s, dir());
  if (r.exit_code != 0)
    throw std::runtime_error("pg_ctl stop -m " + mode + " failed: " + r.output + LogExcerpt());
  running_ = false;
}

void PgCluster::start() {
  if (running_) return;
  StartServer();
}

void PgCluster::restart(const std::string &mode) {
  stop(mode);
  start();
}

std::string PgCluster::CreateLogicalSlot(const std::string &slot) {
  auto v = scalar("SELECT lsn FROM pg_create_logical_replication_slot('" + slot + "', 'pgoutput')");
  return v.value_or("");
}

std::optional<uint64_t> PgCluster::ConfirmedFlushLsn(const std::string &slot) {
  Rows r = query("SELECT confirmed_flush_lsn FROM pg_replication_slots WHERE slot_name = '" + slot +
                 "'");
  if (r.empty() || !r[0][0]) return std::nullopt;
  return ParseLsn(*r[0][0]);
}

std::optional<long long> PgCluster::SlotActivePid(const std::string &slot) {
  Rows r = query("SELECT active_pid FROM pg_replication_slots WHERE slot_name = '" + slot +
                 "' AND active");
  if (r.empty() || !r[0][0]) return std::nullopt;
  return std::stoll(*r[0][0]);
}

bool PgCluster::SlotExists(const std::string &slot) {
  return !query("SELECT 1 FROM pg_replication_slots WHERE slot_name = '" + slot + "'").empty();
}

uint64_t PgCluster::CurrentWalLsn() {
  return ParseLsn(scalar("SELECT pg_current_wal_lsn()").value_or(""));
}

}  // namespace walrelay::test

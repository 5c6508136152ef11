// The Workload tables (tests/support/workload.h) compared between PostgreSQL and MariaDB,
// for the end-to-end tests of the MySQL sink (database "e2e").
#pragma once

#include <algorithm>
#include <string>
#include <vector>

#include "tests/plugins/mysql/mariadb_server.h"
#include "tests/support/harness.h"

namespace walrelay::test {

/// One table compared: the PostgreSQL query renders values the way MariaDB prints the
/// mapped column (timestamptz as UTC DATETIME(6)); rows are sorted client-side.
struct WorkloadCheck {
  std::string name, pg_sql, my_sql;
};

inline const std::vector<WorkloadCheck> kWorkloadChecks = {
    {"wl_accounts",
     "SELECT id::text, balance::text, note, to_char(updated_at AT TIME ZONE 'UTC', "
     "'YYYY-MM-DD HH24:MI:SS.US') FROM wl_accounts",
     "SELECT id, balance, note, updated_at FROM wl_accounts"},
    {"wl_orders", "SELECT customer_id::text, order_no::text, amount::text, status FROM wl_orders",
     "SELECT customer_id, order_no, amount, status FROM wl_orders"},
    {"wl_log", "SELECT seq::text, kind, payload FROM wl_log",
     "SELECT seq, kind, payload FROM wl_log"},
};

inline wrmysql::Rows pg_rows(PgCluster &pg, const std::string &sql) {
  wrmysql::Rows out;
  for (const auto &row : pg.query(sql)) {
    std::vector<std::string> r;
    for (const auto &v : row) r.push_back(v ? *v : "NULL");
    out.push_back(std::move(r));
  }
  std::sort(out.begin(), out.end());
  return out;
}

inline wrmysql::Rows my_rows(unsigned port, const std::string &sql) {
  try {
    wrmysql::Client c(port, "e2e");
    wrmysql::Rows r = c.query(sql);
    std::sort(r.begin(), r.end());
    return r;
  } catch (const std::exception &) {
    return {};  // table not created yet
  }
}

/// Empty when equal, else a description of the first difference.
inline std::string workload_diff(PgCluster &pg, unsigned port) {
  for (const WorkloadCheck &c : kWorkloadChecks) {
    const auto a = pg_rows(pg, c.pg_sql), b = my_rows(port, c.my_sql);
    if (a == b) continue;
    std::string msg = c.name + ": " + std::to_string(a.size()) + " rows in PostgreSQL, " +
                      std::to_string(b.size()) + " in MariaDB";
    for (size_t i = 0; i < std::min(a.size(), b.size()); ++i) {
      if (a[i] != b[i]) {
        msg += "; first difference at sorted row " + std::to_string(i);
        std::string ra, rb;
        for (const auto &v : a[i]) ra += v + "|";
        for (const auto &v : b[i]) rb += v + "|";
        msg += ": pg " + ra + " vs mariadb " + rb;
        break;
      }
    }
    return msg;
  }
  return "";
}

}  // namespace walrelay::test

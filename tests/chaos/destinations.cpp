#include "tests/chaos/destinations.h"

#include <mysql.h>

#include <stdexcept>

namespace walrelay::chaos {

ReadResult ReadPostgres(test::PgCluster &pg, const TableSpec &table) {
  ReadResult r;
  try {
    r.rows = pg.query("SELECT " + table.ColumnList() + " FROM public." + table.name);
  } catch (const std::exception &e) {
    r.error = e.what();
  }
  return r;
}

ReadResult ReadSqlite(const std::string &path, const TableSpec &table) {
  ReadResult r;
  test::SqliteResult q =
      test::TrySqliteQuery(path, "SELECT " + table.ColumnList() + " FROM \"" + table.name + "\"");
  if (q.ok) {
    r.rows = std::move(q.rows);
  } else {
    r.error = q.error;
  }
  return r;
}

test::Rows MariaDbQuery(unsigned port, const std::string &sql) {
  MYSQL *db = mysql_init(nullptr);
  mysql_options(db, MYSQL_SET_CHARSET_NAME, "utf8mb4");
  if (!mysql_real_connect(db, "127.0.0.1", "root", "", kMariaDatabase, port, nullptr, 0)) {
    const std::string msg = mysql_error(db);
    mysql_close(db);
    throw std::runtime_error("MariaDB: " + msg);
  }
  if (mysql_real_query(db, sql.data(), sql.size()) != 0) {
    const std::string msg = mysql_error(db);
    mysql_close(db);
    throw std::runtime_error("MariaDB: " + msg + " in: " + sql);
  }
  test::Rows rows;
  if (MYSQL_RES *res = mysql_store_result(db)) {
    const unsigned n = mysql_num_fields(res);
    while (MYSQL_ROW row = mysql_fetch_row(res)) {
      const unsigned long *len = mysql_fetch_lengths(res);
      test::Row out;
      for (unsigned i = 0; i < n; ++i) {
        if (row[i]) {
          out.emplace_back(std::string(row[i], len[i]));
        } else {
          out.emplace_back(std::nullopt);
        }
      }
      rows.push_back(std::move(out));
    }
    mysql_free_result(res);
  }
  mysql_close(db);
  return rows;
}

ReadResult ReadMariaDb(unsigned port, const TableSpec &table) {
  ReadResult r;
  try {
    r.rows = MariaDbQuery(port, "SELECT " + table.ColumnList() + " FROM `" + table.name + "`");
  } catch (const std::exception &e) {
    r.error = e.what();
  }
  return r;
}

Diff Compare(const test::Rows &source, const test::Rows &destination) {
  Diff d;
  size_t i = 0, j = 0, shown = 0;
  const auto note = [&](const char *what, const test::Row &row) {
    if (shown++ < 3) d.first += std::string("\n    ") + what + ": " + test::FormatRow(row);
  };
  while (i < source.size() || j < destination.size()) {
    if (j == destination.size() || (i < source.size() && source[i] < destination[j])) {
      ++d.missing;
      note("missing", source[i++]);
    } else if (i == source.size() || destination[j] < source[i]) {
      ++d.extra;
      note("extra  ", destination[j++]);
    } else {
      ++i;
      ++j;
    }
  }
  return d;
}

}  // namespace walrelay::chaos

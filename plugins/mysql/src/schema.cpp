// Destination table DDL: CREATE TABLE for a new relation, ALTER TABLE ADD COLUMN on change.
#include "schema.h"

#include <mysqld_error.h>
#include <walrelay/sink.hpp>

#include <optional>

namespace walrelay::mysql {
namespace {

/// Column names of the table, or nullopt when it does not exist. Uses SHOW COLUMNS with
/// quoted identifiers: no string literal, so no escaping.
std::optional<std::vector<std::string>> existing_columns(Connection &conn,
                                                         const TableShape &shape) {
  conn.ensure_connected();
  const std::string sql = "SHOW COLUMNS FROM " + shape.quoted;
  MYSQL *db = conn.get();
  if (mysql_real_query(db, sql.data(), sql.size()) != 0) {
    const unsigned err = mysql_errno(db);
    if (err == ER_NO_SUCH_TABLE || err == ER_BAD_DB_ERROR) return std::nullopt;
    conn.fail("looking up the columns of " + shape.quoted);
  }
  MYSQL_RES *res = mysql_store_result(db);
  if (!res) conn.fail("looking up the columns of " + shape.quoted);
  std::vector<std::string> cols;
  while (MYSQL_ROW row = mysql_fetch_row(res)) {
    const unsigned long *len = mysql_fetch_lengths(res);
    cols.emplace_back(row[0], len[0]);
  }
  mysql_free_result(res);
  return cols;
}

}  // namespace

std::string create_table_sql(const TableShape &shape, const std::string &collation) {
  std::string sql = "CREATE TABLE IF NOT EXISTS " + shape.quoted + " (";
  for (size_t i = 0; i < shape.columns.size(); ++i) {
    if (i) sql += ", ";
    sql += shape.columns[i].quoted + " " + shape.columns[i].type.decl;
  }
  if (shape.use_primary_key()) {
    sql += ", PRIMARY KEY (";
    for (size_t k = 0; k < shape.key_columns.size(); ++k) {
      if (k) sql += ", ";
      sql += shape.columns[shape.key_columns[k]].quoted;
    }
    sql += ")";
  }
  sql += ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=" + collation;
  return sql;
}

SchemaChange ensure_table(Connection &conn, const TableShape &shape, bool create_tables,
                          const std::string &collation) {
  SchemaChange change;
  auto cols = existing_columns(conn, shape);
  if (!cols) {
    if (!create_tables) {
      throw sdk::fatal("table " + shape.quoted + " does not exist and create_tables is off");
    }
    conn.exec("CREATE DATABASE IF NOT EXISTS " + quote_ident(shape.dest.database) +
                  " CHARACTER SET utf8mb4 COLLATE " + collation,
              "creating database " + quote_ident(shape.dest.database));
    conn.exec(create_table_sql(shape, collation), "creating table " + shape.quoted);
    change.created = true;
    return change;
  }
  std::string alter;
  for (const ColumnInfo &c : shape.columns) {
    bool found = false;
    for (const std::string &have : *cols) found = found || sdk::ascii_iequal(have, c.name);
    if (found) continue;
    if (!create_tables) {
      throw sdk::fatal("table " + shape.quoted + " has no column " + c.quoted +
                       " and create_tables is off");
    }
    alter += alter.empty() ? "ALTER TABLE " + shape.quoted + " ADD COLUMN " : ", ADD COLUMN ";
    alter += c.quoted + " " + c.type.decl;
    change.added_columns.push_back(c.name);
  }
  if (!alter.empty()) conn.exec(alter, "adding columns to " + shape.quoted);
  return change;
}

}  // namespace walrelay::mysql

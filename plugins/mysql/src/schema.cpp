// Destination table DDL: CREATE TABLE for a new relation, ALTER TABLE ADD / MODIFY / DROP
// COLUMN on schema changes.
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

TablePlan plan_table(Connection &conn, const TableShape &shape, const SchemaPolicy &policy,
                     const std::vector<std::string> &modify) {
  TablePlan plan;
  auto cols = existing_columns(conn, shape);
  if (!cols) {
    if (!policy.create_tables) {
      throw sdk::fatal("table " + shape.quoted + " does not exist and create_tables is off");
    }
    plan.create = true;
    plan.statements.push_back("CREATE DATABASE IF NOT EXISTS " + quote_ident(shape.dest.database) +
                              " CHARACTER SET utf8mb4 COLLATE " + policy.collation);
    plan.statements.push_back(create_table_sql(shape, policy.collation));
    return plan;
  }
  for (const std::string &have : *cols) {
    bool known = false;
    for (const ColumnInfo &c : shape.columns) known = known || sdk::ascii_iequal(have, c.name);
    plan.extra_columns = plan.extra_columns || !known;
  }
  std::string alter;
  auto add_clause = [&](const std::string &clause) {
    alter += alter.empty() ? "ALTER TABLE " + shape.quoted + " " : ", ";
    alter += clause;
  };
  for (const ColumnInfo &c : shape.columns) {
    bool found = false;
    for (const std::string &have : *cols) found = found || sdk::ascii_iequal(have, c.name);
    bool retype = false;
    for (const std::string &m : modify) retype = retype || sdk::ascii_iequal(m, c.name);
    if (found && !retype) continue;
    if (!found && !policy.create_tables) {
      throw sdk::fatal("table " + shape.quoted + " has no column " + c.quoted +
                       " and create_tables is off");
    }
    if (!found && !policy.alter_existing) {
      throw sdk::fatal("table " + shape.quoted + " has no column " + c.quoted +
                       " and schema_change is 'fail'");
    }
    if (found) {
      add_clause("MODIFY COLUMN " + c.quoted + " " + c.type.decl);
      plan.modified.push_back(c.name);
    } else {
      add_clause("ADD COLUMN " + c.quoted + " " + c.type.decl);
      plan.added.push_back(c.name);
    }
  }
  if (!alter.empty()) plan.statements.push_back(std::move(alter));
  return plan;
}

void run_plan(Connection &conn, const TableShape &shape, const TablePlan &plan) {
  for (const std::string &sql : plan.statements) {
    conn.exec(sql, (plan.create ? "creating table " : "altering table ") + shape.quoted);
  }
}

std::string drop_column_sql(const std::string &quoted_table, const std::string &column) {
  return "ALTER TABLE " + quoted_table + " DROP COLUMN " + quote_ident(column);
}

}  // namespace walrelay::mysql

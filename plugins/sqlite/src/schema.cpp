// Destination table DDL: CREATE TABLE for a new relation, ALTER TABLE ADD COLUMN on change.
#include "schema.h"

#include <walrelay/sink.hpp>

#include "naming.h"

namespace walrelay::sqlite {
namespace {

/// Column names of `table` in the main database (empty when the table does not exist).
std::vector<std::string> existing_columns(Db &db, const std::string &table) {
  Stmt stmt = db.prepare("SELECT name FROM pragma_table_info(?1)", "reading table " + table);
  ResetOnExit reset(stmt.get());
  sqlite3_bind_text(stmt.get(), 1, table.data(), static_cast<int>(table.size()), SQLITE_STATIC);
  std::vector<std::string> names;
  int rc;
  while ((rc = sqlite3_step(stmt.get())) == SQLITE_ROW) {
    const auto *text = reinterpret_cast<const char *>(sqlite3_column_text(stmt.get(), 0));
    names.emplace_back(text ? text : "");
  }
  if (rc != SQLITE_DONE) db.fail(rc, "reading columns of table " + quote_ident(table));
  return names;
}

}  // namespace

std::string create_table_sql(const TableShape &shape) {
  std::string sql = "CREATE TABLE IF NOT EXISTS " + shape.quoted + " (";
  for (size_t i = 0; i < shape.columns.size(); ++i) {
    if (i) sql += ", ";
    sql += shape.columns[i].quoted;
    sql += ' ';
    sql += decl_type(shape.columns[i].cls);
  }
  if (shape.use_primary_key()) {
    sql += ", PRIMARY KEY (";
    for (size_t k = 0; k < shape.key_columns.size(); ++k) {
      if (k) sql += ", ";
      sql += shape.columns[shape.key_columns[k]].quoted;
    }
    sql += ')';
  }
  sql += ')';
  return sql;
}

SchemaChange ensure_table(Db &db, const TableShape &shape, bool create_tables) {
  SchemaChange change;
  const std::vector<std::string> existing = existing_columns(db, shape.table);
  if (existing.empty()) {
    if (!create_tables) {
      throw sdk::fatal("destination table " + shape.quoted +
                       " does not exist and create_tables is false");
    }
    if (shape.columns.empty()) {
      throw sdk::fatal("cannot create table " + shape.quoted + ": the relation has no columns");
    }
    const std::string sql = create_table_sql(shape);
    db.exec(sql.c_str(), "creating table " + shape.quoted);
    change.created = true;
    return change;
  }
  for (const ColumnInfo &col : shape.columns) {
    bool present = false;
    for (const std::string &name : existing) present = present || sdk::ascii_iequal(name, col.name);
    if (present) continue;
    if (!create_tables) {
      throw sdk::fatal("destination table " + shape.quoted + " has no column " + col.quoted +
                       " and create_tables is false");
    }
    const std::string sql =
        "ALTER TABLE " + shape.quoted + " ADD COLUMN " + col.quoted + ' ' + decl_type(col.cls);
    db.exec(sql.c_str(), "adding column " + col.quoted + " to table " + shape.quoted);
    change.added_columns.push_back(col.name);
  }
  return change;
}

}  // namespace walrelay::sqlite

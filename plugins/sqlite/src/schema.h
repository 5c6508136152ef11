// Destination table DDL: CREATE TABLE for a new relation, ALTER TABLE ADD COLUMN on change.
#pragma once

#include <string>
#include <vector>

#include "sqlite_db.h"
#include "table_shape.h"

namespace walrelay::sqlite {

/// What ensure_table changed, for logging.
struct SchemaChange {
  bool created = false;
  std::vector<std::string> added_columns;
};

/// The CREATE TABLE statement for `shape`: columns in order with their declared types
/// (type_map), PRIMARY KEY on the key columns when shape.use_primary_key().
std::string create_table_sql(const TableShape &shape);

/// Makes the destination table match `shape`: creates it when missing, adds columns it
/// lacks; columns the shape no longer has are left alone. With `create_tables` false it
/// changes nothing and throws fatal when the table or a column is missing. Runs inside
/// the caller's transaction. Throws sdk::Error.
SchemaChange ensure_table(Db &db, const TableShape &shape, bool create_tables);

}  // namespace walrelay::sqlite

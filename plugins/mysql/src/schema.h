// Destination table DDL: CREATE TABLE for a new relation, ALTER TABLE ADD COLUMN on change.
#pragma once

#include <string>
#include <vector>

#include "connection.h"
#include "table_shape.h"

namespace walrelay::mysql {

/// What ensure_table changed, for logging.
struct SchemaChange {
  bool created = false;
  std::vector<std::string> added_columns;
};

/// The CREATE TABLE statement for `shape`: columns in order with their mapped types,
/// PRIMARY KEY on the key columns when shape.use_primary_key(), InnoDB, utf8mb4 with
/// `collation`.
std::string create_table_sql(const TableShape &shape, const std::string &collation);

/// Makes the destination table match `shape`: creates it (and a mapped database) when
/// missing, adds columns it lacks; columns the shape no longer has are left alone. With
/// `create_tables` false it changes nothing and throws fatal when the table or a column is
/// missing. MySQL commits DDL implicitly, so this must run outside the batch transaction
/// (it only ever adds, so a later rollback of the batch needs no undo). Throws sdk::Error.
SchemaChange ensure_table(Connection &conn, const TableShape &shape, bool create_tables,
                          const std::string &collation);

}  // namespace walrelay::mysql

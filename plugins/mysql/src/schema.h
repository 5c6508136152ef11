// Destination table DDL: CREATE TABLE for a new relation, ALTER TABLE ADD / MODIFY / DROP
// COLUMN on schema changes.
#pragma once

#include <string>
#include <vector>

#include "connection.h"
#include "table_shape.h"

namespace walrelay::mysql {

/// What plan_table may change in the destination.
struct SchemaPolicy {
  bool create_tables = true;   ///< create missing tables and add missing columns
  bool alter_existing = true;  ///< false (schema_change: fail): an existing table that lacks
                               ///< a column is fatal instead of altered
  std::string collation;       ///< of created tables and databases
};

/// The DDL that makes the destination table fit a shape, computed without changing
/// anything. `statements` run in order; the name lists are for logging.
struct TablePlan {
  bool create = false;
  std::vector<std::string> added;     ///< columns ADDed
  std::vector<std::string> modified;  ///< columns MODIFYed to their new type
  std::vector<std::string> statements;
  /// The existing table has columns the shape lacks (kept dropped columns, columns added
  /// in MySQL): rows must then be UPDATEd in place, never replaced by DELETE + INSERT.
  bool extra_columns = false;
  bool empty() const { return statements.empty(); }
};

/// The CREATE TABLE statement for `shape`: columns in order with their mapped types,
/// PRIMARY KEY on the key columns when shape.use_primary_key(), InnoDB, utf8mb4 with
/// `collation`.
std::string create_table_sql(const TableShape &shape, const std::string &collation);

/// Looks the table up (SHOW COLUMNS: no implicit commit, safe inside a transaction) and
/// plans: CREATE DATABASE/TABLE when it is missing; one ALTER TABLE adding the columns it
/// lacks and modifying the columns in `modify` (by name; to their type in `shape`).
/// Columns the table has and the shape does not are left alone. Throws sdk::fatal when a
/// change is needed that `policy` forbids, naming table and column.
TablePlan plan_table(Connection &conn, const TableShape &shape, const SchemaPolicy &policy,
                     const std::vector<std::string> &modify = {});

/// Runs the plan's statements. MySQL commits DDL implicitly: never inside a transaction
/// that must stay atomic. Throws sdk::Error.
void run_plan(Connection &conn, const TableShape &shape, const TablePlan &plan);

/// ALTER TABLE `quoted_table` DROP COLUMN `column`.
std::string drop_column_sql(const std::string &quoted_table, const std::string &column);

}  // namespace walrelay::mysql

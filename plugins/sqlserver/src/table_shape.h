// TableShape: the destination table as described by one generation of a source relation.
#pragma once

#include <walrelay/sink.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "naming.h"
#include "type_map.h"

namespace walrelay::sqlserver {

/// One column of the destination table.
struct ColumnInfo {
  std::string name;    ///< unquoted, as in the source
  std::string quoted;  ///< quote_ident(name)
  uint32_t type_oid = 0;
  int32_t typmod = -1;
  SqlType type;
  bool key = false;       ///< WR_COLUMN_KEY
  std::string type_name;  ///< user type (enum, domain, ...) announced by a Type message
};

/// Everything derived from a wr_relation that statements and DDL need, copied out of the
/// host's descriptor (which is valid only during apply()).
struct TableShape {
  uint32_t relation_id = 0;
  uint32_t generation = 0;
  int32_t replica_identity = WR_REPLICA_IDENTITY_DEFAULT;
  Destination dest;    ///< schema and table, unquoted
  std::string quoted;  ///< [schema].[table]
  std::vector<ColumnInfo> columns;
  std::vector<uint32_t> key_columns;  ///< indexes into columns, in column order

  /// Builds the shape of `rel`, placed with the schema and table maps (see destination()).
  static TableShape from_relation(const wr_relation &rel,
                                  const std::map<std::string, std::string> &schema_map,
                                  const std::map<std::string, std::string> &table_map = {});

  /// True when the created table gets a PRIMARY KEY: replica identity DEFAULT or INDEX and
  /// at least one key column (REPLICA IDENTITY FULL marks every column as key).
  bool use_primary_key() const;

  /// True when column `i` is part of the created PRIMARY KEY.
  bool in_primary_key(size_t i) const { return use_primary_key() && columns[i].key; }
};

/// A column present in two generations whose PostgreSQL type changed so that its SQL Server
/// type (declaration or value class) changes.
struct TypeChange {
  std::string column;    ///< unquoted name
  std::string old_type;  ///< pg_type_label of the earlier generation's type
  std::string new_type;
  std::string old_decl;  ///< SQL Server column types
  std::string new_decl;
};

/// Columns added, dropped and retyped from generation `before` to `after` of one source
/// relation (matched by exact name, as PostgreSQL names them). A PostgreSQL type change
/// that maps to the same SQL Server type and value class (e.g. text -> varchar(5000), both
/// NVARCHAR(MAX)) is not listed.
struct GenerationDiff {
  std::vector<std::string> added;
  std::vector<std::string> dropped;
  std::vector<TypeChange> retyped;
  bool columns_changed() const { return !added.empty() || !dropped.empty(); }
};

GenerationDiff diff_generations(const TableShape &before, const TableShape &after);

/// A readable PostgreSQL type for messages: "int4", "numeric(12,2)", "varchar(20)", the
/// user type's name, or "type oid N" for other types.
std::string pg_type_label(uint32_t oid, int32_t typmod, const std::string &type_name);

}  // namespace walrelay::sqlserver

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
  bool key = false;  ///< WR_COLUMN_KEY
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

  /// Builds the shape of `rel`, placed with the schema map (see destination()).
  static TableShape from_relation(const wr_relation &rel,
                                  const std::map<std::string, std::string> &schema_map);

  /// True when the created table gets a PRIMARY KEY: replica identity DEFAULT or INDEX and
  /// at least one key column (REPLICA IDENTITY FULL marks every column as key).
  bool use_primary_key() const;
};

}  // namespace walrelay::sqlserver

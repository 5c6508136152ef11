// TableShape: the destination table as described by one generation of a source relation.
#pragma once

#include <walrelay/sink.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "naming.h"
#include "type_map.h"

namespace walrelay::mysql {

/// One column of the destination table.
struct ColumnInfo {
  std::string name;    ///< unquoted, as in the source
  std::string quoted;  ///< quote_ident(name)
  uint32_t type_oid = 0;
  int32_t typmod = -1;
  std::string type_name;  ///< user types (Type message): the name; else empty
  MysqlType type;
  bool key = false;  ///< WR_COLUMN_KEY
};

/// Everything derived from a wr_relation that statements and DDL need. Copied out of the
/// host's descriptor (which is valid only during apply()).
struct TableShape {
  uint32_t relation_id = 0;
  uint32_t generation = 0;
  int32_t replica_identity = WR_REPLICA_IDENTITY_DEFAULT;
  Destination dest;    ///< database and table, unquoted
  std::string quoted;  ///< `db`.`table`
  std::vector<ColumnInfo> columns;
  std::vector<uint32_t> key_columns;  ///< indexes into columns, in column order

  /// Builds the shape of `rel`, placing it with the schema map and table map (see
  /// destination()).
  static TableShape from_relation(const wr_relation &rel,
                                  const std::map<std::string, std::string> &schema_map,
                                  const std::string &default_db,
                                  const std::map<std::string, std::string> &table_map = {},
                                  bool arrays_json = true);

  /// True when the created table gets a PRIMARY KEY: replica identity DEFAULT or INDEX and
  /// at least one key column (REPLICA IDENTITY FULL marks every column as key).
  bool use_primary_key() const;
};

/// (relation id, generation) as one key.
inline uint64_t relation_key(const wr_relation &rel) {
  return (uint64_t{rel.relation_id} << 32) | rel.generation;
}

}  // namespace walrelay::mysql

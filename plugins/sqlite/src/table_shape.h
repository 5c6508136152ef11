// TableShape: the destination table as described by one generation of a source relation.
#pragma once

#include <walrelay/sink.h>

#include <cstdint>
#include <string>
#include <vector>

#include "type_map.h"

namespace walrelay::sqlite {

/// One column of the destination table.
struct ColumnInfo {
  std::string name;    ///< unquoted, as in the source
  std::string quoted;  ///< quote_ident(name)
  uint32_t type_oid = 0;
  ColumnClass cls = ColumnClass::Text;
  bool key = false;  ///< WR_COLUMN_KEY
};

/// Everything derived from a wr_relation that statements and DDL need. Copied out of the
/// host's descriptor (which is valid only during apply()).
struct TableShape {
  uint32_t relation_id = 0;
  uint32_t generation = 0;
  int32_t replica_identity = WR_REPLICA_IDENTITY_DEFAULT;
  std::string table;   ///< unquoted destination name (see destination_table)
  std::string quoted;  ///< quote_ident(table)
  std::vector<ColumnInfo> columns;
  std::vector<uint32_t> key_columns;  ///< indexes into columns, in column order
  /// Name usable for the row id in SQL ("rowid", "_rowid_" or "oid", whichever no column
  /// shadows); empty when all three are taken.
  std::string rowid_alias;

  /// Builds the shape of `rel`.
  static TableShape from_relation(const wr_relation &rel);

  /// True when the created table gets a PRIMARY KEY: replica identity DEFAULT or INDEX and
  /// at least one key column (REPLICA IDENTITY FULL marks every column as key).
  bool use_primary_key() const;

  /// Number of 64-bit words in one column bit mask.
  size_t mask_words() const { return (columns.size() + 63) / 64; }
};

}  // namespace walrelay::sqlite

// TableShape: the destination table as described by one generation of a source relation.
#include "table_shape.h"

namespace walrelay::mysql {

TableShape TableShape::from_relation(const wr_relation &rel,
                                     const std::map<std::string, std::string> &schema_map,
                                     const std::string &default_db,
                                     const std::map<std::string, std::string> &table_map,
                                     bool arrays_json) {
  TableShape s;
  s.relation_id = rel.relation_id;
  s.generation = rel.generation;
  s.replica_identity = rel.replica_identity;
  s.dest = destination(rel.schema ? rel.schema : "", rel.name ? rel.name : "", schema_map,
                       default_db, table_map);
  s.quoted = qualified(s.dest);
  const bool pk = (rel.replica_identity == WR_REPLICA_IDENTITY_DEFAULT ||
                   rel.replica_identity == WR_REPLICA_IDENTITY_INDEX);
  s.columns.reserve(rel.n_columns);
  for (uint32_t i = 0; i < rel.n_columns; ++i) {
    const wr_column &c = rel.columns[i];
    ColumnInfo info;
    info.name = c.name ? c.name : "";
    info.quoted = quote_ident(info.name);
    info.type_oid = c.type_oid;
    info.typmod = c.typmod;
    if (c.type_name != nullptr) info.type_name = c.type_name;
    info.key = (c.flags & WR_COLUMN_KEY) != 0;
    // Only primary key columns need an indexable type.
    info.type = map_type(c.type_oid, c.typmod, info.key && pk, c.type_name != nullptr, arrays_json);
    if (info.key) s.key_columns.push_back(i);
    s.columns.push_back(std::move(info));
  }
  return s;
}

bool TableShape::use_primary_key() const {
  return (replica_identity == WR_REPLICA_IDENTITY_DEFAULT ||
          replica_identity == WR_REPLICA_IDENTITY_INDEX) &&
         !key_columns.empty();
}

}  // namespace walrelay::mysql

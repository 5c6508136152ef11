// TableShape: the destination table as described by one generation of a source relation.
#include "table_shape.h"

#include <walrelay/sink.hpp>

#include "naming.h"

namespace walrelay::sqlite {

TableShape TableShape::from_relation(const wr_relation &rel) {
  TableShape s;
  s.relation_id = rel.relation_id;
  s.generation = rel.generation;
  s.replica_identity = rel.replica_identity;
  s.table = destination_table(rel.schema ? rel.schema : "", rel.name ? rel.name : "");
  s.quoted = quote_ident(s.table);
  s.columns.reserve(rel.n_columns);
  for (uint32_t i = 0; i < rel.n_columns; ++i) {
    const wr_column &c = rel.columns[i];
    ColumnInfo info;
    info.name = c.name ? c.name : "";
    info.quoted = quote_ident(info.name);
    info.type_oid = c.type_oid;
    info.cls = class_for_oid(c.type_oid);
    info.key = (c.flags & WR_COLUMN_KEY) != 0;
    if (info.key) s.key_columns.push_back(i);
    s.columns.push_back(std::move(info));
  }
  for (const char *alias : {"rowid", "_rowid_", "oid"}) {
    bool taken = false;
    for (const ColumnInfo &c : s.columns) taken = taken || sdk::ascii_iequal(c.name, alias);
    if (!taken) {
      s.rowid_alias = alias;
      break;
    }
  }
  return s;
}

bool TableShape::use_primary_key() const {
  return (replica_identity == WR_REPLICA_IDENTITY_DEFAULT ||
          replica_identity == WR_REPLICA_IDENTITY_INDEX) &&
         !key_columns.empty();
}

}  // namespace walrelay::sqlite

// TableShape: the destination table as described by one generation of a source relation.
#include "table_shape.h"

namespace walrelay::sqlserver {

TableShape TableShape::from_relation(const wr_relation &rel,
                                     const std::map<std::string, std::string> &schema_map,
                                     const std::map<std::string, std::string> &table_map) {
  TableShape s;
  s.relation_id = rel.relation_id;
  s.generation = rel.generation;
  s.replica_identity = rel.replica_identity;
  s.dest =
      destination(rel.schema ? rel.schema : "", rel.name ? rel.name : "", schema_map, table_map);
  s.quoted = qualified(s.dest);
  const bool pk = rel.replica_identity == WR_REPLICA_IDENTITY_DEFAULT ||
                  rel.replica_identity == WR_REPLICA_IDENTITY_INDEX;
  s.columns.reserve(rel.n_columns);
  for (uint32_t i = 0; i < rel.n_columns; ++i) {
    const wr_column &c = rel.columns[i];
    ColumnInfo info;
    info.name = c.name ? c.name : "";
    info.quoted = quote_ident(info.name);
    info.type_oid = c.type_oid;
    info.typmod = c.typmod;
    info.key = (c.flags & WR_COLUMN_KEY) != 0;
    if (c.type_name != nullptr) info.type_name = c.type_name;
    info.type = map_type(c.type_oid, c.typmod, info.key && pk, c.type_name != nullptr);
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

namespace {

const ColumnInfo *find_column(const TableShape &shape, const std::string &name) {
  for (const ColumnInfo &c : shape.columns) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

const char *builtin_type_name(uint32_t oid) {
  switch (oid) {
    case 16:
      return "bool";
    case 17:
      return "bytea";
    case 18:
      return "\"char\"";
    case 19:
      return "name";
    case 20:
      return "int8";
    case 21:
      return "int2";
    case 23:
      return "int4";
    case 25:
      return "text";
    case 26:
      return "oid";
    case 28:
      return "xid";
    case 29:
      return "cid";
    case 114:
      return "json";
    case 142:
      return "xml";
    case 650:
      return "cidr";
    case 700:
      return "float4";
    case 701:
      return "float8";
    case 774:
      return "macaddr8";
    case 790:
      return "money";
    case 829:
      return "macaddr";
    case 869:
      return "inet";
    case 1042:
      return "bpchar";
    case 1043:
      return "varchar";
    case 1082:
      return "date";
    case 1083:
      return "time";
    case 1114:
      return "timestamp";
    case 1184:
      return "timestamptz";
    case 1186:
      return "interval";
    case 1266:
      return "timetz";
    case 1700:
      return "numeric";
    case 2950:
      return "uuid";
    case 3220:
      return "pg_lsn";
    case 3802:
      return "jsonb";
    case 5069:
      return "xid8";
    default:
      return nullptr;
  }
}

}  // namespace

std::string pg_type_label(uint32_t oid, int32_t typmod, const std::string &type_name) {
  if (!type_name.empty()) return type_name;
  const char *base = builtin_type_name(oid);
  if (base == nullptr) return "type oid " + std::to_string(oid);
  std::string out = base;
  if ((oid == 1042 || oid == 1043) && typmod >= 4) {
    out += "(" + std::to_string(typmod - 4) + ")";
  } else if (oid == 1700 && typmod >= 4) {
    const int32_t m = typmod - 4;
    out += "(" + std::to_string((m >> 16) & 0xffff) + "," +
           std::to_string(static_cast<int16_t>(m & 0xffff)) + ")";
  }
  return out;
}

GenerationDiff diff_generations(const TableShape &before, const TableShape &after) {
  GenerationDiff d;
  for (const ColumnInfo &now : after.columns) {
    const ColumnInfo *was = find_column(before, now.name);
    if (was == nullptr) {
      d.added.push_back(now.name);
      continue;
    }
    const bool pg_changed = was->type_oid != now.type_oid || was->typmod != now.typmod ||
                            was->type_name != now.type_name;
    const bool mapped_changed = was->type.decl != now.type.decl || was->type.cls != now.type.cls;
    if (pg_changed && mapped_changed) {
      d.retyped.push_back({now.name, pg_type_label(was->type_oid, was->typmod, was->type_name),
                           pg_type_label(now.type_oid, now.typmod, now.type_name), was->type.decl,
                           now.type.decl});
    }
  }
  for (const ColumnInfo &was : before.columns) {
    if (find_column(after, was.name) == nullptr) d.dropped.push_back(was.name);
  }
  return d;
}

}  // namespace walrelay::sqlserver

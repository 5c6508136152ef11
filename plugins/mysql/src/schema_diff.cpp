// Differences between two generations of one source relation (schema-change policy input).
#include "schema_diff.h"

#include <walrelay/sink.hpp>

namespace walrelay::mysql {
namespace {

const ColumnInfo *find_column(const TableShape &shape, const std::string &name) {
  for (const ColumnInfo &c : shape.columns) {
    if (sdk::ascii_iequal(c.name, name)) return &c;
  }
  return nullptr;
}

/// Names of the built-in types the type map knows (pg_type.dat typname).
const char *builtin_name(uint32_t oid) {
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
    case 114:
      return "json";
    case 142:
      return "xml";
    case 700:
      return "float4";
    case 701:
      return "float8";
    case 790:
      return "money";
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
    case 3802:
      return "jsonb";
    case 1000:
      return "bool[]";
    case 1005:
      return "int2[]";
    case 1007:
      return "int4[]";
    case 1009:
      return "text[]";
    case 1015:
      return "varchar[]";
    case 1016:
      return "int8[]";
    case 1021:
      return "float4[]";
    case 1022:
      return "float8[]";
    case 1231:
      return "numeric[]";
    default:
      return nullptr;
  }
}

}  // namespace

std::string pg_type_label(uint32_t oid, int32_t typmod, const std::string &type_name) {
  if (!type_name.empty()) return type_name;
  const char *name = builtin_name(oid);
  if (name == nullptr) return "type oid " + std::to_string(oid);
  std::string out = name;
  if ((oid == 1042 || oid == 1043) && typmod >= 4) {
    out += "(" + std::to_string(typmod - 4) + ")";
  } else if (oid == 1700 && typmod >= 4) {
    out += "(" + std::to_string(((typmod - 4) >> 16) & 0xffff) + "," +
           std::to_string(static_cast<int16_t>((typmod - 4) & 0xffff)) + ")";
  }
  return out;
}

GenerationDiff diff_generations(const TableShape &before, const TableShape &after) {
  GenerationDiff d;
  for (const ColumnInfo &c : after.columns) {
    const ColumnInfo *old = find_column(before, c.name);
    if (old == nullptr) {
      d.added.push_back(c.name);
      continue;
    }
    const bool pg_changed =
        old->type_oid != c.type_oid || old->typmod != c.typmod || old->type_name != c.type_name;
    const bool mysql_changed = old->type.decl != c.type.decl || old->type.cls != c.type.cls;
    if (pg_changed && mysql_changed) {
      d.retyped.push_back({c.name, pg_type_label(old->type_oid, old->typmod, old->type_name),
                           pg_type_label(c.type_oid, c.typmod, c.type_name), old->type.decl,
                           c.type.decl});
    }
  }
  for (const ColumnInfo &c : before.columns) {
    if (find_column(after, c.name) == nullptr) d.dropped.push_back(c.name);
  }
  return d;
}

}  // namespace walrelay::mysql

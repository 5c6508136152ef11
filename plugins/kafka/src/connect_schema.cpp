// Kafka Connect JSON schemas for the optional schema block (option `schemas_enable`).
#include "connect_schema.h"

#include "json_writer.h"

namespace walrelay::kafka {
namespace {

inline constexpr uint32_t kJson = 114, kJsonb = 3802;

/// {"type":T[,"name":N],"optional":O,"field":F}
void field(JsonWriter &w, const char *type, const char *name, bool optional,
           std::string_view field_name) {
  w.begin_object();
  w.key("type");
  w.string(type);
  if (name != nullptr) {
    w.key("name");
    w.string(name);
  }
  w.key("optional");
  w.boolean(optional);
  w.key("field");
  w.string(field_name);
  w.end_object();
}

/// The `source` struct (io.debezium.connector.postgresql.Source) as sent by walrelay.
void source_struct(JsonWriter &w) {
  w.begin_object();
  w.key("type");
  w.string("struct");
  w.key("fields");
  w.begin_array();
  field(w, "string", nullptr, false, "version");
  field(w, "string", nullptr, false, "connector");
  field(w, "string", nullptr, false, "name");
  field(w, "int64", nullptr, false, "ts_ms");
  field(w, "string", nullptr, true, "snapshot");
  field(w, "string", nullptr, false, "db");
  field(w, "string", nullptr, false, "schema");
  field(w, "string", nullptr, false, "table");
  field(w, "int64", nullptr, true, "txId");
  field(w, "int64", nullptr, true, "lsn");
  w.end_array();
  w.key("optional");
  w.boolean(false);
  w.key("name");
  w.string("io.debezium.connector.postgresql.Source");
  w.key("field");
  w.string("source");
  w.end_object();
}

bool is_key_column(const wr_relation &rel, uint32_t i) {
  return rel.replica_identity == WR_REPLICA_IDENTITY_FULL ||
         (rel.columns[i].flags & WR_COLUMN_KEY) != 0;
}

/// A struct of the relation's columns (`only_keys`: the key columns).
void row_struct(JsonWriter &w, const wr_relation &rel, TimestampMode mode, bool only_keys,
                const std::string &name, const char *field_name) {
  w.begin_object();
  w.key("type");
  w.string("struct");
  w.key("fields");
  w.begin_array();
  for (uint32_t i = 0; i < rel.n_columns; ++i) {
    const bool key = is_key_column(rel, i);
    if (only_keys && !key) continue;
    const ConnectType t = connect_type(rel.columns[i].type_oid, mode);
    field(w, t.type, t.name, !key, rel.columns[i].name);
  }
  w.end_array();
  w.key("optional");
  w.boolean(field_name != nullptr);  // before/after are optional, the key is not
  w.key("name");
  w.string(name);
  if (field_name != nullptr) {
    w.key("field");
    w.string(field_name);
  }
  w.end_object();
}

std::string build_message_value() {
  std::string out;
  JsonWriter w(out);
  w.begin_object();
  w.key("type");
  w.string("struct");
  w.key("fields");
  w.begin_array();
  field(w, "string", nullptr, false, "op");
  field(w, "int64", nullptr, true, "ts_ms");
  source_struct(w);
  w.begin_object();
  w.key("type");
  w.string("struct");
  w.key("fields");
  w.begin_array();
  field(w, "string", nullptr, true, "prefix");
  field(w, "bytes", nullptr, true, "content");
  w.end_array();
  w.key("optional");
  w.boolean(true);
  w.key("name");
  w.string("io.debezium.connector.postgresql.Message");
  w.key("field");
  w.string("message");
  w.end_object();
  w.end_array();
  w.key("optional");
  w.boolean(false);
  w.key("name");
  w.string("io.debezium.connector.postgresql.MessageValue");
  w.end_object();
  return out;
}

}  // namespace

ConnectType connect_type(uint32_t type_oid, TimestampMode mode) {
  const bool epoch = mode == TimestampMode::EpochMicros;
  switch (type_oid) {
    case oid::kBool:
      return {"boolean", nullptr};
    case oid::kInt2:
      return {"int16", nullptr};
    case oid::kInt4:
      return {"int32", nullptr};
    case oid::kInt8:
    case oid::kOid:
      return {"int64", nullptr};
    case oid::kFloat4:
      return {"float", nullptr};
    case oid::kFloat8:
      return {"double", nullptr};
    case oid::kBytea:
      return {"bytes", nullptr};
    case oid::kDate:
      return epoch ? ConnectType{"int32", "io.debezium.time.Date"} : ConnectType{"string", nullptr};
    case oid::kTime:
      return epoch ? ConnectType{"int64", "io.debezium.time.MicroTime"}
                   : ConnectType{"string", nullptr};
    case oid::kTimestamp:
      return epoch ? ConnectType{"int64", "io.debezium.time.MicroTimestamp"}
                   : ConnectType{"string", nullptr};
    case oid::kTimestamptz:
      return epoch ? ConnectType{"int64", nullptr}
                   : ConnectType{"string", "io.debezium.time.ZonedTimestamp"};
    case kJson:
    case kJsonb:
      return {"string", "io.debezium.data.Json"};
    default:
      return {"string", nullptr};
  }
}

const RelationSchemas &SchemaCache::get(const wr_relation &rel) {
  RelationSchemas &s = cache_[rel.relation_id];
  if (s.generation == rel.generation && !s.value.empty()) return s;
  s.generation = rel.generation;
  const std::string base = prefix_ + "." + rel.schema + "." + rel.name;
  s.key.clear();
  JsonWriter k(s.key);
  row_struct(k, rel, mode_, true, base + ".Key", nullptr);
  s.value.clear();
  JsonWriter w(s.value);
  w.begin_object();
  w.key("type");
  w.string("struct");
  w.key("fields");
  w.begin_array();
  row_struct(w, rel, mode_, false, base + ".Value", "before");
  row_struct(w, rel, mode_, false, base + ".Value", "after");
  source_struct(w);
  field(w, "string", nullptr, false, "op");
  field(w, "int64", nullptr, true, "ts_ms");
  w.begin_object();
  w.key("type");
  w.string("array");
  w.key("items");
  w.begin_object();
  w.key("type");
  w.string("string");
  w.key("optional");
  w.boolean(false);
  w.end_object();
  w.key("optional");
  w.boolean(true);
  w.key("field");
  w.string("unchanged_toast");
  w.end_object();
  w.end_array();
  w.key("optional");
  w.boolean(false);
  w.key("name");
  w.string(base + ".Envelope");
  w.end_object();
  return s;
}

std::string_view SchemaCache::message_key() {
  return R"({"type":"struct","fields":[{"type":"string","optional":true,"field":"prefix"}],)"
         R"("optional":false,"name":"io.debezium.connector.postgresql.MessageKey"})";
}

std::string_view SchemaCache::message_value() {
  static const std::string s = build_message_value();
  return s;
}

}  // namespace walrelay::kafka

// Kafka Connect JSON schemas for the optional schema block (option `schemas_enable`):
// what Debezium's events carry with the JsonConverter's `schemas.enable=true`.
#pragma once

#include <walrelay/sink.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "value_format.h"

namespace walrelay::kafka {

/// The Connect field of a column of type `type_oid` as written by write_value() in `mode`:
/// `type` is one of Connect's type names (int16, int32, int64, float, double, boolean,
/// string, bytes); `name` is Debezium's semantic type name or nullptr.
struct ConnectType {
  const char *type;
  const char *name;
};
ConnectType connect_type(uint32_t type_oid, TimestampMode mode);

/// The key and value schemas of one relation generation, as compact JSON text.
struct RelationSchemas {
  uint32_t generation = 0;
  std::string key;    ///< struct "<prefix>.<schema>.<table>.Key" of the key columns
  std::string value;  ///< struct "<prefix>.<schema>.<table>.Envelope"
};

/// Builds and caches the schemas per relation (re-built when the generation changes).
/// `name_prefix` is the first part of the Connect schema names (Debezium: topic.prefix).
/// Not thread-safe. Strings stay valid until the next get() for the same relation id.
class SchemaCache {
 public:
  SchemaCache(std::string name_prefix, TimestampMode mode)
      : prefix_(std::move(name_prefix)), mode_(mode) {}

  /// Schemas of `rel`. Key columns (WR_COLUMN_KEY, or all for REPLICA IDENTITY FULL) are
  /// `optional: false`, every other column `optional: true` (pgoutput does not say which
  /// columns are NOT NULL).
  const RelationSchemas &get(const wr_relation &rel);

  /// Schema of a logical message's key: struct io.debezium.connector.postgresql.MessageKey
  /// {prefix: string}.
  static std::string_view message_key();
  /// Schema of a logical message's value: struct
  /// io.debezium.connector.postgresql.MessageValue {op, ts_ms, source, message{prefix,
  /// content: bytes}}.
  static std::string_view message_value();

 private:
  std::string prefix_;
  TimestampMode mode_;
  std::unordered_map<uint32_t, RelationSchemas> cache_;
};

}  // namespace walrelay::kafka

// Debezium-compatible change events: a wr_change -> Kafka messages (JSON key and value).
#pragma once

#include <walrelay/sink.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "connect_schema.h"
#include "json_writer.h"
#include "value_format.h"

namespace walrelay::kafka {

/// `source.version` in every event.
inline constexpr const char kSourceVersion[] = "walrelay-0.1.0";

/// What the formatter needs from the options.
struct EnvelopeOptions {
  std::string source_name;  ///< source.name
  std::string database;     ///< source.db
  bool tombstones = true;
  TimestampMode timestamp_mode = TimestampMode::Iso;
  /// Wrap keys and values in {"schema":...,"payload":...} (option schemas_enable).
  bool schemas_enable = false;
  /// First part of the Connect schema names ("<prefix>.<schema>.<table>.Value"): the
  /// topic prefix, as in Debezium.
  std::string schema_name_prefix;
};

/// One Kafka message to produce. The views point into the formatter's buffers and stay
/// valid only until the callback returns.
struct Event {
  const wr_relation *relation;  ///< the table (for the topic); nullptr for op 'm'
  char op;                      ///< 'c', 'u', 'd', 't', 'm', or 0 for a tombstone
  bool has_key;                 ///< false: null key (truncate, table without key)
  std::string_view key;
  bool has_value;  ///< false: tombstone
  std::string_view value;
};

/// Receives the events of a change, in the order they must be produced.
class EventConsumer {
 public:
  virtual ~EventConsumer() = default;
  virtual void on_event(const Event &e) = 0;
};

/// Formats changes into events (README.md "Event format"). Keeps its buffers across
/// calls: no heap allocation per row once they have grown. Not thread-safe.
class EnvelopeFormatter {
 public:
  explicit EnvelopeFormatter(EnvelopeOptions options);

  /// Emits the events of `c` (part of `txn`), stamping `ts_ms` = `now_ms`:
  ///  - INSERT: one 'c';
  ///  - UPDATE: one 'u', except when the old key (old_kind KEY) differs from the new key
  ///    of a table with a primary key / replica identity index: then 'd' for the old key,
  ///    its tombstone (if enabled) and 'c' for the new key, as Debezium does;
  ///  - DELETE: 'd' then a tombstone (if enabled);
  ///  - TRUNCATE: one 't' per truncated relation, null key;
  ///  - MESSAGE (logical decoding message): one 'm' (relation nullptr), key {"prefix":...},
  ///    value {"op":"m","ts_ms","source","message":{"prefix","content":base64}}.
  /// Throws std::invalid_argument for a malformed change (value counts not matching the
  /// relation, unknown kind, a message change without the ABI 1.1 message fields).
  void format(const wr_change &c, const wr_txn &txn, int64_t now_ms, EventConsumer &out);

  /// The JSON key of a row: {"col": value, ...} over the key columns (WR_COLUMN_KEY; every
  /// column for REPLICA IDENTITY FULL). Returns false (no key) when the table has none.
  bool write_key(const wr_relation &rel, const wr_value *vals, std::string &out);

 private:
  /// Starts a document in `w` (cleared): with schemas_enable, `{"schema":<schema>,
  /// "payload":` so that the caller writes the payload next; end_doc() closes it.
  void begin_doc(JsonWriter &w, std::string_view schema);
  void end_doc(JsonWriter &w);
  /// The `source` object. `has_txid` false writes txId null (non-transactional message).
  void write_source(JsonWriter &w, const wr_txn &txn, wr_lsn lsn, std::string_view schema,
                    std::string_view table, bool has_txid, int64_t now_ms);
  /// Emits the 'm' event of a logical decoding message (message_event.cpp).
  void format_message(const wr_change &c, const wr_txn &txn, int64_t now_ms, EventConsumer &out);
  /// Writes the key object of `rel` into `out` (wrapped when schemas are on).
  bool write_key_doc(const wr_relation &rel, const wr_value *vals, std::string &out,
                     std::string_view schema);
  /// Writes a row object (unchanged-TOAST columns left out) or null.
  void write_row(JsonWriter &w, const wr_relation &rel, const wr_value *vals);
  void write_value(char op, const wr_relation &rel, const wr_value *before, const wr_value *after,
                   const wr_change &c, const wr_txn &txn, int64_t now_ms);
  void emit_row_event(char op, const wr_relation &rel, const wr_value *key_vals,
                      const wr_value *before, const wr_value *after, const wr_change &c,
                      const wr_txn &txn, int64_t now_ms, EventConsumer &out);
  void emit_tombstone(const wr_relation &rel, EventConsumer &out);

  EnvelopeOptions options_;
  SchemaCache schemas_;
  std::string key_;
  std::string value_;
  std::string scratch_;
  bool has_key_ = false;
};

}  // namespace walrelay::kafka

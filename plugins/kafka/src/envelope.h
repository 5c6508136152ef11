// Debezium-compatible change events: a wr_change -> Kafka messages (JSON key and value).
#pragma once

#include <walrelay/sink.h>

#include <cstdint>
#include <string>
#include <string_view>

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
};

/// One Kafka message to produce. The views point into the formatter's buffers and stay
/// valid only until the callback returns.
struct Event {
  const wr_relation *relation;  ///< the table (for the topic)
  char op;                      ///< 'c', 'u', 'd', 't', or 0 for a tombstone
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
  ///  - TRUNCATE: one 't' per truncated relation, null key.
  /// Throws std::invalid_argument for a malformed change (value counts not matching the
  /// relation, unknown kind).
  void format(const wr_change &c, const wr_txn &txn, int64_t now_ms, EventConsumer &out);

  /// The JSON key of a row: {"col": value, ...} over the key columns (WR_COLUMN_KEY; every
  /// column for REPLICA IDENTITY FULL). Returns false (no key) when the table has none.
  bool write_key(const wr_relation &rel, const wr_value *vals, std::string &out);

 private:
  /// Writes a row object (unchanged-TOAST columns left out) or null.
  void write_row(JsonWriter &w, const wr_relation &rel, const wr_value *vals);
  void write_value(char op, const wr_relation &rel, const wr_value *before, const wr_value *after,
                   const wr_change &c, const wr_txn &txn, int64_t now_ms);
  void emit_row_event(char op, const wr_relation &rel, const wr_value *key_vals,
                      const wr_value *before, const wr_value *after, const wr_change &c,
                      const wr_txn &txn, int64_t now_ms, EventConsumer &out);
  void emit_tombstone(const wr_relation &rel, EventConsumer &out);

  EnvelopeOptions options_;
  std::string key_;
  std::string value_;
  std::string scratch_;
  bool has_key_ = false;
};

}  // namespace walrelay::kafka

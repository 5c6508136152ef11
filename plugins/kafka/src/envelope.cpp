// Debezium-compatible change events: a wr_change -> Kafka messages (JSON key and value).
#include "envelope.h"

#include <stdexcept>
#include <utility>

namespace walrelay::kafka {
namespace {

bool is_key_column(const wr_relation &rel, uint32_t i) {
  return rel.replica_identity == WR_REPLICA_IDENTITY_FULL ||
         (rel.columns[i].flags & WR_COLUMN_KEY) != 0;
}

bool same_bytes(const wr_value &a, const wr_value &b) {
  if (a.kind != b.kind || a.len != b.len) return false;
  return a.len == 0 || std::string_view(a.data, a.len) == std::string_view(b.data, b.len);
}

void check_values(const wr_relation &rel, uint32_t n, const wr_value *vals, const char *what) {
  if (vals == nullptr || n != rel.n_columns) {
    throw std::invalid_argument(std::string("change on ") + rel.schema + "." + rel.name + " has " +
                                std::to_string(vals ? n : 0) + " " + what + " values for " +
                                std::to_string(rel.n_columns) + " columns");
  }
}

}  // namespace

EnvelopeFormatter::EnvelopeFormatter(EnvelopeOptions options)
    : options_(std::move(options)),
      schemas_(options_.schema_name_prefix, options_.timestamp_mode) {}

void EnvelopeFormatter::begin_doc(JsonWriter &w, std::string_view schema) {
  w.clear();
  if (!options_.schemas_enable) return;
  w.begin_object();
  w.key("schema");
  w.raw(schema);
  w.key("payload");
}

void EnvelopeFormatter::end_doc(JsonWriter &w) {
  if (options_.schemas_enable) w.end_object();
}

bool EnvelopeFormatter::write_key(const wr_relation &rel, const wr_value *vals, std::string &out) {
  return write_key_doc(rel, vals, out, {});
}

bool EnvelopeFormatter::write_key_doc(const wr_relation &rel, const wr_value *vals,
                                      std::string &out, std::string_view schema) {
  JsonWriter w(out);
  w.clear();
  bool any = false;
  for (uint32_t i = 0; i < rel.n_columns; ++i) {
    if (!is_key_column(rel, i) || vals[i].kind == WR_VALUE_UNCHANGED_TOAST) continue;
    if (!any) {
      if (!schema.empty()) begin_doc(w, schema);
      w.begin_object();
    }
    any = true;
    w.key(rel.columns[i].name);
    kafka::write_value(w, rel.columns[i].type_oid, vals[i], options_.timestamp_mode, scratch_);
  }
  if (any) {
    w.end_object();
    if (!schema.empty()) end_doc(w);
  }
  return any;
}

void EnvelopeFormatter::write_source(JsonWriter &w, const wr_txn &txn, wr_lsn lsn,
                                     std::string_view schema, std::string_view table, bool has_txid,
                                     int64_t now_ms) {
  w.key("source");
  w.begin_object();
  w.key("version");
  w.string(kSourceVersion);
  w.key("connector");
  w.string("postgresql");
  w.key("name");
  w.string(options_.source_name);
  w.key("ts_ms");
  // A non-transactional message has no commit time: the time it was produced instead.
  w.number(txn.commit_time_us != 0 ? static_cast<int64_t>(txn.commit_time_us / 1000) : now_ms);
  // Initial-snapshot rows: Debezium's read events ("snapshot": "true", op "r"; no
  // transaction id and no LSN of their own).
  const bool snapshot = (txn.flags & WR_TXN_SNAPSHOT) != 0;
  w.key("snapshot");
  w.string(snapshot ? "true" : "false");
  w.key("db");
  w.string(options_.database);
  w.key("schema");
  w.string(schema);
  w.key("table");
  w.string(table);
  w.key("txId");
  if (has_txid && !snapshot) {
    w.number(static_cast<uint64_t>(txn.xid));
  } else {
    w.null();
  }
  w.key("lsn");
  if (snapshot) {
    w.null();
  } else {
    w.number(static_cast<uint64_t>(lsn));
  }
  w.end_object();
}

void EnvelopeFormatter::write_row(JsonWriter &w, const wr_relation &rel, const wr_value *vals) {
  if (vals == nullptr) {
    w.null();
    return;
  }
  w.begin_object();
  for (uint32_t i = 0; i < rel.n_columns; ++i) {
    if (vals[i].kind == WR_VALUE_UNCHANGED_TOAST) continue;
    w.key(rel.columns[i].name);
    kafka::write_value(w, rel.columns[i].type_oid, vals[i], options_.timestamp_mode, scratch_);
  }
  w.end_object();
}

void EnvelopeFormatter::write_value(char op, const wr_relation &rel, const wr_value *before,
                                    const wr_value *after, const wr_change &c, const wr_txn &txn,
                                    int64_t now_ms) {
  JsonWriter w(value_);
  begin_doc(
      w, options_.schemas_enable ? std::string_view(schemas_.get(rel).value) : std::string_view());
  w.begin_object();
  w.key("before");
  write_row(w, rel, before);
  w.key("after");
  write_row(w, rel, after);
  write_source(w, txn, c.lsn, rel.schema, rel.name, true, now_ms);
  w.key("op");
  const char op_text[1] = {op};
  w.string(std::string_view(op_text, 1));
  w.key("ts_ms");
  w.number(now_ms);
  if (after != nullptr) {
    bool any = false;
    for (uint32_t i = 0; i < rel.n_columns; ++i) {
      if (after[i].kind != WR_VALUE_UNCHANGED_TOAST) continue;
      if (!any) {
        w.key("unchanged_toast");
        w.begin_array();
      }
      any = true;
      w.string(rel.columns[i].name);
    }
    if (any) w.end_array();
  }
  w.end_object();
  end_doc(w);
}

void EnvelopeFormatter::emit_row_event(char op, const wr_relation &rel, const wr_value *key_vals,
                                       const wr_value *before, const wr_value *after,
                                       const wr_change &c, const wr_txn &txn, int64_t now_ms,
                                       EventConsumer &out) {
  has_key_ = write_key_doc(
      rel, key_vals, key_,
      options_.schemas_enable ? std::string_view(schemas_.get(rel).key) : std::string_view());
  write_value(op, rel, before, after, c, txn, now_ms);
  out.on_event(Event{&rel, op, has_key_, key_, true, value_});
}

void EnvelopeFormatter::emit_tombstone(const wr_relation &rel, EventConsumer &out) {
  if (!options_.tombstones) return;
  out.on_event(Event{&rel, 0, has_key_, key_, false, {}});  // key_ of the preceding delete
}

void EnvelopeFormatter::format(const wr_change &c, const wr_txn &txn, int64_t now_ms,
                               EventConsumer &out) {
  if (c.kind == WR_CHANGE_TRUNCATE) {
    for (uint32_t i = 0; i < c.n_truncate_relations; ++i) {
      const wr_relation &rel = *c.truncate_relations[i];
      write_value('t', rel, nullptr, nullptr, c, txn, now_ms);
      out.on_event(Event{&rel, 't', false, {}, true, value_});
    }
    return;
  }
  if (c.kind == WR_CHANGE_MESSAGE) {
    format_message(c, txn, now_ms, out);
    return;
  }
  if (c.relation == nullptr) throw std::invalid_argument("change without a relation");
  const wr_relation &rel = *c.relation;
  switch (c.kind) {
    case WR_CHANGE_INSERT:
      check_values(rel, c.n_new, c.new_values, "new");
      emit_row_event((txn.flags & WR_TXN_SNAPSHOT) ? 'r' : 'c', rel, c.new_values, nullptr,
                     c.new_values, c, txn, now_ms, out);
      return;
    case WR_CHANGE_UPDATE: {
      check_values(rel, c.n_new, c.new_values, "new");
      const wr_value *old = c.old_kind == WR_OLD_NONE ? nullptr : c.old_values;
      if (old != nullptr) check_values(rel, c.n_old, old, "old");
      bool key_changed = false;
      if (c.old_kind == WR_OLD_KEY && rel.replica_identity != WR_REPLICA_IDENTITY_FULL) {
        for (uint32_t i = 0; i < rel.n_columns && !key_changed; ++i) {
          key_changed = is_key_column(rel, i) && !same_bytes(old[i], c.new_values[i]);
        }
      }
      if (key_changed) {
        emit_row_event('d', rel, old, old, nullptr, c, txn, now_ms, out);
        emit_tombstone(rel, out);
        emit_row_event('c', rel, c.new_values, nullptr, c.new_values, c, txn, now_ms, out);
      } else {
        emit_row_event('u', rel, c.new_values, old, c.new_values, c, txn, now_ms, out);
      }
      return;
    }
    case WR_CHANGE_DELETE:
      check_values(rel, c.n_old, c.old_values, "old");
      emit_row_event('d', rel, c.old_values, c.old_values, nullptr, c, txn, now_ms, out);
      emit_tombstone(rel, out);
      return;
    default:
      throw std::invalid_argument("unknown change kind " + std::to_string(c.kind));
  }
}

}  // namespace walrelay::kafka

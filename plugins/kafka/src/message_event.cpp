// Debezium-style events of logical decoding messages (pg_logical_emit_message): op "m".
#include <stdexcept>
#include <string_view>

#include "envelope.h"

namespace walrelay::kafka {

void EnvelopeFormatter::format_message(const wr_change &c, const wr_txn &txn, int64_t now_ms,
                                       EventConsumer &out) {
  if (!WR_HAS_FIELD(&c, wr_change, message_flags)) {
    throw std::invalid_argument("message change without the message fields (struct_size " +
                                std::to_string(c.struct_size) + ")");
  }
  if (c.message_content == nullptr && c.message_len != 0) {
    throw std::invalid_argument("message change with " + std::to_string(c.message_len) +
                                " content bytes but no content");
  }
  const std::string_view prefix = c.message_prefix ? c.message_prefix : "";
  const std::string_view content(c.message_content, c.message_len);
  // Debezium: a non-transactional message has no transaction, so txId is null.
  const bool transactional = (c.message_flags & WR_MESSAGE_TRANSACTIONAL) != 0;

  JsonWriter k(key_);
  begin_doc(k, SchemaCache::message_key());
  k.begin_object();
  k.key("prefix");
  k.string(prefix);
  k.end_object();
  end_doc(k);

  JsonWriter w(value_);
  begin_doc(w, SchemaCache::message_value());
  w.begin_object();
  w.key("op");
  w.string("m");
  w.key("ts_ms");
  w.number(now_ms);
  write_source(w, txn, c.lsn, "", "", transactional, now_ms);
  w.key("message");
  w.begin_object();
  w.key("prefix");
  w.string(prefix);
  w.key("content");
  w.base64(content);
  w.end_object();
  w.end_object();
  end_doc(w);
  out.on_event(Event{nullptr, 'm', true, key_, true, value_});
}

}  // namespace walrelay::kafka

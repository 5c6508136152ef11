// pgoutput decoder. Layouts: PostgreSQL docs "Logical Replication Message Formats".
#include "core/pgoutput/decoder.h"

#include <stdexcept>
#include <string>

#include "core/pgoutput/reader.h"

namespace walrelay::pgoutput {
namespace {

constexpr std::string_view kPgCatalog = "pg_catalog";

std::string type_text(uint8_t t) {
  std::string s = "'";
  s += static_cast<char>(t);
  s += "'";
  return s;
}

/// Namespace String: empty means pg_catalog.
std::string_view read_namespace(Reader &r) {
  std::string_view ns = r.cstring();
  return ns.empty() ? kPgCatalog : ns;
}

/// Reads a column count and checks it against the limit and the bytes left, each column
/// taking at least min_bytes_per_column.
uint16_t read_column_count(Reader &r, size_t min_bytes_per_column) {
  const size_t at = r.offset();
  const uint16_t n = r.u16();
  if (n > Decoder::kMaxColumns) {
    r.fail_at(at, "column count " + std::to_string(n) + " exceeds " +
                      std::to_string(Decoder::kMaxColumns));
  }
  if (static_cast<size_t>(n) * min_bytes_per_column > r.remaining()) {
    r.fail_at(at, "column count " + std::to_string(n) + " does not fit in the " +
                      std::to_string(r.remaining()) + " byte(s) left");
  }
  return n;
}

/// TupleData: Int16 count, then per column 'n' | 'u' | ('t' | 'b') Int32 length, bytes.
void read_tuple(Reader &r, TupleData &tuple) {
  const uint16_t n = read_column_count(r, 1);
  tuple.columns.resize(n);  // no allocation once capacity is there
  for (ColumnValue &col : tuple.columns) {
    const size_t kind_at = r.offset();
    const uint8_t kind = r.u8();
    switch (kind) {
      case 'n':
      case 'u':
        col.kind = static_cast<char>(kind);
        col.data = {};
        break;
      case 't':
      case 'b': {
        const size_t len_at = r.offset();
        const int32_t len = r.i32();
        if (len < 0) r.fail_at(len_at, "column length " + std::to_string(len) + " is negative");
        if (static_cast<size_t>(len) > r.remaining()) {
          r.fail_at(len_at, "column length " + std::to_string(len) + " exceeds the " +
                                std::to_string(r.remaining()) + " byte(s) left");
        }
        col.kind = static_cast<char>(kind);
        col.data = r.bytes(static_cast<size_t>(len));
        break;
      }
      default:
        r.fail_at(kind_at, "unknown tuple column kind byte " + std::to_string(kind));
    }
  }
}

void read_relation(Reader &r, Relation &rel) {
  rel.relation_id = r.u32();
  rel.schema = read_namespace(r);
  rel.name = r.cstring();
  const size_t ri_at = r.offset();
  const uint8_t ri = r.u8();
  if (ri != 'd' && ri != 'n' && ri != 'f' && ri != 'i') {
    r.fail_at(ri_at, "unknown replica identity byte " + std::to_string(ri));
  }
  rel.replica_identity = static_cast<char>(ri);
  // Per column: Int8 flags, String name (>= 1 byte), Int32 type OID, Int32 typmod.
  const uint16_t n = read_column_count(r, 10);
  rel.columns.resize(n);
  for (RelationColumn &col : rel.columns) {
    col.flags = r.u8();
    col.name = r.cstring();
    col.type_oid = r.u32();
    col.typmod = r.i32();
  }
}

/// Update/Delete old-tuple marker 'K' (key) or 'O' (old row).
char read_old_marker(Reader &r, bool allow_new) {
  const size_t at = r.offset();
  const uint8_t m = r.u8();
  if (m == 'K' || m == 'O' || (allow_new && m == 'N')) return static_cast<char>(m);
  r.fail_at(at, std::string("expected ") + (allow_new ? "'K', 'O' or 'N'" : "'K' or 'O'") +
                    ", got byte " + std::to_string(m));
}

void expect_new_marker(Reader &r) {
  const size_t at = r.offset();
  const uint8_t m = r.u8();
  if (m != 'N') r.fail_at(at, "expected 'N' (new tuple), got byte " + std::to_string(m));
}

int min_version(uint8_t t) {
  switch (t) {
    case 'S':
    case 'E':
    case 'c':
    case 'A':
      return 2;
    case 'b':
    case 'P':
    case 'K':
    case 'r':
    case 'p':
      return 3;
    default:
      return 1;
  }
}

}  // namespace

Decoder::Decoder(int protocol_version) : protocol_version_(protocol_version) {
  if (protocol_version < 1 || protocol_version > 4) {
    throw std::invalid_argument("pgoutput protocol version " + std::to_string(protocol_version) +
                                " is not supported (1-4)");
  }
}

const Message &Decoder::decode(const uint8_t *data, size_t len, Lsn wal_start) {
  if (len == 0 || data == nullptr) {
    throw DecodeError(len == 0 ? "empty message" : "null data", -1, 0, len, wal_start);
  }
  Reader r(data, len, wal_start);
  const uint8_t t = r.u8();
  r.set_type_byte(t);
  if (min_version(t) > protocol_version_) {
    r.fail_at(0, "message type " + type_text(t) + " needs protocol version " +
                     std::to_string(min_version(t)) + ", stream uses " +
                     std::to_string(protocol_version_));
  }
  Message &m = msg_;
  bool enter_stream = false, leave_stream = false;
  uint32_t new_stream_xid = 0;

  auto outside_stream_only = [&] {
    if (in_stream_) {
      r.fail_at(0, "transaction message " + type_text(t) + " inside a stream block (xid " +
                       std::to_string(stream_xid_) + ")");
    }
  };
  // Messages that carry the streamed transaction's (or subtransaction's) xid in a block.
  auto xid_prefix = [&]() -> uint32_t { return in_stream_ ? r.u32() : 0; };

  switch (t) {
    case 'B': {
      outside_stream_only();
      m.begin.final_lsn = r.u64();
      m.begin.commit_time = r.i64();
      m.begin.xid = r.u32();
      break;
    }
    case 'C': {
      outside_stream_only();
      m.commit.flags = r.u8();
      m.commit.commit_lsn = r.u64();
      m.commit.end_lsn = r.u64();
      m.commit.commit_time = r.i64();
      break;
    }
    case 'O': {  // also sent right after Stream Start
      m.origin.commit_lsn = r.u64();
      m.origin.name = r.cstring();
      break;
    }
    case 'R': {
      m.relation.xid = xid_prefix();
      read_relation(r, m.relation);
      break;
    }
    case 'Y': {
      m.type_msg.xid = xid_prefix();
      m.type_msg.type_oid = r.u32();
      m.type_msg.schema = read_namespace(r);
      m.type_msg.name = r.cstring();
      break;
    }
    case 'I': {
      m.insert.xid = xid_prefix();
      m.insert.relation_id = r.u32();
      expect_new_marker(r);
      read_tuple(r, m.insert.new_tuple);
      break;
    }
    case 'U': {
      m.update.xid = xid_prefix();
      m.update.relation_id = r.u32();
      const char marker = read_old_marker(r, true);
      if (marker == 'N') {
        m.update.old_kind = 0;
        m.update.old_tuple.columns.clear();
      } else {
        m.update.old_kind = marker;
        read_tuple(r, m.update.old_tuple);
        expect_new_marker(r);
      }
      read_tuple(r, m.update.new_tuple);
      break;
    }
    case 'D': {
      m.del.xid = xid_prefix();
      m.del.relation_id = r.u32();
      m.del.old_kind = read_old_marker(r, false);
      read_tuple(r, m.del.old_tuple);
      break;
    }
    case 'T': {
      m.truncate.xid = xid_prefix();
      const size_t count_at = r.offset();
      const int32_t n = r.i32();
      m.truncate.options = r.u8();
      if (n < 0) r.fail_at(count_at, "relation count " + std::to_string(n) + " is negative");
      if (static_cast<size_t>(n) > r.remaining() / 4) {
        r.fail_at(count_at, "relation count " + std::to_string(n) + " does not fit in the " +
                                std::to_string(r.remaining()) + " byte(s) left");
      }
      m.truncate.relation_ids.resize(static_cast<size_t>(n));
      for (uint32_t &id : m.truncate.relation_ids) id = r.u32();
      break;
    }
    case 'M': {
      m.logical_message.xid = xid_prefix();
      m.logical_message.flags = r.u8();
      m.logical_message.lsn = r.u64();
      m.logical_message.prefix = r.cstring();
      const size_t len_at = r.offset();
      const int32_t n = r.i32();
      if (n < 0) r.fail_at(len_at, "content length " + std::to_string(n) + " is negative");
      if (static_cast<size_t>(n) > r.remaining()) {
        r.fail_at(len_at, "content length " + std::to_string(n) + " exceeds the " +
                              std::to_string(r.remaining()) + " byte(s) left");
      }
      m.logical_message.content = r.bytes(static_cast<size_t>(n));
      break;
    }
    case 'S': {
      if (in_stream_) {
        r.fail_at(0, "Stream Start inside the stream block of xid " + std::to_string(stream_xid_));
      }
      m.stream_start.xid = r.u32();
      const size_t at = r.offset();
      const uint8_t first = r.u8();
      if (first > 1) r.fail_at(at, "first-segment flag " + std::to_string(first) + " is not 0/1");
      m.stream_start.first_segment = first == 1;
      enter_stream = true;
      new_stream_xid = m.stream_start.xid;
      break;
    }
    case 'E': {
      if (!in_stream_) r.fail_at(0, "Stream Stop outside a stream block");
      leave_stream = true;
      break;
    }
    case 'c': {
      outside_stream_only();
      m.stream_commit.xid = r.u32();
      m.stream_commit.flags = r.u8();
      m.stream_commit.commit_lsn = r.u64();
      m.stream_commit.end_lsn = r.u64();
      m.stream_commit.commit_time = r.i64();
      break;
    }
    case 'A': {
      outside_stream_only();
      m.stream_abort.xid = r.u32();
      m.stream_abort.subxid = r.u32();
      // v4 with streaming = parallel appends abort LSN and time; otherwise nothing follows.
      m.stream_abort.has_abort_info = protocol_version_ >= 4 && r.remaining() != 0;
      if (m.stream_abort.has_abort_info) {
        m.stream_abort.abort_lsn = r.u64();
        m.stream_abort.abort_time = r.i64();
      } else {
        m.stream_abort.abort_lsn = 0;
        m.stream_abort.abort_time = 0;
      }
      break;
    }
    case 'b': {
      outside_stream_only();
      m.begin_prepare.prepare_lsn = r.u64();
      m.begin_prepare.end_lsn = r.u64();
      m.begin_prepare.prepare_time = r.i64();
      m.begin_prepare.xid = r.u32();
      m.begin_prepare.gid = r.cstring();
      break;
    }
    case 'P':
    case 'p': {
      outside_stream_only();
      Prepare &p = t == 'P' ? m.prepare : m.stream_prepare;
      p.flags = r.u8();
      p.prepare_lsn = r.u64();
      p.end_lsn = r.u64();
      p.prepare_time = r.i64();
      p.xid = r.u32();
      p.gid = r.cstring();
      break;
    }
    case 'K': {
      outside_stream_only();
      m.commit_prepared.flags = r.u8();
      m.commit_prepared.commit_lsn = r.u64();
      m.commit_prepared.end_lsn = r.u64();
      m.commit_prepared.commit_time = r.i64();
      m.commit_prepared.xid = r.u32();
      m.commit_prepared.gid = r.cstring();
      break;
    }
    case 'r': {
      outside_stream_only();
      m.rollback_prepared.flags = r.u8();
      m.rollback_prepared.prepare_end_lsn = r.u64();
      m.rollback_prepared.rollback_end_lsn = r.u64();
      m.rollback_prepared.prepare_time = r.i64();
      m.rollback_prepared.rollback_time = r.i64();
      m.rollback_prepared.xid = r.u32();
      m.rollback_prepared.gid = r.cstring();
      break;
    }
    default:
      r.fail_at(0, "unknown message type byte " + std::to_string(t));
  }
  r.expect_end();

  m.type = static_cast<MessageType>(t);
  if (enter_stream) {
    in_stream_ = true;
    stream_xid_ = new_stream_xid;
  } else if (leave_stream) {
    in_stream_ = false;
    stream_xid_ = 0;
  }
  return m;
}

}  // namespace walrelay::pgoutput

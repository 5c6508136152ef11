// pgoutput decoder: turns one logical replication message (an XLogData payload) into a Message.
#pragma once

#include <cstddef>
#include <cstdint>

#include "core/pgoutput/error.h"
#include "core/pgoutput/messages.h"

namespace walrelay::pgoutput {

/// Decodes the messages of one pgoutput replication stream, in order.
///
/// Source: PostgreSQL docs, "Logical Replication Message Formats" (protocol versions 1-4),
/// checked against src/backend/replication/logical/proto.c. The decoder keeps one piece of
/// state between messages: whether it is inside a Stream Start/Stream Stop block, where
/// Relation, Type, Insert, Update, Delete, Truncate and Message carry an Int32 xid prefix.
///
/// Not thread-safe; use one Decoder per replication connection. Once its vectors have grown
/// to the widest row seen, decode() allocates nothing (except to build a DecodeError).
class Decoder {
 public:
  /// protocol_version is the `proto_version` given to START_REPLICATION (1-4). Messages of a
  /// higher version are rejected; Stream Abort carries abort LSN/time only from version 4.
  /// Throws std::invalid_argument outside 1-4.
  explicit Decoder(int protocol_version = 1);

  /// Decodes one pgoutput message: `data[0, len)` is the payload of one XLogData CopyData
  /// message (type byte first). `wal_start` is the XLogData's WAL start, used in error
  /// messages only.
  ///
  /// Returns the decoder's reusable Message; only the member matching `type` is meaningful.
  /// Its string_views and tuple values point into `data` (the caller keeps it alive) and into
  /// the decoder; everything is valid until the next decode() or reset(). An empty schema
  /// name in Relation/Type (pgoutput's shorthand for pg_catalog) is returned as "pg_catalog".
  ///
  /// Throws DecodeError (naming the type byte, byte offset and WAL position) on any malformed
  /// input: truncation, trailing bytes, unknown type byte, a message of a later protocol
  /// version, negative or impossible lengths/counts, unknown tuple column kinds, replica
  /// identity or old/new tuple markers, and stream-block misuse (Stream Start inside a block,
  /// Stream Stop outside one, transaction-control messages inside one). Never reads outside
  /// `data[0, len)`. After a DecodeError the previously returned Message is invalid, but the
  /// decoder's stream state is unchanged and decoding can go on with the next message.
  const Message &decode(const uint8_t *data, size_t len, Lsn wal_start);

  /// True between a Stream Start and its Stream Stop.
  bool in_stream() const noexcept { return in_stream_; }
  /// Xid of the open stream block (0 outside one).
  uint32_t stream_xid() const noexcept { return in_stream_ ? stream_xid_ : 0; }

  /// Forgets stream state (e.g. after reconnecting: the server restarts at a transaction
  /// boundary).
  void reset() noexcept {
    in_stream_ = false;
    stream_xid_ = 0;
  }

  int protocol_version() const noexcept { return protocol_version_; }

  /// Largest column count accepted in a Relation or TupleData (PostgreSQL's
  /// MaxTupleAttributeNumber); a table has at most 1600 columns.
  static constexpr uint16_t kMaxColumns = 1664;

 private:
  int protocol_version_;
  bool in_stream_ = false;
  uint32_t stream_xid_ = 0;
  Message msg_;
};

}  // namespace walrelay::pgoutput

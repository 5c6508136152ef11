// DecodeError: the exception the pgoutput decoder throws for any malformed message.
#pragma once

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>

namespace walrelay::pgoutput {

/// Thrown by Decoder::decode() when a message is truncated, has trailing bytes, an unknown
/// type byte, an invalid field (negative or absurd length/count, unknown tuple kind, ...) or
/// comes out of order (e.g. a streamed-transaction message outside a Stream Start/Stop block).
/// what() names the message type byte, the byte offset within the message where decoding
/// stopped and the XLogData WAL start in PostgreSQL's "X/Y" form, e.g.
///   pgoutput: column length -5 is negative in 'I' (0x49) message at byte offset 14 of 20,
///   WAL 0/16B3748
class DecodeError : public std::runtime_error {
 public:
  /// type_byte is -1 when the message was empty (no type byte).
  DecodeError(const std::string &reason, int type_byte, size_t offset, size_t length,
              uint64_t wal_start);

  /// The message type byte (0-255), or -1 for an empty message.
  int type_byte() const noexcept { return type_byte_; }
  /// Byte offset in the message at which the problem was found.
  size_t offset() const noexcept { return offset_; }
  /// WAL start of the XLogData that carried the message.
  uint64_t wal_start() const noexcept { return wal_start_; }

 private:
  int type_byte_;
  size_t offset_;
  uint64_t wal_start_;
};

}  // namespace walrelay::pgoutput

// Bounds-checked big-endian reader over one pgoutput message; every failure is a DecodeError.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "core/pgoutput/error.h"

namespace walrelay::pgoutput {

/// Reads the fields of one message front to back. Never reads outside [data, data + len):
/// a read past the end throws DecodeError naming the message type byte (the first byte, once
/// read), the offset of the field that did not fit and the WAL position. Returned views point
/// into `data`. Source: PostgreSQL docs, "Message Data Types" (Int8/16/32/64 are big-endian,
/// String is NUL-terminated).
class Reader {
 public:
  Reader(const uint8_t *data, size_t len, uint64_t wal_start) noexcept
      : data_(data), len_(len), wal_start_(wal_start) {}

  size_t offset() const noexcept { return pos_; }
  size_t remaining() const noexcept { return len_ - pos_; }
  size_t length() const noexcept { return len_; }

  /// Sets the type byte reported in errors (the decoder calls it after reading byte 0).
  void set_type_byte(int type_byte) noexcept { type_byte_ = type_byte; }

  uint8_t u8() {
    need(1, "Int8");
    return data_[pos_++];
  }
  uint16_t u16() { return static_cast<uint16_t>(be(2, "Int16")); }
  uint32_t u32() { return static_cast<uint32_t>(be(4, "Int32")); }
  uint64_t u64() { return be(8, "Int64"); }
  int32_t i32() { return static_cast<int32_t>(u32()); }  // two's complement, defined in C++20
  int64_t i64() { return static_cast<int64_t>(u64()); }

  /// A NUL-terminated String; the view excludes the NUL, which must be within the message.
  std::string_view cstring() {
    const size_t at = pos_;
    const void *nul = remaining() == 0 ? nullptr : std::memchr(data_ + pos_, 0, remaining());
    if (nul == nullptr) fail_at(at, "unterminated String (no NUL before end of message)");
    const size_t n = static_cast<const uint8_t *>(nul) - (data_ + pos_);
    pos_ += n + 1;
    return {reinterpret_cast<const char *>(data_ + at), n};
  }

  /// The next n bytes.
  std::string_view bytes(size_t n) {
    need(n, "Byte(n)");
    const size_t at = pos_;
    pos_ += n;
    return {reinterpret_cast<const char *>(data_ + at), n};
  }

  /// Throws unless every byte was consumed.
  void expect_end() const {
    if (pos_ != len_) {
      fail_at(pos_, std::to_string(len_ - pos_) + " trailing byte(s) after the message");
    }
  }

  [[noreturn]] void fail_at(size_t offset, const std::string &reason) const {
    throw DecodeError(reason, type_byte_, offset, len_, wal_start_);
  }
  [[noreturn]] void fail(const std::string &reason) const { fail_at(pos_, reason); }

 private:
  void need(size_t n, const char *what) const {
    if (n > remaining()) {
      fail("truncated: " + std::string(what) + " needs " + std::to_string(n) + " byte(s), " +
           std::to_string(remaining()) + " left");
    }
  }
  uint64_t be(size_t n, const char *what) {
    need(n, what);
    uint64_t v = 0;
    for (size_t i = 0; i < n; ++i) v = (v << 8) | data_[pos_ + i];
    pos_ += n;
    return v;
  }

  const uint8_t *data_;
  size_t len_;
  size_t pos_ = 0;
  uint64_t wal_start_;
  int type_byte_ = -1;
};

}  // namespace walrelay::pgoutput

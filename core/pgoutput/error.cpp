// DecodeError message formatting.
#include "core/pgoutput/error.h"

#include <cstdio>

namespace walrelay::pgoutput {
namespace {

std::string describe(const std::string &reason, int type_byte, size_t offset, size_t length,
                     uint64_t wal_start) {
  char type_text[32];
  if (type_byte < 0) {
    std::snprintf(type_text, sizeof type_text, "empty");
  } else if (type_byte >= 0x20 && type_byte < 0x7f) {
    std::snprintf(type_text, sizeof type_text, "'%c' (0x%02x)", type_byte, type_byte);
  } else {
    std::snprintf(type_text, sizeof type_text, "0x%02x", type_byte);
  }
  char where[128];
  std::snprintf(where, sizeof where, " in %s message at byte offset %zu of %zu, WAL %X/%X",
                type_text, offset, length, static_cast<unsigned>(wal_start >> 32),
                static_cast<unsigned>(wal_start & 0xffffffffu));
  return "pgoutput: " + reason + where;
}

}  // namespace

DecodeError::DecodeError(const std::string &reason, int type_byte, size_t offset, size_t length,
                         uint64_t wal_start)
    : std::runtime_error(describe(reason, type_byte, offset, length, wal_start)),
      type_byte_(type_byte),
      offset_(offset),
      wal_start_(wal_start) {}

}  // namespace walrelay::pgoutput

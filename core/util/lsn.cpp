// LSN text conversions.
#include "core/util/lsn.h"

#include <charconv>
#include <cstdio>

namespace walrelay {

std::string format_lsn(Lsn lsn) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "%X/%X", static_cast<unsigned>(lsn >> 32),
                static_cast<unsigned>(lsn & 0xffffffffu));
  return buf;
}

std::optional<Lsn> parse_lsn(std::string_view text) {
  auto slash = text.find('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 >= text.size()) return {};
  auto hi_s = text.substr(0, slash), lo_s = text.substr(slash + 1);
  if (hi_s.size() > 8 || lo_s.size() > 8) return {};
  uint32_t hi = 0, lo = 0;
  auto r1 = std::from_chars(hi_s.data(), hi_s.data() + hi_s.size(), hi, 16);
  if (r1.ec != std::errc() || r1.ptr != hi_s.data() + hi_s.size()) return {};
  auto r2 = std::from_chars(lo_s.data(), lo_s.data() + lo_s.size(), lo, 16);
  if (r2.ec != std::errc() || r2.ptr != lo_s.data() + lo_s.size()) return {};
  return (static_cast<Lsn>(hi) << 32) | lo;
}

}  // namespace walrelay

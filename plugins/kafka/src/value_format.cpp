// Column value -> JSON value, per PostgreSQL type OID (see README.md "Value conversion").
#include "value_format.h"

#include <charconv>
#include <cstdio>

namespace walrelay::kafka {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

/// Reads exactly `n` digits at text[pos]; advances pos.
bool digits(std::string_view text, size_t &pos, size_t n, int64_t &out) {
  if (pos + n > text.size()) return false;
  int64_t v = 0;
  for (size_t i = 0; i < n; ++i) {
    if (!is_digit(text[pos + i])) return false;
    v = v * 10 + (text[pos + i] - '0');
  }
  pos += n;
  out = v;
  return true;
}

bool expect(std::string_view text, size_t &pos, char c) {
  if (pos >= text.size() || text[pos] != c) return false;
  ++pos;
  return true;
}

/// Days from 1970-01-01 to y-m-d (proleptic Gregorian; H. Hinnant's days_from_civil).
int64_t days_from_civil(int64_t y, int64_t m, int64_t d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

void civil_from_days(int64_t z, int64_t &y, int64_t &m, int64_t &d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y = yoe + era * 400 + (m <= 2);
}

/// Date part at text[pos]: "YYYY-MM-DD" (4+ digit year).
bool parse_date_at(std::string_view text, size_t &pos, int64_t &days) {
  size_t end = pos;
  while (end < text.size() && is_digit(text[end])) ++end;
  int64_t y, m, d;
  if (end - pos < 4 || !digits(text, pos, end - pos, y)) return false;
  if (!expect(text, pos, '-') || !digits(text, pos, 2, m) || !expect(text, pos, '-') ||
      !digits(text, pos, 2, d))
    return false;
  if (m < 1 || m > 12 || d < 1 || d > 31) return false;
  days = days_from_civil(y, m, d);
  return true;
}

/// Time part at text[pos]: "HH:MM:SS[.f{1,6}]".
bool parse_time_at(std::string_view text, size_t &pos, int64_t &micros) {
  int64_t h, mi, s;
  if (!digits(text, pos, 2, h) || !expect(text, pos, ':') || !digits(text, pos, 2, mi) ||
      !expect(text, pos, ':') || !digits(text, pos, 2, s))
    return false;
  if (h > 24 || mi > 59 || s > 60) return false;
  int64_t frac = 0;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    int n = 0;
    while (pos < text.size() && is_digit(text[pos])) {
      if (n >= 6) return false;
      frac = frac * 10 + (text[pos++] - '0');
      ++n;
    }
    if (n == 0) return false;
    for (; n < 6; ++n) frac *= 10;
  }
  micros = ((h * 60 + mi) * 60 + s) * 1000000 + frac;
  return true;
}

bool is_json_integer(std::string_view s) {
  size_t i = s.size() > 0 && s[0] == '-' ? 1 : 0;
  if (i == s.size()) return false;
  if (s[i] == '0' && s.size() > i + 1) return false;
  for (; i < s.size(); ++i) {
    if (!is_digit(s[i])) return false;
  }
  return true;
}

/// PostgreSQL float output is a JSON number except NaN / Infinity / -Infinity.
bool is_json_number(std::string_view s) {
  size_t i = 0;
  if (i < s.size() && s[i] == '-') ++i;
  if (i >= s.size() || !is_digit(s[i])) return false;
  if (s[i] == '0' && i + 1 < s.size() && is_digit(s[i + 1])) return false;
  while (i < s.size() && is_digit(s[i])) ++i;
  if (i < s.size() && s[i] == '.') {
    ++i;
    if (i >= s.size() || !is_digit(s[i])) return false;
    while (i < s.size() && is_digit(s[i])) ++i;
  }
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    if (i >= s.size() || !is_digit(s[i])) return false;
    while (i < s.size() && is_digit(s[i])) ++i;
  }
  return i == s.size();
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

bool parse_timestamp(std::string_view text, int64_t &micros) {
  size_t pos = 0;
  int64_t days, tod;
  if (!parse_date_at(text, pos, days)) return false;
  if (!expect(text, pos, ' ') && !expect(text, pos, 'T')) return false;
  if (!parse_time_at(text, pos, tod)) return false;
  int64_t offset_s = 0;
  if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
    const int64_t sign = text[pos] == '-' ? -1 : 1;
    ++pos;
    int64_t h = 0, m = 0, s = 0;
    if (!digits(text, pos, 2, h)) return false;
    if (expect(text, pos, ':')) {
      if (!digits(text, pos, 2, m)) return false;
      if (expect(text, pos, ':') && !digits(text, pos, 2, s)) return false;
    }
    offset_s = sign * (h * 3600 + m * 60 + s);
  } else if (pos < text.size() && text[pos] == 'Z') {
    ++pos;
  }
  if (pos != text.size()) return false;
  micros = days * 86400000000LL + tod - offset_s * 1000000;
  return true;
}

bool parse_date(std::string_view text, int64_t &days) {
  size_t pos = 0;
  return parse_date_at(text, pos, days) && pos == text.size();
}

bool parse_time(std::string_view text, int64_t &micros) {
  size_t pos = 0;
  return parse_time_at(text, pos, micros) && pos == text.size();
}

void append_iso_timestamp(std::string &out, int64_t micros) {
  int64_t days = micros / 86400000000LL;
  int64_t rest = micros % 86400000000LL;
  if (rest < 0) {
    rest += 86400000000LL;
    --days;
  }
  int64_t y, m, d;
  civil_from_days(days, y, m, d);
  const int64_t secs = rest / 1000000, frac = rest % 1000000;
  char buf[48];
  int n = std::snprintf(buf, sizeof buf, "%04lld-%02lld-%02lldT%02lld:%02lld:%02lld",
                        static_cast<long long>(y), static_cast<long long>(m),
                        static_cast<long long>(d), static_cast<long long>(secs / 3600),
                        static_cast<long long>(secs / 60 % 60), static_cast<long long>(secs % 60));
  if (frac != 0 && n > 0) {
    n += std::snprintf(buf + n, sizeof buf - static_cast<size_t>(n), ".%06lld",
                       static_cast<long long>(frac));
  }
  if (n > 0) out.append(buf, static_cast<size_t>(n));
  out += 'Z';
}

bool decode_bytea(std::string_view text, std::string &out) {
  out.clear();
  if (text.size() >= 2 && text[0] == '\\' && text[1] == 'x') {
    if (text.size() % 2 != 0) return false;
    for (size_t i = 2; i < text.size(); i += 2) {
      const int hi = hex_value(text[i]), lo = hex_value(text[i + 1]);
      if (hi < 0 || lo < 0) return false;
      out += static_cast<char>((hi << 4) | lo);
    }
    return true;
  }
  // Escape format: \\ is a backslash, \ooo an octal byte, anything else literal.
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\\') {
      out += text[i];
    } else if (i + 1 < text.size() && text[i + 1] == '\\') {
      out += '\\';
      ++i;
    } else if (i + 3 < text.size() && text[i + 1] >= '0' && text[i + 1] <= '3' &&
               text[i + 2] >= '0' && text[i + 2] <= '7' && text[i + 3] >= '0' &&
               text[i + 3] <= '7') {
      out += static_cast<char>(((text[i + 1] - '0') << 6) | ((text[i + 2] - '0') << 3) |
                               (text[i + 3] - '0'));
      i += 3;
    } else {
      return false;
    }
  }
  return true;
}

void write_value(JsonWriter &w, uint32_t type_oid, const wr_value &v, TimestampMode mode,
                 std::string &scratch) {
  if (v.kind == WR_VALUE_NULL || v.data == nullptr) {
    w.null();
    return;
  }
  const std::string_view t(v.data, v.len);
  if (v.kind == WR_VALUE_BINARY) {
    w.base64(t);  // the type's send format, unconverted
    return;
  }
  switch (type_oid) {
    case oid::kBool:
      if (t == "t" || t == "f") return w.boolean(t == "t");
      break;
    case oid::kInt2:
    case oid::kInt4:
    case oid::kInt8:
    case oid::kOid:
      if (is_json_integer(t)) return w.raw(t);
      break;
    case oid::kFloat4:
    case oid::kFloat8:
      if (is_json_number(t)) return w.raw(t);
      break;  // NaN, Infinity, -Infinity as strings
    case oid::kBytea:
      if (decode_bytea(t, scratch)) return w.base64(scratch);
      break;
    case oid::kTimestamp:
    case oid::kTimestamptz: {
      int64_t us;
      if (!parse_timestamp(t, us)) break;
      if (mode == TimestampMode::EpochMicros) return w.number(us);
      scratch.clear();
      append_iso_timestamp(scratch, us);
      return w.string(scratch);
    }
    case oid::kDate: {
      int64_t days;
      if (mode == TimestampMode::EpochMicros && parse_date(t, days)) return w.number(days);
      break;
    }
    case oid::kTime: {
      int64_t us;
      if (mode == TimestampMode::EpochMicros && parse_time(t, us)) return w.number(us);
      break;
    }
    default:
      break;
  }
  w.string(t);  // numeric, text, json/jsonb, uuid, arrays, ... and anything unparsable
}

}  // namespace walrelay::kafka

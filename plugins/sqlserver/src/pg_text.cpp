// Parsers for PostgreSQL text output forms the sink converts: bytea, timestamptz, arrays.
// Formats: PostgreSQL documentation, "Binary Data Types" (bytea hex/escape output),
// "Date/Time Types" (ISO output), "Arrays" (array value input/output syntax).
#include "pg_text.h"

#include <cstdio>

namespace walrelay::sqlserver {
namespace {

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool octal(char c) { return c >= '0' && c <= '7'; }

/// Reads exactly `n` decimal digits at `pos`.
bool read_digits(std::string_view t, size_t &pos, size_t n, long long &out) {
  if (pos + n > t.size()) return false;
  out = 0;
  for (size_t i = 0; i < n; ++i) {
    const char c = t[pos + i];
    if (c < '0' || c > '9') return false;
    out = out * 10 + (c - '0');
  }
  pos += n;
  return true;
}

bool take(std::string_view t, size_t &pos, char c) {
  if (pos >= t.size() || t[pos] != c) return false;
  ++pos;
  return true;
}

/// Days since 1970-01-01 of a proleptic Gregorian date (era-based day counting).
long long days_from_date(long long y, long long m, long long d) {
  y -= m <= 2 ? 1 : 0;
  const long long era = (y >= 0 ? y : y - 399) / 400;
  const long long yoe = y - era * 400;
  const long long doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const long long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

void date_from_days(long long z, long long &y, long long &m, long long &d) {
  z += 719468;
  const long long era = (z >= 0 ? z : z - 146096) / 146097;
  const long long doe = z - era * 146097;
  const long long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const long long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const long long mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y = yoe + era * 400 + (m <= 2 ? 1 : 0);
}

void json_string(std::string &out, std::string_view s) {
  out += '"';
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += '"';
}

/// True when `s` is a JSON number (-?digits[.digits][e[+-]digits]).
bool json_number(std::string_view s) {
  size_t i = 0;
  if (i < s.size() && s[i] == '-') ++i;
  const size_t int_start = i;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
  if (i == int_start || (s[int_start] == '0' && i - int_start > 1)) return false;
  if (i < s.size() && s[i] == '.') {
    const size_t f = ++i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
    if (i == f) return false;
  }
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    const size_t e = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
    if (i == e) return false;
  }
  return i == s.size();
}

/// Recursive-descent reader of one `{...}` level of array text.
struct ArrayReader {
  std::string_view t;
  ArrayElement kind;
  std::string &out;
  size_t pos = 0;

  bool element(std::string_view raw, bool quoted) {
    if (!quoted && raw == "NULL") {
      out += "null";
    } else if (!quoted && kind == ArrayElement::Number && json_number(raw)) {
      out += raw;
    } else if (!quoted && kind == ArrayElement::Bool && (raw == "t" || raw == "f")) {
      out += raw == "t" ? "true" : "false";
    } else {
      json_string(out, raw);
    }
    return true;
  }

  bool level(int depth) {
    if (depth > 6 || !take(t, pos, '{')) return false;
    out += '[';
    if (take(t, pos, '}')) {
      out += ']';
      return true;
    }
    std::string buf;
    while (true) {
      if (pos < t.size() && t[pos] == '{') {
        if (!level(depth + 1)) return false;
      } else if (pos < t.size() && t[pos] == '"') {
        ++pos;
        buf.clear();
        while (pos < t.size() && t[pos] != '"') {
          if (t[pos] == '\\') ++pos;
          if (pos >= t.size()) return false;
          buf += t[pos++];
        }
        if (!take(t, pos, '"')) return false;
        element(buf, true);
      } else {
        const size_t start = pos;
        while (pos < t.size() && t[pos] != ',' && t[pos] != '}') ++pos;
        if (pos == start) return false;
        element(t.substr(start, pos - start), false);
      }
      if (take(t, pos, '}')) break;
      if (!take(t, pos, ',')) return false;
      out += ',';
    }
    out += ']';
    return true;
  }
};

}  // namespace

bool decode_bytea(std::string_view t, std::string &out) {
  out.clear();
  if (t.size() >= 2 && t[0] == '\\' && t[1] == 'x') {
    if ((t.size() - 2) % 2 != 0) return false;
    for (size_t i = 2; i < t.size(); i += 2) {
      const int hi = hex_digit(t[i]), lo = hex_digit(t[i + 1]);
      if (hi < 0 || lo < 0) return false;
      out.push_back(static_cast<char>((hi << 4) | lo));
    }
    return true;
  }
  for (size_t i = 0; i < t.size();) {
    if (t[i] != '\\') {
      out.push_back(t[i++]);
    } else if (i + 1 < t.size() && t[i + 1] == '\\') {
      out.push_back('\\');
      i += 2;
    } else if (i + 3 < t.size() && octal(t[i + 1]) && octal(t[i + 2]) && octal(t[i + 3])) {
      out.push_back(
          static_cast<char>(((t[i + 1] - '0') << 6) | ((t[i + 2] - '0') << 3) | (t[i + 3] - '0')));
      i += 4;
    } else {
      return false;
    }
  }
  return true;
}

bool out_of_range_date(std::string_view t) {
  return t == "infinity" || t == "-infinity" || (t.size() >= 3 && t.substr(t.size() - 3) == " BC");
}

bool timestamptz_to_utc(std::string_view t, std::string &out) {
  if (out_of_range_date(t)) return false;
  size_t pos = 0, year_len = 0;
  while (year_len < t.size() && t[year_len] >= '0' && t[year_len] <= '9') ++year_len;
  if (year_len < 4 || year_len > 6) return false;
  long long year, month, day, hh, mm, ss;
  if (!read_digits(t, pos, year_len, year) || !take(t, pos, '-') ||
      !read_digits(t, pos, 2, month) || !take(t, pos, '-') || !read_digits(t, pos, 2, day) ||
      !take(t, pos, ' ') || !read_digits(t, pos, 2, hh) || !take(t, pos, ':') ||
      !read_digits(t, pos, 2, mm) || !take(t, pos, ':') || !read_digits(t, pos, 2, ss)) {
    return false;
  }
  std::string_view frac;
  if (pos < t.size() && t[pos] == '.') {
    const size_t start = pos++;
    while (pos < t.size() && t[pos] >= '0' && t[pos] <= '9') ++pos;
    frac = t.substr(start, pos - start);
  }
  if (pos >= t.size() || (t[pos] != '+' && t[pos] != '-')) return false;
  const long long sign = t[pos++] == '-' ? -1 : 1;
  long long oh = 0, om = 0, os = 0;
  if (!read_digits(t, pos, 2, oh)) return false;
  if (take(t, pos, ':')) {
    if (!read_digits(t, pos, 2, om)) return false;
    if (take(t, pos, ':') && !read_digits(t, pos, 2, os)) return false;
  }
  if (pos != t.size() || month < 1 || month > 12 || day < 1 || day > 31 || hh > 23 || mm > 59 ||
      ss > 60) {
    return false;
  }
  const long long secs = days_from_date(year, month, day) * 86400 + hh * 3600 + mm * 60 + ss -
                         sign * (oh * 3600 + om * 60 + os);
  const long long days = secs >= 0 ? secs / 86400 : -((-secs + 86399) / 86400);
  const long long rem = secs - days * 86400;
  long long y, m, d;
  date_from_days(days, y, m, d);
  if (y < 1 || y > 9999) return false;
  char buf[160];
  std::snprintf(buf, sizeof buf, "%04lld-%02lld-%02lld %02lld:%02lld:%02lld", y, m, d, rem / 3600,
                (rem / 60) % 60, rem % 60);
  out = buf;
  out += frac;
  return true;
}

bool array_to_json(std::string_view text, ArrayElement kind, std::string &out) {
  out.clear();
  size_t start = 0;
  if (!text.empty() && text[0] == '[') {  // dimension bounds "[0:1]=" or "[1:2][1:2]="
    const size_t eq = text.find('=');
    if (eq == std::string_view::npos) return false;
    start = eq + 1;
  }
  ArrayReader r{text.substr(start), kind, out};
  return r.level(0) && r.pos == r.t.size();
}

}  // namespace walrelay::sqlserver

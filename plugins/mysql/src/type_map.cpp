// PostgreSQL type -> MySQL column type, and conversion of wr_value text to bound values.
#include "type_map.h"

#include <cstdio>

#include "pg_array.h"

namespace walrelay::mysql {
namespace {

// Built-in type OIDs (PostgreSQL src/include/catalog/pg_type.dat).
enum : uint32_t {
  kBool = 16,
  kBytea = 17,
  kChar = 18,
  kName = 19,
  kInt8 = 20,
  kInt2 = 21,
  kInt4 = 23,
  kText = 25,
  kOid = 26,
  kXid = 28,
  kCid = 29,
  kJson = 114,
  kXml = 142,
  kCidr = 650,
  kFloat4 = 700,
  kFloat8 = 701,
  kMacaddr8 = 774,
  kMoney = 790,
  kMacaddr = 829,
  kInet = 869,
  kBpchar = 1042,
  kVarchar = 1043,
  kDate = 1082,
  kTime = 1083,
  kTimestamp = 1114,
  kTimestamptz = 1184,
  kInterval = 1186,
  kTimetz = 1266,
  kNumeric = 1700,
  kUuid = 2950,
  kPgLsn = 3220,
  kJsonb = 3802,
  kXid8 = 5069,
};

constexpr int kMaxDecimalPrecision = 65;
constexpr int kMaxDecimalScale = 30;
constexpr int kMaxVarchar = 255;

/// Long text: LONGTEXT, or VARCHAR(255) for key columns (MySQL indexes no LONGTEXT).
MysqlType long_text(bool key, ValueClass cls = ValueClass::Text) {
  return {key ? "VARCHAR(255)" : "LONGTEXT", cls};
}

/// varchar(n)/char(n): VARCHAR(n) up to 255 characters, else long_text.
MysqlType bounded_text(int32_t typmod, bool key) {
  const int32_t n = typmod >= 4 ? typmod - 4 : -1;
  if (n > 0 && n <= kMaxVarchar) return {"VARCHAR(" + std::to_string(n) + ")", ValueClass::Text};
  return long_text(key);
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool is_octal(char c) { return c >= '0' && c <= '7'; }

bool special_float(std::string_view t) { return t == "NaN" || t == "Infinity" || t == "-Infinity"; }

/// Infinite or BC: no DATE/DATETIME value exists for it.
bool out_of_range_date(std::string_view t) {
  return t == "infinity" || t == "-infinity" || (t.size() >= 3 && t.substr(t.size() - 3) == " BC");
}

// Days since 1970-01-01 of a proleptic Gregorian date, and back (H. Hinnant's algorithms).
long long days_from_civil(long long y, unsigned m, unsigned d) {
  y -= m <= 2;
  const long long era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<long long>(doe) - 719468;
}

void civil_from_days(long long z, long long &y, unsigned &m, unsigned &d) {
  z += 719468;
  const long long era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  y = static_cast<long long>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y += m <= 2;
}

/// Reads exactly `n` digits at `pos`.
bool digits(std::string_view t, size_t &pos, size_t n, long long &out) {
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

bool expect(std::string_view t, size_t &pos, char c) {
  if (pos >= t.size() || t[pos] != c) return false;
  ++pos;
  return true;
}

}  // namespace

MysqlType map_type(uint32_t oid, int32_t typmod, bool key, bool user_type, bool arrays_json) {
  if (user_type) return {"VARCHAR(255)", ValueClass::Text};
  ArrayElement element;
  if (array_element_kind(oid, element)) {
    if (!arrays_json) return {key ? "VARCHAR(255)" : "LONGTEXT", ValueClass::Text};
    const ValueClass cls = element == ArrayElement::Number ? ValueClass::ArrayNumber
                           : element == ArrayElement::Bool ? ValueClass::ArrayBool
                                                           : ValueClass::ArrayString;
    return {key ? "VARCHAR(255)" : "JSON", cls};
  }
  switch (oid) {
    case kBool:
      return {"TINYINT(1)", ValueClass::Bool};
    case kBytea:
      return {key ? "VARBINARY(1024)" : "LONGBLOB", ValueClass::Blob};
    case kChar:
      return {"VARCHAR(4)", ValueClass::Text};
    case kName:
      return {"VARCHAR(64)", ValueClass::Text};
    case kInt2:
      return {"SMALLINT", ValueClass::Text};
    case kInt4:
      return {"INT", ValueClass::Text};
    case kInt8:
      return {"BIGINT", ValueClass::Text};
    case kOid:
    case kXid:
    case kCid:
      return {"INT UNSIGNED", ValueClass::Text};
    case kXid8:
      return {"BIGINT UNSIGNED", ValueClass::Text};
    case kFloat4:
    case kFloat8:
      return {"DOUBLE", ValueClass::Float};
    case kNumeric: {
      if (typmod >= 4) {
        const int p = ((typmod - 4) >> 16) & 0xffff;
        const int s = static_cast<int16_t>((typmod - 4) & 0xffff);  // negative in PG 15+
        if (p >= 1 && p <= kMaxDecimalPrecision && s >= 0 && s <= kMaxDecimalScale && s <= p) {
          return {"DECIMAL(" + std::to_string(p) + "," + std::to_string(s) + ")",
                  ValueClass::Decimal};
        }
      }
      return long_text(key, ValueClass::NumericText);
    }
    case kBpchar:
    case kVarchar:
      return bounded_text(typmod, key);
    case kJson:
    case kJsonb:
      return {key ? "VARCHAR(255)" : "JSON", ValueClass::Text};
    case kUuid:
      return {"CHAR(36)", ValueClass::Text};
    case kDate:
      return {"DATE", ValueClass::Date};
    case kTime:
      return {"TIME(6)", ValueClass::Text};
    case kTimestamp:
      return {"DATETIME(6)", ValueClass::Timestamp};
    case kTimestamptz:
      return {"DATETIME(6)", ValueClass::TimestampTz};
    case kTimetz:
      return {"VARCHAR(32)", ValueClass::Text};
    case kInterval:
      return {"VARCHAR(255)", ValueClass::Text};
    case kMoney:
      return {"VARCHAR(64)", ValueClass::Text};
    case kInet:
    case kCidr:
      return {"VARCHAR(43)", ValueClass::Text};
    case kMacaddr:
    case kMacaddr8:
      return {"VARCHAR(23)", ValueClass::Text};
    case kPgLsn:
      return {"VARCHAR(17)", ValueClass::Text};
    case kText:
    case kXml:
    default:  // arrays, geometric types, bit strings, ranges, tsvector, ...: text output
      return long_text(key);
  }
}

bool decode_bytea(std::string_view t, std::string &out) {
  out.clear();
  if (t.size() >= 2 && t[0] == '\\' && t[1] == 'x') {
    if ((t.size() - 2) % 2 != 0) return false;
    out.reserve((t.size() - 2) / 2);
    for (size_t i = 2; i < t.size(); i += 2) {
      const int hi = hex_digit(t[i]), lo = hex_digit(t[i + 1]);
      if (hi < 0 || lo < 0) return false;
      out.push_back(static_cast<char>((hi << 4) | lo));
    }
    return true;
  }
  // Escape format: "\\" is a backslash, "\ooo" an octal byte, anything else literal.
  for (size_t i = 0; i < t.size();) {
    if (t[i] != '\\') {
      out.push_back(t[i++]);
    } else if (i + 1 < t.size() && t[i + 1] == '\\') {
      out.push_back('\\');
      i += 2;
    } else if (i + 3 < t.size() && is_octal(t[i + 1]) && is_octal(t[i + 2]) && is_octal(t[i + 3])) {
      out.push_back(
          static_cast<char>(((t[i + 1] - '0') << 6) | ((t[i + 2] - '0') << 3) | (t[i + 3] - '0')));
      i += 4;
    } else {
      return false;
    }
  }
  return true;
}

bool timestamptz_to_utc(std::string_view t, std::string &out) {
  if (out_of_range_date(t)) return false;
  size_t pos = 0;
  size_t year_digits = 0;
  while (year_digits < t.size() && t[year_digits] >= '0' && t[year_digits] <= '9') ++year_digits;
  long long year, month, day, hh, mm, ss;
  if (year_digits < 4 || year_digits > 6) return false;
  if (!digits(t, pos, year_digits, year) || !expect(t, pos, '-') || !digits(t, pos, 2, month) ||
      !expect(t, pos, '-') || !digits(t, pos, 2, day) || !expect(t, pos, ' ') ||
      !digits(t, pos, 2, hh) || !expect(t, pos, ':') || !digits(t, pos, 2, mm) ||
      !expect(t, pos, ':') || !digits(t, pos, 2, ss)) {
    return false;
  }
  std::string_view frac;
  if (pos < t.size() && t[pos] == '.') {
    const size_t start = pos++;
    while (pos < t.size() && t[pos] >= '0' && t[pos] <= '9') ++pos;
    frac = t.substr(start, pos - start);
  }
  if (pos >= t.size() || (t[pos] != '+' && t[pos] != '-')) return false;
  const int sign = t[pos++] == '-' ? -1 : 1;
  long long oh = 0, om = 0, os = 0;
  if (!digits(t, pos, 2, oh)) return false;
  if (pos < t.size() && t[pos] == ':') {
    ++pos;
    if (!digits(t, pos, 2, om)) return false;
    if (pos < t.size() && t[pos] == ':') {
      ++pos;
      if (!digits(t, pos, 2, os)) return false;
    }
  }
  if (pos != t.size() || month < 1 || month > 12 || day < 1 || day > 31) return false;
  const long long offset = sign * (oh * 3600 + om * 60 + os);
  long long secs =
      days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day)) * 86400 +
      hh * 3600 + mm * 60 + ss - offset;
  long long days = secs >= 0 ? secs / 86400 : -((-secs + 86399) / 86400);
  long long rem = secs - days * 86400;
  long long y;
  unsigned m, d;
  civil_from_days(days, y, m, d);
  if (y < 1) return false;
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04lld-%02u-%02u %02lld:%02lld:%02lld", y, m, d, rem / 3600,
                (rem / 60) % 60, rem % 60);
  out = buf;
  out += frac;
  return true;
}

std::string malformed_detail(std::string_view text, ValueClass cls) {
  if (cls != ValueClass::ArrayNumber && cls != ValueClass::ArrayBool &&
      cls != ValueClass::ArrayString) {
    return {};
  }
  std::string out, error;
  array_to_json(text,
                cls == ValueClass::ArrayNumber ? ArrayElement::Number
                : cls == ValueClass::ArrayBool ? ArrayElement::Bool
                                               : ArrayElement::String,
                out, error);
  return error;
}

Conversion convert_value(std::string_view text, ValueClass cls, std::string &scratch,
                         std::string_view &out) {
  out = text;
  switch (cls) {
    case ValueClass::Text:
    case ValueClass::NumericText:
      return Conversion::Ok;
    case ValueClass::Bool:
      if (text == "t" || text == "true") {
        out = "1";
      } else if (text == "f" || text == "false") {
        out = "0";
      } else {
        return Conversion::Malformed;
      }
      return Conversion::Ok;
    case ValueClass::Float:
    case ValueClass::Decimal:
      return special_float(text) ? Conversion::Special : Conversion::Ok;
    case ValueClass::Blob:
      if (!decode_bytea(text, scratch)) return Conversion::Malformed;
      out = scratch;
      return Conversion::Ok;
    case ValueClass::Date:
    case ValueClass::Timestamp:
      return out_of_range_date(text) ? Conversion::OutOfRange : Conversion::Ok;
    case ValueClass::TimestampTz:
      if (out_of_range_date(text)) return Conversion::OutOfRange;
      if (!timestamptz_to_utc(text, scratch)) return Conversion::Malformed;
      out = scratch;
      return Conversion::Ok;
    case ValueClass::ArrayNumber:
    case ValueClass::ArrayBool:
    case ValueClass::ArrayString: {
      const ArrayElement kind = cls == ValueClass::ArrayNumber ? ArrayElement::Number
                                : cls == ValueClass::ArrayBool ? ArrayElement::Bool
                                                               : ArrayElement::String;
      std::string error;
      if (!array_to_json(text, kind, scratch, error)) return Conversion::Malformed;
      out = scratch;
      return Conversion::Ok;
    }
  }
  return Conversion::Malformed;
}

}  // namespace walrelay::mysql

// PostgreSQL type -> SQL Server column type, and PostgreSQL text values -> T-SQL literals.
#include "type_map.h"

#include <charconv>
#include <cstring>

#include "naming.h"
#include "pg_text.h"

namespace walrelay::sqlserver {
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

constexpr int kMaxDecimalPrecision = 38;
constexpr int kMaxNvarchar = 4000;
constexpr int kMaxKeyNvarchar = 450;  // 900 bytes: the clustered index key limit

SqlType text_type(bool key, ValueClass cls = ValueClass::Text) {
  return {key ? "NVARCHAR(450)" : "NVARCHAR(MAX)", cls, true};
}

SqlType nvarchar(int n, ValueClass cls = ValueClass::Text) {
  return {"NVARCHAR(" + std::to_string(n) + ")", cls, true};
}

/// The element kind of a built-in array type, or false for other OIDs.
bool array_kind(uint32_t oid, ValueClass &cls) {
  switch (oid) {
    case 1005:  // int2[]
    case 1007:  // int4[]
    case 1016:  // int8[]
    case 1021:  // float4[]
    case 1022:  // float8[]
    case 1231:  // numeric[]
    case 1028:  // oid[]
      cls = ValueClass::ArrayNumber;
      return true;
    case 1000:  // bool[]
      cls = ValueClass::ArrayBool;
      return true;
    case 1001:  // bytea[]
    case 1002:  // char[]
    case 1003:  // name[]
    case 1009:  // text[]
    case 1014:  // bpchar[]
    case 1015:  // varchar[]
    case 1041:  // inet[]
    case 1115:  // timestamp[]
    case 1182:  // date[]
    case 1183:  // time[]
    case 1185:  // timestamptz[]
    case 1187:  // interval[]
    case 199:   // json[]
    case 2951:  // uuid[]
    case 3807:  // jsonb[]
      cls = ValueClass::ArrayString;
      return true;
    default:
      return false;
  }
}

bool special_float(std::string_view t) { return t == "NaN" || t == "Infinity" || t == "-Infinity"; }

/// -?digits
bool integer_text(std::string_view t) {
  size_t i = t.size() > 0 && t[0] == '-' ? 1 : 0;
  if (i == t.size()) return false;
  for (; i < t.size(); ++i) {
    if (t[i] < '0' || t[i] > '9') return false;
  }
  return true;
}

/// -?digits[.digits][e[+-]digits] (also ".5" and "5."), as float and numeric output.
bool number_text(std::string_view t) {
  size_t i = 0;
  if (i < t.size() && (t[i] == '-' || t[i] == '+')) ++i;
  size_t digits = 0;
  while (i < t.size() && t[i] >= '0' && t[i] <= '9') ++i, ++digits;
  if (i < t.size() && t[i] == '.') {
    ++i;
    while (i < t.size() && t[i] >= '0' && t[i] <= '9') ++i, ++digits;
  }
  if (digits == 0) return false;
  if (i < t.size() && (t[i] == 'e' || t[i] == 'E')) {
    ++i;
    if (i < t.size() && (t[i] == '+' || t[i] == '-')) ++i;
    const size_t e = i;
    while (i < t.size() && t[i] >= '0' && t[i] <= '9') ++i;
    if (i == e) return false;
  }
  return i == t.size();
}

/// 8-4-4-4-12 hex digits (PostgreSQL's uuid output).
bool uuid_text(std::string_view t) {
  if (t.size() != 36) return false;
  for (size_t i = 0; i < t.size(); ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    const char c = t[i];
    const bool hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    if (dash ? c != '-' : !hex) return false;
  }
  return true;
}

void append_hex(std::string &out, std::string_view bytes) {
  static const char kHex[] = "0123456789ABCDEF";
  out += "0x";
  for (unsigned char c : bytes) {
    out += kHex[c >> 4];
    out += kHex[c & 15];
  }
}

}  // namespace

SqlType map_type(uint32_t oid, int32_t typmod, bool key, bool user_type) {
  if (user_type) return text_type(key);
  ValueClass array_cls;
  if (array_kind(oid, array_cls)) return text_type(key, array_cls);
  switch (oid) {
    case kBool:
      return {"BIT", ValueClass::Bool};
    case kBytea:
      return {key ? "VARBINARY(900)" : "VARBINARY(MAX)", ValueClass::Binary};
    case kChar:
      return nvarchar(4);
    case kName:
      return nvarchar(64);
    case kInt2:
      return {"SMALLINT", ValueClass::Integer};
    case kInt4:
      return {"INT", ValueClass::Integer};
    case kInt8:
    case kOid:
    case kXid:
    case kCid:
      return {"BIGINT", ValueClass::Integer};
    case kXid8:
      return {"DECIMAL(20,0)", ValueClass::Integer};
    case kFloat4:
      return {"REAL", ValueClass::Float};
    case kFloat8:
      return {"FLOAT(53)", ValueClass::Float};
    case kNumeric: {
      if (typmod >= 4) {
        const int p = ((typmod - 4) >> 16) & 0xffff;
        const int s = static_cast<int16_t>((typmod - 4) & 0xffff);  // negative in PG 15+
        if (p >= 1 && p <= kMaxDecimalPrecision && s >= 0 && s <= p) {
          return {"DECIMAL(" + std::to_string(p) + "," + std::to_string(s) + ")",
                  ValueClass::Decimal};
        }
      }
      return key ? nvarchar(kMaxKeyNvarchar, ValueClass::NumericText)
                 : nvarchar(1000, ValueClass::NumericText);
    }
    case kBpchar:
    case kVarchar: {
      const int32_t n = typmod >= 4 ? typmod - 4 : -1;
      if (n > 0 && n <= (key ? kMaxKeyNvarchar : kMaxNvarchar)) {
        return {(oid == kBpchar ? "NCHAR(" : "NVARCHAR(") + std::to_string(n) + ")",
                ValueClass::Text, true};
      }
      return text_type(key);
    }
    case kUuid:
      return {"UNIQUEIDENTIFIER", ValueClass::Uuid};
    case kDate:
      return {"DATE", ValueClass::Date};
    case kTime:
      return {"TIME(6)", ValueClass::Text};
    case kTimestamp:
      return {"DATETIME2(6)", ValueClass::Timestamp};
    case kTimestamptz:
      return {"DATETIMEOFFSET(6)", ValueClass::TimestampTz};
    case kTimetz:
      return nvarchar(32);
    case kInterval:
      return nvarchar(255);
    case kMoney:
      return nvarchar(64);
    case kInet:
    case kCidr:
      return nvarchar(43);
    case kMacaddr:
    case kMacaddr8:
      return nvarchar(23);
    case kPgLsn:
      return nvarchar(17);
    case kJson:
    case kJsonb:
    case kText:
    case kXml:
    default:  // geometric types, bit strings, ranges, tsvector, ...: their text output
      return text_type(key);
  }
}

Conversion append_literal(std::string &out, std::string_view text, ValueClass cls) {
  std::string scratch;
  switch (cls) {
    case ValueClass::Integer:
      if (!integer_text(text)) return Conversion::Malformed;
      out += text;
      return Conversion::Ok;
    case ValueClass::Decimal:
    case ValueClass::Float:
      if (special_float(text)) return Conversion::Special;
      if (!number_text(text)) return Conversion::Malformed;
      out += text;
      return Conversion::Ok;
    case ValueClass::NumericText:
      if (!special_float(text) && !number_text(text)) return Conversion::Malformed;
      append_n_literal(out, text);
      return Conversion::Ok;
    case ValueClass::Bool:
      if (text == "t" || text == "true") {
        out += '1';
      } else if (text == "f" || text == "false") {
        out += '0';
      } else {
        return Conversion::Malformed;
      }
      return Conversion::Ok;
    case ValueClass::Text:
      append_n_literal(out, text);
      return Conversion::Ok;
    case ValueClass::Uuid:
      if (!uuid_text(text)) return Conversion::Malformed;
      append_n_literal(out, text);
      return Conversion::Ok;
    case ValueClass::Binary:
      if (!decode_bytea(text, scratch)) return Conversion::Malformed;
      append_hex(out, scratch);
      return Conversion::Ok;
    case ValueClass::Date:
    case ValueClass::Timestamp:
      if (out_of_range_date(text)) return Conversion::OutOfRange;
      append_n_literal(out, text);
      return Conversion::Ok;
    case ValueClass::TimestampTz:
      if (out_of_range_date(text)) return Conversion::OutOfRange;
      if (!timestamptz_to_utc(text, scratch)) return Conversion::Malformed;
      scratch += "+00:00";
      append_n_literal(out, scratch);
      return Conversion::Ok;
    case ValueClass::ArrayNumber:
    case ValueClass::ArrayBool:
    case ValueClass::ArrayString: {
      const ArrayElement kind = cls == ValueClass::ArrayNumber ? ArrayElement::Number
                                : cls == ValueClass::ArrayBool ? ArrayElement::Bool
                                                               : ArrayElement::String;
      if (!array_to_json(text, kind, scratch)) return Conversion::Malformed;
      append_n_literal(out, scratch);
      return Conversion::Ok;
    }
  }
  return Conversion::Malformed;
}

const char *param_type_decl(ParamType t) {
  switch (t) {
    case ParamType::BigInt:
      return "BIGINT";
    case ParamType::Float:
      return "FLOAT";
    case ParamType::Bit:
      return "BIT";
    case ParamType::NVarChar:
      return "NVARCHAR(MAX)";
    case ParamType::VarBinary:
      return "VARBINARY(MAX)";
  }
  return "NVARCHAR(MAX)";
}

namespace {

template <typename T>
std::string raw_bytes(T v) {
  std::string out(sizeof v, '\0');
  std::memcpy(out.data(), &v, sizeof v);
  return out;
}

}  // namespace

Conversion bind_value(std::string_view text, ValueClass cls, BoundValue &out) {
  std::string scratch;
  switch (cls) {
    case ValueClass::Integer: {
      if (!integer_text(text)) return Conversion::Malformed;
      int64_t v = 0;
      const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
      if (ec == std::errc() && end == text.data() + text.size()) {
        out = {ParamType::BigInt, raw_bytes(v)};
      } else {  // xid8 beyond int64: DECIMAL(20,0) from text
        out = {ParamType::NVarChar, std::string(text)};
      }
      return Conversion::Ok;
    }
    case ValueClass::Decimal:
      if (special_float(text)) return Conversion::Special;
      if (!number_text(text)) return Conversion::Malformed;
      out = {ParamType::NVarChar, std::string(text)};  // exact: the server parses the digits
      return Conversion::Ok;
    case ValueClass::Float: {
      if (special_float(text)) return Conversion::Special;
      if (!number_text(text)) return Conversion::Malformed;
      std::string_view t = text;
      if (!t.empty() && t.front() == '+') t.remove_prefix(1);
      double v = 0;
      const auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
      if (ec == std::errc::result_out_of_range) return Conversion::OutOfRange;
      if (ec != std::errc() || end != t.data() + t.size()) return Conversion::Malformed;
      out = {ParamType::Float, raw_bytes(v)};
      return Conversion::Ok;
    }
    case ValueClass::Bool:
      if (text == "t" || text == "true") {
        out = {ParamType::Bit, std::string(1, '\1')};
      } else if (text == "f" || text == "false") {
        out = {ParamType::Bit, std::string(1, '\0')};
      } else {
        return Conversion::Malformed;
      }
      return Conversion::Ok;
    case ValueClass::Binary:
      if (!decode_bytea(text, scratch)) return Conversion::Malformed;
      out = {ParamType::VarBinary, std::move(scratch)};
      return Conversion::Ok;
    case ValueClass::TimestampTz:
      if (out_of_range_date(text)) return Conversion::OutOfRange;
      if (!timestamptz_to_utc(text, scratch)) return Conversion::Malformed;
      scratch += "+00:00";
      out = {ParamType::NVarChar, std::move(scratch)};
      return Conversion::Ok;
    case ValueClass::NumericText:
      if (!special_float(text) && !number_text(text)) return Conversion::Malformed;
      out = {ParamType::NVarChar, std::string(text)};
      return Conversion::Ok;
    case ValueClass::Text:
      out = {ParamType::NVarChar, std::string(text)};
      return Conversion::Ok;
    case ValueClass::Uuid:
      if (!uuid_text(text)) return Conversion::Malformed;
      out = {ParamType::NVarChar, std::string(text)};
      return Conversion::Ok;
    case ValueClass::Date:
    case ValueClass::Timestamp:
      if (out_of_range_date(text)) return Conversion::OutOfRange;
      out = {ParamType::NVarChar, std::string(text)};
      return Conversion::Ok;
    case ValueClass::ArrayNumber:
    case ValueClass::ArrayBool:
    case ValueClass::ArrayString: {
      const ArrayElement kind = cls == ValueClass::ArrayNumber ? ArrayElement::Number
                                : cls == ValueClass::ArrayBool ? ArrayElement::Bool
                                                               : ArrayElement::String;
      if (!array_to_json(text, kind, scratch)) return Conversion::Malformed;
      out = {ParamType::NVarChar, std::move(scratch)};
      return Conversion::Ok;
    }
  }
  return Conversion::Malformed;
}

}  // namespace walrelay::sqlserver

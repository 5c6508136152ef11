// PostgreSQL type OID -> SQLite column type, and binding of wr_value to statement parameters.
#include "type_map.h"

#include <charconv>
#include <cmath>

namespace walrelay::sqlite {
namespace {

// Built-in type OIDs (PostgreSQL src/include/catalog/pg_type.dat).
constexpr uint32_t kBoolOid = 16;
constexpr uint32_t kByteaOid = 17;
constexpr uint32_t kInt8Oid = 20;
constexpr uint32_t kInt2Oid = 21;
constexpr uint32_t kInt4Oid = 23;
constexpr uint32_t kOidOid = 26;
constexpr uint32_t kFloat4Oid = 700;
constexpr uint32_t kFloat8Oid = 701;
constexpr uint32_t kNumericOid = 1700;

// A valid, non-dangling pointer for zero-length text/blob values (SQLite binds NULL when
// given a null pointer).
constexpr char kEmpty[1] = {0};

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool is_octal(char c) { return c >= '0' && c <= '7'; }

}  // namespace

ColumnClass class_for_oid(uint32_t type_oid) {
  switch (type_oid) {
    case kInt2Oid:
    case kInt4Oid:
    case kInt8Oid:
    case kOidOid:
      return ColumnClass::Integer;
    case kBoolOid:
      return ColumnClass::Boolean;
    case kFloat4Oid:
    case kFloat8Oid:
      return ColumnClass::Real;
    case kNumericOid:
      return ColumnClass::Numeric;
    case kByteaOid:
      return ColumnClass::Blob;
    default:
      return ColumnClass::Text;
  }
}

const char *decl_type(ColumnClass cls) {
  switch (cls) {
    case ColumnClass::Integer:
    case ColumnClass::Boolean:
      return "INTEGER";
    case ColumnClass::Real:
      return "REAL";
    case ColumnClass::Blob:
      return "BLOB";
    case ColumnClass::Numeric:  // TEXT, not NUMERIC: NUMERIC affinity would round to REAL
    case ColumnClass::Text:
      return "TEXT";
  }
  return "TEXT";
}

bool decode_bytea(std::string_view text, std::vector<unsigned char> &out) {
  out.clear();
  if (text.size() >= 2 && text[0] == '\\' && text[1] == 'x') {
    const size_t n = text.size() - 2;
    if (n % 2 != 0) return false;
    out.resize(n / 2);
    for (size_t i = 0; i < n / 2; ++i) {
      const int hi = hex_digit(text[2 + 2 * i]);
      const int lo = hex_digit(text[3 + 2 * i]);
      if (hi < 0 || lo < 0) return false;
      out[i] = static_cast<unsigned char>(hi << 4 | lo);
    }
    return true;
  }
  // Escape format (bytea_output = 'escape'): "\\" is a backslash, "\ooo" an octal byte.
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\\') {
      out.push_back(static_cast<unsigned char>(text[i]));
      continue;
    }
    if (i + 1 < text.size() && text[i + 1] == '\\') {
      out.push_back('\\');
      ++i;
    } else if (i + 3 < text.size() && is_octal(text[i + 1]) && is_octal(text[i + 2]) &&
               is_octal(text[i + 3])) {
      const int v = (text[i + 1] - '0') * 64 + (text[i + 2] - '0') * 8 + (text[i + 3] - '0');
      if (v > 255) return false;
      out.push_back(static_cast<unsigned char>(v));
      i += 3;
    } else {
      return false;
    }
  }
  return true;
}

int bind_value(sqlite3_stmt *stmt, int index, const wr_value &v, ColumnClass cls,
               std::vector<unsigned char> &scratch) {
  const char *data = v.data ? v.data : kEmpty;
  const int len = static_cast<int>(v.len);
  switch (v.kind) {
    case WR_VALUE_NULL:
      return sqlite3_bind_null(stmt, index);
    case WR_VALUE_BINARY:
      // Binary send format is stored as-is (documented); the plugin does not declare
      // WR_CAP_BINARY_VALUES, so the host normally never sends it.
      return sqlite3_bind_blob(stmt, index, data, len, SQLITE_STATIC);
    case WR_VALUE_TEXT:
      break;
    default:
      return kMalformedValue;  // unchanged TOAST or unknown kind: the caller excludes these
  }
  const std::string_view text(data, v.len);
  switch (cls) {
    case ColumnClass::Boolean:
      if (text == "t") return sqlite3_bind_int(stmt, index, 1);
      if (text == "f") return sqlite3_bind_int(stmt, index, 0);
      return kMalformedValue;
    case ColumnClass::Real: {
      // Parsed here (correctly rounded) rather than by SQLite's affinity conversion;
      // NaN and the infinities are kept as PostgreSQL's text.
      double d = 0;
      const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), d);
      if (ec == std::errc() && end == text.data() + text.size() && std::isfinite(d)) {
        return sqlite3_bind_double(stmt, index, d);
      }
      return sqlite3_bind_text(stmt, index, data, len, SQLITE_STATIC);
    }
    case ColumnClass::Blob:
      if (!decode_bytea(text, scratch)) return kMalformedValue;
      return sqlite3_bind_blob(stmt, index,
                               scratch.empty() ? static_cast<const void *>(kEmpty) : scratch.data(),
                               static_cast<int>(scratch.size()), SQLITE_STATIC);
    case ColumnClass::Integer:
    case ColumnClass::Numeric:
    case ColumnClass::Text:
      break;
  }
  return sqlite3_bind_text(stmt, index, data, len, SQLITE_STATIC);
}

}  // namespace walrelay::sqlite

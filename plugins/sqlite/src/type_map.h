// PostgreSQL type OID -> SQLite column type, and binding of wr_value to statement parameters.
#pragma once

#include <sqlite3.h>
#include <walrelay/sink.h>

#include <cstdint>
#include <string_view>
#include <vector>

namespace walrelay::sqlite {

/// How a column's values are stored. See README.md "Type mapping".
enum class ColumnClass : uint8_t {
  Integer,  ///< int2, int4, int8, oid: INTEGER, bound as text (affinity converts)
  Boolean,  ///< bool: INTEGER 0/1
  Real,     ///< float4, float8: REAL; NaN/Infinity/-Infinity stay TEXT
  Numeric,  ///< numeric: TEXT holding the exact decimal text
  Blob,     ///< bytea: BLOB decoded from PostgreSQL's hex (or escape) output
  Text,     ///< everything else: TEXT holding PostgreSQL's text output
};

/// The storage class used for a PostgreSQL type OID.
ColumnClass class_for_oid(uint32_t type_oid);

/// Declared SQLite column type for a class ("INTEGER", "REAL", "TEXT" or "BLOB").
const char *decl_type(ColumnClass cls);

/// Decodes bytea text output into `out` (cleared first): hex format "\x0a0b..." or the
/// legacy escape format. Returns false when the text is malformed.
bool decode_bytea(std::string_view text, std::vector<unsigned char> &out);

/// Returned by bind_value when the value's text is not valid for its class.
inline constexpr int kMalformedValue = -1;

/// Binds `v` to parameter `index` (1-based) of `stmt` as `cls` dictates. Text and binary
/// values are bound SQLITE_STATIC: they must stay valid until the statement is reset.
/// `scratch` receives decoded bytea and must likewise outlive the step.
/// Must not be called for WR_VALUE_UNCHANGED_TOAST. Returns an SQLite result code or
/// kMalformedValue.
int bind_value(sqlite3_stmt *stmt, int index, const wr_value &v, ColumnClass cls,
               std::vector<unsigned char> &scratch);

}  // namespace walrelay::sqlite

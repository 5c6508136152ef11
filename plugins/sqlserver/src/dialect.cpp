// The T-SQL the sink sends: DDL for destination tables and DML for row changes.
// Syntax: Microsoft Learn, Transact-SQL reference (CREATE TABLE, ALTER TABLE, INSERT,
// UPDATE, DELETE, TRUNCATE TABLE, THROW, @@ROWCOUNT, SET XACT_ABORT).
#include "dialect.h"

#include <walrelay/sink.hpp>

#include <cstring>

namespace walrelay::sqlserver {

std::string Params::add(ParamType type, std::string data, std::string decl) {
  if (decl.empty()) decl = param_type_decl(type);
  data_bytes_ += data.size();
  list_.push_back({type, std::move(decl), std::move(data)});
  return name(list_.size() - 1);
}

void Params::append(Params &&other) {
  for (Param &p : other.list_) {
    data_bytes_ += p.data.size();
    list_.push_back(std::move(p));
  }
  other.list_.clear();
  other.data_bytes_ = 0;
}

std::string Params::declaration() const {
  std::string out;
  for (size_t i = 0; i < list_.size(); ++i) {
    if (i) out += ", ";
    out += name(i) + " " + list_[i].decl;
  }
  return out;
}

void append_value(std::string &out, const ColumnInfo &col, const wr_value &v, bool special_null,
                  bool &special, Params &params) {
  switch (v.kind) {
    case WR_VALUE_NULL:
      out += "NULL";
      return;
    case WR_VALUE_TEXT:
      break;
    case WR_VALUE_UNCHANGED_TOAST:
      throw ValueError("unchanged TOAST value for column " + col.quoted +
                       " where a value is needed");
    default:
      throw ValueError("value kind " + std::to_string(v.kind) + " for column " + col.quoted +
                       " (the sink takes text values only)");
  }
  BoundValue bound;
  switch (bind_value(sdk::bytes(v), col.type.cls, bound)) {
    case Conversion::Ok:
      if (bound.data.empty()) {  // db-lib sends a zero-length parameter as NULL
        out += bound.type == ParamType::VarBinary ? "0x" : "N''";
      } else {
        out += params.add(bound.type, std::move(bound.data));
      }
      return;
    case Conversion::Special:
      if (!special_null) {
        throw ValueError("value " + sdk::describe_value(v) + " of column " + col.quoted +
                         " has no " + col.type.decl + " equivalent (special_floats is 'fail')");
      }
      special = true;
      out += "NULL";
      return;
    case Conversion::Malformed:
      throw ValueError("malformed value " + sdk::describe_value(v) + " for column " + col.quoted +
                       " (type oid " + std::to_string(col.type_oid) + ")");
    case Conversion::OutOfRange:
      break;
  }
  throw ValueError("value " + sdk::describe_value(v) + " of column " + col.quoted +
                   " is outside SQL Server's " + col.type.decl + " range");
}

BulkHost bulk_host(const SqlType &t) {
  switch (t.cls) {
    case ValueClass::Float:
      return BulkHost::Float8;
    case ValueClass::Bool:
      return BulkHost::Bit;
    case ValueClass::Binary:
      return BulkHost::Binary;
    default:
      return t.collatable ? BulkHost::Utf16 : BulkHost::Char;
  }
}

bool bulk_value(const ColumnInfo &col, const wr_value &v, bool special_null, bool &special,
                std::string &out) {
  // Same checks and conversions as the parameter path.
  std::string placeholder;
  Params params;
  append_value(placeholder, col, v, special_null, special, params);
  out.clear();
  if (placeholder == "NULL") return false;
  if (params.empty()) return true;  // N'' or 0x: empty
  const Param &p = params.list().front();
  switch (bulk_host(col.type)) {
    case BulkHost::Char:
      if (p.type == ParamType::BigInt) {
        int64_t i;
        std::memcpy(&i, p.data.data(), sizeof i);
        out = std::to_string(i);
      } else {
        out = p.data;
        // FreeTDS's text -> DATETIMEOFFSET conversion takes no offset: the value is UTC
        // already, so the offset (+00:00) is left out.
        if (col.type.cls == ValueClass::TimestampTz && out.size() > 6 &&
            out.compare(out.size() - 6, 6, "+00:00") == 0) {
          out.resize(out.size() - 6);
        }
      }
      return true;
    case BulkHost::Utf16:
      out = utf16le(p.data);
      return true;
    case BulkHost::Float8:
    case BulkHost::Bit:
    case BulkHost::Binary:
      out = p.data;
      return true;
  }
  return true;
}

size_t bulk_max_bytes(const SqlType &t) {
  const auto limit = [&](std::string_view prefix, size_t unit) -> size_t {
    if (t.decl.rfind(prefix, 0) != 0 || t.decl.back() != ')') return 0;
    const std::string n = t.decl.substr(prefix.size(), t.decl.size() - prefix.size() - 1);
    if (n.empty() || n.find_first_not_of("0123456789") != std::string::npos) return 0;  // MAX
    return std::stoul(n) * unit;
  };
  if (size_t n = limit("NVARCHAR(", 2)) return n;
  if (size_t n = limit("NCHAR(", 2)) return n;
  return limit("VARBINARY(", 1);
}

std::string utf16le(std::string_view s) {
  std::string o;
  o.reserve(s.size() * 2);
  auto put = [&o](uint32_t u) {
    o += static_cast<char>(u & 0xFF);
    o += static_cast<char>(u >> 8);
  };
  for (size_t i = 0; i < s.size();) {
    const unsigned char b = static_cast<unsigned char>(s[i]);
    const size_t n = b < 0x80 ? 1 : (b >> 5) == 6 ? 2 : (b >> 4) == 14 ? 3 : (b >> 3) == 30 ? 4 : 0;
    uint32_t c = n == 1 ? b : n == 2 ? (b & 0x1F) : n == 3 ? (b & 0x0F) : (b & 0x07);
    bool ok = n > 0 && i + n <= s.size();
    for (size_t k = 1; ok && k < n; ++k) {
      const unsigned char cb = static_cast<unsigned char>(s[i + k]);
      ok = (cb & 0xC0) == 0x80;
      c = (c << 6) | (cb & 0x3F);
    }
    if (!ok || c > 0x10FFFF || (c >= 0xD800 && c < 0xE000)) {
      put(0xFFFD);
      i += 1;
      continue;
    }
    i += n;
    if (c >= 0x10000) {
      c -= 0x10000;
      put(0xD800 + (c >> 10));
      put(0xDC00 + (c & 0x3FF));
    } else {
      put(c);
    }
  }
  return o;
}

std::string column_decl(const ColumnInfo &col, const std::string &collation, bool not_null) {
  std::string out = col.quoted + " " + col.type.decl;
  if (col.type.collatable && !collation.empty()) out += " COLLATE " + collation;
  out += not_null ? " NOT NULL" : " NULL";
  return out;
}

std::string create_table_sql(const TableShape &shape, const std::string &collation) {
  const bool pk = shape.use_primary_key();
  std::string out = "CREATE TABLE " + shape.quoted + " (";
  for (size_t i = 0; i < shape.columns.size(); ++i) {
    if (i) out += ", ";
    out += column_decl(shape.columns[i], collation, pk && shape.columns[i].key);
  }
  if (pk) {
    out += ", PRIMARY KEY (";
    for (size_t k = 0; k < shape.key_columns.size(); ++k) {
      if (k) out += ", ";
      out += shape.columns[shape.key_columns[k]].quoted;
    }
    out += ")";
  }
  out += ")";
  return out;
}

std::string ensure_table_sql(const TableShape &shape, const std::string &collation, bool create,
                             const std::string &schema_fail_context) {
  const std::string table_lit = n_literal(shape.quoted);
  std::string out;
  if (!create) {
    out += "IF OBJECT_ID(" + table_lit + ", N'U') IS NULL THROW " +
           std::to_string(kSinkThrowNumber) + ", " +
           n_literal(utf8_prefix(
               "table " + shape.quoted + " does not exist (create_tables is false)", 2000)) +
           ", 1;\n";
    for (const ColumnInfo &col : shape.columns) {
      out += "IF COL_LENGTH(" + table_lit + ", " + n_literal(col.name) + ") IS NULL THROW " +
             std::to_string(kSinkThrowNumber) + ", " +
             n_literal(utf8_prefix("table " + shape.quoted + " has no column " + col.quoted +
                                       " (create_tables is false)",
                                   2000)) +
             ", 1;\n";
    }
    return out;
  }
  if (shape.dest.schema != "dbo") {
    out += "IF SCHEMA_ID(" + n_literal(shape.dest.schema) + ") IS NULL EXEC(" +
           n_literal("CREATE SCHEMA " + quote_ident(shape.dest.schema)) + ");\n";
  }
  out +=
      "IF OBJECT_ID(" + table_lit + ", N'U') IS NULL " + create_table_sql(shape, collation) + ";\n";
  for (const ColumnInfo &col : shape.columns) {
    out += "IF COL_LENGTH(" + table_lit + ", " + n_literal(col.name) + ") IS NULL ";
    if (schema_fail_context.empty()) {
      out += "ALTER TABLE " + shape.quoted + " ADD " + column_decl(col, collation, false) + ";\n";
    } else {
      out +=
          "THROW " + std::to_string(kSinkThrowNumber) + ", " +
          n_literal(utf8_prefix("schema change of table " + shape.quoted + ": column " +
                                    col.quoted + " is missing in SQL Server" + schema_fail_context,
                                2000)) +
          ", 1;\n";
    }
  }
  return out;
}

std::string alter_columns_sql(const TableShape &shape, const std::vector<std::string> &columns,
                              const std::string &collation) {
  std::string out;
  for (const std::string &name : columns) {
    for (const ColumnInfo &col : shape.columns) {
      if (col.name != name) continue;
      out += "ALTER TABLE " + shape.quoted + " ALTER COLUMN " + column_decl(col, collation, false) +
             ";\n";
      break;
    }
  }
  return out;
}

std::string drop_columns_sql(const TableShape &shape, const std::vector<std::string> &columns) {
  std::string out;
  for (const std::string &c : columns) {
    out += "IF COL_LENGTH(" + n_literal(shape.quoted) + ", " + n_literal(c) +
           ") IS NOT NULL ALTER TABLE " + shape.quoted + " DROP COLUMN " + quote_ident(c) + ";\n";
  }
  return out;
}

std::string insert_sql(const TableShape &shape, const std::vector<const wr_value *> &rows,
                       bool special_null, bool &special, Params &params) {
  std::string out = "INSERT INTO " + shape.quoted + " (";
  for (size_t i = 0; i < shape.columns.size(); ++i) {
    if (i) out += ", ";
    out += shape.columns[i].quoted;
  }
  out += ") VALUES\n";
  for (size_t r = 0; r < rows.size(); ++r) {
    out += r ? ",\n(" : "(";
    for (size_t i = 0; i < shape.columns.size(); ++i) {
      if (i) out += ", ";
      append_value(out, shape.columns[i], rows[r][i], special_null, special, params);
    }
    out += ")";
  }
  out += ";\n";
  return out;
}

namespace {

/// " WHERE a = 1 AND b IS NULL" identifying the row of `c`.
void append_where(std::string &out, const TableShape &shape, const wr_change &c, bool special_null,
                  bool &special, Params &params) {
  out += " WHERE ";
  bool first = true;
  auto cond = [&](const ColumnInfo &col, const wr_value &v) {
    if (!first) out += " AND ";
    first = false;
    out += col.quoted;
    if (v.kind == WR_VALUE_NULL) {
      out += " IS NULL";
    } else {
      out += " = ";
      append_value(out, col, v, special_null, special, params);
    }
  };
  if (c.old_kind == WR_OLD_FULL) {
    for (size_t i = 0; i < shape.columns.size(); ++i) {
      if (c.old_values[i].kind == WR_VALUE_UNCHANGED_TOAST) continue;
      cond(shape.columns[i], c.old_values[i]);
    }
  } else {
    const wr_value *vals = c.old_kind == WR_OLD_KEY ? c.old_values : c.new_values;
    for (uint32_t i : shape.key_columns) cond(shape.columns[i], vals[i]);
  }
  if (first) throw ValueError("no key columns identify the row (replica identity NOTHING?)");
}

}  // namespace

std::string row_change_sql(const TableShape &shape, const wr_change &c,
                           const std::string &fail_message, bool special_null, bool &special,
                           Params &params) {
  const bool full = c.old_kind == WR_OLD_FULL;
  std::string out;
  if (c.kind == WR_CHANGE_UPDATE) {
    out = full ? "UPDATE TOP (1) " : "UPDATE ";
    out += shape.quoted + " SET ";
    bool first = true;
    for (size_t i = 0; i < shape.columns.size(); ++i) {
      if (c.new_values[i].kind == WR_VALUE_UNCHANGED_TOAST) continue;
      if (!first) out += ", ";
      first = false;
      out += shape.columns[i].quoted + " = ";
      append_value(out, shape.columns[i], c.new_values[i], special_null, special, params);
    }
    if (first) {  // every column unchanged TOAST: a no-op that still checks the row exists
      out += shape.columns[0].quoted + " = " + shape.columns[0].quoted;
    }
  } else {
    out = full ? "DELETE TOP (1) FROM " : "DELETE FROM ";
    out += shape.quoted;
  }
  append_where(out, shape, c, special_null, special, params);
  out += ";\nIF @@ROWCOUNT <> 1 THROW " + std::to_string(kSinkThrowNumber) + ", " +
         params.add(ParamType::NVarChar, utf8_prefix(fail_message, 2000), "NVARCHAR(2048)") +
         ", 1;\n";
  return out;
}

std::string truncate_sql(const TableShape &shape) {
  return "TRUNCATE TABLE " + shape.quoted + ";\n";
}

std::string session_setup_sql(unsigned lock_timeout_ms) {
  return "SET XACT_ABORT ON; SET NOCOUNT ON; SET IMPLICIT_TRANSACTIONS OFF; SET ANSI_NULLS ON; "
         "SET ANSI_PADDING ON; SET ANSI_WARNINGS ON; SET ARITHABORT ON; "
         "SET CONCAT_NULL_YIELDS_NULL ON; SET QUOTED_IDENTIFIER ON; SET NUMERIC_ROUNDABORT OFF; "
         "SET LOCK_TIMEOUT " +
         std::to_string(lock_timeout_ms) + ";";
}

std::string utf8_prefix(const std::string &s, size_t max) {
  if (s.size() <= max) return s;
  size_t n = max;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  return s.substr(0, n) + "...";
}

}  // namespace walrelay::sqlserver

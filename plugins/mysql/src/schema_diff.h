// Differences between two generations of one source relation (schema-change policy input).
#pragma once

#include <string>
#include <vector>

#include "table_shape.h"

namespace walrelay::mysql {

/// A column present in both generations whose PostgreSQL type (oid or typmod) changed in
/// a way that changes its MySQL column type.
struct TypeChange {
  std::string column;    ///< unquoted name
  std::string old_type;  ///< pg_type_label of the old generation's type
  std::string new_type;
  std::string old_decl;  ///< MySQL column types
  std::string new_decl;
};

/// Columns added, dropped and retyped from `before` to `after` (matched by name, ASCII
/// case-insensitively as MySQL does). A type change that maps to the same MySQL type and
/// value conversion (e.g. varchar(300) -> varchar(400), both LONGTEXT) is not listed.
struct GenerationDiff {
  std::vector<std::string> added;
  std::vector<std::string> dropped;
  std::vector<TypeChange> retyped;
  bool columns_changed() const { return !added.empty() || !dropped.empty(); }
};

GenerationDiff diff_generations(const TableShape &before, const TableShape &after);

/// A readable PostgreSQL type for messages: "int4", "numeric(12,2)", "varchar(20)",
/// "mood" (user type), or "type oid 1234" for types it does not know.
std::string pg_type_label(uint32_t oid, int32_t typmod, const std::string &type_name);

}  // namespace walrelay::mysql

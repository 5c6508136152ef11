// Prepared DML statements of one relation generation, cached by change shape.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "sqlite_db.h"
#include "table_shape.h"

namespace walrelay::sqlite {

/// The statement kinds the sink issues.
enum class Op : uint8_t { Insert, Update, Delete, Truncate };

/// Where a statement parameter takes its value from.
enum class ValueSource : uint8_t { New, Old };

/// One statement parameter: parameter i+1 is bound from values[column] of `source`.
struct BindSlot {
  ValueSource source;
  uint32_t column;
};

/// A prepared statement plus the plan to bind it.
///
/// `mask` has 2 * shape.mask_words() words: the first half marks columns whose NEW value
/// is unchanged TOAST (left out of SET), the second half columns whose OLD value is
/// unchanged TOAST (left out of a full-row WHERE).
struct CachedStatement {
  Op op;
  uint32_t old_kind;  ///< WR_OLD_* used to find the row (update/delete)
  std::vector<uint64_t> mask;
  Stmt stmt;
  std::vector<BindSlot> plan;
  std::string sql;  ///< kept for error messages
};

/// Builds the SQL text and bind plan for a change shape (no preparing). Throws fatal when
/// the row cannot be identified (no key columns, no usable rowid alias).
CachedStatement build_statement(const TableShape &shape, Op op, uint32_t old_kind,
                                std::span<const uint64_t> mask);

/// The cache of one relation generation. Entries are few (one per distinct shape), so a
/// linear search with no allocation on a hit beats hashing a mask.
class StatementCache {
 public:
  /// The statement for (op, old_kind, mask), prepared on first use. The reference stays
  /// valid until clear().
  CachedStatement &get(Db &db, const TableShape &shape, Op op, uint32_t old_kind,
                       std::span<const uint64_t> mask);

  /// Finalizes every statement.
  void clear() { entries_.clear(); }

  /// Number of prepared statements (for tests and debugging).
  size_t size() const { return entries_.size(); }

 private:
  std::vector<std::unique_ptr<CachedStatement>> entries_;
};

}  // namespace walrelay::sqlite

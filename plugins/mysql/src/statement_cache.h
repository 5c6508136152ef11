// Prepared DML statements of one relation generation, cached by change shape.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "connection.h"
#include "table_shape.h"

namespace walrelay::mysql {

/// The statement kinds the sink issues.
enum class Op : uint8_t { Insert, Update, Delete, Truncate, DeleteKeys };

/// Where a statement parameter takes its value from.
enum class ValueSource : uint8_t { New, Old };

/// One statement parameter: bound from values[column] of `source` of row `row` (multi-row
/// INSERT and DELETE by keys; 0 otherwise).
struct BindSlot {
  ValueSource source;
  uint32_t column;
  uint32_t row;
};

/// A prepared statement plus the plan to bind it.
///
/// `mask` has 2 * mask_words(shape) words: the first half marks columns whose NEW value is
/// unchanged TOAST (left out of SET), the second half columns whose OLD value is unchanged
/// TOAST (left out of a full-row WHERE).
struct CachedStatement {
  Op op;
  uint32_t old_kind;  ///< WR_OLD_* used to find the row (update/delete)
  uint32_t rows = 1;  ///< rows of a multi-row INSERT, keys of a DELETE by keys
  std::vector<uint64_t> mask;
  Stmt stmt;
  std::vector<BindSlot> plan;
  std::string sql;  ///< kept for error messages
};

/// Number of 64-bit words in one column bit mask of `shape`.
inline size_t mask_words(const TableShape &shape) { return (shape.columns.size() + 63) / 64; }

/// Builds the SQL text and bind plan for a change shape (no preparing). Throws fatal when
/// the row cannot be identified (no key columns).
///  - INSERT: INSERT INTO t (cols) VALUES (?,..),(?,..) with `rows` rows.
///  - UPDATE/DELETE by key (old KEY tuple, or key columns of the new tuple): WHERE k = ?.
///  - UPDATE/DELETE by FULL old row: WHERE c <=> ? AND ... LIMIT 1.
///  - TRUNCATE: DELETE FROM t (TRUNCATE TABLE would commit the batch implicitly).
///  - DELETE by keys (`rows` keys, bound from the key columns of row r's key values):
///    WHERE k IN (?,..) for one key column, WHERE (k1 = ? AND k2 = ?) OR (..) for more
///    (an OR of equalities always gets range access on the primary key).
CachedStatement build_statement(const TableShape &shape, Op op, uint32_t old_kind,
                                std::span<const uint64_t> mask, uint32_t rows = 1);

/// The cache of one relation generation. Entries are few (one per distinct shape and
/// INSERT row count, which are powers of two), so a linear search beats hashing a mask.
class StatementCache {
 public:
  /// The statement for (op, old_kind, mask, rows), prepared on first use. The reference
  /// stays valid until clear().
  CachedStatement &get(Connection &conn, const TableShape &shape, Op op, uint32_t old_kind,
                       std::span<const uint64_t> mask, uint32_t rows = 1);

  /// Closes every statement.
  void clear() { entries_.clear(); }

  /// Number of prepared statements (for tests and debugging).
  size_t size() const { return entries_.size(); }

 private:
  std::vector<std::unique_ptr<CachedStatement>> entries_;
};

}  // namespace walrelay::mysql

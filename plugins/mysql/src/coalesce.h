// Net effect of a run of keyed row changes of one table: which keys to delete and which
// rows to insert, so that a run of updates / deletes goes as a few multi-row statements.
#pragma once

#include <walrelay/sink.h>

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace walrelay::mysql {

/// The values identifying the row a keyed change touches: the old key tuple when sent,
/// else the new values (their key columns are used).
inline const wr_value *key_values(const wr_change &c) {
  return c.old_kind == WR_OLD_KEY && c.old_values != nullptr ? c.old_values : c.new_values;
}

/// True when the key columns `keys` hold the same bytes in `a` and `b` (NULL equals NULL).
bool same_key(const wr_value *a, const wr_value *b, std::span<const uint32_t> keys);

/// The plan computed by coalesce(): indexes into the run.
struct CoalescedRun {
  /// Changes whose key (key_values) must be deleted: the first change of every key whose
  /// row must exist before the run (it starts with UPDATE or DELETE). Sorted by position.
  std::vector<uint32_t> deletes;
  /// Changes whose new row must be inserted: the last change of every key whose row exists
  /// after the run (it ends with INSERT or UPDATE). Sorted by position.
  std::vector<uint32_t> inserts;
  std::vector<uint32_t> order;  ///< scratch, reused
  void clear() {
    deletes.clear();
    inserts.clear();
  }
};

/// Coalesces `run` (INSERTs, UPDATEs carrying full new rows with the key unchanged, and
/// DELETEs by key, of one table, in source order) per key: an UPDATE of a key updated
/// before wins over it, INSERT then UPDATEs is one INSERT of the last row, INSERT then
/// DELETE is nothing, DELETE then INSERT is delete + insert. Keys are compared by their
/// text bytes. Applying `deletes` (each must match one row) and then `inserts` gives the
/// same table as applying the run in order; rows of different keys are independent.
/// Allocation-free once `out`'s vectors have grown.
void coalesce(std::span<const wr_change *const> run, std::span<const uint32_t> key_columns,
              CoalescedRun &out);

}  // namespace walrelay::mysql

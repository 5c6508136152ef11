// Net effect of a run of keyed row changes of one table.
#include "coalesce.h"

#include <algorithm>

namespace walrelay::mysql {
namespace {

std::string_view bytes_of(const wr_value &v) {
  if (v.kind == WR_VALUE_NULL || v.data == nullptr) return {};
  return {v.data, v.len};
}

/// Orders keys by their columns' bytes (NULL first); 0 when equal.
int compare_key(const wr_value *a, const wr_value *b, std::span<const uint32_t> keys) {
  for (uint32_t k : keys) {
    const bool an = a[k].kind == WR_VALUE_NULL, bn = b[k].kind == WR_VALUE_NULL;
    if (an != bn) return an ? -1 : 1;
    if (an) continue;
    const int c = bytes_of(a[k]).compare(bytes_of(b[k]));
    if (c != 0) return c < 0 ? -1 : 1;
  }
  return 0;
}

}  // namespace

bool same_key(const wr_value *a, const wr_value *b, std::span<const uint32_t> keys) {
  return compare_key(a, b, keys) == 0;
}

void coalesce(std::span<const wr_change *const> run, std::span<const uint32_t> key_columns,
              CoalescedRun &out) {
  out.clear();
  out.order.resize(run.size());
  for (uint32_t i = 0; i < run.size(); ++i) out.order[i] = i;
  // Stable: the changes of one key stay in source order.
  std::stable_sort(out.order.begin(), out.order.end(), [&](uint32_t a, uint32_t b) {
    return compare_key(key_values(*run[a]), key_values(*run[b]), key_columns) < 0;
  });
  size_t g = 0;
  while (g < out.order.size()) {
    size_t e = g + 1;
    const wr_value *key = key_values(*run[out.order[g]]);
    while (e < out.order.size() &&
           compare_key(key, key_values(*run[out.order[e]]), key_columns) == 0) {
      ++e;
    }
    const uint32_t first = out.order[g], last = out.order[e - 1];
    if (run[first]->kind != WR_CHANGE_INSERT) out.deletes.push_back(first);
    if (run[last]->kind != WR_CHANGE_DELETE) out.inserts.push_back(last);
    g = e;
  }
  std::sort(out.deletes.begin(), out.deletes.end());
  std::sort(out.inserts.begin(), out.inserts.end());
}

}  // namespace walrelay::mysql

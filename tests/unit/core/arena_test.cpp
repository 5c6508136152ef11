// Arena: allocations stay put, reset() trims to keep_bytes, reset(SIZE_MAX) reuses every
// chunk (what a spilled transaction and a transaction delivered in pieces rely on).
#include "core/pipeline/arena.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace walrelay {
namespace {

// Fills the arena with `n` 100-byte copies; returns the distinct chunk-aligned pages seen.
std::set<const char *> fill(Arena &a, int n) {
  std::set<const char *> starts;
  const std::string v(100, 'x');
  for (int i = 0; i < n; ++i) {
    const char *p = a.copy(v);
    EXPECT_EQ(std::string(p, 100), v);
    starts.insert(p);
  }
  return starts;
}

// Takes blocks of every chunk size the arena uses, so memory the arena gave back to malloc
// is handed out here and cannot come back to the arena by chance.
std::vector<std::unique_ptr<char[]>> hog() {
  std::vector<std::unique_ptr<char[]>> out;
  for (size_t size = 1024; size <= 64 * 1024; size *= 2)
    for (int i = 0; i < 16; ++i) out.emplace_back(new char[size]);
  return out;
}

TEST(Arena, AllocationsDoNotMoveAndAreAligned) {
  Arena a(64, 1024, 0);
  const char *first = a.copy("hello");
  for (int i = 0; i < 1000; ++i) {
    auto *d = a.allocate_array<double>(3);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(d) % alignof(double), 0u);
  }
  EXPECT_EQ(std::string(first, 5), "hello");
  EXPECT_GE(a.bytes(), 1000u * 3 * sizeof(double));
}

TEST(Arena, ResetKeepingEverythingReusesTheSameMemory) {
  Arena a(1024, 64 * 1024, 16 * 1024);
  const auto before = fill(a, 5000);  // about 500 KB: several 64 KiB chunks
  a.reset(SIZE_MAX);
  EXPECT_EQ(a.bytes(), 0u);
  const auto blocks = hog();
  const auto after = fill(a, 5000);
  // Same allocation sequence into the same chunks: the very same addresses.
  EXPECT_EQ(before, after);
}

TEST(Arena, PlainResetTrimsToKeepBytes) {
  Arena a(1024, 64 * 1024, 4 * 1024);
  const auto before = fill(a, 5000);
  a.reset();
  const auto blocks = hog();
  const auto after = fill(a, 5000);
  // Only the first chunks (up to 4 KiB) were kept: later allocations land elsewhere.
  size_t same = 0;
  for (const char *p : after) same += before.count(p);
  EXPECT_GT(same, 0u);            // the kept first chunk is reused
  EXPECT_LT(same, after.size());  // the rest is new memory
}

}  // namespace
}  // namespace walrelay

// Checks that decoding allocates nothing once the decoder's vectors are warm.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>

#include "core/pgoutput/decoder.h"
#include "tests/unit/pgoutput/test_util.h"

// GCC flags free() in a replaced operator delete as mismatched with new; it is the pairing
// intended here (our operator new uses malloc).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

namespace {
std::atomic<bool> g_counting{false};
std::atomic<size_t> g_allocations{0};
}  // namespace

// Replaces the global allocation functions for this test binary to count allocations while
// g_counting is set.
void *operator new(std::size_t n) {
  if (g_counting.load(std::memory_order_relaxed)) g_allocations.fetch_add(1);
  if (void *p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void *operator new[](std::size_t n) { return ::operator new(n); }
void operator delete(void *p) noexcept { std::free(p); }
void operator delete[](void *p) noexcept { std::free(p); }
void operator delete(void *p, std::size_t) noexcept { std::free(p); }
void operator delete[](void *p, std::size_t) noexcept { std::free(p); }

namespace walrelay::pgoutput::test {
namespace {

TEST(pgoutput_allocation, CounterSeesColdDecoderGrow) {
  const auto lines = load_capture("types");
  Decoder d(1);
  g_allocations = 0;
  g_counting = true;
  for (const CapturedLine &l : lines) d.decode(l.bytes.data(), l.bytes.size(), l.lsn);
  g_counting = false;
  EXPECT_GT(g_allocations.load(), 0u);  // the vectors grew: the counter works
}

TEST(pgoutput_allocation, NoHeapAllocationPerMessageOnceWarm) {
  for (const Scenario &s : all_scenarios()) {
    SCOPED_TRACE(s.name);
    const auto lines = load_capture(s.name);
    Decoder d(s.protocol_version);
    for (const CapturedLine &l : lines) d.decode(l.bytes.data(), l.bytes.size(), l.lsn);  // warm
    g_allocations = 0;
    g_counting = true;
    for (const CapturedLine &l : lines) d.decode(l.bytes.data(), l.bytes.size(), l.lsn);
    g_counting = false;
    EXPECT_EQ(g_allocations.load(), 0u);
  }
}

}  // namespace
}  // namespace walrelay::pgoutput::test

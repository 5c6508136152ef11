// Kafka sink: formatting rows allocates nothing once the formatter's buffers have grown.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>

#include "envelope.h"
#include "tests/plugins/sqlite/batch_builder.h"

namespace {
std::atomic<long long> g_allocations{0};
}  // namespace

// Counting global allocation functions for this test binary (malloc/free underneath, so
// GCC's new/free pairing check does not apply).
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
void *operator new(std::size_t n) {
  ++g_allocations;
  if (void *p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void operator delete(void *p) noexcept { std::free(p); }
void operator delete(void *p, std::size_t) noexcept { std::free(p); }

namespace {

using namespace wrtest;

class Discard : public walrelay::kafka::EventConsumer {
 public:
  void on_event(const walrelay::kafka::Event &e) override {
    bytes += e.key.size() + e.value.size();
  }
  size_t bytes = 0;
};

TEST(kafka_envelope_alloc, NoHeapAllocationPerRowOnceWarm) {
  Relation rel{16384,
               1,
               'd',
               "public",
               "t",
               {{"id", kInt8, true},
                {"name", kText},
                {"ts", kTimestamptz},
                {"data", kBytea},
                {"price", kNumeric},
                {"doc", kJsonb}}};
  BatchBuilder b;
  b.txn(0x2000);
  for (int i = 0; i < 200; ++i) {
    b.insert(rel,
             {T(std::to_string(i)), T("name \"" + std::to_string(i) + "\"\n"),
              T("2024-01-02 03:04:05.123456+01"), T("\\x00ff10"), T("12.50"), T(R"({"a": 1})")});
    b.update(rel, WR_OLD_KEY, {T(std::to_string(i)), N, N, N, N, N},
             {T(std::to_string(i + 1000)), T("x"), N, U, N, N});
    b.del(rel, WR_OLD_KEY, {T(std::to_string(i + 1000)), N, N, N, N, N});
  }
  const wr_batch &batch = b.build();
  walrelay::kafka::EnvelopeFormatter f({"server", "db", true, walrelay::kafka::TimestampMode::Iso});
  Discard out;
  const wr_txn &txn = *batch.txns[0];
  for (uint32_t i = 0; i < 3; ++i) f.format(*txn.changes[i], txn, 1, out);  // warm up
  const long long before = g_allocations.load();
  ASSERT_GT(before, 0) << "the counting operator new is in use";
  for (uint32_t i = 0; i < txn.n_changes; ++i) f.format(*txn.changes[i], txn, 1, out);
  EXPECT_EQ(g_allocations.load() - before, 0)
      << "allocations while formatting " << txn.n_changes << " changes";
  EXPECT_GT(out.bytes, 0u);
}

}  // namespace

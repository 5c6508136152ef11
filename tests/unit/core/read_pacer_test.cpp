// ReadPacer: naps grow while catching up and fall back at once for live traffic.
#include "core/replication/read_pacer.h"

#include <gtest/gtest.h>

namespace walrelay::replication {
namespace {

using std::chrono::microseconds;

TEST(ReadPacer, GrowsWhileCatchingUpAndDropsBackForLiveTraffic) {
  ReadPacer p;
  EXPECT_EQ(p.after_burst(200), ReadPacer::kMinNap);  // one small transaction: live
  EXPECT_EQ(p.after_burst(1 << 20), microseconds(2000));
  EXPECT_EQ(p.after_burst(1 << 20), microseconds(4000));
  EXPECT_EQ(p.after_burst(1 << 20), microseconds(8000));
  EXPECT_EQ(p.after_burst(32 * 1024), microseconds(8000));  // in between: unchanged
  for (int i = 0; i < 10; ++i) p.after_burst(1 << 20);
  EXPECT_EQ(p.after_burst(1 << 20), ReadPacer::kMaxNap);  // capped
  EXPECT_EQ(p.after_burst(ReadPacer::kLiveBurst - 1), ReadPacer::kMinNap);
  EXPECT_EQ(p.after_burst(ReadPacer::kCatchUpBurst), microseconds(2000));
}

}  // namespace
}  // namespace walrelay::replication

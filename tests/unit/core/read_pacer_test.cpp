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
  for (int i = 0; i < 10; ++i) p.after_burst(1 << 20);
  EXPECT_EQ(p.after_burst(1 << 20), ReadPacer::kMaxNap);  // capped
  EXPECT_EQ(p.after_burst(1000), ReadPacer::kMinNap);     // live again: at once
  EXPECT_EQ(p.after_burst(64 * 1024), microseconds(2000));
}

TEST(ReadPacer, JudgesTheArrivalRateNotTheBurstSize) {
  ReadPacer p;
  // A backlog of single-row transactions: about 7 KiB per ms of nap, never a 64 KiB burst
  // at 1 ms naps; still catching up.
  EXPECT_EQ(p.after_burst(7 * 1024), microseconds(2000));
  EXPECT_EQ(p.after_burst(14 * 1024), microseconds(4000));
  EXPECT_EQ(p.after_burst(28 * 1024), microseconds(8000));
  // 2 KiB/ms after an 8 ms nap: in between, the nap stays.
  EXPECT_EQ(p.after_burst(16 * 1024), microseconds(8000));
  // The same 16 KiB after 8 ms is not the same rate as after 1 ms: 64 KiB over 20 ms is
  // 3.2 KiB/ms (stays), 10 KiB over 20 ms is 0.5 KiB/ms (live).
  for (int i = 0; i < 5; ++i) p.after_burst(1 << 20);
  EXPECT_EQ(p.after_burst(64 * 1024), ReadPacer::kMaxNap);
  EXPECT_EQ(p.after_burst(10 * 1024), ReadPacer::kMinNap);
  // Live traffic of 1,000 single-row transactions/s (about 130 bytes per ms): 1 ms naps.
  for (int i = 0; i < 100; ++i) EXPECT_EQ(p.after_burst(130), ReadPacer::kMinNap);
}

}  // namespace
}  // namespace walrelay::replication

// How long the source naps after draining the replication socket.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>

namespace walrelay::replication {

/// The source reads until the socket is drained, spools what it read, then naps before it
/// reads again, so that the next read finds a batch of messages (docs/ARCHITECTURE.md,
/// "Reading"). While catching up (bursts of kCatchUpBurst bytes or more) the nap doubles up
/// to kMaxNap: fewer, larger reads cost the walsender — the bottleneck — less CPU (measured:
/// docs/PERFORMANCE.md). Once bursts are small again (live traffic, below kLiveBurst) it
/// drops back to kMinNap, so a transaction arriving during a nap waits at most that long.
/// What was read before a nap is spooled before it: the nap delays only later messages.
class ReadPacer {
 public:
  static constexpr std::chrono::microseconds kMinNap{1000};
  static constexpr std::chrono::microseconds kMaxNap{20000};
  static constexpr size_t kCatchUpBurst = 64 * 1024;
  static constexpr size_t kLiveBurst = 8 * 1024;

  /// The nap after a read burst of `bytes` CopyData bytes (read since the previous nap).
  std::chrono::microseconds after_burst(size_t bytes) {
    if (bytes >= kCatchUpBurst)
      nap_ = std::min(nap_ * 2, kMaxNap);
    else if (bytes < kLiveBurst)
      nap_ = kMinNap;
    return nap_;
  }

 private:
  std::chrono::microseconds nap_{kMinNap};
};

}  // namespace walrelay::replication

// How long the source naps after draining the replication socket.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>

namespace walrelay::replication {

/// The source reads until the socket is drained, spools what it read, then naps before it
/// reads again, so that the next read finds a batch of messages (docs/ARCHITECTURE.md,
/// "Reading"). The pace is judged by the arrival rate: the bytes of a burst per
/// microsecond of the nap before it. While catching up (kCatchUpBytesPerMs or more, a
/// backlog the walsender sends as fast as it decodes) the nap doubles up to kMaxNap: fewer,
/// larger reads cost the walsender — the bottleneck — less CPU and walrelay fewer wake-ups
/// and spool fdatasyncs (measured: docs/PERFORMANCE.md). Below kLiveBytesPerMs (live
/// traffic: 1 KiB/ms is about 7,000 single-row transactions/s) it drops back to kMinNap at
/// once, so a transaction arriving during a nap waits at most that long. In between the nap
/// stays. What was read before a nap is spooled before it: the nap delays only later
/// messages.
class ReadPacer {
 public:
  static constexpr std::chrono::microseconds kMinNap{1000};
  static constexpr std::chrono::microseconds kMaxNap{20000};
  static constexpr size_t kCatchUpBytesPerMs = 4 * 1024;
  static constexpr size_t kLiveBytesPerMs = 1024;

  /// The nap after a read burst of `bytes` CopyData bytes (read since the previous nap).
  std::chrono::microseconds after_burst(size_t bytes) {
    const uint64_t per_ms =
        static_cast<uint64_t>(bytes) * 1000 / static_cast<uint64_t>(nap_.count());
    if (per_ms >= kCatchUpBytesPerMs)
      nap_ = std::min(nap_ * 2, kMaxNap);
    else if (per_ms < kLiveBytesPerMs)
      nap_ = kMinNap;
    return nap_;
  }

 private:
  std::chrono::microseconds nap_{kMinNap};
};

}  // namespace walrelay::replication

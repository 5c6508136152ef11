// A process-wide "please stop" flag with interruptible sleeps.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>

namespace walrelay {

/// Set once (signal, fatal error); every loop checks it, sleeps wake early.
class StopSignal {
 public:
  /// Async-signal-safe part: only stores the flag. Call notify() from a normal thread to
  /// wake sleepers (the source loop polls the flag at least every 100 ms anyway).
  void request() noexcept { flag_.store(true, std::memory_order_relaxed); }
  void request_and_notify() {
    request();
    std::lock_guard<std::mutex> lock(mu_);
    cv_.notify_all();
  }
  bool requested() const noexcept { return flag_.load(std::memory_order_relaxed); }

  /// Sleeps up to `d`; returns true when stop was requested.
  /// Wakes at least every 100 ms to notice a request() made from a signal handler.
  bool sleep_for(std::chrono::milliseconds d) {
    const auto deadline = std::chrono::steady_clock::now() + d;
    std::unique_lock<std::mutex> lock(mu_);
    while (!requested()) {
      const auto now = std::chrono::steady_clock::now();
      if (now >= deadline) return false;
      cv_.wait_for(lock, std::min<std::chrono::steady_clock::duration>(
                             deadline - now, std::chrono::milliseconds(100)));
    }
    return true;
  }

 private:
  std::atomic<bool> flag_{false};
  std::mutex mu_;
  std::condition_variable cv_;
};

}  // namespace walrelay

#include "tests/chaos/faults.h"

#include <signal.h>

#include <algorithm>
#include <iostream>
#include <thread>

#include "tests/support/util.h"

namespace walrelay::chaos {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

FaultDriver::FaultDriver(Targets targets, const ChaosOptions &options)
    : t_(targets), options_(options), rng_(options.seed), start_(Clock::now()) {}

void FaultDriver::Log(const std::string &what) {
  const auto s = std::chrono::duration_cast<std::chrono::seconds>(Clock::now() - start_).count();
  std::cout << "[chaos] +" << s << " s: " << what << std::endl;
}

std::chrono::milliseconds FaultDriver::NextKillDelay() {
  // Enough kills to pass the minimum well within the load window, each one after a random
  // fraction (0.5 to 1.5) of the mean interval.
  const double planned = options_.min_kills + std::max(3.0, options_.min_kills * 0.4);
  const double mean_ms = options_.load_seconds * 1000.0 / planned;
  return std::chrono::milliseconds(static_cast<long long>(
      std::uniform_real_distribution<double>(0.5 * mean_ms, 1.5 * mean_ms)(rng_)));
}

std::string FaultDriver::KillAndRestart(const std::function<bool()> &load_running) {
  // Each instance must have applied something to every sink before it dies (bounded): killed
  // blindly, instances that spend their life catching up would be killed before their first
  // commit, again and again.
  const bool progressed = test::WaitFor(
      [&] { return !load_running() || ReadPositions(t_.where).AllPast(at_start_); }, 60s, 1s);
  if (!t_.relay.Running()) {
    return "walrelay ended on its own (" + test::DescribeStatus(t_.relay.ExitStatus()) +
           ") before kill #" + std::to_string(kills_ + 1) + "\n" + t_.relay.LogTail();
  }
  const auto status = t_.relay.Kill();
  if (status != 128 + SIGKILL) {
    return "kill -9 of walrelay gave " + test::DescribeStatus(status) + "\n" + t_.relay.LogTail();
  }
  ++kills_;
  Log("kill -9 walrelay #" + std::to_string(kills_) +
      (progressed ? "" : " (no progress of every sink within 60 s)"));
  if (!test::WaitSlotInactive(t_.pg, kSlot, 30s)) return "the slot stayed active after kill -9";
  at_start_ = ReadPositions(t_.where);
  t_.relay.Start();
  return "";
}

void FaultDriver::RestartSource() {
  Log("pg_ctl restart -m immediate (source)");
  t_.pg.restart("immediate");
  ++pg_restarts_;
  Log("source up again");
}

void FaultDriver::RestartMariaDb() {
  Log("MariaDB stop");
  t_.maria.stop();
  std::this_thread::sleep_for(2s);
  t_.maria.start();
  ++maria_restarts_;
  Log("MariaDB up again");
}

void FaultDriver::KafkaOutage() {
  Log("Kafka: down all");
  const bool down = t_.kafka.command("down all");
  std::this_thread::sleep_for(std::chrono::seconds(kKafkaOutageSeconds));
  const bool up = t_.kafka.command("up all");
  if (down && up) ++kafka_outages_;
  Log(std::string("Kafka: up all") + (down && up ? "" : " (a mock cluster command failed)"));
}

std::string FaultDriver::Run(Clock::time_point load_end,
                             const std::function<bool()> &load_running) {
  const auto window = load_end - Clock::now();
  struct OneOff {
    Clock::time_point at;
    void (FaultDriver::*fn)();
    bool done = false;
  };
  const auto at = [&](double fraction) {
    return Clock::now() + std::chrono::duration_cast<Clock::duration>(window * fraction);
  };
  OneOff oneoffs[] = {{at(0.3), &FaultDriver::RestartSource},
                      {at(0.5), &FaultDriver::RestartMariaDb},
                      {at(0.7), &FaultDriver::KafkaOutage}};
  at_start_ = ReadPositions(t_.where);
  auto next_kill = Clock::now() + NextKillDelay();
  for (;;) {
    const auto now = Clock::now();
    const bool oneoffs_done =
        std::all_of(std::begin(oneoffs), std::end(oneoffs), [](const OneOff &o) { return o.done; });
    if (now >= load_end && kills_ >= options_.min_kills && oneoffs_done) return "";
    if (!t_.relay.Running()) {
      return "walrelay ended on its own (" + test::DescribeStatus(t_.relay.ExitStatus()) + ")\n" +
             t_.relay.LogTail();
    }
    OneOff *due = nullptr;
    Clock::time_point wake = next_kill;
    for (OneOff &o : oneoffs) {
      if (o.done) continue;
      if (o.at <= now && !due) due = &o;
      wake = std::min(wake, o.at);
    }
    if (due) {
      (this->*due->fn)();
      due->done = true;
    } else if (next_kill <= now) {
      if (std::string error = KillAndRestart(load_running); !error.empty()) return error;
      next_kill = Clock::now() + NextKillDelay();
    } else {
      std::this_thread::sleep_for(std::min<Clock::duration>(wake - now, 200ms));
    }
  }
}

}  // namespace walrelay::chaos

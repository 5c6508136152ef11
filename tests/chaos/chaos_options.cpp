#include "tests/chaos/chaos_options.h"

#include <cstdlib>
#include <stdexcept>

#include "tests/support/util.h"

namespace walrelay::chaos {

namespace {

std::string Env(const char *name) {
  const char *v = std::getenv(name);
  return v ? v : "";
}

}  // namespace

ChaosOptions ChaosOptions::FromEnv() {
  ChaosOptions o;
  const std::string mode = Env("WALRELAY_CHAOS_MODE");
  if (mode.empty() || mode == "ci") {
    o.mode = "ci";
  } else if (mode == "full") {
    o.mode = "full";
    o.load_seconds = 900;
    o.min_kills = 50;
    // Lower than in CI: the mock cluster keeps only 5 MB per partition, and every
    // pgbench_branches event (scale 1: one row) lands in the same one.
    o.pgbench_rate = 40;
  } else {
    throw std::invalid_argument("WALRELAY_CHAOS_MODE must be ci or full, not '" + mode + "'");
  }
  if (const std::string s = Env("WALRELAY_CHAOS_SECONDS"); !s.empty()) {
    o.load_seconds = std::stoi(s);
    if (o.load_seconds < 10) throw std::invalid_argument("WALRELAY_CHAOS_SECONDS must be >= 10");
  }
  const std::string sabotage = Env("WALRELAY_CHAOS_SABOTAGE");
  o.sabotage = !sabotage.empty() && sabotage != "0";
  o.seed = test::TestSeed();
  return o;
}

}  // namespace walrelay::chaos

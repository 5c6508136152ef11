#!/usr/bin/env bash
# The chaos suite as one script (tests/chaos/README.md). Builds nothing: run it on a build
# tree that has walrelay_chaos_tests, walrelay, the sqlite/mysql/kafka plugins and
# walrelay_kafka_mock_cluster.
#
#   tests/chaos/run.sh [BUILD_DIR] [--full]
#
# BUILD_DIR defaults to ./build. --full: WALRELAY_CHAOS_MODE=full (>= 50 kills, 15 minutes
# of load unless WALRELAY_CHAOS_SECONDS says otherwise); else the CI mode. The environment
# passes through (WALRELAY_CHAOS_SECONDS, WALRELAY_TEST_SEED, WALRELAY_CHAOS_SABOTAGE,
# WALRELAY_KEEP_TEST_DIRS). Prints the run's progress and its summary table; the exit status
# is the test's (0: every destination equals the source).
set -euo pipefail

build_dir=build
mode=ci
for arg in "$@"; do
  case "$arg" in
    --full) mode=full ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    -*) echo "unknown option: $arg" >&2; exit 2 ;;
    *) build_dir=$arg ;;
  esac
done

binary="$build_dir/bin/walrelay_chaos_tests"
if [[ ! -x "$binary" ]]; then
  echo "no $binary: build the target walrelay_chaos_tests first" >&2
  exit 2
fi
export PATH="/usr/lib/postgresql/15/bin:/usr/sbin:$PATH"
export WALRELAY_CHAOS_MODE=$mode
exec "$binary" --gtest_color=no

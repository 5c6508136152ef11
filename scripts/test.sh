#!/usr/bin/env bash
# Builds walrelay (warnings are errors) and runs every test with ctest: unit, plugin and
# integration tests (real PostgreSQL clusters started by the tests), then the unit tests
# again under AddressSanitizer + UndefinedBehaviorSanitizer.
#   BUILD_DIR=build (default)   WALRELAY_SKIP_ASAN=1 to skip the sanitizer pass
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build}
JOBS=$(nproc)

cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DWALRELAY_WERROR=ON
cmake --build "$BUILD_DIR" -j"$JOBS"
ctest --test-dir "$BUILD_DIR" --output-on-failure --timeout 900

if [ "${WALRELAY_SKIP_ASAN:-0}" != "1" ]; then
  ASAN_DIR="$BUILD_DIR-asan"
  cmake -S . -B "$ASAN_DIR" -DCMAKE_BUILD_TYPE=Debug -DWALRELAY_WERROR=ON -DWALRELAY_SANITIZE=ON \
    -DWALRELAY_INTEGRATION_TESTS=OFF
  cmake --build "$ASAN_DIR" -j"$JOBS"
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
    ctest --test-dir "$ASAN_DIR" -L unit --output-on-failure --timeout 300
fi

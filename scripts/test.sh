#!/usr/bin/env bash
# Builds walrelay (warnings are errors) and runs every test: unit, plugin and integration
# tests with ctest (integration tests start real PostgreSQL clusters), a bounded libFuzzer
# run over the pgoutput decoder, then the unit tests again under ASan + UBSan.
#   BUILD_DIR=build (default); WALRELAY_SKIP_FUZZ=1 / WALRELAY_SKIP_ASAN=1 skip those passes;
#   WALRELAY_FUZZ_SECONDS=60 (default, per fuzz target). Extra arguments go to the first ctest run
#   (e.g. scripts/test.sh -L unit).
set -euo pipefail
cd "$(dirname "$0")/.."
# The tests start runuser, mariadbd and initdb-like tools from sbin directories, which a
# non-login root shell may not have on PATH.
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"
BUILD_DIR=${BUILD_DIR:-build}
JOBS=$(nproc)

cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DWALRELAY_WERROR=ON
cmake --build "$BUILD_DIR" -j"$JOBS"
ctest --test-dir "$BUILD_DIR" --output-on-failure --timeout 900 "$@"

# Every byte from the network goes through the decoder: fuzz it for a bounded time.
if [ "${WALRELAY_SKIP_FUZZ:-0}" != "1" ]; then
  FUZZ_DIR="$BUILD_DIR-fuzz" bash scripts/fuzz.sh "${WALRELAY_FUZZ_SECONDS:-60}"
fi

if [ "${WALRELAY_SKIP_ASAN:-0}" != "1" ]; then
  ASAN_DIR="$BUILD_DIR-asan"
  cmake -S . -B "$ASAN_DIR" -DCMAKE_BUILD_TYPE=Debug -DWALRELAY_WERROR=ON -DWALRELAY_SANITIZE=ON \
    -DWALRELAY_INTEGRATION_TESTS=OFF
  cmake --build "$ASAN_DIR" -j"$JOBS"
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
    ctest --test-dir "$ASAN_DIR" -L unit --output-on-failure --timeout 300
fi

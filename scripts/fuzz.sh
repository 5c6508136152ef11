#!/usr/bin/env bash
# Builds every libFuzzer target under tests/fuzz with clang (ASan+UBSan), seeds each one's
# corpus, runs each for a bounded time, and prints one result line per target at the end.
#   scripts/fuzz.sh [SECONDS]     (per target; default 30)   FUZZ_DIR=build-fuzz
# Per target NAME, under $FUZZ_DIR: the binary NAME_fuzz, its corpus corpus-NAME/ (seeds plus
# what the fuzzer found interesting; kept between runs), its log NAME.log, and crash inputs
# in artifacts-NAME/. Exit status: 0 when no target found anything, 1 otherwise.
#
# Adding a target: write tests/fuzz/NAME_fuzz.cpp, optionally a function seed_NAME CORPUS_DIR,
# and add a line `run_target NAME MAX_LEN <clang++ sources and link flags>` at the bottom.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_TO_RUN=${1:-30}
FUZZ_DIR=${FUZZ_DIR:-build-fuzz}
CXX_FUZZ=(clang++ -std=c++20 -g -O1 -fsanitize=fuzzer,address,undefined
          -fno-sanitize-recover=undefined -I.)
RESULTS=()
FAILED=0
mkdir -p "$FUZZ_DIR"

# Seeds for pgoutput_fuzz: byte 0 = protocol version - 1, then [Int16 length][message]
# frames, from the captured PostgreSQL 15 messages in tests/data/pgoutput.
seed_pgoutput() {
  python3 - "$1" <<'PY'
import glob, os, struct, sys
out = sys.argv[1]
versions = {'stream_v2': 2, 'twophase_v3': 3}
for f in glob.glob('tests/data/pgoutput/*.hex'):
    name = os.path.basename(f)[:-4]
    v = versions.get(name, 1)
    msgs = [bytes.fromhex(l.split('\t')[2].strip()) for l in open(f) if l.strip()]
    frames = lambda ms: bytes([v - 1]) + b''.join(struct.pack('>H', len(m)) + m for m in ms)
    open(os.path.join(out, name), 'wb').write(frames(msgs[:200]))
    for i, m in enumerate(msgs[:40]):
        open(os.path.join(out, f'{name}-{i}'), 'wb').write(frames([m]))
PY
}

# Seeds for spool_fuzz: real segments written by spool::Writer (tests/fuzz/spool_seeds.cpp).
seed_spool() {
  clang++ -std=c++20 -O1 -I. core/spool/spool.cpp tests/fuzz/spool_seeds.cpp -lz \
    -o "$FUZZ_DIR/spool_seeds"
  "$FUZZ_DIR/spool_seeds" "$1"
}

# run_target NAME MAX_LEN CLANG_ARGS...: build tests/fuzz/NAME_fuzz.cpp with CLANG_ARGS (the
# other sources and link flags), seed via seed_NAME if defined, fuzz for SECONDS_TO_RUN.
run_target() {
  local name=$1 max_len=$2
  shift 2
  local bin="$FUZZ_DIR/${name}_fuzz" corpus="$FUZZ_DIR/corpus-$name"
  local artifacts="$FUZZ_DIR/artifacts-$name/" log="$FUZZ_DIR/$name.log"
  echo "== fuzz: $name: building"
  "${CXX_FUZZ[@]}" "tests/fuzz/${name}_fuzz.cpp" "$@" -o "$bin"
  mkdir -p "$corpus" "$artifacts"
  if declare -F "seed_$name" >/dev/null; then "seed_$name" "$corpus"; fi
  echo "== fuzz: $name: running ${SECONDS_TO_RUN}s"
  # Scratch files a target makes (via TMPDIR) stay under $FUZZ_DIR and go afterwards.
  local rc=0 tmp="$FUZZ_DIR/tmp-$name"
  mkdir -p "$tmp"
  TMPDIR="$tmp" "$bin" -max_total_time="$SECONDS_TO_RUN" -max_len="$max_len" \
    -print_final_stats=1 -artifact_prefix="$artifacts" "$corpus" >"$log" 2>&1 || rc=$?
  rm -rf "$tmp"
  grep -v -e '^"' -e '^######' "$log" | tail -7  # skip the dictionary
  local runs
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  if [[ $rc -eq 0 ]]; then
    RESULTS+=("fuzz: $name: ${SECONDS_TO_RUN}s, ${runs:-?} runs, no finding")
  else
    FAILED=1
    RESULTS+=("fuzz: $name: FINDING (exit $rc): see $log and $artifacts")
  fi
}

# Seeds for copy_text_fuzz: rows as COPY TO STDOUT sends them (column count byte first).
seed_copy_text() {
  printf '\x03%b' '1\t\\N\tab\\tc\\\\\n' >"$1/three"
  printf '\x02%b' '\\101\\x4a\t\\\n' >"$1/escapes"
  printf '\x00\n' >"$1/empty"
}

seed_txn_codec() {
  python3 - "$1" <<'PY'
# Seeds per the layouts in core/spool/txn_codec.h: a relation (id 7, generation 1, columns
# id int4 key / v text) and records using it.
import os, struct, sys
out = sys.argv[1]
s = lambda b: struct.pack('<I', len(b)) + b
NULL = struct.pack('<I', 0xFFFFFFFF)
rel = (b'R' + struct.pack('<IIB', 7, 1, ord('d')) + s(b'public') + s(b't') + struct.pack('<H', 2)
       + b'\x01' + s(b'id') + struct.pack('<Ii', 23, -1) + NULL + NULL
       + b'\x00' + s(b'v') + struct.pack('<Ii', 25, -1) + s(b'public') + s(b'mood'))
hdr = struct.pack('<IQQq', 42, 0x1100, 0x1110, 123456) + s(b'')
tup = lambda *vals: struct.pack('<H', len(vals)) + b''.join(
    (b'\x02' + s(v)) if v is not None else b'\x00' for v in vals)
ins = b'\x01' + struct.pack('<Q', 0x1000) + struct.pack('<II', 7, 1) + b'\x00' + tup(b'1', b'x')
upd = (b'\x02' + struct.pack('<Q', 0x1001) + struct.pack('<II', 7, 1) + b'\x01' + tup(b'1', None)
       + tup(b'1', b'y'))
dele = b'\x03' + struct.pack('<Q', 0x1002) + struct.pack('<II', 7, 1) + b'\x02' + tup(b'1', b'y')
trunc = b'\x04' + struct.pack('<Q', 0x1003) + struct.pack('<II', 1, 1) + struct.pack('<II', 7, 1)
msg = b'\x05' + struct.pack('<Q', 0x1004) + struct.pack('<I', 1) + s(b'app') + s(b'hello')
changes = [ins, upd, dele, trunc, msg]
recs = {
  'txn': b'T' + hdr + struct.pack('<I', len(changes)) + b''.join(changes),
  'chunk': b'C\x01' + struct.pack('<I', 2) + struct.pack('<I', 42) + ins + struct.pack('<I', 43) + upd,
  'ref': b'E' + hdr + struct.pack('<QQI', 3, 2, 1) + struct.pack('<I', 43),
  'prepared': b'P' + struct.pack('<Q', 3) + s(b'gid') + hdr + struct.pack('<I', 0),
  'finished': b'X' + s(b'gid'),
}
for name, r in recs.items():
    open(os.path.join(out, name), 'wb').write(struct.pack('<H', len(rel)) + rel + r)
PY
}

run_target pgoutput 4096 core/pgoutput/*.cpp
run_target spool 4096 core/spool/spool.cpp -lz
run_target txn_codec 4096 -Isdk/include core/spool/txn_codec.cpp core/pipeline/relation_cache.cpp \
  core/pipeline/arena.cpp
run_target copy_text 1024 core/snapshot/copy_text.cpp

echo "== fuzz results"
printf '%s\n' "${RESULTS[@]}"
exit "$FAILED"

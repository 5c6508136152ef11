#!/usr/bin/env bash
# End-to-end catch-up of a slot backlog into Kafka: walrelay with the Kafka sink
# (at-least-once and exactly-once) beside walrelay with the null sink, on the same WAL, on a
# throwaway PostgreSQL 15 cluster. Kafka is librdkafka's mock cluster (3 brokers) in the
# helper process walrelay_kafka_mock_cluster (tests/plugins/kafka/mock), a fresh one per
# run; it runs on the same machine and its CPU is reported.
#
#   bench/kafka_e2e.sh [BUILD_DIR]   (default build; needs bin/walrelay, the Kafka plugin,
#                                     bin/walrelay_kafka_mock_cluster, bin/walrelay_kafka_count
#                                     and fixture-plugins/good_sink.so)
#
# Workloads (WORKLOADS, default "bulk small"), as bench/e2e.sh:
#   bulk  = one transaction inserting BULK_ROWS rows (default 1,000,000) of
#           (bigint key, int, md5 text, numeric, timestamptz)
#   small = SMALL_TXNS (default 100,000) single-row INSERT transactions (pgbench, 4 clients)
# Method (bench/e2e.sh's): per workload a base slot is created, the workload is written
# while nobody reads, the end LSN is pg_current_wal_insert_lsn() after its last commit. Every
# run gets a fresh copy of the base slot (pg_copy_logical_replication_slot) and runs
# `walrelay run --stop-lsn END` under /usr/bin/time (wall, user+sys CPU of walrelay; the
# walsender's CPU is sampled as in bench/lib/measure.sh). Runs: the null sink, then the Kafka
# sink in each mode of MODES (default "alo eos": at-least-once; exactly-once with
# transactional_id, checkpoint topic walrelay_checkpoints created with one partition), the
# order reversed on even repetitions. After each Kafka run walrelay_kafka_count checks the
# topic: its message count (the sum of the partitions' end offsets: the mock gives every
# record one offset and writes no transaction markers) must equal the rows written, and
# every record the mock still holds (it keeps only the last 5 MB per partition) is read
# back with a read_committed consumer (exactly-once: the number of checkpoint records and
# the last checkpoint are printed too).
# Env: REPS (1), WORKLOADS, BULK_ROWS, SMALL_TXNS, SMALL_CLIENTS (4), MODES, KAFKA_YAML
# (extra sink options, YAML flow-map entries, e.g. "librdkafka: {linger.ms: 20}"), KEEP
# (1: keep the work dir).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BUILD=${1:-build}
BIN="$ROOT/$BUILD/bin/walrelay"
NULL_SINK="$ROOT/$BUILD/fixture-plugins/good_sink.so"
MOCK_BIN="$ROOT/$BUILD/bin/walrelay_kafka_mock_cluster"
COUNT_BIN="$ROOT/$BUILD/bin/walrelay_kafka_count"
REPS=${REPS:-1}
WORKLOADS=${WORKLOADS:-bulk small}
BULK_ROWS=${BULK_ROWS:-1000000}
SMALL_TXNS=${SMALL_TXNS:-100000}
SMALL_CLIENTS=${SMALL_CLIENTS:-4}
MODES=${MODES:-alo eos}
KAFKA_YAML=${KAFKA_YAML:-}
for f in "$BIN" "$MOCK_BIN" "$COUNT_BIN"; do
  [[ -x "$f" ]] || { echo "build first (missing $f)" >&2; exit 1; }
done
for f in "$NULL_SINK" "$ROOT/$BUILD/plugins/walrelay-sink-kafka.so"; do
  [[ -f "$f" ]] || { echo "build first (missing $f)" >&2; exit 1; }
done
source scripts/lib/pg.sh
source bench/lib/measure.sh
source bench/lib/workloads.sh
bench_workdir walrelay-kafka-bench
bench_init "$WORK"

# The mock cluster helper as a coprocess: MOCK_BS its bootstrap servers, MOCK_PID its pid.
MOCK_PID=""
MOCK_BS=""
mock_start() {
  coproc MOCKP { exec "$MOCK_BIN" 3 2>>"$WORK/mock.err"; }
  # shellcheck disable=SC2153 # MOCKP_PID is set by coproc
  MOCK_PID=$MOCKP_PID
  MOCK_IN=${MOCKP[1]}
  MOCK_OUT=${MOCKP[0]}
  local line=""
  read -r -t 30 -u "$MOCK_OUT" line || true
  [[ $line == bootstraps\ * ]] || { echo "mock cluster did not start: '$line'" >&2; exit 1; }
  MOCK_BS=${line#bootstraps }
}
mock_cmd() {
  local line=""
  echo "$1" >&"$MOCK_IN"
  read -r -t 10 -u "$MOCK_OUT" line || true
  [[ $line == ok ]] || { echo "mock cluster: '$1' answered '$line'" >&2; exit 1; }
}
mock_stop() {
  [[ -n "$MOCK_PID" ]] || return 0
  kill -TERM "$MOCK_PID" 2>/dev/null || true
  wait "$MOCK_PID" 2>/dev/null || true
  MOCK_PID=""
}
BENCH_ON_EXIT=mock_stop

# autovacuum off: no vacuum of the fresh tables competing with the timed readers.
pg_start_cluster "$WORK/pg" max_wal_size=8GB checkpoint_timeout=30min autovacuum=off >/dev/null
q() { pg_psql -At "$@"; }
PROTO=$(bench_pgoutput_proto)

# reader KIND SLOT END TABLE ROWS: walrelay over a fresh copy SLOT of the base slot, with the
# null sink (KIND null) or the Kafka sink (alo, eos); sets R_*, and for Kafka R_MOCK_CPU,
# R_COUNT (records in bench.public.TABLE) and R_CHECK.
reader() {
  local kind=$1 slot=$2 end=$3 table=$4 rows=$5 cfg opts t0
  R_MOCK_CPU=NA R_COUNT=NA R_CHECK=""
  if [[ $kind == null ]]; then
    cfg=$(bench_walrelay_cfg "$slot" "$NULL_SINK" "{}")
  else
    mock_start
    mock_cmd "topic bench.public.$table 3"
    opts="librdkafka: {bootstrap.servers: \"$MOCK_BS\"}, topic_prefix: bench"
    if [[ $kind == eos ]]; then
      mock_cmd "topic walrelay_checkpoints 1"
      opts+=", transactional_id: \"bench-$slot\", checkpoint_topic: walrelay_checkpoints"
    fi
    [[ -n "$KAFKA_YAML" ]] && opts+=", $KAFKA_YAML"
    cfg=$(bench_walrelay_cfg "$slot" kafka "{$opts}")
    bench_proc_ticks "$MOCK_PID"
    t0=$BENCH_TICKS
  fi
  bench_run "$slot" "$slot" "$BIN" run -c "$cfg" --stop-lsn "$end" 2>"$WORK/$slot.log"
  if ((R_STATUS != 0)); then
    echo "$kind reader on $slot exited $R_STATUS" >&2
    tail -n 20 "$WORK/$slot.log" >&2
    exit 1
  fi
  if ! grep -q "pgoutput protocol $PROTO, streaming on" "$WORK/$slot.log"; then
    echo "warning: walrelay did not log 'pgoutput protocol $PROTO, streaming on':" >&2
    grep -m1 'pgoutput protocol' "$WORK/$slot.log" >&2 || true
  fi
  rm -rf "$WORK/spool-$slot"
  if [[ $kind != null ]]; then
    bench_proc_ticks "$MOCK_PID"
    R_MOCK_CPU=$(echo "($BENCH_TICKS - $t0) / $BENCH_CLK_TCK" | bc -l)
    local topics=("bench.public.$table") out
    [[ $kind == eos ]] && topics+=(walrelay_checkpoints)
    out=$("$COUNT_BIN" "$MOCK_BS" "${topics[@]}") || { echo "reading back failed: $out" >&2; exit 1; }
    local read
    R_COUNT=$(awk -v t="bench.public.$table" '$1 == t { print $2 }' <<<"$out")
    read=$(awk -v t="bench.public.$table" '$1 == t { print $4 }' <<<"$out")
    if [[ "$R_COUNT" == "$rows" ]]; then R_CHECK="$R_COUNT messages, ok"; else
      R_CHECK="$R_COUNT messages, EXPECTED $rows"
      BAD=1
    fi
    R_CHECK+=" ($read retained by the mock, all read back)"
    if [[ $kind == eos ]]; then
      local cp
      cp=$(awk '$1 == "walrelay_checkpoints" { print $2, $6 }' <<<"$out")
      R_CHECK+=", ${cp%% *} checkpoint records, last $(sed -n 's/.*"end_lsn_text":"\([^"]*\)".*/\1/p' <<<"$cp")"
    fi
    mock_stop
  fi
  q -c "SELECT pg_drop_replication_slot('$slot')" >/dev/null
}

BAD=0
f2() { if [[ "$1" == NA ]]; then echo NA; else printf '%.2f' "$1"; fi; }
range() { # values... -> "mean (min–max)" over the numeric ones
  local s
  read -r -a s <<<"$(bench_stats "$@")"
  if ((${#s[@]} < 3)); then echo NA; return; fi
  printf '%.2f (%.2f–%.2f)' "${s[0]}" "${s[1]}" "${s[2]}"
}
label() { case $1 in null) echo "null sink" ;; alo) echo "kafka at-least-once" ;; eos) echo "kafka exactly-once" ;; esac; }

run_workload() {
  local name=$1 rows=$2 gen=$3 end rep
  q -c "SELECT pg_create_logical_replication_slot('b_$name', 'pgoutput')" >/dev/null
  local g0
  g0=$(date +%s.%N)
  "$gen"
  end=$(q -c "SELECT pg_current_wal_insert_lsn()")
  q -c "CHECKPOINT" >/dev/null
  local wal
  wal=$(q -c "SELECT pg_size_pretty(pg_wal_lsn_diff('$end', restart_lsn)) FROM pg_replication_slots WHERE slot_name = 'b_$name'")
  printf '%s: %d rows written in %.1f s, %s of WAL behind the slot, end LSN %s\n' \
    "$name" "$rows" "$(echo "$(date +%s.%N) - $g0" | bc -l)" "$wal" "$end"
  local -A T C W M RATIO LAST
  local kinds modes kind
  read -r -a modes <<<"$MODES"
  kinds=(null "${modes[@]}")
  for ((rep = 1; rep <= REPS; rep++)); do
    local order=("${kinds[@]}")
    if ((rep % 2 == 0)); then
      order=()
      for ((k = ${#kinds[@]} - 1; k >= 0; k--)); do order+=("${kinds[k]}"); done
    fi
    local -A line=()
    for kind in "${order[@]}"; do
      local slot="b_${name}_${kind}_$rep"
      q -c "SELECT pg_copy_logical_replication_slot('b_$name', '$slot')" >/dev/null
      reader "$kind" "$slot" "$end" "$name" "$rows"
      T[$kind]+=" $R_ELAPSED" C[$kind]+=" $R_CPU" W[$kind]+=" ${R_WS_CPU:-NA}" M[$kind]+=" $R_MOCK_CPU"
      line[$kind]=$(printf '%s %s s (walrelay CPU %s s, walsender CPU %s s' "$(label "$kind")" \
        "$(f2 "$R_ELAPSED")" "$(f2 "$R_CPU")" "$(f2 "${R_WS_CPU:-NA}")")
      [[ $kind != null ]] && line[$kind]+=$(printf ', mock cluster CPU %s s; %s' "$(f2 "$R_MOCK_CPU")" "$R_CHECK")
      line[$kind]+=")"
      LAST[$kind]=$R_ELAPSED
    done
    local out="$name rep $rep: ${line[null]}"
    for kind in "${modes[@]}"; do
      local r
      r=$(echo "${LAST[$kind]} / ${LAST[null]}" | bc -l)
      RATIO[$kind]+=" $r"
      out+=$(printf ' | %s, %sx null time' "${line[$kind]}" "$(f2 "$r")")
    done
    echo "$out"
  done
  echo "== $name, $rows rows, $REPS rep(s), mean (min–max):"
  for kind in "${kinds[@]}"; do
    # shellcheck disable=SC2086 # word splitting of the collected values is intended
    printf '   %-22s wall s %s, rows/s %s, walrelay CPU s %s, walsender CPU s %s' "$(label "$kind")" \
      "$(range ${T[$kind]})" "$(printf '%.0f' "$(echo "$rows / $(bench_stats ${T[$kind]} | cut -d' ' -f1)" | bc -l)")" \
      "$(range ${C[$kind]})" "$(range ${W[$kind]})"
    # shellcheck disable=SC2086
    [[ $kind != null ]] && printf ', mock CPU s %s, time / null %s' "$(range ${M[$kind]})" "$(range ${RATIO[$kind]})"
    echo
  done
  q -c "SELECT pg_drop_replication_slot('b_$name')" >/dev/null
}

bench_workload_tables

echo "walrelay Kafka e2e catch-up bench, $(date -u '+%Y-%m-%d %H:%M UTC')"
bench_machine_line
echo "PostgreSQL $(q -c 'SHOW server_version'); librdkafka $(pkg-config --modversion rdkafka 2>/dev/null || echo '?') mock cluster, 3 brokers, topic with 3 partitions; modes: $MODES; reps $REPS${KAFKA_YAML:+; extra sink options: $KAFKA_YAML}"
bench_run_workloads run_workload
echo "load at end: $(cut -d' ' -f1-3 /proc/loadavg)"
if ((BAD)); then echo "MESSAGE COUNT MISMATCH (see above)" >&2; exit 1; fi

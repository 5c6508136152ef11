#!/usr/bin/env bash
# Reproduces every figure of docs/PERFORMANCE.md on this machine and reports them against
# the targets, as ratios where the figure is a comparison.
#
#   bench/run.sh [--soak] [BUILD_DIR]   (default build: a built tree with bin/walrelay, the
#                                        plugins, fixture-plugins/good_sink.so and the Kafka
#                                        helpers; PostgreSQL 15 server binaries, mariadb-server,
#                                        sqlite3, python3, curl)
#
# Runs, one after the other (STEPS, default all, in this order), each writing its whole
# output to RESULTS/STEP.txt:
#   e2e             bench/e2e.sh          null sink vs pg_recvlogical, SQLite sink vs null
#   server_decode   bench/server_decode.sh null sink vs the server's own decoding
#                                          (pg_logical_slot_peek_binary_changes), SQLite sink
#                                          vs sqlite3 .import of the same rows
#   mysql_bench     bench/mysql_bench.sh  MariaDB sink vs null vs LOAD DATA LOCAL INFILE
#   kafka_e2e       bench/kafka_e2e.sh    Kafka sink (at-least-once, exactly-once) vs null
#   native_lr       bench/native_lr.sh    small-transaction apply: native logical replication
#                                          into a second cluster vs walrelay into SQLite/MariaDB
#   latency_sqlite  bench/latency.sh      commit-to-visible percentiles at RATE tx/s, SQLite
#   latency_mysql   SINK=mysql bench/latency.sh   the same into MariaDB
#   big_txn_rss     bench/big_txn_rss.sh  peak RSS through one BIG_ROWS-row transaction
# then collects the figures (the RESULT lines of the scripts that print them, the summary
# lines of the others) into RESULTS/results.txt and prints the report table (also in
# RESULTS/report.md): figure, value, target, met / NOT MET. Rate ratios are time_ref /
# time_sink on the same backlog (0.93 = the sink reaches 93 % of the reference's rate).
# Targets (issue 8): every sink end to end ≥ 0.9× the null sink's rate; commit-to-visible
# p99 ≤ 10 ms at 1,000 tx/s into SQLite and MariaDB; peak RSS ≤ 64 MiB; and, from
# docs/PERFORMANCE.md, the null sink ≥ 1.0× pg_recvlogical's rate (bulk), ≥ 1.5× (single-row
# transactions), walrelay's CPU ≤ 15 % of the walsender's. Figures without a target are
# printed for reference.
# --soak: runs bench/soak.sh instead (RATE tx/s for SOAK_SECONDS, default 3600, RSS and lag
# sampled) and reports whether RSS and lag stay flat. Not for CI.
# QUICK=1 shrinks every workload for a smoke run of a few minutes (REPS=1, 20,000-row
# transaction, 5,000 single-row transactions, 5 s latency runs, a 20,000-row big
# transaction; with --soak 60 s sampled every 5 s): the figures are then not comparable with
# docs/PERFORMANCE.md.
# Env: QUICK, STEPS, RESULTS (default /tmp/walrelay-bench-<UTC time>), REPS (every script's
# own default, 1 with QUICK), BULK_ROWS, SMALL_TXNS, RATE (1000), DURATION (latency runs, s;
# default 30), BIG_ROWS (10,000,000), BIG_REPS (1), BIG_WORK_MEMS (64MB: PostgreSQL's
# default logical_decoding_work_mem), SOAK_SECONDS, SOAK_SINKS, VERBOSE (1: the scripts'
# output on the terminal too); the other variables of the scripts pass through.
# Exit status: 0 when every step ran (targets met or not), 1 when one failed.
set -euo pipefail
cd "$(dirname "$0")/.."
SOAK=0
if [[ "${1:-}" == --soak ]]; then SOAK=1; shift; fi
BUILD=${1:-build}
QUICK=${QUICK:-0}
RESULTS=${RESULTS:-/tmp/walrelay-bench-$(date -u +%Y%m%d-%H%M%S)}
RATE=${RATE:-1000}
VERBOSE=${VERBOSE:-0}
for d in /usr/lib/postgresql/15/bin /usr/sbin; do
  [[ -d $d && ":$PATH:" != *":$d:"* ]] && PATH="$d:$PATH"
done
export PATH RATE
source bench/lib/report.sh
mkdir -p "$RESULTS"
[[ -x "$BUILD/bin/walrelay" ]] || { echo "build first (missing $BUILD/bin/walrelay)" >&2; exit 1; }

if [[ $QUICK == 1 ]]; then
  export REPS=${REPS:-1} BULK_ROWS=${BULK_ROWS:-20000} SMALL_TXNS=${SMALL_TXNS:-5000}
  export DURATION=${DURATION:-5} QUIESCE_S=${QUIESCE_S:-5}
  BIG_ROWS=${BIG_ROWS:-20000}
  export SOAK_SECONDS=${SOAK_SECONDS:-60} SAMPLE_S=${SAMPLE_S:-5}
fi
BIG_ROWS=${BIG_ROWS:-10000000}
BIG_REPS=${BIG_REPS:-1}
BIG_WORK_MEMS=${BIG_WORK_MEMS:-64MB}

FAILED=()
# step NAME CMD...: runs CMD with its output in RESULTS/NAME.txt; a failure is recorded.
step() {
  local name=$1 t0 status=0
  shift
  t0=$(date +%s)
  printf '[run.sh] %s: %s ... ' "$name" "$*"
  if [[ $VERBOSE == 1 ]]; then
    echo
    "$@" 2>&1 | tee "$RESULTS/$name.txt" || status=$?
  else
    "$@" >"$RESULTS/$name.txt" 2>&1 || status=$?
  fi
  if ((status == 0)); then
    echo "done in $(($(date +%s) - t0)) s"
  else
    echo "FAILED (exit $status) after $(($(date +%s) - t0)) s; see $RESULTS/$name.txt"
    tail -n 5 "$RESULTS/$name.txt" | sed 's/^/    /'
    FAILED+=("$name")
  fi
}

# parse_summary STEP FILE: RESULT lines from the "== WORKLOAD ..." summary blocks of e2e.sh,
# mysql_bench.sh and kafka_e2e.sh (labels padded with 2+ spaces, then "mean (min–max)"), and
# from big_txn_rss.sh's per-run lines.
parse_summary() {
  awk -v step="$1" '
    function emit(k, v) { if (v ~ /^-?[0-9.]+$/) printf "RESULT %s.%s.%s %s\n", step, w, k, v }
    /^== / { w = $2; sub(/,$/, "", w); next }
    /^   [^ ]/ && w != "" {
      line = substr($0, 4)
      i = index(line, "  ")
      if (i == 0) next
      label = substr(line, 1, i - 1)
      rest = substr(line, i); sub(/^ +/, "", rest)
      split(rest, a, " ")
      if (step == "e2e") {
        if (label == "pg_recvlogical s") emit("recv_s", a[1])
        else if (label == "walrelay null s") emit("null_s", a[1])
        else if (label == "recvlogical/null") emit("recv_over_null", a[1])
        else if (label == "walrelay % walsender") emit("cpu_pct_ws", a[1])
        else if (label == "walrelay sqlite s") emit("sqlite_s", a[1])
        else if (label == "sqlite/null time") emit("sqlite_over_null", a[1])
      } else if (step == "mysql") {
        if (label == "walrelay -> null s") emit("null_s", a[1])
        else if (label == "walrelay -> MySQL sink s") emit("mysql_s", a[1])
        else if (label == "LOAD DATA LOCAL INFILE s") emit("load_s", a[1])
        else if (label == "mysql/null (per rep)") emit("mysql_over_null", a[1])
      } else if (step == "kafka") {
        k = label == "null sink" ? "null_s" : label == "kafka at-least-once" ? "alo_s" : label == "kafka exactly-once" ? "eos_s" : ""
        if (k != "" && match(rest, /wall s [0-9.]+/)) emit(k, substr(rest, RSTART + 7, RLENGTH - 7))
      }
    }
    step == "bigtxn" && /^logical_decoding_work_mem .* peak RSS / {
      s = $0; sub(/.* sink +/, "", s); split(s, b, " "); sink = b[1]
      r = $0; sub(/.*peak RSS /, "", r); split(r, c, " ")
      if (!(sink in mx) || c[1] + 0 > mx[sink] + 0) mx[sink] = c[1]
      if (match($0, /SQLite rows: [0-9]+/)) rows[sink] = substr($0, RSTART + 13, RLENGTH - 13)
    }
    step == "bigtxn" && /^one transaction of [0-9]+ rows/ { total = $4 }
    END {
      if (step == "bigtxn") {
        for (s in mx) printf "RESULT bigtxn.%s.rss_max_mib %s\n", s, mx[s]
        for (s in rows) printf "RESULT bigtxn.%s.rows %s\n", s, rows[s]
        if (total != "") printf "RESULT bigtxn.rows %s\n", total
      }
    }' "$2"
}

collect() {
  local f="$RESULTS/results.txt"
  : >"$f"
  local s
  for s in e2e:e2e mysql_bench:mysql kafka_e2e:kafka big_txn_rss:bigtxn; do
    if [[ -f "$RESULTS/${s%%:*}.txt" ]]; then parse_summary "${s#*:}" "$RESULTS/${s%%:*}.txt" >>"$f"; fi
  done
  for s in server_decode native_lr latency_sqlite latency_mysql soak; do
    if [[ -f "$RESULTS/$s.txt" ]]; then grep '^RESULT ' "$RESULTS/$s.txt" >>"$f" || true; fi
  done
  # Workload sizes, for the legend.
  if [[ -f "$RESULTS/e2e.txt" ]]; then
    sed -n 's/^\(bulk\|small\): \([0-9]*\) rows written.*/RESULT e2e.\1.rows \2/p' "$RESULTS/e2e.txt" >>"$f"
  fi
  report_load "$f"
}

g() { report_get "$1"; }
r2() { report_fmt "$1" 2; }
# rate_row FIGURE REF_KEY SINK_KEY OP TARGET REF_LABEL SINK_LABEL: a rate ratio (time of the
# reference / time of the sink) with both times as detail.
rate_row() {
  local ref sink
  ref=$(g "$2") sink=$(g "$3")
  report_row "$1" "$(report_div "$ref" "$sink" 2)" "$4" "$5" "$6 $(r2 "$ref") s / $7 $(r2 "$sink") s"
}

report() {
  local w
  echo
  echo "walrelay bench report, $(date -u '+%Y-%m-%d %H:%M UTC'), build $BUILD$([[ $QUICK == 1 ]] && echo ', QUICK=1 (shrunk workloads: not comparable with docs/PERFORMANCE.md)')"
  echo "machine: $(lscpu | sed -n 's/^Model name:\s*//p'), $(nproc) cores, $(free -g | awk '/^Mem:/ {print $2}') GiB RAM; load now $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "outputs: $RESULTS"
  echo
  if [[ $SOAK == 0 ]]; then
    echo "bulk: one transaction of $(g e2e.bulk.rows) rows; small: $(g e2e.small.rows) single-row transactions (the sizes e2e.sh ran; the other scripts use the same settings)"
    echo
  fi
  report_table_start
  if [[ $SOAK == 1 ]]; then
    report_row "soak: walrelay RSS over $(g soak.seconds) s at $RATE tx/s" "$(g soak.rss_flat)" flat "" \
      "first $(g soak.rss_first_mib), last $(g soak.rss_last_mib), max $(g soak.rss_max_mib) MiB; 2nd/4th quarter $(r2 "$(g soak.rss_q2_mib)") / $(r2 "$(g soak.rss_q4_mib)") MiB"
    report_row "soak: peak RSS, MiB" "$(g soak.rss_max_mib)" le 64
    report_row "soak: delay of the slowest sink (now − last applied commit)" "$(g soak.delay_flat)" flat "" \
      "first $(g soak.delay_first_s), last $(g soak.delay_last_s), max $(g soak.delay_max_s) s; 2nd/4th quarter $(g soak.delay_q2_s) / $(g soak.delay_q4_s) s"
    report_row "soak: sustained rate, tx/s" "$(r2 "$(g soak.tps)")" ge "$(awk -v r="$RATE" 'BEGIN { print r * 0.98 }')"
    report_row "soak: slot lag, max bytes" "$(g soak.slot_lag_max_bytes)" - ""
    return
  fi
  for w in bulk small; do
    rate_row "null sink / pg_recvlogical rate, $w" "e2e.$w.recv_s" "e2e.$w.null_s" ge "$([[ $w == bulk ]] && echo 1.0 || echo 1.5)" pg_recvlogical null
    report_row "walrelay CPU % of the walsender's, $w" "$(g "e2e.$w.cpu_pct_ws")" le 15
    rate_row "null sink / server decode rate (peek), $w" "decode.$w.decode_s" "decode.$w.null_s" - "" decode null
    rate_row "SQLite sink / null rate, $w" "e2e.$w.null_s" "e2e.$w.sqlite_s" ge 0.9 null sqlite
    rate_row "SQLite sink / sqlite3 .import rate, $w" "decode.$w.import_s" "decode.$w.sqlite_s" - "" import sqlite
    rate_row "MariaDB sink / null rate, $w" "mysql.$w.null_s" "mysql.$w.mysql_s" ge 0.9 null mysql
    rate_row "MariaDB sink / LOAD DATA rate, $w" "mysql.$w.load_s" "mysql.$w.mysql_s" - "" "LOAD DATA" mysql
    rate_row "Kafka at-least-once / null rate, $w" "kafka.$w.null_s" "kafka.$w.alo_s" ge 0.9 null kafka
    rate_row "Kafka exactly-once / null rate, $w" "kafka.$w.null_s" "kafka.$w.eos_s" ge 0.9 null kafka
  done
  rate_row "walrelay→SQLite / native logical replication rate, small" native.small.native_s native.small.sqlite_s - "" native sqlite
  rate_row "walrelay→MariaDB / native logical replication rate, small" native.small.native_s native.small.mysql_s - "" native mysql
  local s name
  for s in sqlite mysql; do
    if [[ $s == sqlite ]]; then name=SQLite; else name=MariaDB; fi
    report_row "commit-to-visible p99 ms, $name, $RATE tx/s" "$(g "latency.$s.p99_ms")" le 10 \
      "p50 $(g "latency.$s.p50_ms"), p90 $(g "latency.$s.p90_ms"), max $(g "latency.$s.max_ms") ms; $(g "latency.$s.rows") rows at $(r2 "$(g "latency.$s.tps")") tx/s"
  done
  for s in null sqlite; do
    report_row "peak RSS MiB, one $(g bigtxn.rows)-row txn, $s sink" "$(g "bigtxn.$s.rss_max_mib")" le 64
  done
}

if [[ $SOAK == 1 ]]; then
  step soak bench/soak.sh "$BUILD"
else
  STEPS=${STEPS:-e2e server_decode mysql_bench kafka_e2e native_lr latency_sqlite latency_mysql big_txn_rss}
  for s in $STEPS; do
    case $s in
      e2e | server_decode | mysql_bench | kafka_e2e | native_lr) step "$s" "bench/$s.sh" "$BUILD" ;;
      latency_sqlite) step "$s" env SINK=sqlite bench/latency.sh "$BUILD" ;;
      latency_mysql) step "$s" env SINK=mysql bench/latency.sh "$BUILD" ;;
      big_txn_rss) step "$s" env ROWS="$BIG_ROWS" REPS="$BIG_REPS" WORK_MEMS="$BIG_WORK_MEMS" bench/big_txn_rss.sh "$BUILD" ;;
      *) echo "unknown step $s" >&2; exit 2 ;;
    esac
  done
fi
collect
report >"$RESULTS/report.md"
cat "$RESULTS/report.md"
echo
echo "$REPORT_MET met, $REPORT_NOT_MET not met, $REPORT_NA without a value$( ((${#FAILED[@]})) && echo "; FAILED steps: ${FAILED[*]}")"
((${#FAILED[@]} == 0))

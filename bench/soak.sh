#!/usr/bin/env bash
# Soak: walrelay replicating a steady RATE transactions/s for SOAK_SECONDS (default one hour)
# into SQLite (and optionally MariaDB), with its memory and lag sampled throughout; are they
# flat? Not for CI: `bench/run.sh --soak` runs it.
#
#   bench/soak.sh [BUILD_DIR]   (default build; needs bin/walrelay, the SQLite plugin, curl;
#                                SOAK_SINKS with mysql: the MySQL plugin, mariadbd, mariadb)
#
# A throwaway PostgreSQL 15 cluster (autovacuum on, as in production); table soak (id
# bigserial primary key, ts_us bigint, pad text). One `walrelay run` streams it live into
# every sink of SOAK_SINKS ("sqlite": a SQLite file, synchronous FULL; "mysql": a throwaway
# MariaDB, bench/lib/mysql.sh, innodb_flush_log_at_trx_commit=1), its metrics endpoint on a
# free port. After a warm-up row, pgbench inserts one row per transaction at RATE tx/s
# (pgbench -R, CLIENTS clients) for SOAK_SECONDS. Every SAMPLE_S seconds one line is
# printed (and kept in WORK/samples.tsv):
#   rss_mib     walrelay's VmRSS (/proc/PID/status)
#   delay_s     now minus walrelay_sink_applied_commit_timestamp_seconds, the largest over
#               the sinks: how far behind the source's commits the slowest sink is
#   lag_s       walrelay_source_lag_seconds, lag_bytes walrelay_source_lag_bytes (both updated
#               at each standby status update, source.status_interval_ms; docs/METRICS.md)
#   slot_lag    pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn) of the slot, bytes
#   spool       walrelay_spool_bytes (committed bytes not every sink has consumed)
#   txns        walrelay_sink_transactions_total of the slowest sink
# At the end: first / last / max of RSS and lag, and whether they are flat: the mean of the
# last quarter of the samples may exceed the mean of the second quarter (after warm-up) by at
# most 10 % or RSS_TOL_MIB (4) MiB for RSS, 10 % or LAG_TOL_S (0.1) s for delay_s, whichever
# is larger. Then it waits for the sinks to hold every row (row counts checked).
# Prints RESULT lines (bench/lib/report.sh): soak.{seconds,tps,samples,rss_first_mib,
# rss_last_mib,rss_max_mib,rss_q2_mib,rss_q4_mib,rss_flat,delay_first_s,delay_last_s,
# delay_max_s,delay_q2_s,delay_q4_s,delay_flat,slot_lag_max_bytes,spool_max_bytes}.
# Env: SOAK_SECONDS (3600), RATE (1000), CLIENTS (4), SAMPLE_S (10), SOAK_SINKS ("sqlite"),
# RSS_TOL_MIB (4), LAG_TOL_S (0.1), KEEP (1: keep the work dir).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BUILD=${1:-build}
BIN="$ROOT/$BUILD/bin/walrelay"
SOAK_SECONDS=${SOAK_SECONDS:-3600}
RATE=${RATE:-1000}
CLIENTS=${CLIENTS:-4}
SAMPLE_S=${SAMPLE_S:-10}
SOAK_SINKS=${SOAK_SINKS:-sqlite}
RSS_TOL_MIB=${RSS_TOL_MIB:-4}
LAG_TOL_S=${LAG_TOL_S:-0.1}
[[ -x "$BIN" ]] || { echo "build first (missing $BIN)" >&2; exit 1; }
for s in $SOAK_SINKS; do
  case $s in
    sqlite | mysql) [[ -f "$ROOT/$BUILD/plugins/walrelay-sink-$s.so" ]] || { echo "build first (missing the $s plugin)" >&2; exit 1; } ;;
    *) echo "SOAK_SINKS: unknown sink $s (sqlite, mysql)" >&2; exit 2 ;;
  esac
done
command -v curl >/dev/null || { echo "curl is missing" >&2; exit 1; }
source scripts/lib/pg.sh
source bench/lib/measure.sh
source bench/lib/workloads.sh
source bench/lib/mysql.sh
source bench/lib/report.sh
bench_workdir walrelay-soak
bench_init "$WORK"
RELAY_PID="" PGB_PID=""
on_exit() {
  [[ -n "$PGB_PID" ]] && kill "$PGB_PID" 2>/dev/null
  [[ -n "$RELAY_PID" ]] && kill "$RELAY_PID" 2>/dev/null && wait "$RELAY_PID" 2>/dev/null
  my_stop_server
}
BENCH_ON_EXIT=on_exit
pg_start_cluster "$WORK/pg" >/dev/null
q() { pg_psql -At "$@"; }
q >/dev/null <<'SQL'
CREATE TABLE soak (id bigserial PRIMARY KEY, ts_us bigint NOT NULL, pad text);
CREATE PUBLICATION bench_pub FOR TABLE soak;
SELECT 1 FROM pg_create_logical_replication_slot('soak', 'pgoutput');
SQL

# One config, one sink per entry of SOAK_SINKS.
BENCH_PIPELINE_YAML=$'http:\n  listen: "127.0.0.1:0"\n'
first=${SOAK_SINKS%% *}
sink_opts() {
  case $1 in
    sqlite) echo "{path: $WORK/soak.db}" ;;
    mysql) echo "{socket: $MY_SOCK, user: root, database: bench}" ;;
  esac
}
if [[ " $SOAK_SINKS " == *" mysql "* ]]; then
  my_start_server "$WORK/mariadb" --innodb-buffer-pool-size=256M --innodb-flush-log-at-trx-commit=1
  my_sql -e "CREATE DATABASE bench"
fi
cfg=$(bench_walrelay_cfg soak "$first" "$(sink_opts "$first")")
sed -i "s/^  - name: bench$/  - name: $first/" "$cfg"
for s in $SOAK_SINKS; do
  [[ $s == "$first" ]] && continue
  printf '  - name: %s\n    plugin: %s\n    options: %s\n' "$s" "$s" "$(sink_opts "$s")" >>"$cfg"
done
count_in() {
  case $1 in
    sqlite) sqlite3 "$WORK/soak.db" "SELECT count(*) FROM soak" 2>/dev/null || echo none ;;
    mysql) my_sql -N -B bench -e "SELECT COUNT(*) FROM soak" 2>/dev/null || echo none ;;
  esac
}

"$BIN" run -c "$cfg" 2>"$WORK/walrelay.log" &
RELAY_PID=$!
METRICS=""
for _ in $(seq 1 300); do
  METRICS=$(sed -n 's/.*http: \/metrics, \/healthz, \/readyz on \([^ ]*\).*/\1/p' "$WORK/walrelay.log" | head -n1)
  [[ -n "$METRICS" && -n "$(q -c "SELECT active_pid FROM pg_replication_slots WHERE slot_name = 'soak'")" ]] && break
  kill -0 "$RELAY_PID" 2>/dev/null || { echo "walrelay exited:" >&2; tail -n 20 "$WORK/walrelay.log" >&2; exit 1; }
  sleep 0.1
done
[[ -n "$METRICS" ]] || { echo "walrelay did not log its metrics address" >&2; exit 1; }
# Warm-up: the sinks create their table on the first row.
q -c "INSERT INTO soak (ts_us, pad) VALUES (0, 'warm-up')"
for s in $SOAK_SINKS; do
  for _ in $(seq 1 300); do [[ "$(count_in "$s")" == 1 ]] && break; sleep 0.1; done
  [[ "$(count_in "$s")" == 1 ]] || { echo "the warm-up row did not reach $s" >&2; tail -n 20 "$WORK/walrelay.log" >&2; exit 1; }
done

echo "walrelay soak, $(date -u '+%Y-%m-%d %H:%M UTC')"
bench_machine_line
echo "PostgreSQL $(q -c 'SHOW server_version'); rate $RATE tx/s for $SOAK_SECONDS s, $CLIENTS clients; sinks: $SOAK_SINKS; sample every $SAMPLE_S s; metrics at http://$METRICS/metrics"
echo "INSERT INTO soak (ts_us, pad) VALUES ((extract(epoch FROM clock_timestamp()) * 1000000)::bigint, 'row');" >"$WORK/soak.sql"
PGTZ=UTC "$PG_BIN/pgbench" -n -h 127.0.0.1 -p "$PG_PORT" -U postgres -c "$CLIENTS" -j 2 \
  -R "$RATE" -T "$SOAK_SECONDS" -f "$WORK/soak.sql" postgres >"$WORK/pgbench.txt" 2>&1 &
PGB_PID=$!

# metric NAME FILE: the values of NAME (any labels) in the scrape FILE, one a line.
metric() { awk -v n="$1" '$1 == n || index($1, n "{") == 1 { print $2 }' "$2"; }
printf '%8s %8s %9s %8s %12s %12s %12s %10s\n' t_s rss_mib delay_s lag_s lag_bytes slot_lag spool txns
printf 't_s\trss_mib\tdelay_s\tlag_s\tlag_bytes\tslot_lag\tspool\ttxns\n' >"$WORK/samples.tsv"
t0=$(date +%s.%N)
next=$SAMPLE_S
while kill -0 "$PGB_PID" 2>/dev/null; do
  now=$(date +%s.%N)
  el=$(echo "$now - $t0" | bc -l)
  if [[ $(echo "$el < $next" | bc -l) == 1 ]]; then
    read -r -t "$(echo "$next - $el" | bc -l)" -u "$BENCH_TICK_FD" _ || true
    continue
  fi
  next=$(echo "$next + $SAMPLE_S" | bc -l)
  kill -0 "$RELAY_PID" 2>/dev/null || { echo "walrelay exited during the soak:" >&2; tail -n 20 "$WORK/walrelay.log" >&2; exit 1; }
  rss_kb=$(awk '$1 == "VmRSS:" { print $2 }' "/proc/$RELAY_PID/status")
  curl -s -m 5 "http://$METRICS/metrics" >"$WORK/scrape" || : >"$WORK/scrape"
  now=$(date +%s.%N)
  # The slowest sink: the oldest applied commit timestamp, the fewest transactions.
  ts=$(metric walrelay_sink_applied_commit_timestamp_seconds "$WORK/scrape" | sort -g | head -n1)
  delay=$(if [[ -n "$ts" ]]; then awk -v n="$now" -v t="$ts" 'BEGIN { printf "%.3f", (t > 0 ? n - t : 0) }'; else echo NA; fi)
  lag_s=$(metric walrelay_source_lag_seconds "$WORK/scrape" | head -n1)
  lag_b=$(metric walrelay_source_lag_bytes "$WORK/scrape" | head -n1)
  spool=$(metric walrelay_spool_bytes "$WORK/scrape" | head -n1)
  txns=$(metric walrelay_sink_transactions_total "$WORK/scrape" | sort -g | head -n1)
  slot_lag=$(q -c "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn) FROM pg_replication_slots WHERE slot_name = 'soak'")
  rss=$(awk -v k="$rss_kb" 'BEGIN { printf "%.1f", k / 1024 }')
  row=("$(printf '%.0f' "$el")" "$rss" "$delay" "${lag_s:-NA}" "${lag_b:-NA}" "${slot_lag:-NA}" "${spool:-NA}" "${txns:-NA}")
  printf '%8s %8s %9s %8s %12s %12s %12s %10s\n' "${row[@]}"
  (IFS=$'\t'; echo "${row[*]}") >>"$WORK/samples.tsv"
done
PGB_STATUS=0
wait "$PGB_PID" || PGB_STATUS=$?
PGB_PID=""
((PGB_STATUS == 0)) || { echo "pgbench exited $PGB_STATUS:" >&2; tail -n 5 "$WORK/pgbench.txt" >&2; exit 1; }
echo "pgbench: $(grep -E '^(tps|latency average)' "$WORK/pgbench.txt" | tr '\n' ';')"

# Summary of one column: first last max q2 q4 flat (flat: q4 - q2 <= max(10 % of q2, TOL)).
summary() {
  awk -F'\t' -v c="$1" -v tol="$2" 'NR > 1 && $c ~ /^-?[0-9.]+$/ { v[n++] = $c }
    END {
      if (n < 4) { print "NA NA NA NA NA NA"; exit }
      mx = v[0]; for (i = 0; i < n; i++) if (v[i] > mx) mx = v[i]
      q = int(n / 4)
      for (i = q; i < 2 * q; i++) s2 += v[i]
      for (i = n - q; i < n; i++) s4 += v[i]
      m2 = s2 / q; m4 = s4 / q
      t = (0.1 * m2 > tol) ? 0.1 * m2 : tol
      printf "%s %s %s %.3f %.3f %d\n", v[0], v[n - 1], mx, m2, m4, (m4 - m2 <= t) ? 1 : 0
    }' "$WORK/samples.tsv"
}
colmax() { awk -F'\t' -v c="$1" 'NR > 1 && $c ~ /^-?[0-9.]+$/ { if (!n++ || $c > m) m = $c } END { print (n ? m : "NA") }' "$WORK/samples.tsv"; }
read -r RF RL RM R2 R4 RFLAT <<<"$(summary 2 "$RSS_TOL_MIB")"
read -r DF DL DM D2 D4 DFLAT <<<"$(summary 3 "$LAG_TOL_S")"
samples=$(($(wc -l <"$WORK/samples.tsv") - 1))
flat_word() { case $1 in 1) echo flat ;; 0) echo "NOT flat" ;; *) echo "n/a (fewer than 4 samples)" ;; esac; }
echo "== $samples samples over $SOAK_SECONDS s:"
echo "   RSS MiB: first $RF, last $RL, max $RM; mean of the 2nd quarter $R2, of the last $R4: $(flat_word "$RFLAT") (tolerance 10 % or $RSS_TOL_MIB MiB)"
echo "   delay s (slowest sink): first $DF, last $DL, max $DM; 2nd quarter $D2, last $D4: $(flat_word "$DFLAT") (tolerance 10 % or $LAG_TOL_S s)"
echo "   walrelay_source_lag_seconds max $(colmax 4), walrelay_source_lag_bytes max $(colmax 5), slot lag bytes max $(colmax 6), spool bytes max $(colmax 7)"

# Every row at every sink, then stop walrelay.
rows=$(q -c "SELECT count(*) FROM soak")
for s in $SOAK_SINKS; do
  n=none
  for _ in $(seq 1 1200); do n=$(count_in "$s"); [[ "$n" == "$rows" ]] && break; sleep 0.1; done
  echo "   rows in PostgreSQL $rows, in $s $n"
  [[ "$n" == "$rows" ]] || { echo "$s holds $n rows, expected $rows" >&2; exit 1; }
done
if grep -qiE '\b(warn|error)' "$WORK/walrelay.log"; then
  echo "   walrelay logged warnings/errors (first 5):"
  grep -iE '\b(warn|error)' "$WORK/walrelay.log" | head -n 5 | sed 's/^/     /'
fi
echo "load at end: $(cut -d' ' -f1-3 /proc/loadavg)"
report_result soak.seconds "$SOAK_SECONDS"
report_result soak.tps "$(sed -n 's/^tps = \([0-9.]*\).*/\1/p' "$WORK/pgbench.txt" | head -n1)"
report_result soak.samples "$samples"
report_result soak.rss_first_mib "$RF"
report_result soak.rss_last_mib "$RL"
report_result soak.rss_max_mib "$RM"
report_result soak.rss_q2_mib "$R2"
report_result soak.rss_q4_mib "$R4"
report_result soak.rss_flat "$RFLAT"
report_result soak.delay_first_s "$DF"
report_result soak.delay_last_s "$DL"
report_result soak.delay_max_s "$DM"
report_result soak.delay_q2_s "$D2"
report_result soak.delay_q4_s "$D4"
report_result soak.delay_flat "$DFLAT"
report_result soak.slot_lag_max_bytes "$(colmax 6)"
report_result soak.spool_max_bytes "$(colmax 7)"

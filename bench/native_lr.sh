#!/usr/bin/env bash
# Small-transaction apply: PostgreSQL's native logical replication into a second local
# cluster against walrelay into SQLite and into MariaDB (and the null sink, for reference),
# all replaying the same slot backlog of single-row transactions.
#
#   bench/native_lr.sh [BUILD_DIR]   (default build; needs bin/walrelay, the SQLite and
#                                     MySQL plugins, fixture-plugins/good_sink.so, sqlite3,
#                                     mariadbd and the mariadb client)
#
# Workload: SMALL_TXNS (default 100,000) single-row INSERT transactions into small (pgbench,
# SMALL_CLIENTS clients; bench/lib/workloads.sh), written on the source cluster while a base
# slot holds them; END = pg_current_wal_insert_lsn() after the last commit. Every run replays
# the backlog from a fresh copy of the base slot (pg_copy_logical_replication_slot):
#   native  a second throwaway PostgreSQL 15 cluster (the subscriber, same settings) with
#           empty tables of the same definitions; the clock starts before
#             CREATE SUBSCRIPTION s CONNECTION '<source>' PUBLICATION bench_pub
#               WITH (copy_data = false, create_slot = false, slot_name = '<copy>',
#                     synchronous_commit = NATIVE_SYNC)
#           and stops at the first sight of the subscriber's final applied position:
#           pg_replication_origin_status.remote_lsn (advanced by the apply worker at each
#           applied commit) is polled every POLL_S s over one psql session; once it has not
#           moved for QUIET_S s, count(*) of small must equal the rows written (else the wait
#           goes on). The subscription is dropped after each run (which drops the copy).
#   sqlite  walrelay run -c CFG --stop-lsn END, SQLite sink (synchronous SQLITE_SYNC)
#   mysql   the same, MySQL sink into a new database of a throwaway MariaDB (bench/lib/mysql.sh;
#           innodb_flush_log_at_trx_commit=MY_FLUSH)
#   null    the same, null sink (fixture good_sink.so)
# Every destination's row count is checked. The order rotates with each repetition. Times are
# wall seconds (walrelay: /usr/bin/time). Ratios native/X time (> 1: walrelay into X is faster
# than native logical replication) per repetition, then the mean.
# NATIVE_SYNC defaults to off, a subscription's own default (the subscriber's apply worker
# does not wait for its WAL flush; the publisher is only told what is flushed). walrelay's
# sinks are durable at each batch (SQLite FULL, InnoDB flush at commit): NATIVE_SYNC=on makes
# the subscriber wait for its flush at each commit.
# Prints RESULT lines (bench/lib/report.sh): native.small.{native_s,sqlite_s,mysql_s,null_s,
# native_over_sqlite,native_over_mysql,native_over_null}.
# Env: REPS (2), SMALL_TXNS, SMALL_CLIENTS (4), KINDS ("native sqlite mysql null"),
# NATIVE_SYNC (off), SQLITE_SYNC (FULL), MY_BUFFER_POOL (1G), MY_FLUSH (1), POLL_S (0.02),
# QUIET_S (0.3), TIMEOUT_S (1800), KEEP (1: keep the work dir).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BUILD=${1:-build}
BIN="$ROOT/$BUILD/bin/walrelay"
NULL_SINK="$ROOT/$BUILD/fixture-plugins/good_sink.so"
REPS=${REPS:-2}
SMALL_TXNS=${SMALL_TXNS:-100000}
SMALL_CLIENTS=${SMALL_CLIENTS:-4}
KINDS=${KINDS:-native sqlite mysql null}
NATIVE_SYNC=${NATIVE_SYNC:-off}
SQLITE_SYNC=${SQLITE_SYNC:-FULL}
MY_BUFFER_POOL=${MY_BUFFER_POOL:-1G}
MY_FLUSH=${MY_FLUSH:-1}
POLL_S=${POLL_S:-0.02}
QUIET_S=${QUIET_S:-0.3}
TIMEOUT_S=${TIMEOUT_S:-1800}
for f in "$BIN" "$NULL_SINK" "$ROOT/$BUILD/plugins/walrelay-sink-sqlite.so" "$ROOT/$BUILD/plugins/walrelay-sink-mysql.so"; do
  [[ -e "$f" ]] || { echo "build first (missing $f)" >&2; exit 1; }
done
for c in sqlite3 mariadb mariadb-install-db; do
  command -v "$c" >/dev/null || { echo "$c is missing (apt-get install sqlite3 mariadb-server)" >&2; exit 1; }
done
source scripts/lib/pg.sh
source bench/lib/measure.sh
source bench/lib/workloads.sh
source bench/lib/mysql.sh
source bench/lib/report.sh

# pg.sh keeps one cluster in PG_DIR, PG_DATA, PG_LOG, PG_PORT, PG_SOCK: cl_save NAME keeps
# the current one's under NAME, cl_use NAME makes NAME's current.
declare -A CL=()
cl_save() { CL[$1.dir]=$PG_DIR CL[$1.data]=$PG_DATA CL[$1.log]=$PG_LOG CL[$1.port]=$PG_PORT CL[$1.sock]=$PG_SOCK; }
cl_use() { PG_DIR=${CL[$1.dir]:-} PG_DATA=${CL[$1.data]:-} PG_LOG=${CL[$1.log]:-} PG_PORT=${CL[$1.port]:-} PG_SOCK=${CL[$1.sock]:-}; }
on_exit() {
  [[ -n "${POLL_PID:-}" ]] && { kill "$POLL_PID" 2>/dev/null; wait "$POLL_PID" 2>/dev/null; }
  my_stop_server
  cl_use sub
  pg_stop_cluster
  cl_use src # bench_cleanup stops this one
}
BENCH_ON_EXIT=on_exit
bench_workdir walrelay-native-lr
bench_init "$WORK"
PG_SETTINGS=(max_wal_size=8GB checkpoint_timeout=30min autovacuum=off)
pg_start_cluster "$WORK/pg" "${PG_SETTINGS[@]}" >/dev/null
cl_save src
pg_start_cluster "$WORK/pg-sub" "${PG_SETTINGS[@]}" >/dev/null
cl_save sub
cl_use src
SRC_CONNINFO=$(pg_conninfo postgres)
q() { cl_use src; pg_psql -At "$@"; }
qs() { cl_use sub; pg_psql -At "$@"; cl_use src; }
# shellcheck disable=SC2086 # MY_EXTRA is a list of options
my_start_server "$WORK/mariadb" --innodb-buffer-pool-size="$MY_BUFFER_POOL" \
  --innodb-flush-log-at-trx-commit="$MY_FLUSH" ${MY_EXTRA:-}
m() { my_sql -N -B "$@"; }
PROTO=$(bench_pgoutput_proto)
BENCH_PIPELINE_YAML=$'http:\n  listen: "127.0.0.1:0"\n'

f2() { report_fmt "$1" 2; }
range() {
  local s
  read -r -a s <<<"$(bench_stats "$@")"
  if ((${#s[@]} < 3)); then echo NA; return; fi
  printf '%.2f (%.2f–%.2f)' "${s[0]}" "${s[1]}" "${s[2]}"
}
mean() { local s; s=$(bench_stats "$@"); echo "${s%% *}"; }
now() { date +%s.%N; }
# now_us: NOW_US = the wall clock in microseconds, without a fork (bash 5's EPOCHREALTIME).
now_us() { NOW_US=${EPOCHREALTIME//[.,]/}; NOW_US=$((10#$NOW_US)); }

# A psql session on the subscriber as a coprocess, for cheap polling (no fork per poll).
POLL_PID=""
poll_start() {
  cl_use sub
  coproc POLLP { PGTZ=UTC stdbuf -oL "$PG_BIN/psql" -X -q -At -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres 2>&1; }
  cl_use src
  # shellcheck disable=SC2153 # POLLP_PID is set by coproc
  POLL_PID=$POLLP_PID
  POLL_IN=${POLLP[1]}
  POLL_OUT=${POLLP[0]}
}
# poll_q SQL: one query on the session; its output (one line) in POLL_ANSWER.
poll_q() {
  local line
  POLL_ANSWER=""
  printf '%s;\n\\echo #end\n' "$1" >&"$POLL_IN"
  while read -r -t 30 -u "$POLL_OUT" line; do
    [[ $line == '#end' ]] && return 0
    POLL_ANSWER=$line
  done
  echo "the polling psql session did not answer" >&2
  exit 1
}

# native_run SLOT ROWS: native logical replication of the copy SLOT into the subscriber;
# sets R_ELAPSED. The loop forks nothing (bash's clock, the psql coprocess).
native_run() {
  local slot=$1 rows=$2 t0 t t_last lsn last="" quiet_since n="?" quiet_us deadline
  quiet_us=$(awk -v s="$QUIET_S" 'BEGIN { printf "%d", s * 1000000 }')
  qs -c "TRUNCATE small"
  now_us
  t0=$NOW_US
  qs -c "CREATE SUBSCRIPTION bench_sub CONNECTION '$SRC_CONNINFO' PUBLICATION bench_pub WITH (copy_data = false, create_slot = false, slot_name = '$slot', synchronous_commit = '$NATIVE_SYNC')"
  deadline=$((t0 + TIMEOUT_S * 1000000))
  t_last=$t0 quiet_since=$t0
  while :; do
    poll_q "SELECT coalesce(max(remote_lsn)::text, '') FROM pg_replication_origin_status"
    lsn=$POLL_ANSWER
    now_us
    t=$NOW_US
    if [[ "$lsn" != "$last" ]]; then
      last=$lsn t_last=$t quiet_since=$t
    elif [[ -n "$lsn" ]] && ((t - quiet_since >= quiet_us)); then
      poll_q "SELECT count(*) FROM small"
      n=$POLL_ANSWER
      [[ "$n" == "$rows" ]] && break
      quiet_since=$t # not all there yet: wait for the position to move again
    fi
    if ((t > deadline)); then
      echo "native logical replication: $n of $rows rows after ${TIMEOUT_S} s (remote_lsn $lsn)" >&2
      exit 1
    fi
    bench_nap_s "$POLL_S"
  done
  R_ELAPSED=$(awk -v d=$((t_last - t0)) 'BEGIN { printf "%.3f", d / 1000000 }')
  R_NATIVE_LSN=$last
  qs -c "DROP SUBSCRIPTION bench_sub" >/dev/null
  # DROP SUBSCRIPTION drops the remote slot (the copy); make sure it is gone.
  if [[ -n "$(q -c "SELECT 1 FROM pg_replication_slots WHERE slot_name = '$slot'")" ]]; then
    q -c "SELECT pg_drop_replication_slot('$slot')" >/dev/null
  fi
}
bench_nap_s() { read -r -t "$1" -u "$BENCH_TICK_FD" _ || true; }

# walrelay_run KIND SLOT END ROWS: walrelay over the copy SLOT into KIND; sets R_*.
walrelay_run() {
  local kind=$1 slot=$2 end=$3 rows=$4 cfg n db
  db="n_$slot"
  case $kind in
    null) cfg=$(bench_walrelay_cfg "$slot" "$NULL_SINK" "{}") ;;
    sqlite) cfg=$(bench_walrelay_cfg "$slot" sqlite "{path: $WORK/$slot.db, synchronous: $SQLITE_SYNC}") ;;
    mysql)
      m -e "CREATE DATABASE \`$db\`"
      cfg=$(bench_walrelay_cfg "$slot" mysql "{socket: $MY_SOCK, user: root, database: $db}")
      ;;
  esac
  bench_run "$slot" "$slot" "$BIN" run -c "$cfg" --stop-lsn "$end" 2>"$WORK/$slot.log"
  if ((R_STATUS != 0)); then
    echo "walrelay ($kind) on $slot exited $R_STATUS" >&2
    tail -n 20 "$WORK/$slot.log" >&2
    exit 1
  fi
  rm -rf "$WORK/spool-$slot"
  case $kind in
    sqlite) n=$(sqlite3 "$WORK/$slot.db" "SELECT count(*) FROM small"); rm -f "$WORK/$slot.db"* ;;
    mysql) n=$(m "$db" -e "SELECT COUNT(*) FROM small"); m -e "DROP DATABASE \`$db\`" ;;
    null) n=$rows ;;
  esac
  [[ "$n" == "$rows" ]] || { echo "walrelay ($kind): $n rows at the destination, expected $rows" >&2; exit 1; }
  q -c "SELECT pg_drop_replication_slot('$slot')" >/dev/null
}

bench_workload_tables
# The subscriber needs every table of the publication (FOR ALL TABLES): bulk stays empty.
qs -c "CREATE TABLE bulk (id bigint PRIMARY KEY, a int, b text, c numeric(12,2), d timestamptz)"
qs -c "CREATE TABLE small (id bigserial PRIMARY KEY, v int, t text)"

echo "walrelay vs native logical replication (small transactions), $(date -u '+%Y-%m-%d %H:%M UTC')"
bench_machine_line
echo "PostgreSQL $(q -c 'SHOW server_version') publisher and subscriber (two local clusters); subscription synchronous_commit $NATIVE_SYNC; walrelay pgoutput protocol $PROTO; reps $REPS"
echo "MariaDB $(m -e 'SELECT @@version'): innodb_flush_log_at_trx_commit $(m -e 'SELECT @@innodb_flush_log_at_trx_commit'); SQLite synchronous $SQLITE_SYNC"

rows=$((SMALL_TXNS / SMALL_CLIENTS * SMALL_CLIENTS))
q -c "SELECT pg_create_logical_replication_slot('b_small', 'pgoutput')" >/dev/null
g0=$(now)
gen_small
END=$(q -c "SELECT pg_current_wal_insert_lsn()")
q -c "CHECKPOINT" >/dev/null
printf 'small: %d single-row transactions written in %.1f s, %s of WAL behind the slot, end LSN %s\n' \
  "$rows" "$(echo "$(now) - $g0" | bc -l)" \
  "$(q -c "SELECT pg_size_pretty(pg_wal_lsn_diff('$END', restart_lsn)) FROM pg_replication_slots WHERE slot_name = 'b_small'")" "$END"
poll_start

declare -A T=() RATIO=() LAST=()
read -r -a kinds <<<"$KINDS"
for ((rep = 1; rep <= REPS; rep++)); do
  # Rotate the order: repetition r starts with the kind at position r-1.
  order=()
  for ((k = 0; k < ${#kinds[@]}; k++)); do order+=("${kinds[(k + rep - 1) % ${#kinds[@]}]}"); done
  line="small rep $rep:"
  for kind in "${order[@]}"; do
    slot="n_${kind}_$rep"
    q -c "SELECT pg_copy_logical_replication_slot('b_small', '$slot')" >/dev/null
    if [[ $kind == native ]]; then
      native_run "$slot" "$rows"
      line+=$(printf ' native LR %s s (applied up to %s) |' "$(f2 "$R_ELAPSED")" "$R_NATIVE_LSN")
    else
      walrelay_run "$kind" "$slot" "$END" "$rows"
      line+=$(printf ' walrelay %s %s s (CPU %s s) |' "$kind" "$(f2 "$R_ELAPSED")" "$(f2 "$R_CPU")")
    fi
    T[$kind]+=" $R_ELAPSED"
    LAST[$kind]=$R_ELAPSED
  done
  if [[ -n "${LAST[native]:-}" ]]; then
    for kind in "${kinds[@]}"; do
      [[ $kind == native ]] && continue
      r=$(report_div "${LAST[native]}" "${LAST[$kind]}" 4)
      RATIO[$kind]+=" $r"
      line+=$(printf ' native/%s %s' "$kind" "$(f2 "$r")")
    done
  fi
  echo "$line"
done
echo "== small ($rows single-row transactions), $REPS reps, mean (min–max):"
for kind in "${kinds[@]}"; do
  # shellcheck disable=SC2086 # the collected values are split on purpose
  printf '   %-24s %s s\n' "$([[ $kind == native ]] && echo "native LR" || echo "walrelay -> $kind")" "$(range ${T[$kind]})"
  # shellcheck disable=SC2086
  report_result "native.small.${kind}_s" "$(mean ${T[$kind]})"
done
for kind in "${kinds[@]}"; do
  [[ $kind == native || -z "${RATIO[$kind]:-}" ]] && continue
  # shellcheck disable=SC2086
  printf '   native/%-17s %s   (> 1: walrelay faster)\n' "$kind time" "$(range ${RATIO[$kind]})"
  # shellcheck disable=SC2086
  report_result "native.small.native_over_$kind" "$(mean ${RATIO[$kind]})"
done
echo "load at end: $(cut -d' ' -f1-3 /proc/loadavg)"

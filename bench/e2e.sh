#!/usr/bin/env bash
# End-to-end catch-up of a slot backlog: walrelay (null sink, then SQLite sink) against
# pg_recvlogical, on the same WAL, on a throwaway PostgreSQL 15 cluster.
#
#   bench/e2e.sh [BUILD_DIR]     (default build; needs build/bin/walrelay, the SQLite plugin
#                                 and build/fixture-plugins/good_sink.so)
#
# Workloads (WORKLOADS, default "bulk small"):
#   bulk  = one transaction inserting BULK_ROWS rows (default 1,000,000) of
#           (bigint key, int, md5 text, numeric, timestamptz)
#   small = SMALL_TXNS (default 100,000) single-row INSERT transactions (pgbench, 4 clients)
# Method, per workload: a base slot is created, then the workload is written while nobody
# reads; the end LSN is pg_current_wal_lsn() after its last commit. For every run a fresh
# copy of the base slot is made (pg_copy_logical_replication_slot), so every reader replays
# the same backlog. Each reader runs until it has everything up to the end LSN and exits by
# itself: pg_recvlogical --endpos=END -f /dev/null (same pgoutput options as walrelay:
# proto_version, publication_names, streaming), walrelay run --stop-lsn END. Timed with
# /usr/bin/time (wall, user+sys CPU of the reader); the walsender serving the slot is found
# through pg_replication_slots.active_pid and its /proc/<pid>/stat CPU sampled (see
# bench/lib/measure.sh). REPS (default 2) repetitions; pg_recvlogical and the null sink
# alternate which goes first.
# Env: REPS, WORKLOADS, BULK_ROWS, SMALL_TXNS, SMALL_CLIENTS (4), SQLITE (1: also the SQLite
# sink), SQLITE_SYNC (FULL), KEEP (1: keep the work dir).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BUILD=${1:-build}
BIN="$ROOT/$BUILD/bin/walrelay"
NULL_SINK="$ROOT/$BUILD/fixture-plugins/good_sink.so"
REPS=${REPS:-2}
WORKLOADS=${WORKLOADS:-bulk small}
BULK_ROWS=${BULK_ROWS:-1000000}
SMALL_TXNS=${SMALL_TXNS:-100000}
SMALL_CLIENTS=${SMALL_CLIENTS:-4}
SQLITE=${SQLITE:-1}
SQLITE_SYNC=${SQLITE_SYNC:-FULL}
[[ -x "$BIN" && -f "$NULL_SINK" && -f "$ROOT/$BUILD/plugins/walrelay-sink-sqlite.so" ]] || {
  echo "build first (missing $BIN, $NULL_SINK or the SQLite plugin)" >&2
  exit 1
}
source scripts/lib/pg.sh
source bench/lib/measure.sh
source bench/lib/workloads.sh
bench_workdir walrelay-bench
bench_init "$WORK"
# autovacuum off: no vacuum of the fresh tables competing with the timed readers.
pg_start_cluster "$WORK/pg" max_wal_size=8GB checkpoint_timeout=30min autovacuum=off >/dev/null
q() { pg_psql -At "$@"; }

PROTO=$(bench_pgoutput_proto)
RECV_OPTS=(-o "proto_version=$PROTO" -o publication_names=bench_pub -o streaming=on)


# reader KIND SLOT END: runs one reader over a fresh copy SLOT of the base slot; sets R_*.
reader() {
  local kind=$1 slot=$2 end=$3 cfg
  case $kind in
    recv)
      bench_run "$slot" "$slot" "$PG_BIN/pg_recvlogical" -h 127.0.0.1 -p "$PG_PORT" -U postgres \
        -d postgres -S "$slot" --start "${RECV_OPTS[@]}" --endpos="$end" -f /dev/null
      ;;
    null | sqlite)
      if [[ $kind == null ]]; then
        cfg=$(bench_walrelay_cfg "$slot" "$NULL_SINK" "{}")
      else
        cfg=$(bench_walrelay_cfg "$slot" sqlite "{path: $WORK/$slot.db, synchronous: $SQLITE_SYNC}")
      fi
      bench_run "$slot" "$slot" "$BIN" run -c "$cfg" --stop-lsn "$end" 2>"$WORK/$slot.log"
      if ! grep -q "pgoutput protocol $PROTO, streaming on" "$WORK/$slot.log"; then
        echo "warning: walrelay did not log 'pgoutput protocol $PROTO, streaming on':" >&2
        grep -m1 'pgoutput protocol' "$WORK/$slot.log" >&2 || true
      fi
      rm -rf "$WORK/spool-$slot"
      ;;
  esac
  if ((R_STATUS != 0)); then
    echo "$kind reader on $slot exited $R_STATUS" >&2
    [[ -f "$WORK/$slot.log" ]] && tail -n 20 "$WORK/$slot.log" >&2
    exit 1
  fi
  q -c "SELECT pg_drop_replication_slot('$slot')" >/dev/null
}

f2() { if [[ "$1" == NA ]]; then echo NA; else printf '%.2f' "$1"; fi; }
pct() { if [[ -n "$2" && "$(echo "$2 > 0" | bc -l)" == 1 ]]; then printf '%.1f' "$(echo "100 * $1 / $2" | bc -l)"; else echo NA; fi; }
range() { # values... -> "mean (min–max)" over the numeric ones
  local s
  read -r -a s <<<"$(bench_stats "$@")"
  if ((${#s[@]} < 3)); then echo NA; return; fi
  printf '%.2f (%.2f–%.2f)' "${s[0]}" "${s[1]}" "${s[2]}"
}

run_workload() {
  local name=$1 rows=$2 gen=$3 end rep
  q -c "SELECT pg_create_logical_replication_slot('b_$name', 'pgoutput')" >/dev/null
  local g0
  g0=$(date +%s.%N)
  "$gen"
  # The insert position (not the write position: pgbench commits asynchronously); the
  # CHECKPOINT flushes WAL up to it.
  end=$(q -c "SELECT pg_current_wal_insert_lsn()")
  q -c "CHECKPOINT" >/dev/null
  local wal
  wal=$(q -c "SELECT pg_size_pretty(pg_wal_lsn_diff('$end', restart_lsn)) FROM pg_replication_slots WHERE slot_name = 'b_$name'")
  printf '%s: %d rows written in %.1f s, %s of WAL behind the slot, end LSN %s\n' \
    "$name" "$rows" "$(echo "$(date +%s.%N) - $g0" | bc -l)" "$wal" "$end"
  local -a T_RECV T_NULL T_LITE C_NULL C_LITE WS_RECV WS_NULL P_NULL RATIO LITE_REL C_RECV
  for ((rep = 1; rep <= REPS; rep++)); do
    local order=(recv null)
    ((rep % 2 == 0)) && order=(null recv)
    [[ $SQLITE == 1 ]] && order+=(sqlite)
    local kind
    for kind in "${order[@]}"; do
      local slot="b_${name}_${kind}_$rep"
      q -c "SELECT pg_copy_logical_replication_slot('b_$name', '$slot')" >/dev/null
      reader "$kind" "$slot" "$end"
      case $kind in
        recv) T_RECV+=("$R_ELAPSED") C_RECV+=("$R_CPU") WS_RECV+=("${R_WS_CPU:-NA}") ;;
        null) T_NULL+=("$R_ELAPSED") C_NULL+=("$R_CPU") WS_NULL+=("${R_WS_CPU:-NA}")
          P_NULL+=("$(pct "$R_CPU" "$R_WS_CPU")") ;;
        sqlite) T_LITE+=("$R_ELAPSED") C_LITE+=("$R_CPU") ;;
      esac
    done
    local i=$((rep - 1))
    RATIO+=("$(echo "${T_RECV[i]} / ${T_NULL[i]}" | bc -l)")
    local line
    line=$(printf '%s rep %d: pg_recvlogical %s s (its CPU %s s, walsender CPU %s s) | walrelay null %s s (walrelay CPU %s s, walsender CPU %s s, walrelay = %s%% of walsender) | recvlogical/null %s' \
      "$name" "$rep" "$(f2 "${T_RECV[i]}")" "$(f2 "${C_RECV[i]}")" "$(f2 "${WS_RECV[i]}")" \
      "$(f2 "${T_NULL[i]}")" "$(f2 "${C_NULL[i]}")" "$(f2 "${WS_NULL[i]}")" "${P_NULL[i]}" \
      "$(f2 "${RATIO[i]}")")
    if [[ $SQLITE == 1 ]]; then
      LITE_REL+=("$(echo "${T_LITE[i]} / ${T_NULL[i]}" | bc -l)")
      line+=$(printf ' | walrelay sqlite %s s (CPU %s s, %sx null time)' "$(f2 "${T_LITE[i]}")" \
        "$(f2 "${C_LITE[i]}")" "$(f2 "${LITE_REL[i]}")")
    fi
    echo "$line"
  done
  if [[ $SQLITE == 1 ]]; then
    local n
    n=$(sqlite3 "$WORK/b_${name}_sqlite_$REPS.db" "SELECT count(*) FROM $name" 2>/dev/null || echo '?')
    echo "$name: SQLite rows after the last run: $n (expected $rows)"
    rm -f "$WORK"/b_"${name}"_sqlite_*.db*
  fi
  echo "== $name, $REPS reps, mean (min–max):"
  echo "   pg_recvlogical s       $(range "${T_RECV[@]}")"
  echo "   walrelay null s        $(range "${T_NULL[@]}")"
  echo "   recvlogical/null       $(range "${RATIO[@]}")   (>1: walrelay faster)"
  echo "   walrelay CPU s         $(range "${C_NULL[@]}")"
  echo "   walsender CPU s (null) $(range "${WS_NULL[@]}")"
  echo "   walrelay % walsender   $(range "${P_NULL[@]}")"
  echo "   walsender CPU s (recv) $(range "${WS_RECV[@]}")"
  echo "   pg_recvlogical CPU s   $(range "${C_RECV[@]}")"
  if [[ $SQLITE == 1 ]]; then
    echo "   walrelay sqlite s      $(range "${T_LITE[@]}")"
    echo "   sqlite/null time       $(range "${LITE_REL[@]}")"
    echo "   walrelay sqlite CPU s  $(range "${C_LITE[@]}")"
  fi
  q -c "SELECT pg_drop_replication_slot('b_$name')" >/dev/null
}

bench_workload_tables

echo "walrelay e2e catch-up bench, $(date -u '+%Y-%m-%d %H:%M UTC')"
bench_machine_line
echo "PostgreSQL $(q -c 'SHOW server_version'); pg_recvlogical options: ${RECV_OPTS[*]}; reps $REPS"
bench_run_workloads run_workload
echo "load at end: $(cut -d' ' -f1-3 /proc/loadavg)"

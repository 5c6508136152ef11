#!/usr/bin/env bash
# walrelay against the server's own decoding rate, and the SQLite sink against a raw SQLite
# bulk load, on the same slot backlog, on a throwaway PostgreSQL 15 cluster.
#
#   bench/server_decode.sh [BUILD_DIR]   (default build; needs bin/walrelay,
#                                         fixture-plugins/good_sink.so, the SQLite plugin
#                                         and the sqlite3 shell)
#
# Workloads (WORKLOADS, default "bulk small"), those of bench/e2e.sh (bench/lib/workloads.sh):
#   bulk  = one transaction inserting BULK_ROWS rows (default 1,000,000)
#   small = SMALL_TXNS (default 100,000) single-row INSERT transactions (pgbench, 4 clients)
# Method (bench/e2e.sh's): per workload a base slot is created, the workload is written while
# nobody reads, the end LSN END is pg_current_wal_insert_lsn() after its last commit. Every
# run replays the backlog from a fresh copy of the base slot (pg_copy_logical_replication_slot):
#   null    walrelay run -c CFG --stop-lsn END into the null sink (fixture good_sink.so)
#   decode  the server decoding the same changes with nobody on the wire: one psql running
#           SELECT count(*), sum(length(data)) FROM pg_logical_slot_peek_binary_changes(
#             COPY, 'END', NULL, 'proto_version', P, 'publication_names', 'bench_pub',
#             'streaming', 'on')
#           (the options walrelay negotiates; peek: nothing is consumed). Its backend is the
#           slot's active_pid, so its CPU is sampled like a walsender's (bench/lib/measure.sh).
#   sqlite  walrelay into the SQLite sink (synchronous SQLITE_SYNC), row count checked   [SQLITE_LOAD=1]
#   import  the raw bulk-load reference for SQLite: the same rows exported once with COPY ...
#           TO STDOUT (FORMAT csv), then `sqlite3 DB` running PRAGMA journal_mode=WAL,
#           synchronous=SQLITE_SYNC and `.import --csv` (one transaction) into an empty table
#           with the schema the sink created; timed around the sqlite3 shell   [SQLITE_LOAD=1]
# null and decode alternate which goes first; sqlite and import run after them. Times are
# wall seconds from /usr/bin/time. Ratios (per repetition, then mean): decode/null time (1.0:
# walrelay end to end as fast as the server decodes alone; < 1: walrelay slower) and
# import/sqlite time (the SQLite sink's rate as a fraction of the raw load's).
# Prints RESULT lines (bench/lib/report.sh) with the means: decode.W.null_s, decode_s,
# decode_over_null, messages, bytes, sqlite_s, import_s, import_over_sqlite (W = workload).
# Env: REPS (2), WORKLOADS, BULK_ROWS, SMALL_TXNS, SMALL_CLIENTS (4), SQLITE_LOAD (1),
# SQLITE_SYNC (FULL), KEEP (1: keep the work dir).
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
SQLITE_LOAD=${SQLITE_LOAD:-1}
SQLITE_SYNC=${SQLITE_SYNC:-FULL}
[[ -x "$BIN" && -f "$NULL_SINK" && -f "$ROOT/$BUILD/plugins/walrelay-sink-sqlite.so" ]] || {
  echo "build first (missing $BIN, $NULL_SINK or the SQLite plugin)" >&2
  exit 1
}
if [[ $SQLITE_LOAD == 1 ]] && ! command -v sqlite3 >/dev/null; then
  echo "the sqlite3 shell is missing (apt-get install sqlite3), or run with SQLITE_LOAD=0" >&2
  exit 1
fi
source scripts/lib/pg.sh
source bench/lib/measure.sh
source bench/lib/workloads.sh
source bench/lib/report.sh
bench_workdir walrelay-decode-bench
bench_init "$WORK"
pg_start_cluster "$WORK/pg" max_wal_size=8GB checkpoint_timeout=30min autovacuum=off >/dev/null
q() { pg_psql -At "$@"; }
PROTO=$(bench_pgoutput_proto)
# The metrics endpoint on a free port: a walrelay of someone else on 9187 must not stop ours.
BENCH_PIPELINE_YAML=$'http:\n  listen: "127.0.0.1:0"\n'

f2() { report_fmt "$1" 2; }
range() { # values... -> "mean (min–max)" over the numeric ones
  local s
  read -r -a s <<<"$(bench_stats "$@")"
  if ((${#s[@]} < 3)); then echo NA; return; fi
  printf '%.2f (%.2f–%.2f)' "${s[0]}" "${s[1]}" "${s[2]}"
}
mean() { local s; s=$(bench_stats "$@"); echo "${s%% *}"; }

# run_one KIND SLOT END NAME: one timed run over the fresh slot copy SLOT; sets R_* (and
# R_MSGS, R_BYTES for decode).
run_one() {
  local kind=$1 slot=$2 end=$3 name=$4 cfg
  case $kind in
    decode)
      bench_run "$slot" "$slot" "$PG_BIN/psql" -X -q -At -F ' ' -h 127.0.0.1 -p "$PG_PORT" \
        -U postgres -d postgres -v ON_ERROR_STOP=1 -c \
        "SELECT count(*), sum(length(data)) FROM pg_logical_slot_peek_binary_changes('$slot', '$end', NULL, 'proto_version', '$PROTO', 'publication_names', 'bench_pub', 'streaming', 'on')" \
        >"$WORK/$slot.out" 2>"$WORK/$slot.log"
      read -r R_MSGS R_BYTES <"$WORK/$slot.out" || true
      ;;
    null | sqlite)
      if [[ $kind == null ]]; then
        cfg=$(bench_walrelay_cfg "$slot" "$NULL_SINK" "{}")
      else
        cfg=$(bench_walrelay_cfg "$slot" sqlite "{path: $WORK/$slot.db, synchronous: $SQLITE_SYNC}")
      fi
      bench_run "$slot" "$slot" "$BIN" run -c "$cfg" --stop-lsn "$end" 2>"$WORK/$slot.log"
      if ((R_STATUS == 0)) && ! grep -q "pgoutput protocol $PROTO, streaming on" "$WORK/$slot.log"; then
        echo "warning: walrelay did not log 'pgoutput protocol $PROTO, streaming on'" >&2
      fi
      rm -rf "$WORK/spool-$slot"
      ;;
  esac
  if ((R_STATUS != 0)); then
    echo "$kind run on $slot exited $R_STATUS" >&2
    tail -n 20 "$WORK/$slot.log" >&2
    exit 1
  fi
  q -c "SELECT pg_drop_replication_slot('$slot')" >/dev/null
}

# sqlite_import NAME ROWS SCHEMA_DB: times the raw load of $WORK/NAME.csv into a fresh SQLite
# file with NAME's schema taken from SCHEMA_DB; sets R_ELAPSED.
sqlite_import() {
  local name=$1 rows=$2 src=$3 db="$WORK/import_$1.db" got
  rm -f "$db" "$db"-*
  sqlite3 "$src" ".schema \"$name\"" | sqlite3 "$db"
  /usr/bin/time -v -o "$WORK/import_$name.time" sqlite3 "$db" >"$WORK/import_$name.out" <<SQL
PRAGMA journal_mode=WAL;
PRAGMA synchronous=$SQLITE_SYNC;
.import --csv $WORK/$name.csv $name
SQL
  bench_parse_time "$WORK/import_$name.time"
  got=$(sqlite3 "$db" "SELECT count(*) FROM \"$name\"")
  if [[ "$got" != "$rows" ]]; then
    echo "sqlite3 .import of $name loaded $got rows, expected $rows" >&2
    exit 1
  fi
  rm -f "$db" "$db"-*
}

run_workload() {
  local name=$1 rows=$2 gen=$3 end rep export_sql
  case $name in
    bulk) export_sql="SELECT id, a, b, c, d AT TIME ZONE 'UTC' FROM bulk ORDER BY id" ;;
    small) export_sql="SELECT id, v, t FROM small ORDER BY id" ;;
  esac
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
  if [[ $SQLITE_LOAD == 1 ]]; then
    q -c "COPY ($export_sql) TO STDOUT (FORMAT csv)" >"$WORK/$name.csv"
  fi
  local -a T_NULL T_DEC C_NULL C_DEC R_DEC T_LITE T_IMP R_IMP MSGS BYTES
  for ((rep = 1; rep <= REPS; rep++)); do
    local order=(null decode) kind line="$name rep $rep:"
    ((rep % 2 == 0)) && order=(decode null)
    [[ $SQLITE_LOAD == 1 ]] && order+=(sqlite import)
    for kind in "${order[@]}"; do
      local slot="d_${name}_${kind}_$rep"
      if [[ $kind == import ]]; then
        sqlite_import "$name" "$rows" "$WORK/d_${name}_sqlite_$rep.db"
        T_IMP+=("$R_ELAPSED")
        line+=$(printf ' sqlite3 .import %s s |' "$(f2 "$R_ELAPSED")")
        continue
      fi
      q -c "SELECT pg_copy_logical_replication_slot('b_$name', '$slot')" >/dev/null
      run_one "$kind" "$slot" "$end" "$name"
      case $kind in
        null)
          T_NULL+=("$R_ELAPSED") C_NULL+=("${R_WS_CPU:-NA}")
          line+=$(printf ' walrelay null %s s (walsender CPU %s s) |' "$(f2 "$R_ELAPSED")" "$(f2 "${R_WS_CPU:-NA}")")
          ;;
        decode)
          T_DEC+=("$R_ELAPSED") C_DEC+=("${R_WS_CPU:-NA}") MSGS+=("$R_MSGS") BYTES+=("$R_BYTES")
          line+=$(printf ' server decode %s s (backend CPU %s s; %s messages, %s bytes) |' \
            "$(f2 "$R_ELAPSED")" "$(f2 "${R_WS_CPU:-NA}")" "$R_MSGS" "$R_BYTES")
          ;;
        sqlite)
          T_LITE+=("$R_ELAPSED")
          local n
          n=$(sqlite3 "$WORK/$slot.db" "SELECT count(*) FROM \"$name\"")
          [[ "$n" == "$rows" ]] || { echo "SQLite sink holds $n rows of $name, expected $rows" >&2; exit 1; }
          line+=$(printf ' walrelay sqlite %s s (%s rows) |' "$(f2 "$R_ELAPSED")" "$n")
          ;;
      esac
    done
    local i=$((rep - 1))
    R_DEC+=("$(report_div "${T_DEC[i]}" "${T_NULL[i]}" 4)")
    line+=$(printf ' decode/null time %s' "$(f2 "${R_DEC[i]}")")
    if [[ $SQLITE_LOAD == 1 ]]; then
      R_IMP+=("$(report_div "${T_IMP[i]}" "${T_LITE[i]}" 4)")
      line+=$(printf ', import/sqlite time %s' "$(f2 "${R_IMP[i]}")")
      rm -f "$WORK/d_${name}_sqlite_$rep.db"*
    fi
    echo "$line"
  done
  echo "== $name ($rows rows), $REPS reps, mean (min–max):"
  echo "   walrelay null s             $(range "${T_NULL[@]}")"
  echo "   server decode (peek) s      $(range "${T_DEC[@]}")"
  echo "   decode/null time            $(range "${R_DEC[@]}")   (1: walrelay as fast as the server decodes alone)"
  echo "   walsender CPU s (null)      $(range "${C_NULL[@]}")"
  echo "   decoding backend CPU s      $(range "${C_DEC[@]}")"
  report_result "decode.$name.null_s" "$(mean "${T_NULL[@]}")"
  report_result "decode.$name.decode_s" "$(mean "${T_DEC[@]}")"
  report_result "decode.$name.decode_over_null" "$(mean "${R_DEC[@]}")"
  report_result "decode.$name.messages" "${MSGS[0]}"
  report_result "decode.$name.bytes" "${BYTES[0]}"
  if [[ $SQLITE_LOAD == 1 ]]; then
    echo "   walrelay sqlite s           $(range "${T_LITE[@]}")"
    echo "   sqlite3 .import s           $(range "${T_IMP[@]}")"
    echo "   import/sqlite time          $(range "${R_IMP[@]}")   (the sink's rate as a fraction of the raw load's)"
    report_result "decode.$name.sqlite_s" "$(mean "${T_LITE[@]}")"
    report_result "decode.$name.import_s" "$(mean "${T_IMP[@]}")"
    report_result "decode.$name.import_over_sqlite" "$(mean "${R_IMP[@]}")"
    rm -f "$WORK/$name.csv"
  fi
  q -c "SELECT pg_drop_replication_slot('b_$name')" >/dev/null
}

bench_workload_tables

echo "walrelay vs server-side decoding bench, $(date -u '+%Y-%m-%d %H:%M UTC')"
bench_machine_line
echo "PostgreSQL $(q -c 'SHOW server_version'); pgoutput options: proto_version $PROTO, publication_names bench_pub, streaming on; reps $REPS; SQLite synchronous $SQLITE_SYNC, $(sqlite3 --version | cut -d' ' -f1)"
bench_run_workloads run_workload
echo "load at end: $(cut -d' ' -f1-3 /proc/loadavg)"

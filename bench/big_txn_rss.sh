#!/usr/bin/env bash
# Peak memory of walrelay replicating ONE very large transaction: ROWS (default 10,000,000)
# rows of a narrow table (id int primary key, v text = md5, 32 bytes) inserted in a single
# transaction on a throwaway PostgreSQL 15 cluster, then replayed through walrelay into the
# null sink (build/fixture-plugins/good_sink.so) and into the SQLite sink.
#
#   bench/big_txn_rss.sh [BUILD_DIR]    (default build)
#
# Each run uses a fresh copy of a slot created before the transaction, and
# `walrelay run -c CFG --stop-lsn END` (END = pg_current_wal_insert_lsn() after the commit),
# so walrelay exits by itself once everything is applied. Measured with `/usr/bin/time -v`:
# "Maximum resident set size" (peak RSS of walrelay), wall time, user+sys CPU; plus the
# walsender's CPU (bench/lib/measure.sh). The SQLite run's row count is checked.
# logical_decoding_work_mem is set per series with ALTER SYSTEM + reload (walrelay asks
# pgoutput for streaming, so a transaction above it is streamed while in progress).
# Env: ROWS, REPS (default 2), SINKS ("null sqlite"), WORK_MEMS ("64MB 64kB"),
#      SPILL_BYTES, BATCH_MAX_BYTES, SEGMENT_BYTES (written into the config when set;
#      otherwise walrelay's defaults apply), SQLITE_SYNC (FULL), KEEP (1: keep work dir).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BUILD=${1:-build}
BIN="$ROOT/$BUILD/bin/walrelay"
NULL_SINK="$ROOT/$BUILD/fixture-plugins/good_sink.so"
ROWS=${ROWS:-10000000}
REPS=${REPS:-2}
SINKS=${SINKS:-null sqlite}
WORK_MEMS=${WORK_MEMS:-64MB 64kB}
SQLITE_SYNC=${SQLITE_SYNC:-FULL}
[[ -x "$BIN" && -f "$NULL_SINK" && -f "$ROOT/$BUILD/plugins/walrelay-sink-sqlite.so" ]] || {
  echo "build first (missing $BIN, $NULL_SINK or the SQLite plugin)" >&2
  exit 1
}
source scripts/lib/pg.sh
source bench/lib/measure.sh
source bench/lib/workloads.sh
bench_workdir walrelay-bigtxn
bench_init "$WORK"
pg_start_cluster "$WORK/pg" max_wal_size=16GB checkpoint_timeout=30min autovacuum=off >/dev/null
q() { pg_psql -At "$@"; }

BENCH_PUB=big_pub
BENCH_SPOOL_YAML=""
[[ -n "${SPILL_BYTES:-}" ]] && BENCH_SPOOL_YAML+="  spill_bytes: $SPILL_BYTES"$'\n'
[[ -n "${SEGMENT_BYTES:-}" ]] && BENCH_SPOOL_YAML+="  segment_bytes: $SEGMENT_BYTES"$'\n'
BENCH_PIPELINE_YAML=""
[[ -n "${BATCH_MAX_BYTES:-}" ]] && BENCH_PIPELINE_YAML="pipeline:"$'\n'"  batch_max_bytes: $BATCH_MAX_BYTES"$'\n'


echo "walrelay big-transaction RSS bench, $(date -u '+%Y-%m-%d %H:%M UTC')"
bench_machine_line
echo "PostgreSQL $(q -c 'SHOW server_version'); rows $ROWS; reps $REPS;" \
  "spool.spill_bytes ${SPILL_BYTES:-default 4194304}, pipeline.batch_max_bytes ${BATCH_MAX_BYTES:-default 16777216}," \
  "spool.segment_bytes ${SEGMENT_BYTES:-default 67108864}, sqlite synchronous $SQLITE_SYNC"

q >/dev/null <<'SQL'
CREATE TABLE big (id int PRIMARY KEY, v text);
CREATE PUBLICATION big_pub FOR TABLE big;
SELECT 1 FROM pg_create_logical_replication_slot('big_base', 'pgoutput');
SQL
g0=$(date +%s.%N)
q -c "INSERT INTO big SELECT g, md5(g::text) FROM generate_series(1, $ROWS) g"
END=$(q -c "SELECT pg_current_wal_insert_lsn()")
q -c "CHECKPOINT" >/dev/null
printf 'one transaction of %d rows written in %.1f s; %s of WAL behind the slot; end LSN %s\n' "$ROWS" \
  "$(echo "$(date +%s.%N) - $g0" | bc -l)" \
  "$(q -c "SELECT pg_size_pretty(pg_wal_lsn_diff('$END', restart_lsn)) FROM pg_replication_slots WHERE slot_name = 'big_base'")" "$END"

n=0
for wm in $WORK_MEMS; do
  q -c "ALTER SYSTEM SET logical_decoding_work_mem = '$wm'" >/dev/null
  q -c "SELECT pg_reload_conf()" >/dev/null
  sleep 0.5
  for sink in $SINKS; do
    for ((rep = 1; rep <= REPS; rep++)); do
      n=$((n + 1))
      slot="big_$n"
      q -c "SELECT pg_copy_logical_replication_slot('big_base', '$slot')" >/dev/null
      case $sink in
        null) cfg=$(bench_walrelay_cfg "$slot" "$NULL_SINK" "{}") ;;
        sqlite) cfg=$(bench_walrelay_cfg "$slot" sqlite "{path: $WORK/$slot.db, synchronous: $SQLITE_SYNC}") ;;
        *) echo "unknown sink $sink" >&2; exit 2 ;;
      esac
      bench_run "$slot" "$slot" "$BIN" run -c "$cfg" --stop-lsn "$END" 2>"$WORK/$slot.log"
      if ((R_STATUS != 0)); then
        echo "walrelay ($sink, $wm) exited $R_STATUS" >&2
        tail -n 20 "$WORK/$slot.log" >&2
        exit 1
      fi
      spool_mb=$(du -sm "$WORK/spool-$slot" 2>/dev/null | cut -f1)
      spool_big=$(find "$WORK/spool-$slot" -type f -printf '%s %P\n' 2>/dev/null | sort -n | tail -1 |
        awk '{ printf "%s, %.0f MiB", $2, $1 / 1048576 }')
      extra=""
      if [[ $sink == sqlite ]]; then
        extra=" | SQLite rows: $(sqlite3 "$WORK/$slot.db" 'SELECT count(*) FROM big')"
        rm -f "$WORK/$slot.db"*
      fi
      printf 'logical_decoding_work_mem %-5s sink %-6s rep %d: peak RSS %.1f MiB | %s s | walrelay CPU %.2f s | walsender CPU %s s%s | spool dir after exit %s MiB (largest: %s)\n' \
        "$wm" "$sink" "$rep" "$(echo "$R_RSS_KB / 1024" | bc -l)" "$R_ELAPSED" "$R_CPU" \
        "$( [[ -n "$R_WS_CPU" ]] && printf '%.2f' "$R_WS_CPU" || echo NA)" "$extra" "${spool_mb:-0}" "${spool_big:-none}"
      grep -m1 'pgoutput protocol' "$WORK/$slot.log" | sed 's/^/    walrelay: /' || true
      grep -m1 -E 'applied (from the spool )?in [0-9]+ pieces' "$WORK/$slot.log" | sed 's/^/    walrelay: /' || true
      grep -i -m3 'warn' "$WORK/$slot.log" | sed 's/^/    walrelay: /' || true
      rm -rf "$WORK/spool-$slot"
      q -c "SELECT pg_drop_replication_slot('$slot')" >/dev/null
    done
  done
done
echo "load at end: $(cut -d' ' -f1-3 /proc/loadavg)"

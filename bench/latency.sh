#!/usr/bin/env bash
# Commit-to-visible latency at a fixed rate: PostgreSQL 15 -> walrelay -> SQLite.
#
#   bench/latency.sh [BUILD_DIR]     (default build; needs build/bin/walrelay and the SQLite
#                                     plugin; python3)
#
# A throwaway cluster; table lat (id bigserial primary key, ts_us bigint, pad text). walrelay
# streams it live into a SQLite file (sink defaults: synchronous=FULL). pgbench inserts one
# row per transaction at RATE transactions/s (pgbench -R, CLIENTS clients) for DURATION s;
# each row carries clock_timestamp() in µs, taken inside its transaction right before the
# commit. bench/lib/latency_poll.py polls the SQLite file every 0.5 ms and takes, per row,
# the time it first saw it minus ts_us: commit-to-visible latency, including the source's
# commit (its WAL flush: pgbench's average latency is printed beside it), decoding, the
# spool's group commit, the sink's transaction and its fsync. Same clock on both ends (one
# machine). Prints the percentiles and checks the row counts.
# Also printed: clock_timestamp() to the commit record's timestamp (track_commit_timestamp
# is on), the part spent before the commit's WAL flush.
# Env: RATE (1000), DURATION (30), CLIENTS (4), GROUP_COMMIT_MS and SPOOL_FSYNC (spool
# group_commit_ms / fsync; walrelay's defaults when unset), SQLITE_OPTS (extra SQLite sink
# options as YAML flow-map entries, e.g. "synchronous: NORMAL"), LOG_LEVEL (walrelay's),
# KEEP (1: keep the work dir).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BUILD=${1:-build}
BIN="$ROOT/$BUILD/bin/walrelay"
RATE=${RATE:-1000}
DURATION=${DURATION:-30}
CLIENTS=${CLIENTS:-4}
[[ -x "$BIN" && -f "$ROOT/$BUILD/plugins/walrelay-sink-sqlite.so" ]] || {
  echo "build first (missing $BIN or the SQLite plugin)" >&2
  exit 1
}
command -v python3 >/dev/null || { echo "python3 is missing" >&2; exit 1; }
source scripts/lib/pg.sh
source bench/lib/measure.sh
bench_workdir walrelay-latency
bench_init "$WORK"
stop_relay() { [[ -n "${RELAY_PID:-}" ]] && kill "$RELAY_PID" 2>/dev/null && wait "$RELAY_PID" 2>/dev/null; true; }
BENCH_ON_EXIT=stop_relay
pg_start_cluster "$WORK/pg" autovacuum=off track_commit_timestamp=on >/dev/null
pg_psql -q <<'SQL'
CREATE TABLE lat (id bigserial PRIMARY KEY, ts_us bigint NOT NULL, pad text);
CREATE PUBLICATION bench_pub FOR TABLE lat;
SELECT pg_create_logical_replication_slot('lat', 'pgoutput') \gset
SQL
BENCH_SPOOL_YAML=""
[[ -n "${GROUP_COMMIT_MS:-}" ]] && BENCH_SPOOL_YAML="  group_commit_ms: $GROUP_COMMIT_MS
"
[[ -n "${SPOOL_FSYNC:-}" ]] && BENCH_SPOOL_YAML+="  fsync: $SPOOL_FSYNC
"
cfg=$(bench_walrelay_cfg lat sqlite "{path: $WORK/lat.db${SQLITE_OPTS:+, $SQLITE_OPTS}}")
sed -i "s/^log_level: info/log_level: ${LOG_LEVEL:-info}/" "$cfg"
"$BIN" run -c "$cfg" 2>"$WORK/walrelay.log" &
RELAY_PID=$!
for _ in $(seq 1 300); do
  [[ -n "$(bench_q "SELECT active_pid FROM pg_replication_slots WHERE slot_name = 'lat'")" ]] && break
  sleep 0.1
done
python3 bench/lib/latency_poll.py "$WORK/lat.db" lat "$WORK/stop" >"$WORK/latency.txt" &
POLL_PID=$!
echo "INSERT INTO lat (ts_us, pad) VALUES ((extract(epoch FROM clock_timestamp()) * 1000000)::bigint, 'row');" >"$WORK/lat.sql"
echo "walrelay commit-to-visible latency bench, $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "machine: $(lscpu | sed -n 's/^Model name:\s*//p'), $(nproc) cores, $(free -g | awk '/^Mem:/ {print $2}') GiB RAM; load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "PostgreSQL $(bench_q 'SHOW server_version'), synchronous_commit $(bench_q 'SHOW synchronous_commit'), fsync $(bench_q 'SHOW fsync'); rate $RATE tx/s for $DURATION s, $CLIENTS clients; spool group_commit_ms ${GROUP_COMMIT_MS:-default}"
PGTZ=UTC "$PG_BIN/pgbench" -n -h 127.0.0.1 -p "$PG_PORT" -U postgres -c "$CLIENTS" -j 2 \
  -R "$RATE" -T "$DURATION" -f "$WORK/lat.sql" postgres >"$WORK/pgbench.txt" 2>&1
rows=$(bench_q "SELECT count(*) FROM lat")
# Wait until SQLite has every row, then let the poller finish.
for _ in $(seq 1 600); do
  n=$(python3 -c "import sqlite3,sys; c=sqlite3.connect('file:$WORK/lat.db?mode=ro', uri=True); print(c.execute('SELECT count(*) FROM lat').fetchone()[0])" 2>/dev/null || echo 0)
  [[ "$n" == "$rows" ]] && break
  sleep 0.1
done
touch "$WORK/stop"
wait "$POLL_PID"
echo "pgbench: $(grep -E '^(tps|latency average)' "$WORK/pgbench.txt" | tr '\n' ';')"
echo "rows inserted $rows, in SQLite $n"
echo "commit-to-visible latency, ms: $(cat "$WORK/latency.txt")"
# The part before walrelay: from clock_timestamp() in the transaction to its commit record's
# timestamp (track_commit_timestamp).
echo "of which clock_timestamp() to commit, ms: $(bench_q "SELECT format('p50 %s p99 %s p99.9 %s max %s', round(p[1]::numeric, 2), round(p[2]::numeric, 2), round(p[3]::numeric, 2), round(p[4]::numeric, 2)) FROM (SELECT percentile_disc(ARRAY[0.5, 0.99, 0.999, 1.0]) WITHIN GROUP (ORDER BY (extract(epoch FROM pg_xact_commit_timestamp(xmin)) * 1000000 - ts_us) / 1000.0) AS p FROM lat) s")"

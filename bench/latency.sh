#!/usr/bin/env bash
# Commit-to-visible latency at a fixed rate: PostgreSQL 15 -> walrelay -> SQLite or MariaDB.
#
#   bench/latency.sh [BUILD_DIR]     (default build; needs build/bin/walrelay and the SQLite
#                                     plugin; python3; SINK=mysql: the MySQL plugin,
#                                     mariadbd and the mariadb client)
#
# A throwaway cluster; table lat (id bigserial primary key, ts_us bigint, pad text). walrelay
# streams it live into a SQLite file (sink defaults: synchronous=FULL) or, with SINK=mysql,
# into a throwaway MariaDB (bench/lib/mysql.sh; the MySQL sink with its defaults into
# database bench; innodb_flush_log_at_trx_commit=MY_FLUSH, default 1: durable at every
# commit). pgbench inserts one
# row per transaction at RATE transactions/s (pgbench -R, CLIENTS clients) for DURATION s;
# each row carries clock_timestamp() in µs, taken inside its transaction right before the
# commit. bench/lib/latency_poll.py polls the destination every 0.5 ms (SQLite: a read-only
# connection; MariaDB: one long-running mariadb client fed queries through a pipe, so a poll
# costs a round trip, not a process) and takes, per row,
# the time it first saw it minus ts_us: commit-to-visible latency, including the source's
# commit (its WAL flush: pgbench's average latency is printed beside it), decoding, the
# spool's group commit, the sink's transaction and its fsync. Same clock on both ends (one
# machine). Prints the percentiles and checks the row counts.
# Also printed: clock_timestamp() to the commit record's timestamp (track_commit_timestamp
# is on), the part spent before the commit's WAL flush.
# The last lines are RESULT lines (bench/lib/report.sh): latency.SINK.{rows,tps,p50_ms,
# p90_ms,p99_ms,p999_ms,max_ms}.
# Env: SINK (sqlite | mysql), RATE (1000), DURATION (30), CLIENTS (4), GROUP_COMMIT_MS and
# SPOOL_FSYNC (spool group_commit_ms / fsync; walrelay's defaults when unset), SQLITE_OPTS
# (extra SQLite sink options as YAML flow-map entries, e.g. "synchronous: NORMAL"),
# MYSQL_OPTS (the same for the MySQL sink), MY_BUFFER_POOL (256M), MY_FLUSH (1), LAT_POLL_MS
# (the poller's nap, 0.5), LOG_LEVEL (walrelay's), KEEP (1: keep the work dir).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BUILD=${1:-build}
BIN="$ROOT/$BUILD/bin/walrelay"
RATE=${RATE:-1000}
DURATION=${DURATION:-30}
CLIENTS=${CLIENTS:-4}
SINK=${SINK:-sqlite}
case $SINK in
  sqlite) PLUGIN_SO=walrelay-sink-sqlite.so SINK_LABEL=SQLite ;;
  mysql) PLUGIN_SO=walrelay-sink-mysql.so SINK_LABEL=MariaDB ;;
  *) echo "SINK must be sqlite or mysql" >&2; exit 2 ;;
esac
[[ -x "$BIN" && -f "$ROOT/$BUILD/plugins/$PLUGIN_SO" ]] || {
  echo "build first (missing $BIN or $PLUGIN_SO)" >&2
  exit 1
}
command -v python3 >/dev/null || { echo "python3 is missing" >&2; exit 1; }
if [[ $SINK == mysql ]] && { ! command -v mariadb >/dev/null || ! command -v mariadb-install-db >/dev/null; }; then
  echo "mariadb client / mariadb-install-db missing (apt-get install mariadb-server)" >&2
  exit 1
fi
source scripts/lib/pg.sh
source bench/lib/measure.sh
source bench/lib/mysql.sh
source bench/lib/report.sh
bench_workdir walrelay-latency
bench_init "$WORK"
stop_relay() { [[ -n "${RELAY_PID:-}" ]] && kill "$RELAY_PID" 2>/dev/null && wait "$RELAY_PID" 2>/dev/null; true; }
on_exit() { stop_relay; my_stop_server; }
BENCH_ON_EXIT=on_exit
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
# The metrics endpoint on a free port: a walrelay of someone else on 9187 must not stop ours.
BENCH_PIPELINE_YAML=$'http:\n  listen: "127.0.0.1:0"\n'
if [[ $SINK == sqlite ]]; then
  cfg=$(bench_walrelay_cfg lat sqlite "{path: $WORK/lat.db${SQLITE_OPTS:+, $SQLITE_OPTS}}")
  # sink_count: rows of lat at the destination ("none" while it has no table lat).
  sink_count() { python3 -c "import sqlite3; c=sqlite3.connect('file:$WORK/lat.db?mode=ro', uri=True); print(c.execute('SELECT count(*) FROM lat').fetchone()[0])" 2>/dev/null || echo none; }
  POLL_ARGS=("$WORK/lat.db" lat "$WORK/stop")
else
  my_start_server "$WORK/mariadb" --innodb-buffer-pool-size="${MY_BUFFER_POOL:-256M}" \
    --innodb-flush-log-at-trx-commit="${MY_FLUSH:-1}"
  my_sql -e "CREATE DATABASE bench"
  cfg=$(bench_walrelay_cfg lat mysql "{socket: $MY_SOCK, user: root, database: bench${MYSQL_OPTS:+, $MYSQL_OPTS}}")
  sink_count() { my_sql -N -B bench -e "SELECT COUNT(*) FROM lat" 2>/dev/null || echo none; }
  POLL_ARGS=(--mysql "$MY_SOCK" bench lat "$WORK/stop")
fi
sed -i "s/^log_level: info/log_level: ${LOG_LEVEL:-info}/" "$cfg"
"$BIN" run -c "$cfg" 2>"$WORK/walrelay.log" &
RELAY_PID=$!
for _ in $(seq 1 300); do
  [[ -n "$(bench_q "SELECT active_pid FROM pg_replication_slots WHERE slot_name = 'lat'")" ]] && break
  sleep 0.1
done
# Warm-up: the sink creates the destination table on the first row; measuring from there
# would count the table's creation as latency. One row in, seen at the destination, then
# TRUNCATE ... RESTART IDENTITY (replicated too), seen, before measuring.
bench_q "INSERT INTO lat (ts_us, pad) VALUES (0, 'warm-up')" >/dev/null
for _ in $(seq 1 300); do [[ "$(sink_count)" == 1 ]] && break; sleep 0.1; done
bench_q "TRUNCATE lat RESTART IDENTITY" >/dev/null
for _ in $(seq 1 300); do [[ "$(sink_count)" == 0 ]] && break; sleep 0.1; done
[[ "$(sink_count)" == 0 ]] || { echo "the warm-up row did not come and go in $SINK_LABEL" >&2; tail -n 20 "$WORK/walrelay.log" >&2; exit 1; }
python3 bench/lib/latency_poll.py "${POLL_ARGS[@]}" >"$WORK/latency.txt" &
POLL_PID=$!
# pgbench starts only once the poller has made its first query: a Python poller still
# starting up while pgbench writes made the first ~200 rows look 100-300 ms late.
for _ in $(seq 1 300); do [[ -e "$WORK/stop.ready" ]] && break; sleep 0.05; done
[[ -e "$WORK/stop.ready" ]] || { echo "the latency poller did not start" >&2; exit 1; }
echo "INSERT INTO lat (ts_us, pad) VALUES ((extract(epoch FROM clock_timestamp()) * 1000000)::bigint, 'row');" >"$WORK/lat.sql"
echo "walrelay commit-to-visible latency bench into $SINK_LABEL, $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "machine: $(lscpu | sed -n 's/^Model name:\s*//p'), $(nproc) cores, $(free -g | awk '/^Mem:/ {print $2}') GiB RAM; load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "PostgreSQL $(bench_q 'SHOW server_version'), synchronous_commit $(bench_q 'SHOW synchronous_commit'), fsync $(bench_q 'SHOW fsync'); rate $RATE tx/s for $DURATION s, $CLIENTS clients; spool group_commit_ms ${GROUP_COMMIT_MS:-default}"
[[ $SINK == mysql ]] && echo "MariaDB $(my_sql -N -B -e 'SELECT @@version'), innodb_flush_log_at_trx_commit $(my_sql -N -B -e 'SELECT @@innodb_flush_log_at_trx_commit')"
PGTZ=UTC "$PG_BIN/pgbench" -n -h 127.0.0.1 -p "$PG_PORT" -U postgres -c "$CLIENTS" -j 2 \
  -R "$RATE" -T "$DURATION" -f "$WORK/lat.sql" postgres >"$WORK/pgbench.txt" 2>&1
rows=$(bench_q "SELECT count(*) FROM lat")
# Wait until the destination has every row, then let the poller finish.
for _ in $(seq 1 600); do
  n=$(sink_count)
  [[ "$n" == "$rows" ]] && break
  sleep 0.1
done
touch "$WORK/stop"
wait "$POLL_PID"
echo "pgbench: $(grep -E '^(tps|latency average)' "$WORK/pgbench.txt" | tr '\n' ';')"
echo "rows inserted $rows, in $SINK_LABEL $n"
echo "commit-to-visible latency, ms: $(cat "$WORK/latency.txt")"
# The part before walrelay: from clock_timestamp() in the transaction to its commit record's
# timestamp (track_commit_timestamp).
echo "of which clock_timestamp() to commit, ms: $(bench_q "SELECT format('p50 %s p99 %s p99.9 %s max %s', round(p[1]::numeric, 2), round(p[2]::numeric, 2), round(p[3]::numeric, 2), round(p[4]::numeric, 2)) FROM (SELECT percentile_disc(ARRAY[0.5, 0.99, 0.999, 1.0]) WITHIN GROUP (ORDER BY (extract(epoch FROM pg_xact_commit_timestamp(xmin)) * 1000000 - ts_us) / 1000.0) AS p FROM lat) s")"
# Machine-readable figures for bench/run.sh.
read -r -a LAT <"$WORK/latency.txt"
declare -A LATV=()
for ((i = 0; i + 1 < ${#LAT[@]}; i += 2)); do LATV[${LAT[i]}]=${LAT[i + 1]}; done
report_result "latency.$SINK.rows" "${LATV[rows]:-NA}"
report_result "latency.$SINK.tps" "$(sed -n 's/^tps = \([0-9.]*\).*/\1/p' "$WORK/pgbench.txt" | head -n1)"
report_result "latency.$SINK.p50_ms" "${LATV[p50]:-NA}"
report_result "latency.$SINK.p90_ms" "${LATV[p90]:-NA}"
report_result "latency.$SINK.p99_ms" "${LATV[p99]:-NA}"
report_result "latency.$SINK.p999_ms" "${LATV[p99.9]:-NA}"
report_result "latency.$SINK.max_ms" "${LATV[max]:-NA}"
[[ "$n" == "$rows" ]] || { echo "$SINK_LABEL holds $n rows, expected $rows" >&2; exit 1; }

#!/usr/bin/env bash
# End-to-end throughput of walrelay on this machine: a backlog of WAL is written to a
# throwaway PostgreSQL 15 while a logical slot holds it; then walrelay catches up from a copy
# of that slot into (a) the in-memory fixture sink ("null": measures source + decoder +
# pipeline) and (b) the SQLite sink; pg_recvlogical reading a third copy into /dev/null is
# the reference reader. Prints rows/s and the ratios per workload.
#   bench/e2e.sh [BUILD_DIR]     (default build; needs a built tree: scripts/test.sh or cmake)
# Workloads: bulk = one 1,000,000-row INSERT transaction; small = 100,000 single-row
# transactions (pgbench, 4 clients); mixed = 2,000 transactions of 50 inserts, 30 updates,
# 20 deletes.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BUILD=${1:-build}
BIN="$ROOT/$BUILD/bin/walrelay"
NULL_SINK="$ROOT/$BUILD/fixture-plugins/good_sink.so"
[[ -x "$BIN" && -f "$NULL_SINK" ]] || { echo "build first (missing $BIN or $NULL_SINK)" >&2; exit 1; }
source scripts/lib/pg.sh
WORK=$(mktemp -d /tmp/walrelay-bench.XXXXXX)
chmod 755 "$WORK"
trap 'pg_stop_cluster >/dev/null 2>&1 || true; rm -rf "$WORK"' EXIT
pg_start_cluster "$WORK/pg" max_wal_size=4GB checkpoint_timeout=30min >/dev/null
q() { pg_psql -At "$@"; }

# Times walrelay catching up from slot $1 into sink plugin $2 (options as YAML in $3) until
# the slot's confirmed_flush_lsn passes $4. Prints seconds.
catch_up() {
  local slot=$1 plugin=$2 options=$3 marker=$4 cfg="$WORK/$1.yaml"
  cat >"$cfg" <<YAML
log_level: warn
plugin_dir: $ROOT/$BUILD/plugins
source:
  conninfo: "$(pg_conninfo postgres)"
  slot: $slot
  publication: bench_pub
  create_slot: false
  status_interval_ms: 50
sinks:
  - name: bench
    plugin: $plugin
    options: $options
YAML
  local start end
  start=$(date +%s.%N)
  "$BIN" run -c "$cfg" 2>"$WORK/$slot.log" &
  local pid=$!
  until [[ "$(q -c "SELECT confirmed_flush_lsn > '$marker' FROM pg_replication_slots WHERE slot_name = '$slot'")" == t ]]; do
    kill -0 $pid 2>/dev/null || { cat "$WORK/$slot.log" >&2; exit 1; }
    sleep 0.02
  done
  end=$(date +%s.%N)
  kill -TERM $pid && wait $pid
  echo "$end - $start" | bc -l
}

run_workload() {
  local name=$1 rows=$2
  shift 2
  q -c "SELECT pg_create_logical_replication_slot('b_$name', 'pgoutput')" >/dev/null
  "$@"
  # The marker transaction: an LSN taken inside it lies after every earlier commit and
  # before its own, so confirmed_flush_lsn > marker means every workload row was applied.
  local marker
  marker=$(q -c "BEGIN; INSERT INTO marker VALUES (1); SELECT pg_current_wal_insert_lsn(); COMMIT;" | head -1)
  q -c "SELECT pg_copy_logical_replication_slot('b_$name', 'b_${name}_lite')" >/dev/null
  q -c "SELECT pg_copy_logical_replication_slot('b_$name', 'b_${name}_recv')" >/dev/null
  local t_null t_lite t_recv start
  start=$(date +%s.%N)
  "$PG_BIN/pg_recvlogical" -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -S "b_${name}_recv" \
    --start -o proto_version=1 -o publication_names=bench_pub -F 0 -s 1 --endpos="$marker" \
    -f /dev/null
  t_recv=$(echo "$(date +%s.%N) - $start" | bc -l)
  t_null=$(catch_up "b_$name" "$NULL_SINK" "{}" "$marker")
  t_lite=$(catch_up "b_${name}_lite" sqlite "{path: $WORK/$name.db, synchronous: FULL}" "$marker")
  printf "%-6s %8d rows | pg_recvlogical %7.0f/s | null sink %7.0f/s (%.2fx recvlogical) | sqlite %7.0f/s (%.2fx null)\n" \
    "$name" "$rows" "$(echo "$rows/$t_recv" | bc -l)" "$(echo "$rows/$t_null" | bc -l)" \
    "$(echo "$t_recv/$t_null" | bc -l)" "$(echo "$rows/$t_lite" | bc -l)" "$(echo "$t_null/$t_lite" | bc -l)"
}

q <<'SQL'
CREATE TABLE bulk (id bigint PRIMARY KEY, a int, b text, c numeric(12,2), d timestamptz);
CREATE TABLE small (id bigserial PRIMARY KEY, v int, t text);
CREATE TABLE mixed (id int PRIMARY KEY, v int, t text);
CREATE TABLE marker (x int);
CREATE PUBLICATION bench_pub FOR ALL TABLES;
SQL

bulk() { q -c "INSERT INTO bulk SELECT g, g % 100, md5(g::text), g * 1.25, now() FROM generate_series(1, 1000000) g"; }
small() {
  echo "INSERT INTO small (v, t) VALUES (random() * 1000, 'row');" >"$WORK/small.sql"
  PGTZ=UTC "$PG_BIN/pgbench" -n -h 127.0.0.1 -p "$PG_PORT" -U postgres -c 4 -j 2 -t 25000 \
    -f "$WORK/small.sql" postgres >/dev/null
}
mixed() {
  q -c "INSERT INTO mixed SELECT g, 0, 'x' FROM generate_series(1, 100000) g" >/dev/null
  q <<'SQL'
DO $$
BEGIN
  FOR i IN 0..1999 LOOP
    INSERT INTO mixed SELECT 100000 + i * 50 + g, i, 'new' FROM generate_series(1, 50) g;
    UPDATE mixed SET v = v + 1 WHERE id BETWEEN i * 30 + 1 AND i * 30 + 30;
    DELETE FROM mixed WHERE id BETWEEN 60000 + i * 20 + 1 AND 60000 + i * 20 + 20;
    COMMIT;
  END LOOP;
END $$;
SQL
}

echo "walrelay e2e bench: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), PostgreSQL $(q -c 'SHOW server_version')"
run_workload bulk 1000000 bulk
run_workload small 100000 small
run_workload mixed 200000 mixed

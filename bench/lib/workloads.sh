# shellcheck shell=bash
# The catch-up workloads shared by bench/e2e.sh, bench/mysql_bench.sh and
# bench/kafka_e2e.sh (sourced after scripts/lib/pg.sh and pg_start_cluster):
#
#   bench_machine_line               # prints "machine: <cpu model>, N cores, N GiB RAM; load …"
#   bench_workload_tables            # creates bulk, small and publication bench_pub
#   gen_bulk                         # one transaction inserting BULK_ROWS rows into bulk
#   gen_small                        # SMALL_TXNS single-row transactions into small (pgbench,
#                                    # SMALL_CLIENTS clients, synchronous_commit off)
#   bench_run_workloads FN           # for each of WORKLOADS (bulk, small): FN NAME ROWS GEN
#
# bulk rows are (bigint key, int, md5 text, numeric(12,2), timestamptz); small rows
# (bigserial key, int, text). Env: BULK_ROWS, SMALL_TXNS, SMALL_CLIENTS, WORKLOADS, WORK.

bench_machine_line() {
  echo "machine: $(lscpu | sed -n 's/^Model name:\s*//p'), $(nproc) cores, $(free -g | awk '/^Mem:/ {print $2}') GiB RAM; load $(cut -d' ' -f1-3 /proc/loadavg)"
}

bench_workload_tables() {
  pg_psql -At <<'SQL'
CREATE TABLE bulk (id bigint PRIMARY KEY, a int, b text, c numeric(12,2), d timestamptz);
CREATE TABLE small (id bigserial PRIMARY KEY, v int, t text);
CREATE PUBLICATION bench_pub FOR ALL TABLES;
SQL
}

gen_bulk() {
  pg_psql -At -c "INSERT INTO bulk SELECT g, g % 100, md5(g::text), g * 1.25, now() FROM generate_series(1, $BULK_ROWS) g"
}

gen_small() {
  echo "INSERT INTO small (v, t) VALUES (random() * 1000, 'row');" >"$WORK/small.sql"
  local per_client=$((SMALL_TXNS / SMALL_CLIENTS))
  PGOPTIONS='-c synchronous_commit=off' PGTZ=UTC "$PG_BIN/pgbench" -n -h 127.0.0.1 -p "$PG_PORT" \
    -U postgres -c "$SMALL_CLIENTS" -j 2 -t "$per_client" -f "$WORK/small.sql" postgres >/dev/null
}

bench_run_workloads() {
  local fn=$1 w
  for w in $WORKLOADS; do
    case $w in
      bulk) "$fn" bulk "$BULK_ROWS" gen_bulk ;;
      small) "$fn" small "$((SMALL_TXNS / SMALL_CLIENTS * SMALL_CLIENTS))" gen_small ;;
      *) echo "unknown workload $w" >&2; exit 2 ;;
    esac
  done
}

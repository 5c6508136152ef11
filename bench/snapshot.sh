#!/usr/bin/env bash
# Initial snapshot speed: walrelay copying a ROWS-row table (snapshot.mode initial_only)
# into the null sink, into SQLite and into MariaDB, beside the fastest native way to move
# the same rows: PostgreSQL's own COPY TO (the export alone), then sqlite3 `.import` and
# MariaDB `LOAD DATA LOCAL INFILE` of that CSV. On a throwaway PostgreSQL 15 and MariaDB.
#
#   bench/snapshot.sh [BUILD_DIR]   (default build; needs bin/walrelay, the sqlite and
#                                    mysql plugins, fixture-plugins/good_sink.so, sqlite3,
#                                    mariadbd + mariadb client)
#
# Table: bench_snap (id bigint primary key, n int, t text (md5), amt numeric(12,2),
# ts timestamptz), ROWS rows (default 5,000,000), analyzed (the progress display's estimate).
# walrelay: snapshot.workers WORKERS (default 4), chunk_bytes CHUNK (default 64 MiB), a fresh
# spool per run; every run's row count (and sum(n)) is checked in the destination.
# Baselines: `COPY bench_snap TO STDOUT (FORMAT csv)` to a file (timed: the export), then
# the import of that file alone (timed): sqlite3 `.import --csv` into a table of the same
# shape (one transaction, journal_mode WAL, synchronous FULL like the sink's default), and
# MariaDB LOAD DATA LOCAL INFILE into a table created LIKE the one the sink created. The
# native figure compared is export + import. Env: ROWS, WORKERS, CHUNK, KEEP (1: keep work
# dir), MY_BUFFER_POOL (1G).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BUILD=${1:-build}
BIN="$ROOT/$BUILD/bin/walrelay"
NULL_SINK="$ROOT/$BUILD/fixture-plugins/good_sink.so"
ROWS=${ROWS:-5000000}
WORKERS=${WORKERS:-4}
CHUNK=${CHUNK:-67108864}
MY_BUFFER_POOL=${MY_BUFFER_POOL:-1G}
for f in "$BIN" "$NULL_SINK" "$ROOT/$BUILD/plugins/walrelay-sink-sqlite.so" \
  "$ROOT/$BUILD/plugins/walrelay-sink-mysql.so"; do
  [[ -e "$f" ]] || { echo "build first (missing $f)" >&2; exit 1; }
done
command -v sqlite3 >/dev/null || { echo "sqlite3 missing (apt-get install sqlite3)" >&2; exit 1; }
source scripts/lib/pg.sh
source bench/lib/measure.sh
source bench/lib/mysql.sh
BENCH_ON_EXIT=my_stop_server
bench_workdir walrelay-snapbench
bench_init "$WORK"
pg_start_cluster "$WORK/pg" max_wal_size=8GB checkpoint_timeout=30min autovacuum=off >/dev/null
export PGTZ=UTC  # timestamptz in the CSV as UTC, for LOAD DATA
q() { pg_psql -At "$@"; }
my_start_server "$WORK/mariadb" --innodb-buffer-pool-size="$MY_BUFFER_POOL" \
  --innodb-log-file-size=512M --innodb-flush-log-at-trx-commit=1
m() { my_sql -N -B "$@"; }
now() { date +%s.%N; }
secs() { printf '%.2f' "$(echo "$2 - $1" | bc -l)"; }

t0=$(now)
q -c "CREATE TABLE bench_snap (id bigint PRIMARY KEY, n int NOT NULL, t text, amt numeric(12,2), ts timestamptz)" >/dev/null
q -c "INSERT INTO bench_snap SELECT g, g % 1000, md5(g::text), (g % 100000) / 100.0, '2024-01-01 00:00:00+00'::timestamptz + g * interval '1 second' FROM generate_series(1, $ROWS) g" >/dev/null
q -c "VACUUM ANALYZE bench_snap" >/dev/null
q -c "CREATE PUBLICATION bench_pub FOR TABLE bench_snap" >/dev/null
SUM=$(q -c "SELECT sum(n) FROM bench_snap")
SIZE=$(q -c "SELECT pg_size_pretty(pg_relation_size('bench_snap'))")
echo "bench_snap: $ROWS rows, heap $SIZE, written in $(secs "$t0" "$(now)") s"
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB; $(uname -sr)"

# One walrelay initial_only run into PLUGIN with OPTIONS; sets R_* (bench_run).
snap_run() {
  local label=$1 plugin=$2 options=$3 cfg
  cfg=$(bench_walrelay_cfg "snap_$label" "$plugin" "$options")
  printf 'snapshot:\n  mode: initial_only\n  workers: %s\n  chunk_bytes: %s\n' "$WORKERS" "$CHUNK" >>"$cfg"
  bench_run "snap_$label" "$label" "$BIN" run -c "$cfg" 2>"$WORK/$label.log"
  if ((R_STATUS != 0)) || ! grep -q "snapshot: copied $ROWS row" "$WORK/$label.log"; then
    echo "walrelay ($label) exited $R_STATUS or did not copy $ROWS rows:" >&2
    tail -n 20 "$WORK/$label.log" >&2
    exit 1
  fi
  rm -rf "$WORK/spool-snap_$label"
}
rate() { printf '%.0f' "$(echo "$ROWS / $1" | bc -l)"; }
ratio() { printf '%.2f' "$(echo "$1 / $2" | bc -l)"; }

# Native: the export, then each import of it.
t0=$(now)
q -c "COPY bench_snap TO STDOUT (FORMAT csv)" >"$WORK/snap.csv"
T_EXPORT=$(secs "$t0" "$(now)")
echo "COPY TO csv: $T_EXPORT s ($(du -m "$WORK/snap.csv" | cut -f1) MB)"

snap_run null "$NULL_SINK" "{}"
T_NULL=$R_ELAPSED C_NULL=$R_CPU RSS_NULL=$R_RSS_KB
echo "walrelay -> null sink: $T_NULL s, CPU $C_NULL s, peak RSS $((RSS_NULL / 1024)) MiB"

snap_run sqlite sqlite "{path: $WORK/snap.db}"
T_SQLITE=$R_ELAPSED C_SQLITE=$R_CPU
got=$(sqlite3 "$WORK/snap.db" "SELECT count(*) || ' ' || sum(n) FROM bench_snap")
[[ "$got" == "$ROWS $SUM" ]] || { echo "SQLite MISMATCH: $got, expected $ROWS $SUM" >&2; exit 1; }
echo "walrelay -> SQLite: $T_SQLITE s, CPU $C_SQLITE s (count and sum checked)"
t0=$(now)
sqlite3 "$WORK/import.db" >/dev/null <<SQL
PRAGMA journal_mode=WAL;
PRAGMA synchronous=FULL;
CREATE TABLE bench_snap (id INTEGER PRIMARY KEY, n INTEGER NOT NULL, t TEXT, amt NUMERIC, ts TEXT);
.mode csv
.import $WORK/snap.csv bench_snap
SQL
T_SQLITE_IMPORT=$(secs "$t0" "$(now)")
got=$(sqlite3 "$WORK/import.db" "SELECT count(*) FROM bench_snap")
[[ "$got" == "$ROWS" ]] || { echo ".import loaded $got rows" >&2; exit 1; }
echo "sqlite3 .import of the CSV: $T_SQLITE_IMPORT s"

m -e "CREATE DATABASE snap"
snap_run mysql mysql "{socket: $MY_SOCK, user: root, database: snap}"
T_MY=$R_ELAPSED C_MY=$R_CPU
got=$(m snap -e "SELECT COUNT(*), SUM(n) FROM bench_snap" | tr '\t' ' ')
[[ "$got" == "$ROWS $SUM" ]] || { echo "MariaDB MISMATCH: $got, expected $ROWS $SUM" >&2; exit 1; }
echo "walrelay -> MariaDB: $T_MY s, CPU $C_MY s (count and sum checked)"
m -e "CREATE DATABASE load_db; CREATE TABLE load_db.bench_snap LIKE snap.bench_snap"
t0=$(now)
m --local-infile=1 load_db -e "LOAD DATA LOCAL INFILE '$WORK/snap.csv' INTO TABLE bench_snap FIELDS TERMINATED BY ',' OPTIONALLY ENCLOSED BY '\"' (id, n, t, amt, @ts) SET ts = STR_TO_DATE(LEFT(@ts, 19), '%Y-%m-%d %H:%i:%s'); SHOW WARNINGS LIMIT 3"
T_MY_LOAD=$(secs "$t0" "$(now)")
got=$(m load_db -e "SELECT COUNT(*) FROM bench_snap")
[[ "$got" == "$ROWS" ]] || { echo "LOAD DATA loaded $got rows" >&2; exit 1; }
echo "MariaDB LOAD DATA LOCAL INFILE of the CSV: $T_MY_LOAD s"

N_SQLITE=$(echo "$T_EXPORT + $T_SQLITE_IMPORT" | bc -l)
N_MY=$(echo "$T_EXPORT + $T_MY_LOAD" | bc -l)
echo
echo "== snapshot of $ROWS rows ($SIZE heap), workers $WORKERS, chunk_bytes $CHUNK"
printf '%-10s %10s %12s %26s %8s\n' sink walrelay_s rows_per_s "native (COPY TO + import)" ratio
printf '%-10s %10s %12s %26s %8s\n' null "$T_NULL" "$(rate "$T_NULL")" "COPY TO only $T_EXPORT s" "$(ratio "$T_EXPORT" "$T_NULL")"
printf '%-10s %10s %12s %26s %8s\n' sqlite "$T_SQLITE" "$(rate "$T_SQLITE")" "$(printf '%.2f s' "$N_SQLITE")" "$(ratio "$N_SQLITE" "$T_SQLITE")"
printf '%-10s %10s %12s %26s %8s\n' mariadb "$T_MY" "$(rate "$T_MY")" "$(printf '%.2f s' "$N_MY")" "$(ratio "$N_MY" "$T_MY")"
echo "(ratio = native seconds / walrelay seconds: above 1 means walrelay is faster)"

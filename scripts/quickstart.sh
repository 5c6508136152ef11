#!/usr/bin/env bash
# walrelay quickstart: from a fresh clone on Debian 12, as root or with sudo.
#
#   scripts/quickstart.sh
#
# 1. installs the build and runtime packages that are missing (apt-get),
# 2. builds walrelay and the SQLite sink into build/,
# 3. starts a throwaway PostgreSQL 15 cluster (logical WAL, 127.0.0.1, a free port,
#    its files under ./.quickstart/),
# 4. creates a demo table `orders` and a publication,
# 5. runs `walrelay run` into ./walrelay-demo.db while pgbench runs ~20 s of inserts,
#    updates and deletes,
# 6. waits until SQLite has caught up and compares source and SQLite: row count and an
#    md5 of the same text rendering of every row (ordered by id): MATCH or MISMATCH,
# 7. stops everything it started (the demo database ./walrelay-demo.db is kept).
#
# Env: WALRELAY_BUILD_DIR (default build), QUICKSTART_SECONDS (workload length, default 20),
#      QUICKSTART_RATE (pgbench transactions per second, default 300),
#      QUICKSTART_KEEP=1 keeps the PostgreSQL cluster directory.
# Exit: 0 on MATCH, 1 on MISMATCH or any failure.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# shellcheck source=scripts/lib/pg.sh
source "$ROOT/scripts/lib/pg.sh"

BUILD_DIR="${WALRELAY_BUILD_DIR:-build}"
SECONDS_OF_LOAD="${QUICKSTART_SECONDS:-20}"
RATE="${QUICKSTART_RATE:-300}"
STATE="$ROOT/.quickstart"
DEMO_DB="$ROOT/walrelay-demo.db"
SLOT=walrelay_demo
PUB=walrelay_demo_pub

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }
die() {
  printf 'quickstart: %s\n' "$*" >&2
  exit 1
}

# The comparison below relies on the server's and psql's settings, not the caller's.
unset PGTZ PGDATESTYLE PGOPTIONS PGHOST PGPORT PGDATABASE PGUSER PGSERVICE

# --- 1. packages ---------------------------------------------------------------------------
say "checking packages (scripts/install-deps.sh)"
bash "$ROOT/scripts/install-deps.sh" || die "installing packages failed (run as root or with sudo)"

# --- 2. build --------------------------------------------------------------------------------
say "building into $BUILD_DIR/"
cmake -S "$ROOT" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$BUILD_DIR" -j"$(nproc)" --target walrelay walrelay_sink_sqlite
WALRELAY="$BUILD_DIR/bin/walrelay"
PLUGIN_DIR="$(cd "$BUILD_DIR/plugins" && pwd)"
[[ -x "$WALRELAY" ]] || die "build did not produce $WALRELAY"
[[ -f "$PLUGIN_DIR/walrelay-sink-sqlite.so" ]] || die "build did not produce the SQLite sink"

# --- cleanup on exit -------------------------------------------------------------------------
WALRELAY_PID=""
PGBENCH_PID=""
# shellcheck disable=SC2317  # invoked by the EXIT trap
cleanup() {
  local rc=$?
  set +e
  if [[ -n "$PGBENCH_PID" ]] && kill -0 "$PGBENCH_PID" 2>/dev/null; then
    kill "$PGBENCH_PID" 2>/dev/null
    wait "$PGBENCH_PID" 2>/dev/null
  fi
  if [[ -n "$WALRELAY_PID" ]] && kill -0 "$WALRELAY_PID" 2>/dev/null; then
    kill -TERM "$WALRELAY_PID" 2>/dev/null
    for _ in $(seq 1 150); do
      kill -0 "$WALRELAY_PID" 2>/dev/null || break
      sleep 0.2
    done
    kill -KILL "$WALRELAY_PID" 2>/dev/null
    wait "$WALRELAY_PID" 2>/dev/null
  fi
  pg_stop_cluster
  if [[ -n "$PG_DIR" && -d "$PG_DIR" ]]; then
    if [[ "${QUICKSTART_KEEP:-0}" == 1 ]]; then
      echo "kept PostgreSQL cluster dir $PG_DIR"
    else
      rm -rf "$PG_DIR"
    fi
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- 3. PostgreSQL ---------------------------------------------------------------------------
mkdir -p "$STATE"
cluster_dir="$(mktemp -d "$STATE/pg.XXXXXX")"
if [[ "$(id -u)" == 0 ]] && ! runuser -u postgres -- test -x "$STATE"; then
  # The postgres user cannot reach the clone (e.g. under /root): use /tmp instead.
  rmdir "$cluster_dir"
  cluster_dir="$(mktemp -d /tmp/walrelay-quickstart.XXXXXX)"
fi
say "starting a throwaway PostgreSQL 15 cluster in $cluster_dir"
pg_start_cluster "$cluster_dir" || die "could not start PostgreSQL"
echo "    listening on 127.0.0.1:$PG_PORT (log: $PG_LOG)"

# --- 4. demo schema --------------------------------------------------------------------------
say "creating table orders and publication $PUB"
pg_psql <<SQL
CREATE TABLE orders (
  id         bigserial PRIMARY KEY,
  customer   text          NOT NULL,
  amount     numeric(12,2) NOT NULL,
  status     text          NOT NULL,
  updated_at timestamptz   NOT NULL DEFAULT now()
);
CREATE PUBLICATION $PUB FOR TABLE orders;
SQL

# --- 5. walrelay + workload ------------------------------------------------------------------
rm -f "$DEMO_DB" "$DEMO_DB-wal" "$DEMO_DB-shm" "$DEMO_DB-journal"
# The spool of an earlier demo belongs to an earlier throwaway cluster: start clean.
SPOOL_DIR="$STATE/spool"
rm -rf "$SPOOL_DIR" "$STATE/walrelay-spool-$SLOT"
CONFIG="$STATE/walrelay.yaml"
WALRELAY_LOG="$STATE/walrelay.log"
cat >"$CONFIG" <<YAML
# written by scripts/quickstart.sh
log_level: info
plugin_dir: "$PLUGIN_DIR"
source:
  conninfo: "$(pg_conninfo postgres)"
  slot: $SLOT
  publication: $PUB
  create_slot: true
  status_interval_ms: 1000
spool:
  dir: "$SPOOL_DIR"
sinks:
  - name: demo
    plugin: sqlite
    options:
      path: "$DEMO_DB"
YAML
say "starting walrelay (config $CONFIG, log $WALRELAY_LOG)"
"$WALRELAY" run -c "$CONFIG" 2>"$WALRELAY_LOG" >&2 &
WALRELAY_PID=$!

# Changes are replicated from the slot's creation on: wait for it before writing.
ready=0
for _ in $(seq 1 150); do
  if ! kill -0 "$WALRELAY_PID" 2>/dev/null; then
    tail -n 30 "$WALRELAY_LOG" >&2
    die "walrelay exited during start-up (log above)"
  fi
  if [[ "$(pg_psql -At -c "SELECT count(*) FROM pg_replication_slots
        WHERE slot_name = '$SLOT' AND active AND confirmed_flush_lsn IS NOT NULL")" == 1 ]]; then
    ready=1
    break
  fi
  sleep 0.2
done
((ready)) || {
  tail -n 30 "$WALRELAY_LOG" >&2
  die "walrelay did not start streaming within 30 s"
}
echo "    streaming from slot $SLOT"

WORK="$PG_DIR/workload"
mkdir -p "$WORK"
cat >"$WORK/insert.sql" <<'SQL'
\set c random(1, 500)
\set a random(100, 999999)
INSERT INTO orders (customer, amount, status) VALUES ('customer-' || :c, :a / 100.0, 'new');
SQL
cat >"$WORK/update.sql" <<'SQL'
\set back random(0, 200)
\set d random(1, 5000)
UPDATE orders SET status = 'paid', amount = amount + :d / 100.0, updated_at = now()
 WHERE id = (SELECT max(id) - :back FROM orders);
SQL
cat >"$WORK/delete.sql" <<'SQL'
\set back random(0, 400)
DELETE FROM orders WHERE id = (SELECT max(id) - :back FROM orders);
SQL
cat >"$WORK/batch.sql" <<'SQL'
\set c random(1, 500)
BEGIN;
INSERT INTO orders (customer, amount, status)
  SELECT 'customer-' || :c, g * 1.25, 'bulk' FROM generate_series(1, 20) g;
UPDATE orders SET status = 'shipped', updated_at = now()
 WHERE id > (SELECT max(id) - 40 FROM orders) AND status = 'paid';
END;
SQL
# Something to replicate even if pgbench is slow to start.
pg_psql -c "INSERT INTO orders (customer, amount, status) VALUES ('first', 9.99, 'new')"

say "running the workload for ${SECONDS_OF_LOAD} s (pgbench, ~${RATE} tps: inserts, updates, deletes)"
"$PG_BIN/pgbench" -n -h 127.0.0.1 -p "$PG_PORT" -U postgres -c 2 -j 2 -T "$SECONDS_OF_LOAD" \
  -R "$RATE" -f "$WORK/insert.sql@5" -f "$WORK/update.sql@3" -f "$WORK/delete.sql@1" \
  -f "$WORK/batch.sql@1" postgres >"$STATE/pgbench.log" 2>&1 &
PGBENCH_PID=$!
while kill -0 "$PGBENCH_PID" 2>/dev/null; do
  if ! kill -0 "$WALRELAY_PID" 2>/dev/null; then
    tail -n 30 "$WALRELAY_LOG" >&2
    die "walrelay exited during the workload (log above)"
  fi
  sleep 1
done
if ! wait "$PGBENCH_PID"; then
  PGBENCH_PID=""
  cat "$STATE/pgbench.log" >&2
  die "pgbench failed"
fi
PGBENCH_PID=""
grep -E 'number of transactions actually processed|tps =' "$STATE/pgbench.log" | sed 's/^/    /'

# --- 6. compare --------------------------------------------------------------------------------
# The same text rendering on both sides: numeric and timestamptz are stored by the SQLite
# sink as PostgreSQL's text output (server timezone UTC).
QUERY="SELECT id, customer, amount, status, updated_at FROM orders ORDER BY id"
source_rows() { pg_psql -At -F '|' -c "$QUERY"; }
sqlite_rows() { sqlite3 -readonly -batch -noheader -list -separator '|' "$DEMO_DB" "$QUERY" 2>/dev/null; }
digest() { md5sum | cut -d' ' -f1; }

say "waiting until SQLite has caught up"
result=MISMATCH
for _ in $(seq 1 60); do
  src_md5="$(source_rows | digest)"
  dst_md5="$(sqlite_rows | digest || true)"
  if [[ "$src_md5" == "$dst_md5" ]]; then
    result=MATCH
    break
  fi
  if ! kill -0 "$WALRELAY_PID" 2>/dev/null; then
    tail -n 30 "$WALRELAY_LOG" >&2
    echo "walrelay exited before catching up" >&2
    break
  fi
  sleep 1
done

src_count="$(pg_psql -At -c 'SELECT count(*) FROM orders')"
dst_count="$(sqlite3 -readonly -batch "$DEMO_DB" 'SELECT count(*) FROM orders' 2>/dev/null || echo '?')"
src_md5="$(source_rows | digest)"
dst_md5="$(sqlite_rows | digest || true)"
[[ "$src_md5" == "$dst_md5" && "$src_count" == "$dst_count" ]] || result=MISMATCH

echo
printf '  %-24s %8s   %s\n' "" "rows" "md5 of rows (id|customer|amount|status|updated_at)"
printf '  %-24s %8s   %s\n' "PostgreSQL orders" "$src_count" "$src_md5"
printf '  %-24s %8s   %s\n' "SQLite walrelay-demo.db" "$dst_count" "$dst_md5"
echo
if [[ "$result" == MATCH ]]; then
  printf '  \033[1;32mMATCH\033[0m\n\n'
else
  printf '  \033[1;31mMISMATCH\033[0m\n\n'
  diff <(source_rows) <(sqlite_rows) | head -n 20 || true
fi

echo "  last rows in SQLite (sqlite3 $DEMO_DB):"
sqlite3 -readonly -batch -header -column "$DEMO_DB" \
  "SELECT id, customer, amount, status, updated_at FROM orders ORDER BY id DESC LIMIT 5" 2>/dev/null |
  sed 's/^/    /' || true
echo "  checkpoint:"
sqlite3 -readonly -batch -header -column "$DEMO_DB" \
  "SELECT sink, end_lsn_text FROM walrelay_checkpoint" 2>/dev/null | sed 's/^/    /' || true
echo

# --- 7. stop -----------------------------------------------------------------------------------
say "stopping walrelay and PostgreSQL"
kill -TERM "$WALRELAY_PID"
status=0
for _ in $(seq 1 150); do
  kill -0 "$WALRELAY_PID" 2>/dev/null || break
  sleep 0.2
done
if kill -0 "$WALRELAY_PID" 2>/dev/null; then
  echo "    walrelay did not stop within 30 s of SIGTERM; killing it" >&2
  kill -KILL "$WALRELAY_PID" 2>/dev/null || true
fi
wait "$WALRELAY_PID" || status=$?
WALRELAY_PID=""
echo "    walrelay exited with status $status (log: $WALRELAY_LOG)"
echo "    the replica stays in $DEMO_DB"

[[ "$result" == MATCH ]] || exit 1
exit 0

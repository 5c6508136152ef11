#!/usr/bin/env bash
# Re-creates tests/data/pgoutput/*.hex: real pgoutput bytes captured from a throwaway cluster.
#
# Usage: scripts/capture-pgoutput.sh [scenario ...]     (default: every tests/data/pgoutput/*.sql)
# Env:   PG_BIN (default /usr/lib/postgresql/15/bin), PGCAP_PORT (default 55440),
#        PGCAP_KEEP=1 keeps the cluster's temporary directory for inspection.
#
# For each <scenario>.sql a fresh database is created and the file is run in it with psql (it
# creates its tables, the publication `pub` and the logical slot `slot` itself). Then
#   SELECT lsn, xid, encode(data, 'hex')
#   FROM pg_logical_slot_get_binary_changes('slot', NULL, NULL, <capture-options>)
# is written to <scenario>.hex, one message per line, tab separated. <capture-options> is taken
# from the scenario's `-- capture-options:` line, and its `-- capture-settings:` line (if any)
# is run in the same session first (e.g. a low logical_decoding_work_mem to force streaming).
#
# initdb/postgres refuse to run as root: when run as root, every server command runs as the
# `postgres` OS user (runuser); the cluster lives under a mktemp directory it owns.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DATA_DIR="$ROOT/tests/data/pgoutput"
PG_BIN="${PG_BIN:-/usr/lib/postgresql/15/bin}"
PORT="${PGCAP_PORT:-55440}"

if [[ "$PORT" -lt 55440 || "$PORT" -gt 55449 ]]; then
  echo "PGCAP_PORT must be within 55440-55449" >&2
  exit 2
fi

as_pg() {
  if [[ "$(id -u)" == 0 ]]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

WORK="$(mktemp -d /tmp/pgcap.XXXXXX)"
chmod 755 "$WORK"
[[ "$(id -u)" == 0 ]] && chown postgres: "$WORK"
PGDATA="$WORK/data"
SOCK="$WORK"

cleanup() {
  as_pg "$PG_BIN/pg_ctl" -D "$PGDATA" -m fast -w stop >/dev/null 2>&1 || true
  if [[ "${PGCAP_KEEP:-0}" != 1 ]]; then
    rm -rf "$WORK"
  else
    echo "kept $WORK" >&2
  fi
}
trap cleanup EXIT

as_pg "$PG_BIN/initdb" -D "$PGDATA" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 \
  >"$WORK/initdb.log" 2>&1 || { cat "$WORK/initdb.log" >&2; exit 1; }
as_pg "$PG_BIN/pg_ctl" -D "$PGDATA" -l "$WORK/server.log" -w start -o "\
  -c wal_level=logical -c max_replication_slots=10 -c max_wal_senders=10 \
  -c max_prepared_transactions=10 -c listen_addresses=127.0.0.1 -c port=$PORT \
  -c unix_socket_directories=$SOCK -c fsync=off" >/dev/null \
  || { cat "$WORK/server.log" >&2; exit 1; }

psql_in() {  # psql_in <db> [psql args...]; SQL on stdin
  local db="$1"
  shift
  as_pg "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$SOCK" -p "$PORT" -U postgres -d "$db" "$@"
}

if [[ $# -gt 0 ]]; then
  scenarios=("$@")
else
  scenarios=()
  for f in "$DATA_DIR"/*.sql; do
    scenarios+=("$(basename "$f" .sql)")
  done
fi

for name in "${scenarios[@]}"; do
  sql="$DATA_DIR/$name.sql"
  [[ -f "$sql" ]] || { echo "no such scenario: $sql" >&2; exit 1; }
  options="$(sed -n 's/^-- capture-options: *//p' "$sql")"
  settings="$(sed -n 's/^-- capture-settings: *//p' "$sql")"
  [[ -n "$options" ]] || { echo "$sql has no '-- capture-options:' line" >&2; exit 1; }
  db="cap_$name"
  echo "CREATE DATABASE $db;" | psql_in postgres
  psql_in "$db" >/dev/null <"$sql"
  printf '%s\nSELECT lsn, xid, encode(data, %s) FROM pg_logical_slot_get_binary_changes(%s);\n' \
    "$settings" "'hex'" "'slot', NULL, NULL, $options" \
    | psql_in "$db" -A -t -F $'\t' >"$DATA_DIR/$name.hex.tmp"
  echo "SELECT pg_drop_replication_slot('slot');" | psql_in "$db" >/dev/null
  mv "$DATA_DIR/$name.hex.tmp" "$DATA_DIR/$name.hex"
  echo "$name: $(wc -l <"$DATA_DIR/$name.hex") messages"
done

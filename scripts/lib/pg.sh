# shellcheck shell=bash
# Shared helpers for a throwaway PostgreSQL 15 cluster (sourced by scripts/*.sh).
#
#   source scripts/lib/pg.sh
#   pg_start_cluster DIR [NAME=VALUE ...]   # initdb + start; extra postgresql.conf settings
#   pg_psql -c 'SELECT 1'                   # psql as postgres on the cluster (db postgres)
#   pg_conninfo [DB]                        # libpq conninfo of the cluster
#   pg_stop_cluster                         # stop (fast, immediate as fallback)
#
# After pg_start_cluster: PG_DIR (cluster dir, owned by postgres when run as root),
# PG_DATA, PG_LOG (server log), PG_PORT (free loopback port), PG_SOCK (socket dir).
# The cluster: wal_level=logical, 20 slots / wal senders, listen on 127.0.0.1 only, Unix
# socket in PG_DIR, timezone=UTC, C locale, UTF8, trust auth (incl. replication) for
# local and 127.0.0.1, superuser `postgres`.
# initdb/postgres refuse to run as root: as root, they run as the `postgres` OS user.
# Env: PG_BIN (default /usr/lib/postgresql/15/bin).

PG_BIN="${PG_BIN:-/usr/lib/postgresql/15/bin}"
PG_DIR=""
PG_DATA=""
PG_LOG=""
PG_PORT=""
PG_SOCK=""

# Runs a command as the postgres OS user when we are root, else as ourselves.
pg_as_owner() {
  if [[ "$(id -u)" == 0 ]]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

# Prints a TCP port on 127.0.0.1 that nothing listens on (never 55440-55449, which other
# tools on shared machines use). Free when printed, not reserved: callers retry on a
# bind failure.
pg_free_port() {
  local port i
  for ((i = 0; i < 200; i++)); do
    port=$((20000 + RANDOM % 40000))
    ((port >= 55440 && port <= 55449)) && continue
    # A successful connect means something listens there.
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return 0
    fi
  done
  echo "pg_free_port: no free port found" >&2
  return 1
}

# pg_start_cluster DIR [NAME=VALUE ...]
# DIR must not exist or be empty; it is created (owned by postgres when root).
pg_start_cluster() {
  local dir="$1"
  shift
  [[ -x "$PG_BIN/initdb" ]] || {
    echo "PostgreSQL 15 server binaries not found in $PG_BIN (apt-get install postgresql-15)" >&2
    return 1
  }
  mkdir -p "$dir"
  chmod 755 "$dir"
  if [[ "$(id -u)" == 0 ]]; then
    chown postgres: "$dir"
    if ! runuser -u postgres -- test -w "$dir"; then
      echo "the postgres user cannot write $dir (a parent directory is not accessible)" >&2
      return 1
    fi
  fi
  PG_DIR="$(cd "$dir" && pwd)"
  PG_DATA="$PG_DIR/data"
  PG_LOG="$PG_DIR/server.log"
  PG_SOCK="$PG_DIR"

  if ! (cd "$PG_DIR" && pg_as_owner "$PG_BIN/initdb" -D "$PG_DATA" -U postgres --auth=trust \
      --no-locale -E UTF8 --no-sync >"$PG_DIR/initdb.log" 2>&1); then
    cat "$PG_DIR/initdb.log" >&2
    return 1
  fi
  pg_as_owner tee "$PG_DATA/pg_hba.conf" >/dev/null <<'EOF'
local all all trust
local replication all trust
host all all 127.0.0.1/32 trust
host replication all 127.0.0.1/32 trust
EOF

  local setting
  for _ in 1 2 3 4; do
    PG_PORT="$(pg_free_port)" || return 1
    {
      echo "listen_addresses = '127.0.0.1'"
      echo "port = $PG_PORT"
      echo "unix_socket_directories = '$PG_SOCK'"
      echo "wal_level = logical"
      echo "max_replication_slots = 20"
      echo "max_wal_senders = 20"
      echo "timezone = 'UTC'"
      echo "log_timezone = 'UTC'"
      for setting in "$@"; do
        echo "${setting%%=*} = ${setting#*=}"
      done
    } | pg_as_owner tee "$PG_DATA/postgresql.auto.conf" >/dev/null
    if (cd "$PG_DIR" && pg_as_owner "$PG_BIN/pg_ctl" start -D "$PG_DATA" -l "$PG_LOG" -w -t 60 \
        >/dev/null 2>&1); then
      return 0
    fi
    if ! grep -qE 'could not bind|could not create any TCP/IP sockets' "$PG_LOG" 2>/dev/null; then
      break
    fi
  done
  echo "PostgreSQL did not start; server log:" >&2
  tail -n 30 "$PG_LOG" >&2 || true
  return 1
}

# Stops the cluster started by pg_start_cluster (no-op when none).
pg_stop_cluster() {
  [[ -n "$PG_DATA" && -d "$PG_DATA" ]] || return 0
  (cd "$PG_DIR" && pg_as_owner "$PG_BIN/pg_ctl" stop -D "$PG_DATA" -m fast -w -t 30 \
    >/dev/null 2>&1) ||
    (cd "$PG_DIR" && pg_as_owner "$PG_BIN/pg_ctl" stop -D "$PG_DATA" -m immediate -w -t 30 \
      >/dev/null 2>&1) || true
}

# libpq conninfo of the cluster.
pg_conninfo() {
  echo "host=127.0.0.1 port=$PG_PORT dbname=${1:-postgres} user=postgres"
}

# psql on the cluster: quiet, stop on the first error, no ~/.psqlrc.
pg_psql() {
  PGTZ=UTC PGOPTIONS='' "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" \
    -U postgres -d postgres "$@"
}

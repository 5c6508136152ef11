# shellcheck shell=bash
# A throwaway MariaDB server for the benches (the shell twin of
# tests/plugins/mysql/mariadb_server.h): mariadb-install-db into DIR/data, then mariadbd
# with its own socket, pid file and tmpdir in DIR, no TCP (skip-networking), binary log
# off, as the current OS user (root included).
#
#   source bench/lib/mysql.sh
#   my_start_server DIR [--opt=value ...]   # extra mariadbd options (override the defaults)
#   my_sql [-N] [DB] -e 'SQL'                # mariadb client as root over the socket
#   my_server_cpu                            # utime+stime of mariadbd, in seconds (all threads)
#   my_stop_server                           # SIGTERM, SIGKILL after 60 s; no-op when none
#
# After my_start_server: MY_DIR, MY_SOCK, MY_PID, MY_LOG, MY_OPTS (the options it runs with).
# root@localhost has no password (--auth-root-authentication-method=normal); no
# --skip-grant-tables. Env: MARIADBD (default /usr/sbin/mariadbd).

MARIADBD=${MARIADBD:-/usr/sbin/mariadbd}
MY_DIR=""
MY_SOCK=""
MY_PID=""
MY_LOG=""
MY_OPTS=()

my_start_server() {
  local dir=$1
  shift
  [[ -x "$MARIADBD" ]] || { echo "mariadbd not found at $MARIADBD (apt-get install mariadb-server)" >&2; return 1; }
  mkdir -p "$dir/tmp"
  MY_DIR=$(cd "$dir" && pwd)
  MY_SOCK="$MY_DIR/mysqld.sock"
  MY_LOG="$MY_DIR/server.log"
  local user
  user=$(id -un)
  if ! mariadb-install-db --no-defaults --user="$user" --datadir="$MY_DIR/data" \
      --tmpdir="$MY_DIR/tmp" --auth-root-authentication-method=normal --skip-test-db \
      >"$MY_DIR/install.log" 2>&1; then
    cat "$MY_DIR/install.log" >&2
    return 1
  fi
  MY_OPTS=(--skip-networking --skip-log-bin --local-infile=1 --skip-name-resolve
    --character-set-server=utf8mb4 "$@")
  "$MARIADBD" --no-defaults --user="$user" --datadir="$MY_DIR/data" --socket="$MY_SOCK" \
    --pid-file="$MY_DIR/mysqld.pid" --tmpdir="$MY_DIR/tmp" --log-error="$MY_LOG" \
    "${MY_OPTS[@]}" </dev/null >/dev/null 2>&1 &
  MY_PID=$!
  local i
  for ((i = 0; i < 600; i++)); do
    if mariadb --no-defaults -S "$MY_SOCK" -u root -e 'SELECT 1' >/dev/null 2>&1; then
      return 0
    fi
    if ! kill -0 "$MY_PID" 2>/dev/null; then
      echo "mariadbd exited during start-up:" >&2
      tail -n 30 "$MY_LOG" >&2
      MY_PID=""
      return 1
    fi
    sleep 0.1
  done
  echo "mariadbd did not accept connections within 60 s:" >&2
  tail -n 30 "$MY_LOG" >&2
  return 1
}

# my_sql [client options...]: the mariadb client as root over the server's socket.
my_sql() {
  mariadb --no-defaults -S "$MY_SOCK" -u root --local-infile=1 "$@"
}

my_server_cpu() {
  local stat
  read -r stat <"/proc/$MY_PID/stat" || return 1
  stat=${stat##*) }
  local -a f
  read -r -a f <<<"$stat"
  echo "scale=2; ($((f[11] + f[12]))) / $(getconf CLK_TCK)" | bc -l
}

my_stop_server() {
  [[ -n "$MY_PID" ]] || return 0
  kill -TERM "$MY_PID" 2>/dev/null || true
  local i
  for ((i = 0; i < 600; i++)); do
    kill -0 "$MY_PID" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$MY_PID" 2>/dev/null; then kill -KILL "$MY_PID" 2>/dev/null || true; fi
  wait "$MY_PID" 2>/dev/null || true
  MY_PID=""
}

# shellcheck shell=bash
# shellcheck disable=SC2034 # R_* results are read by the sourcing scripts
# Shared helpers for the bench/ scripts (sourced after scripts/lib/pg.sh
# and pg_start_cluster).
#
#   bench_init WORKDIR            # checks /usr/bin/time, sets up the poll timer
#   bench_run SLOT LABEL CMD...   # runs CMD under `/usr/bin/time -v`, samples the CPU of the
#                                 # walsender serving SLOT while CMD runs; sets
#   R_STATUS R_ELAPSED R_CPU R_RSS_KB R_WS_CPU R_WS_PID
#                                 # exit status, wall seconds, user+sys CPU seconds of CMD
#                                 # (all threads), its peak RSS (kB, "Maximum resident set
#                                 # size"), CPU seconds of the walsender ("" when not seen)
#   bench_stats V1 V2 ...         # prints "mean min max" (3 decimals) of the numeric values
#   bench_q SQL                   # psql -At -c SQL on the cluster
#   bench_workdir PREFIX          # WORK=fresh temp dir; on exit stops the cluster (and
#                                 # BENCH_ON_EXIT, if set) and removes WORK unless KEEP=1
#   bench_pgoutput_proto          # the pgoutput protocol walrelay negotiates with the server
#   bench_walrelay_cfg SLOT PLUGIN OPTIONS_YAML
#                                 # writes $WORK/SLOT.yaml (publication BENCH_PUB, default
#                                 # bench_pub; extra `pipeline:`/spool lines from
#                                 # BENCH_PIPELINE_YAML / BENCH_SPOOL_YAML), prints its path
#
# Walsender CPU: the walsender's pid is taken from pg_replication_slots.active_pid once the
# reader has started streaming; /proc/<pid>/stat (utime + stime, all of the process's life)
# is then read every BENCH_POLL_S seconds (default 0.02) with shell builtins only (no fork
# per sample). The last sample before the walsender exits is reported, so the figure misses
# at most one poll interval of its CPU.

BENCH_POLL_S=${BENCH_POLL_S:-0.02}
BENCH_CLK_TCK=100
BENCH_TICK_FD=""
BENCH_WORK=""

bench_q() { pg_psql -At -c "$1"; }

bench_workdir() {
  WORK=$(mktemp -d "/tmp/$1.XXXXXX")
  chmod 755 "$WORK"
  trap bench_cleanup EXIT
}

bench_cleanup() {
  if [[ -n "${BENCH_ON_EXIT:-}" ]]; then "$BENCH_ON_EXIT" >/dev/null 2>&1 || true; fi
  pg_stop_cluster >/dev/null 2>&1 || true
  if [[ "${KEEP:-0}" == 1 ]]; then echo "work dir kept: $WORK" >&2; else rm -rf "$WORK"; fi
}

bench_pgoutput_proto() {
  local num
  num=$(bench_q "SHOW server_version_num")
  if ((num >= 160000)); then echo 4; elif ((num >= 150000)); then echo 3; else echo 2; fi
}

bench_walrelay_cfg() {
  local slot=$1 plugin=$2 options=$3 cfg="$WORK/$1.yaml"
  cat >"$cfg" <<YAML
log_level: info
plugin_dir: $ROOT/$BUILD/plugins
source:
  conninfo: "$(pg_conninfo postgres)"
  slot: $slot
  publication: ${BENCH_PUB:-bench_pub}
  create_slot: false
${BENCH_PIPELINE_YAML:-}spool:
  dir: $WORK/spool-$slot
${BENCH_SPOOL_YAML:-}sinks:
  - name: bench
    plugin: $plugin
    options: $options
YAML
  echo "$cfg"
}

bench_init() {
  local work=$1
  BENCH_WORK=$work
  if [[ ! -x /usr/bin/time ]]; then
    echo "bench: /usr/bin/time is missing (apt-get install -y time)" >&2
    return 1
  fi
  BENCH_CLK_TCK=$(getconf CLK_TCK)
  # A FIFO opened read-write never delivers data: `read -t` on it is a fork-free sleep.
  mkfifo "$work/.tick"
  exec {BENCH_TICK_FD}<>"$work/.tick"
}

bench_nap() { read -r -t "$BENCH_POLL_S" -u "$BENCH_TICK_FD" _ || true; }

# Sets BENCH_TICKS to utime + stime of pid $1 in clock ticks; fails when it is gone.
bench_proc_ticks() {
  local stat
  { read -r stat <"/proc/$1/stat"; } 2>/dev/null || return 1
  stat=${stat##*) } # fields after "(comm) "; state is index 0, utime 11, stime 12
  local -a f
  read -r -a f <<<"$stat"
  BENCH_TICKS=$((f[11] + f[12]))
}

# Parses the `/usr/bin/time -v` report $1 into R_ELAPSED, R_CPU, R_RSS_KB.
bench_parse_time() {
  local file=$1 user sys wall
  user=$(sed -n 's/^\s*User time (seconds): //p' "$file")
  sys=$(sed -n 's/^\s*System time (seconds): //p' "$file")
  wall=$(sed -n 's/^\s*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$file")
  R_RSS_KB=$(sed -n 's/^\s*Maximum resident set size (kbytes): //p' "$file")
  R_CPU=$(echo "$user + $sys" | bc -l)
  R_ELAPSED=$(awk -F: '{ s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; printf "%.2f", s }' <<<"$wall")
}

bench_run() {
  local slot=$1 label=$2
  shift 2
  local tfile="$BENCH_WORK/$label.time" pid wpid="" last=""
  /usr/bin/time -v -o "$tfile" "$@" &
  pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    if [[ -z "$wpid" ]]; then
      wpid=$(bench_q "SELECT active_pid FROM pg_replication_slots WHERE slot_name = '$slot'" 2>/dev/null || true)
    fi
    if [[ -n "$wpid" ]] && bench_proc_ticks "$wpid"; then
      last=$BENCH_TICKS
    fi
    bench_nap
  done
  R_STATUS=0
  wait "$pid" || R_STATUS=$?
  bench_parse_time "$tfile"
  R_WS_PID=$wpid
  if [[ -n "$last" ]]; then
    R_WS_CPU=$(echo "$last / $BENCH_CLK_TCK" | bc -l)
  else
    R_WS_CPU=""
  fi
}

# Non-numeric values (NA) are left out; prints nothing when none is left.
bench_stats() {
  printf '%s\n' "$@" | awk '$1 !~ /^[0-9.]+$/ { next }
    n++ == 0 { mn = $1; mx = $1 } { s += $1; if ($1 < mn) mn = $1; if ($1 > mx) mx = $1 }
    END { if (n) printf "%.3f %.3f %.3f\n", s / n, mn, mx }'
}

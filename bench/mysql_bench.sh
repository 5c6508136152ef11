#!/usr/bin/env bash
# MySQL/MariaDB sink end to end: catch-up of a slot backlog by walrelay into the null sink
# and into a throwaway MariaDB through the MySQL sink, beside LOAD DATA LOCAL INFILE of the
# same rows (the fastest way to put them into MariaDB), on a throwaway PostgreSQL 15.
#
#   bench/mysql_bench.sh [BUILD_DIR]   (default build; needs build/bin/walrelay,
#                                       build/plugins/walrelay-sink-mysql.so and
#                                       build/fixture-plugins/good_sink.so; mariadbd and the
#                                       mariadb client from Debian's mariadb-server)
#
# Workloads (WORKLOADS, default "bulk small"), the same as bench/e2e.sh:
#   bulk  = one transaction inserting BULK_ROWS rows (default 1,000,000) of
#           (bigint key, int, md5 text, numeric(12,2), timestamptz)
#   small = SMALL_TXNS (default 100,000) single-row INSERT transactions (pgbench, 4 clients)
# Method, per workload: a base slot is created, then the workload is written while nobody
# reads; the end LSN is pg_current_wal_insert_lsn() after its last commit. The same rows are
# exported with COPY ... TO STDOUT (FORMAT csv) (timestamptz as UTC timestamp). Per
# repetition:
#   null   walrelay run -c CFG --stop-lsn END, null sink (fixture good_sink.so), fresh copy of
#          the base slot (pg_copy_logical_replication_slot)
#   mysql  the same with the MySQL sink (options: socket, user root, database = a new empty
#          database per run; the sink creates the table); row count and sum checked after
#   load   mariadb client: LOAD DATA LOCAL INFILE of the CSV into an empty table created
#          LIKE the one the sink created (same columns, types, key), autocommit: one
#          transaction; row count and warnings checked after
# null and mysql alternate which goes first; load runs last. walrelay runs are timed with
# /usr/bin/time -v (wall, user+sys CPU) and the walsender's CPU sampled (bench/lib/measure.sh);
# the load with /usr/bin/time on the client. mariadbd's CPU (utime+stime of the process) is
# read before and after every mysql/load run. Before every timed run InnoDB's dirty pages
# are flushed (innodb_max_dirty_pages_pct=0 until fewer than 200 are dirty, at most
# QUIESCE_S seconds), so no run pays for the previous run's page flushing.
# A big transaction reaches the sink in pieces, the first ones before its commit (early
# apply, WR_CAP_EARLY_APPLY); the time from the sink's first statement ("created table" in
# walrelay's log, the database being new) to its "applied ... in N pieces" line is printed.
# MariaDB: its own datadir, socket, tmpdir under the work dir; skip-networking, binary log
# off; InnoDB settings from MY_BUFFER_POOL (1G), MY_LOG_FILE_SIZE (512M), MY_FLUSH (1 =
# innodb_flush_log_at_trx_commit, durable at every commit), plus MY_EXTRA (more mariadbd
# options). All are printed.
# Env: REPS (2), WORKLOADS, BULK_ROWS, SMALL_TXNS, SMALL_CLIENTS (4), MY_BUFFER_POOL,
# MY_LOG_FILE_SIZE, MY_FLUSH, MY_EXTRA, SINK_OPTS (extra MySQL sink options as YAML
# "key: value, ..."), LOAD (1: also time LOAD DATA), QUIESCE_S (60), KEEP (1: keep work dir).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BUILD=${1:-build}
BIN="$ROOT/$BUILD/bin/walrelay"
NULL_SINK="$ROOT/$BUILD/fixture-plugins/good_sink.so"
REPS=${REPS:-2}
WORKLOADS=${WORKLOADS:-bulk small}
BULK_ROWS=${BULK_ROWS:-1000000}
SMALL_TXNS=${SMALL_TXNS:-100000}
SMALL_CLIENTS=${SMALL_CLIENTS:-4}
MY_BUFFER_POOL=${MY_BUFFER_POOL:-1G}
MY_LOG_FILE_SIZE=${MY_LOG_FILE_SIZE:-512M}
MY_FLUSH=${MY_FLUSH:-1}
MY_EXTRA=${MY_EXTRA:-}
SINK_OPTS=${SINK_OPTS:-}
LOAD=${LOAD:-1}
QUIESCE_S=${QUIESCE_S:-60}
[[ -x "$BIN" && -f "$NULL_SINK" && -f "$ROOT/$BUILD/plugins/walrelay-sink-mysql.so" ]] || {
  echo "build first (missing $BIN, $NULL_SINK or the MySQL plugin)" >&2
  exit 1
}
if ! command -v mariadb >/dev/null || ! command -v mariadb-install-db >/dev/null; then
  echo "mariadb client / mariadb-install-db missing (apt-get install mariadb-server)" >&2
  exit 1
fi
source scripts/lib/pg.sh
source bench/lib/measure.sh
source bench/lib/workloads.sh
source bench/lib/mysql.sh
BENCH_ON_EXIT=my_stop_server
bench_workdir walrelay-mysqlbench
bench_init "$WORK"
pg_start_cluster "$WORK/pg" max_wal_size=8GB checkpoint_timeout=30min autovacuum=off >/dev/null
q() { pg_psql -At "$@"; }
# shellcheck disable=SC2086 # MY_EXTRA is a list of options
my_start_server "$WORK/mariadb" --innodb-buffer-pool-size="$MY_BUFFER_POOL" \
  --innodb-log-file-size="$MY_LOG_FILE_SIZE" --innodb-flush-log-at-trx-commit="$MY_FLUSH" \
  $MY_EXTRA
m() { my_sql -N -B "$@"; }

PROTO=$(bench_pgoutput_proto)


# Flushes InnoDB's dirty pages (at most QUIESCE_S s), so a run does not pay for the last one's.
my_quiesce() {
  local old dirty i
  old=$(m -e "SELECT @@innodb_max_dirty_pages_pct")
  m -e "SET GLOBAL innodb_max_dirty_pages_pct = 0"
  for ((i = 0; i < QUIESCE_S * 5; i++)); do
    dirty=$(m -e "SELECT variable_value FROM information_schema.global_status WHERE variable_name = 'INNODB_BUFFER_POOL_PAGES_DIRTY'")
    ((dirty < 200)) && break
    sleep 0.2
  done
  m -e "SET GLOBAL innodb_max_dirty_pages_pct = $old"
}

# walrelay_run KIND SLOT END [DB]: one walrelay run over the fresh slot copy SLOT; sets R_*.
walrelay_run() {
  local kind=$1 slot=$2 end=$3 db=${4:-} cfg
  if [[ $kind == null ]]; then
    cfg=$(bench_walrelay_cfg "$slot" "$NULL_SINK" "{}")
  else
    cfg=$(bench_walrelay_cfg "$slot" mysql "{socket: $MY_SOCK, user: root, database: $db${SINK_OPTS:+, $SINK_OPTS}}")
  fi
  bench_run "$slot" "$slot" "$BIN" run -c "$cfg" --stop-lsn "$end" 2>"$WORK/$slot.log"
  if ((R_STATUS != 0)); then
    echo "walrelay ($kind) on $slot exited $R_STATUS" >&2
    tail -n 20 "$WORK/$slot.log" >&2
    exit 1
  fi
  if ! grep -q "pgoutput protocol $PROTO, streaming on" "$WORK/$slot.log"; then
    echo "warning: walrelay did not log 'pgoutput protocol $PROTO, streaming on'" >&2
  fi
  if grep -qiE '\b(warn|error)' "$WORK/$slot.log"; then
    echo "walrelay ($kind) logged warnings/errors:" >&2
    grep -iE '\b(warn|error)' "$WORK/$slot.log" | head -n 5 >&2
  fi
  rm -rf "$WORK/spool-$slot"
  q -c "SELECT pg_drop_replication_slot('$slot')" >/dev/null
}

f2() { if [[ -z "$1" || "$1" == NA ]]; then echo NA; else printf '%.2f' "$1"; fi; }
div() { if [[ -n "$1" && -n "$2" && "$1" != NA && "$2" != NA ]]; then echo "$1 / $2" | bc -l; else echo NA; fi; }
range() { # values... -> "mean (min–max)" over the numeric ones
  local s
  read -r -a s <<<"$(bench_stats "$@")"
  if ((${#s[@]} < 3)); then echo NA; return; fi
  printf '%.2f (%.2f–%.2f)' "${s[0]}" "${s[1]}" "${s[2]}"
}

# apply_tail LOG: seconds from the sink's first statement on a fresh database (its "created
# table" line: the first piece of a big transaction) to its "applied (from the spool) in N
# pieces" line; NA when not both.
apply_tail() {
  local a b
  a=$(grep -m1 'created table' "$1" | cut -c1-23)
  b=$(grep -E 'applied (from the spool )?in [0-9]+ pieces?' "$1" | tail -n1 | cut -c1-23)
  if [[ -n "$a" && -n "$b" ]]; then
    echo "$(date -d "$b" +%s.%N) - $(date -d "$a" +%s.%N)" | bc -l
  else
    echo NA
  fi
}

# Checks DB.TABLE in MariaDB against the expected count and sum; prints "count=N sum=S".
check_rows() {
  local db=$1 table=$2 rows=$3 sum=$4 col=$5 got
  got=$(m "$db" -e "SELECT COUNT(*), SUM(\`$col\`) FROM \`$table\`" | tr '\t' ' ')
  echo "count=${got% *} sum($col)=${got#* }"
  if [[ "$got" != "$rows $sum" ]]; then
    echo "MISMATCH in $db.$table: got '$got', expected '$rows $sum'" >&2
    exit 1
  fi
}

run_workload() {
  local name=$1 gen=$2 export_sql=$3 sumcol=$4 end rep
  q -c "SELECT pg_create_logical_replication_slot('b_$name', 'pgoutput')" >/dev/null
  local g0
  g0=$(date +%s.%N)
  "$gen"
  end=$(q -c "SELECT pg_current_wal_insert_lsn()")
  q -c "CHECKPOINT" >/dev/null
  local wal rows sum
  wal=$(q -c "SELECT pg_size_pretty(pg_wal_lsn_diff('$end', restart_lsn)) FROM pg_replication_slots WHERE slot_name = 'b_$name'")
  rows=$(q -c "SELECT count(*) FROM $name")
  sum=$(q -c "SELECT sum($sumcol) FROM $name")
  printf '%s: %d rows written in %.1f s, %s of WAL behind the slot, end LSN %s\n' \
    "$name" "$rows" "$(echo "$(date +%s.%N) - $g0" | bc -l)" "$wal" "$end"
  if [[ $LOAD == 1 ]]; then
    q -c "COPY ($export_sql) TO STDOUT (FORMAT csv)" >"$WORK/$name.csv"
    echo "$name: CSV for LOAD DATA: $(du -m "$WORK/$name.csv" | cut -f1) MB, $(wc -l <"$WORK/$name.csv") lines"
  fi
  local -a T_NULL T_MY T_LOAD C_NULL C_MY WS_NULL WS_MY MC_MY MC_LOAD R_NULL R_LOAD AP_MY
  for ((rep = 1; rep <= REPS; rep++)); do
    local order=(null mysql) kind line
    ((rep % 2 == 0)) && order=(mysql null)
    [[ $LOAD == 1 ]] && order+=(load)
    line="$name rep $rep:"
    for kind in "${order[@]}"; do
      local slot="b_${name}_${kind}_$rep" db="${name}_${kind}_$rep" c0 c1 chk
      my_quiesce
      case $kind in
        null)
          q -c "SELECT pg_copy_logical_replication_slot('b_$name', '$slot')" >/dev/null
          walrelay_run null "$slot" "$end"
          T_NULL+=("$R_ELAPSED") C_NULL+=("$R_CPU") WS_NULL+=("${R_WS_CPU:-NA}")
          line+=$(printf ' null %s s (walrelay CPU %s s, walsender CPU %s s) |' "$(f2 "$R_ELAPSED")" \
            "$(f2 "$R_CPU")" "$(f2 "$R_WS_CPU")")
          ;;
        mysql)
          m -e "CREATE DATABASE \`$db\`"
          q -c "SELECT pg_copy_logical_replication_slot('b_$name', '$slot')" >/dev/null
          c0=$(my_server_cpu)
          walrelay_run mysql "$slot" "$end" "$db"
          c1=$(my_server_cpu)
          T_MY+=("$R_ELAPSED") C_MY+=("$R_CPU") WS_MY+=("${R_WS_CPU:-NA}") MC_MY+=("$(echo "$c1 - $c0" | bc -l)")
          chk=$(check_rows "$db" "$name" "$rows" "$sum" "$sumcol")
          AP_MY+=("$(apply_tail "$WORK/$slot.log")")
          line+=$(printf ' mysql %s s (walrelay CPU %s s, walsender CPU %s s, mariadbd CPU %s s%s; %s) |' \
            "$(f2 "$R_ELAPSED")" "$(f2 "$R_CPU")" "$(f2 "$R_WS_CPU")" "$(f2 "${MC_MY[-1]}")" \
            "$([[ ${AP_MY[-1]} != NA ]] && printf ', big txn applied %s s after its first piece' "$(f2 "${AP_MY[-1]}")")" "$chk")
          if [[ $rep == 1 ]]; then
            m -e "CREATE DATABASE IF NOT EXISTS tmpl; CREATE TABLE tmpl.\`$name\` LIKE \`$db\`.\`$name\`"
            echo "$name: table created by the sink: $(m -e "SHOW CREATE TABLE tmpl.\`$name\`" | cut -f2- | tr -s '\n ' ' ' | sed 's/\\n/ /g')"
          fi
          m -e "DROP DATABASE \`$db\`"
          ;;
        load)
          m -e "CREATE DATABASE \`$db\`; CREATE TABLE \`$db\`.\`$name\` LIKE tmpl.\`$name\`"
          c0=$(my_server_cpu)
          /usr/bin/time -v -o "$WORK/$db.time" mariadb --no-defaults -S "$MY_SOCK" -u root \
            --local-infile=1 -N -B "$db" -e "LOAD DATA LOCAL INFILE '$WORK/$name.csv' INTO TABLE \`$name\` CHARACTER SET utf8mb4 FIELDS TERMINATED BY ',' OPTIONALLY ENCLOSED BY '\"' LINES TERMINATED BY '\n'; SHOW COUNT(*) WARNINGS" \
            >"$WORK/$db.out"
          c1=$(my_server_cpu)
          bench_parse_time "$WORK/$db.time"
          T_LOAD+=("$R_ELAPSED") MC_LOAD+=("$(echo "$c1 - $c0" | bc -l)")
          chk=$(check_rows "$db" "$name" "$rows" "$sum" "$sumcol")
          line+=$(printf ' LOAD DATA %s s (mariadbd CPU %s s; warnings %s; %s) |' "$(f2 "$R_ELAPSED")" \
            "$(f2 "${MC_LOAD[-1]}")" "$(cat "$WORK/$db.out")" "$chk")
          m -e "DROP DATABASE \`$db\`"
          ;;
      esac
    done
    local i=$((rep - 1))
    R_NULL+=("$(div "${T_MY[i]}" "${T_NULL[i]}")")
    [[ $LOAD == 1 ]] && R_LOAD+=("$(div "${T_MY[i]}" "${T_LOAD[i]}")")
    line+=$(printf ' mysql/null %s' "$(f2 "${R_NULL[i]}")")
    [[ $LOAD == 1 ]] && line+=$(printf ', mysql/load_data %s' "$(f2 "${R_LOAD[i]}")")
    echo "$line"
  done
  echo "== $name ($rows rows), $REPS reps, mean (min–max):"
  echo "   walrelay -> null s          $(range "${T_NULL[@]}")"
  echo "   walrelay -> MySQL sink s    $(range "${T_MY[@]}")"
  [[ $LOAD == 1 ]] && echo "   LOAD DATA LOCAL INFILE s    $(range "${T_LOAD[@]}")"
  echo "   mysql/null (per rep)        $(range "${R_NULL[@]}")   (target <= 1.10)"
  [[ $LOAD == 1 ]] && echo "   mysql/load_data (per rep)   $(range "${R_LOAD[@]}")"
  local ap
  ap=$(range "${AP_MY[@]}")
  [[ $ap != NA ]] && echo "   big txn: first piece -> applied, s (MySQL sink log) $ap"
  echo "   walrelay CPU s, null        $(range "${C_NULL[@]}")"
  echo "   walrelay CPU s, mysql       $(range "${C_MY[@]}")"
  echo "   walsender CPU s, null       $(range "${WS_NULL[@]}")"
  echo "   walsender CPU s, mysql      $(range "${WS_MY[@]}")"
  echo "   mariadbd CPU s, mysql       $(range "${MC_MY[@]}")"
  [[ $LOAD == 1 ]] && echo "   mariadbd CPU s, LOAD DATA   $(range "${MC_LOAD[@]}")"
  q -c "SELECT pg_drop_replication_slot('b_$name')" >/dev/null
  rm -f "$WORK/$name.csv"
  return 0
}

bench_workload_tables

echo "walrelay MySQL sink bench, $(date -u '+%Y-%m-%d %H:%M UTC')"
bench_machine_line
echo "PostgreSQL $(q -c 'SHOW server_version'); reps $REPS; sink options: socket, user root, database${SINK_OPTS:+, $SINK_OPTS} (others default)"
echo "MariaDB $(m -e 'SELECT @@version'): mariadbd ${MY_OPTS[*]}"
m -e "SELECT CONCAT('  innodb_flush_log_at_trx_commit=', @@innodb_flush_log_at_trx_commit, ' innodb_buffer_pool_size=', @@innodb_buffer_pool_size, ' innodb_log_file_size=', @@innodb_log_file_size, ' innodb_doublewrite=', @@innodb_doublewrite, ' innodb_flush_method=', @@innodb_flush_method, ' innodb_io_capacity=', @@innodb_io_capacity, ' log_bin=', @@log_bin, ' local_infile=', @@local_infile)"
for w in $WORKLOADS; do
  case $w in
    bulk) run_workload bulk gen_bulk "SELECT id, a, b, c, d AT TIME ZONE 'UTC' FROM bulk ORDER BY id" a ;;
    small) run_workload small gen_small "SELECT id, v, t FROM small ORDER BY id" v ;;
    *) echo "unknown workload $w" >&2; exit 2 ;;
  esac
done
echo "load at end: $(cut -d' ' -f1-3 /proc/loadavg)"

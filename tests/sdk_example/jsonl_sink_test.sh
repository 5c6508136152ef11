#!/usr/bin/env bash
# sdk_example.jsonl_sink_installed: the SDK as a third party uses it.
#
#   jsonl_sink_test.sh BUILD_DIR SOURCE_DIR
#
# 1. `cmake --install BUILD_DIR` into a temporary prefix; checks the layout and walrelay.pc;
# 2. configures, builds and installs sdk/examples/jsonl_sink in a separate build dir with
#    only -DCMAKE_PREFIX_PATH=<prefix> (find_package(walrelay)); the plugin lands in the
#    prefix's plugin dir, which the installed walrelay finds by itself (no plugin_dir);
# 3. starts a throwaway PostgreSQL 15 (scripts/lib/pg.sh), runs <prefix>/bin/walrelay with
#    the example sink, writes rows, stops walrelay; writes more rows while it is down and
#    leaves a torn line at the end of the file (a crash mid-write); runs it again;
# 4. checks the JSON lines file holds exactly the expected changes, each once, in order.
# Everything it starts and creates is removed on exit (WALRELAY_TEST_KEEP=1 keeps files).
set -euo pipefail

BUILD_DIR="$(cd "$1" && pwd)"
SOURCE_DIR="$(cd "$2" && pwd)"
# shellcheck source=scripts/lib/pg.sh
source "$SOURCE_DIR/scripts/lib/pg.sh"
unset PGTZ PGDATESTYLE PGOPTIONS PGHOST PGPORT PGDATABASE PGUSER PGSERVICE

WORK="$(mktemp -d /tmp/walrelay-sdk-example.XXXXXX)"
chmod 755 "$WORK" # the postgres OS user (when we are root) must reach the cluster dir
WALRELAY_PID=""

die() {
  echo "FAIL: $*" >&2
  exit 1
}

# shellcheck disable=SC2317  # invoked by the EXIT trap
cleanup() {
  local rc=$?
  set +e
  if [[ -n "$WALRELAY_PID" ]] && kill -0 "$WALRELAY_PID" 2>/dev/null; then
    kill -KILL "$WALRELAY_PID"
    wait "$WALRELAY_PID" 2>/dev/null
  fi
  pg_stop_cluster
  if ((rc != 0)); then
    for log in "$WORK"/walrelay-*.log; do
      [[ -f "$log" ]] && { echo "--- $log (last 30 lines)"; tail -n 30 "$log"; } >&2
    done
  fi
  if [[ "${WALRELAY_TEST_KEEP:-0}" == 1 ]]; then
    echo "kept $WORK" >&2
  else
    rm -rf "$WORK"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- 1. install -----------------------------------------------------------------------------
PREFIX="$WORK/prefix"
echo "== cmake --install $BUILD_DIR --prefix $PREFIX"
cmake --install "$BUILD_DIR" --prefix "$PREFIX" >"$WORK/install.log" 2>&1 ||
  { cat "$WORK/install.log" >&2; die "cmake --install failed"; }
for f in bin/walrelay lib/walrelay/plugins/walrelay-sink-sqlite.so include/walrelay/sink.h \
  include/walrelay/sink.hpp share/cmake/walrelay/walrelayConfig.cmake \
  share/cmake/walrelay/walrelayConfigVersion.cmake share/cmake/walrelay/walrelayTargets.cmake \
  share/pkgconfig/walrelay.pc 'lib/systemd/system/walrelay@.service' etc/walrelay/example.yaml; do
  [[ -f "$PREFIX/$f" ]] || die "not installed: $f"
done
[[ -x "$PREFIX/bin/walrelay" ]] || die "bin/walrelay is not executable"
# pkg-config: the prefix of this install, not the build or source tree.
export PKG_CONFIG_PATH="$PREFIX/share/pkgconfig"
cflags="$(pkg-config --cflags walrelay)"
[[ "${cflags% }" == "-I$PREFIX/include" ]] || die "pkg-config --cflags walrelay: '$cflags'"
[[ "$(pkg-config --variable=plugindir walrelay)" == "$PREFIX/lib/walrelay/plugins" ]] ||
  die "pkg-config plugindir: '$(pkg-config --variable=plugindir walrelay)'"
grep -qxF "ExecStart=$PREFIX/bin/walrelay run -c $PREFIX/etc/walrelay/%i.yaml" \
  "$PREFIX/lib/systemd/system/walrelay@.service" || die "unit ExecStart does not use the prefix"

# --- 2. the example, against the installed SDK only -----------------------------------------
echo "== building sdk/examples/jsonl_sink against $PREFIX"
EXAMPLE_BUILD="$WORK/jsonl-build"
cmake -S "$SOURCE_DIR/sdk/examples/jsonl_sink" -B "$EXAMPLE_BUILD" \
  -DCMAKE_PREFIX_PATH="$PREFIX" -DCMAKE_FIND_PACKAGE_NO_PACKAGE_REGISTRY=ON \
  -DCMAKE_C_FLAGS="-Werror" >"$WORK/example-configure.log" 2>&1 ||
  { cat "$WORK/example-configure.log" >&2; die "configuring the example failed"; }
grep -qxF "walrelay_DIR:PATH=$PREFIX/share/cmake/walrelay" "$EXAMPLE_BUILD/CMakeCache.txt" ||
  die "find_package(walrelay) did not use the installed package: $(grep walrelay_DIR "$EXAMPLE_BUILD/CMakeCache.txt")"
cmake --build "$EXAMPLE_BUILD" >"$WORK/example-build.log" 2>&1 ||
  { cat "$WORK/example-build.log" >&2; die "building the example failed"; }
cmake --install "$EXAMPLE_BUILD" >"$WORK/example-install.log" 2>&1 ||
  { cat "$WORK/example-install.log" >&2; die "installing the example failed"; }
PLUGIN="$PREFIX/lib/walrelay/plugins/walrelay-sink-jsonl.so"
[[ -f "$PLUGIN" ]] || die "the example did not install $PLUGIN"
# Only the entry symbol is exported.
exports="$(nm -D --defined-only "$PLUGIN" | awk '{print $3}' | sort | tr '\n' ' ')"
[[ "$exports" == "walrelay_sink_entry " ]] || die "the plugin exports: $exports"
# The installed walrelay finds it in its default plugin dir and accepts it.
"$PREFIX/bin/walrelay" plugins >"$WORK/plugins.txt" 2>&1 || true
if ! grep -qxF "plugin dir: $PREFIX/lib/walrelay/plugins" "$WORK/plugins.txt" ||
  ! grep -qE '^jsonl +0\.1\.0 +abi 1 +caps transactional,truncate,schema-change,partial-txn,messages$' \
    "$WORK/plugins.txt" ||
  ! grep -qE '^sqlite +' "$WORK/plugins.txt" || grep -q '^refused' "$WORK/plugins.txt"; then
  cat "$WORK/plugins.txt" >&2
  die "the installed walrelay does not list jsonl and sqlite from its plugin dir"
fi

# --- 3. PostgreSQL and walrelay ---------------------------------------------------------------
echo "== starting PostgreSQL 15"
pg_start_cluster "$WORK/pg" || die "could not start PostgreSQL"
pg_psql <<'SQL'
CREATE TABLE items (id int PRIMARY KEY, name text);
CREATE TABLE scratch (n int);
CREATE PUBLICATION sdk_example_pub FOR TABLE items, scratch;
SQL

OUT="$WORK/out/changes.jsonl"
mkdir -p "$WORK/out"
cat >"$WORK/walrelay.yaml" <<YAML
log_level: info
source:
  conninfo: "$(pg_conninfo postgres)"
  slot: sdk_example
  publication: sdk_example_pub
  create_slot: true
  messages: true
  status_interval_ms: 500
spool:
  dir: "$WORK/spool"
http:
  listen: ""
sinks:
  - name: lines
    plugin: jsonl
    options:
      path: "$OUT"
YAML

run_no=0
start_walrelay() {
  run_no=$((run_no + 1))
  "$PREFIX/bin/walrelay" run -c "$WORK/walrelay.yaml" 2>"$WORK/walrelay-$run_no.log" >&2 &
  WALRELAY_PID=$!
  local _
  for _ in $(seq 1 150); do
    kill -0 "$WALRELAY_PID" 2>/dev/null || die "walrelay exited during start-up"
    if [[ "$(pg_psql -At -c "SELECT count(*) FROM pg_replication_slots
          WHERE slot_name = 'sdk_example' AND active")" == 1 ]]; then
      return 0
    fi
    sleep 0.2
  done
  die "walrelay did not start streaming within 30 s"
}
stop_walrelay() {
  kill -TERM "$WALRELAY_PID"
  local status=0
  wait "$WALRELAY_PID" || status=$?
  WALRELAY_PID=""
  ((status == 0)) || die "walrelay exited with status $status after SIGTERM"
}
wait_lines() { # N: until the file has exactly N lines
  local _
  for _ in $(seq 1 150); do
    if [[ -f "$OUT" ]] && (($(wc -l <"$OUT") == $1)); then return 0; fi
    kill -0 "$WALRELAY_PID" 2>/dev/null || die "walrelay exited"
    sleep 0.2
  done
  die "expected exactly $1 lines in $OUT within 30 s, have $(wc -l <"$OUT" 2>/dev/null || echo 0)"
}

echo "== run 1"
start_walrelay
pg_psql <<'SQL'
INSERT INTO items VALUES (1, 'plain'),
  (2, E'quote " backslash \\ tab \t newline \n bell \x07 \u00e9 \u2713 \U0001F600'),
  (3, NULL);
UPDATE items SET name = 'renamed' WHERE id = 1;
DELETE FROM items WHERE id = 3;
BEGIN;
INSERT INTO items VALUES (4, 'four');
SELECT pg_logical_emit_message(true, 'sdk', 'hello') \g /dev/null
COMMIT;
INSERT INTO scratch VALUES (1);
TRUNCATE scratch;
SQL
wait_lines 9
stop_walrelay

echo "== run 2 (changes made while stopped, uncommitted lines left by a crash)"
pg_psql -c "INSERT INTO items VALUES (5, 'five'), (6, 'six')"
pg_psql -c "UPDATE items SET id = 7 WHERE id = 6"
# Lines of a batch that was written but never committed (no .pos update), the last one torn:
# longer than what run 2 writes, so only cutting the file back removes them all.
for _ in $(seq 1 40); do
  printf '{"xid":1,"lsn":"0/1","op":"insert","schema":"public","table":"items","columns":{"id":"99"}}\n'
done >>"$OUT"
printf '{"xid":1,"lsn":"0/2","op":"torn' >>"$OUT"
start_walrelay
wait_lines 12 # 9 + 40 uncommitted until they are cut off, then 9 + 3
# Nothing more may arrive: give it time to (wrongly) write something, then stop.
sleep 2
stop_walrelay

# --- 4. the file ------------------------------------------------------------------------------
echo "== checking $OUT"
# Raw bytes: escapes as JSON wants them, UTF-8 passed through unescaped.
grep -qF 'quote \" backslash \\ tab \t newline \n bell \u0007 é ✓ 😀' "$OUT" ||
  die "the escaped line is not as expected: $(grep '"2"' "$OUT" | head -n 1)"
pos="$(cat "$OUT.pos")"
[[ "$pos" =~ ^v1\ [0-9A-F]+/[0-9A-F]+\ ([0-9]+)$ ]] || die "bad position file: $pos"
[[ "${BASH_REMATCH[1]}" == "$(stat -c %s "$OUT")" ]] ||
  die "position file records ${BASH_REMATCH[1]} bytes, the file has $(stat -c %s "$OUT")"

python3 - "$OUT" <<'PY'
import json, re, sys

lines = open(sys.argv[1], encoding="utf-8").read().split("\n")
if lines[-1] != "":
    sys.exit("the file does not end with a newline (torn line kept?): %r" % lines[-1][:80])
rows = [json.loads(l) for l in lines[:-1]]

lsn_re = re.compile(r"^[0-9A-F]{1,8}/[0-9A-F]{1,8}$")
def lsn(v):
    hi, lo = v.split("/")
    return (int(hi, 16) << 32) | int(lo, 16)

prev = 0
for r in rows:
    if not lsn_re.match(r.get("lsn", "")):
        sys.exit("bad lsn in %r" % r)
    if not isinstance(r.get("xid"), int) or r["xid"] <= 0:
        sys.exit("bad xid in %r" % r)
    if lsn(r["lsn"]) <= prev:
        sys.exit("lsn does not increase at %r" % r)
    prev = lsn(r["lsn"])

T = {"schema": "public", "table": "items"}
expected = [
    dict(op="insert", **T, columns={"id": "1", "name": "plain"}),
    dict(op="insert", **T, columns={"id": "2", "name":
         'quote " backslash \\ tab \t newline \n bell \x07 \u00e9 \u2713 \U0001F600'}),
    dict(op="insert", **T, columns={"id": "3", "name": None}),
    dict(op="update", **T, columns={"id": "1", "name": "renamed"}),
    dict(op="delete", **T, old={"id": "3"}),
    dict(op="insert", **T, columns={"id": "4", "name": "four"}),
    dict(op="message", transactional=True, prefix="sdk", content="hello"),
    dict(op="insert", schema="public", table="scratch", columns={"n": "1"}),
    dict(op="truncate", tables=[{"schema": "public", "table": "scratch"}], cascade=False,
         restart_identity=False),
    # run 2
    dict(op="insert", **T, columns={"id": "5", "name": "five"}),
    dict(op="insert", **T, columns={"id": "6", "name": "six"}),
    dict(op="update", **T, columns={"id": "7", "name": "six"}, old={"id": "6"}),
]
got = [{k: v for k, v in r.items() if k not in ("lsn", "xid")} for r in rows]
if got != expected:
    print("expected %d lines, got %d" % (len(expected), len(got)), file=sys.stderr)
    for i in range(max(len(got), len(expected))):
        g = got[i] if i < len(got) else None
        e = expected[i] if i < len(expected) else None
        print(("   " if g == e else "!! ") + "got %r\n   want %r" % (g, e), file=sys.stderr)
    sys.exit(1)
# One transaction, one xid: the three-row INSERT; the insert and the message; two runs of
# the INSERT of 5 and 6. Different transactions, different xids.
x = [r["xid"] for r in rows]
if not (x[0] == x[1] == x[2] and x[5] == x[6] and x[9] == x[10]):
    sys.exit("changes of one transaction carry different xids: %r" % x)
if len({x[0], x[3], x[4], x[5], x[7], x[8], x[9], x[11]}) != 8:
    sys.exit("different transactions share an xid: %r" % x)
print("ok: %d lines, exactly the expected changes" % len(rows))
PY
echo "PASS"

#!/usr/bin/env bash
# sdk_example.deb_package: `cpack -G DEB` from the build tree makes a walrelay .deb with the
# program, the plugins (under their own file names), the SDK (headers, CMake package,
# walrelay.pc), the systemd unit and the default config as a conffile.
#
#   deb_package_test.sh BUILD_DIR
#
# Needs cpack and dpkg-deb (dpkg). The package is built in a temporary directory, removed
# on exit (WALRELAY_TEST_KEEP=1 keeps it).
set -euo pipefail

BUILD_DIR="$(cd "$1" && pwd)"
WORK="$(mktemp -d /tmp/walrelay-deb-test.XXXXXX)"
# shellcheck disable=SC2317  # invoked by the EXIT trap
cleanup() {
  local rc=$?
  if [[ "${WALRELAY_TEST_KEEP:-0}" == 1 ]]; then echo "kept $WORK" >&2; else rm -rf "$WORK"; fi
  exit "$rc"
}
trap cleanup EXIT
die() {
  echo "FAIL: $*" >&2
  exit 1
}

echo "== cpack -G DEB (package directory $WORK)"
(cd "$WORK" && cpack -G DEB --config "$BUILD_DIR/CPackConfig.cmake" -B "$WORK") \
  >"$WORK/cpack.log" 2>&1 || { cat "$WORK/cpack.log" >&2; die "cpack failed"; }
shopt -s nullglob
debs=("$WORK"/walrelay_*.deb)
((${#debs[@]} == 1)) || { cat "$WORK/cpack.log" >&2; die "expected one walrelay_*.deb, found ${#debs[@]}"; }
DEB="${debs[0]}"
echo "   $(basename "$DEB"), $(stat -c %s "$DEB") bytes"

# --- contents -----------------------------------------------------------------------------
# Paths only ("./usr/bin/walrelay"), without the " -> target" of links.
dpkg-deb -c "$DEB" | awk '{print $6}' >"$WORK/contents.txt"
expect=(
  ./usr/bin/walrelay
  ./usr/lib/walrelay/plugins/walrelay-sink-sqlite.so
  ./usr/lib/systemd/system/walrelay@.service
  ./etc/walrelay/example.yaml
  ./usr/include/walrelay/sink.h
  ./usr/include/walrelay/sink.hpp
  ./usr/share/cmake/walrelay/walrelayConfig.cmake
  ./usr/share/cmake/walrelay/walrelayConfigVersion.cmake
  ./usr/share/cmake/walrelay/walrelayTargets.cmake
  ./usr/share/pkgconfig/walrelay.pc
)
# Every sink plugin this build tree made, under its own file name.
for so in "$BUILD_DIR"/plugins/walrelay-sink-*.so; do
  expect+=("./usr/lib/walrelay/plugins/$(basename "$so")")
done
for p in "${expect[@]}"; do
  grep -qxF "$p" "$WORK/contents.txt" || { cat "$WORK/contents.txt" >&2; die "not in the package: $p"; }
done
# Nothing outside /usr and /etc, nothing under /usr/local, no build-tree paths.
bad="$(grep -vE '^\./($|usr/|etc/)' "$WORK/contents.txt" || true)"
[[ -z "$bad" ]] || die "unexpected paths in the package: $bad"
! grep -q '^\./usr/local' "$WORK/contents.txt" || die "files under /usr/local in the package"

# --- control: fields, conffiles, maintainer scripts -----------------------------------------
dpkg-deb -I "$DEB" >"$WORK/info.txt"
[[ "$(dpkg-deb -f "$DEB" Package)" == walrelay ]] || die "Package is not walrelay"
[[ -n "$(dpkg-deb -f "$DEB" Maintainer)" ]] || die "no Maintainer"
depends="$(dpkg-deb -f "$DEB" Depends)"
[[ "$depends" == *adduser* ]] || die "Depends lacks adduser (postinst): $depends"
[[ "$depends" == *libpq5* ]] || die "Depends lacks libpq5: $depends"
[[ "$depends" == *libsqlite3-0* ]] || die "Depends lacks libsqlite3-0 (sqlite sink): $depends"
grep -qE '^ +[0-9]+ bytes, +[0-9]+ lines +conffiles' "$WORK/info.txt" ||
  { cat "$WORK/info.txt" >&2; die "dpkg-deb -I lists no conffiles"; }
grep -qE '^ +[0-9]+ bytes, +[0-9]+ lines +\* +postinst' "$WORK/info.txt" ||
  { cat "$WORK/info.txt" >&2; die "dpkg-deb -I lists no executable postinst"; }
[[ "$(dpkg-deb -I "$DEB" conffiles)" == "/etc/walrelay/example.yaml" ]] ||
  die "conffiles: $(dpkg-deb -I "$DEB" conffiles)"
dpkg-deb -I "$DEB" postinst | grep -q 'adduser --system' || die "postinst does not create the walrelay user"

# --- the files that depend on the prefix: packaged for /usr and /etc ----------------------
mkdir "$WORK/root"
dpkg-deb -x "$DEB" "$WORK/root"
unit="$WORK/root/usr/lib/systemd/system/walrelay@.service"
grep -qxF 'ExecStart=/usr/bin/walrelay run -c /etc/walrelay/%i.yaml' "$unit" ||
  die "unit ExecStart: $(grep ExecStart "$unit")"
grep -qxF 'User=walrelay' "$unit" || die "unit does not run as walrelay"
grep -qxF 'prefix=/usr' "$WORK/root/usr/share/pkgconfig/walrelay.pc" || die "walrelay.pc prefix is not /usr"
grep -qxF 'plugin_dir: /usr/lib/walrelay/plugins' "$WORK/root/etc/walrelay/example.yaml" ||
  die "example.yaml does not use the packaged plugin dir"
if grep -rlF -e "$BUILD_DIR" -e "$WORK" "$WORK/root/usr/share" "$WORK/root/usr/lib/systemd" \
  "$WORK/root/etc" >"$WORK/leaks.txt"; then
  die "build-tree paths in: $(cat "$WORK/leaks.txt")"
fi
# The packaged program finds the packaged plugins (<exe>/../lib/walrelay/plugins).
"$WORK/root/usr/bin/walrelay" plugins >"$WORK/plugins.txt" 2>&1 || true
if ! grep -qxF "plugin dir: $WORK/root/usr/lib/walrelay/plugins" "$WORK/plugins.txt" ||
  ! grep -qE '^sqlite +' "$WORK/plugins.txt" || grep -q '^refused' "$WORK/plugins.txt"; then
  cat "$WORK/plugins.txt" >&2
  die "the packaged walrelay does not find its plugins"
fi
echo "PASS"

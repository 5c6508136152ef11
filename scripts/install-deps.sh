#!/usr/bin/env bash
# Installs the Debian 12 packages walrelay needs to build, test and run its demo.
# Usage: scripts/install-deps.sh   (as root, or with sudo available)
set -euo pipefail
PACKAGES=(
  build-essential cmake pkg-config git
  libpq-dev postgresql-15 postgresql-client-15
  libboost-dev libyaml-cpp-dev libspdlog-dev libfmt-dev libcli11-dev
  libsqlite3-dev sqlite3 zlib1g-dev librdkafka-dev libcpp-httplib-dev file
  default-libmysqlclient-dev mariadb-server freetds-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  binutils procps bc time python3 clang libclang-rt-14-dev openssl
)
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update
  $SUDO apt-get install -y --no-install-recommends "${missing[@]}"
fi

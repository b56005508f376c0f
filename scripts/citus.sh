#!/usr/bin/env bash
# Citus for Grassroots: build and install it into the machine's PostgreSQL, start and stop a local cluster
# (a coordinator and two workers on their own ports and data directories). Called by `make citus`,
# `make citus-up` and `make citus-down`; see docs/citus.md.
set -euo pipefail

PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
CITUS_DIR=${CITUS_DIR:-$PWD/var/citus}
CITUS_PORTS=${CITUS_PORTS:-"9700 9701 9702"}
CITUS_VERSION=${CITUS_VERSION:-13.2.2}
DB=grassroots

sudo_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# The cluster runs as a non-root user: postgres when we are root, else ourselves.
as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

installed() {
  local pkglib share
  pkglib=$("$PG_BIN/pg_config" --pkglibdir 2>/dev/null) || return 1
  share=$("$PG_BIN/pg_config" --sharedir 2>/dev/null) || return 1
  [ -f "$share/extension/citus.control" ] && grep -aq "Citus $CITUS_VERSION" "$pkglib/citus.so" 2>/dev/null
}

build() {
  if installed; then
    echo "== Citus $CITUS_VERSION is installed in PostgreSQL ($("$PG_BIN/pg_config" --pkglibdir)/citus.so)"
    return 0
  fi
  local src=${CITUS_SRC:-}
  if [ -z "$src" ] || [ ! -d "$src" ]; then
    cat >&2 <<MSG
Citus $CITUS_VERSION source not found (CITUS_SRC='${src}').
Get it from https://github.com/citusdata/citus/archive/refs/tags/v$CITUS_VERSION.tar.gz (tag v$CITUS_VERSION,
commit cc91f4c29cc358f66e70eb1ef204a45999933926), or as ../shared/vendor/citus beside this checkout, then run
  make citus CITUS_SRC=/path/to/folder-with-the-archive-or-the-unpacked-source
MSG
    exit 2
  fi
  src=$(cd "$src" && pwd)
  echo "== Installing the build packages (apt)"
  [ -x "$PG_BIN/pg_config" ] && dpkg -s libcurl4-openssl-dev liblz4-dev libzstd-dev libkrb5-dev >/dev/null 2>&1 ||
    { sudo_root apt-get update -qq &&
      DEBIAN_FRONTEND=noninteractive sudo_root apt-get install -y -qq \
        "postgresql-server-dev-$("$PG_BIN/postgres" --version | sed -E 's/.* ([0-9]+)\..*/\1/')" \
        libcurl4-openssl-dev liblz4-dev libzstd-dev libkrb5-dev >/dev/null; }
  local work="$CITUS_DIR/build"
  rm -rf "$work" && mkdir -p "$work"
  if [ -x "$src/configure" ]; then
    cp -a "$src/." "$work/"
  else
    local archive
    archive=$(ls "$src"/citus-"$CITUS_VERSION"*.tar.gz | head -1)
    echo "== Unpacking $archive"
    tar -xzf "$archive" -C "$work" --strip-components=1
    for p in "$src"/*.patch; do
      [ -e "$p" ] || continue
      echo "== Applying $(basename "$p")"
      patch -d "$work" -p1 -s <"$p"
    done
  fi
  echo "== Building Citus $CITUS_VERSION (about a minute)"
  (cd "$work" && ./configure -q PG_CONFIG="$PG_BIN/pg_config" >/dev/null &&
    make -s -j"$(nproc)" with_llvm=no >/dev/null)
  echo "== Installing into $("$PG_BIN/pg_config" --pkglibdir)"
  (cd "$work" && sudo_root make -s install with_llvm=no PG_CONFIG="$PG_BIN/pg_config" >/dev/null)
  rm -rf "$work"
}

psql_on() { local port=$1; shift; as_owner "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U postgres "$@"; }

up() {
  local ports=($CITUS_PORTS) coordinator=${CITUS_PORTS%% *}
  mkdir -p "$CITUS_DIR"
  if [ "$(id -u)" = 0 ]; then chown postgres: "$CITUS_DIR"; fi
  local fresh=0
  for port in "${ports[@]}"; do
    local data="$CITUS_DIR/node-$port"
    if [ ! -f "$data/PG_VERSION" ]; then
      fresh=1
      as_owner "$PG_BIN/initdb" -D "$data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
      cat >>"$data/postgresql.conf" <<CONF
# Grassroots' local Citus cluster (scripts/citus.sh)
port = $port
listen_addresses = '127.0.0.1'
unix_socket_directories = '$data'
shared_preload_libraries = 'citus'
max_connections = 200
shared_buffers = 128MB
fsync = off
synchronous_commit = off
full_page_writes = off
CONF
    fi
    if as_owner "$PG_BIN/pg_ctl" -D "$data" status >/dev/null 2>&1; then
      echo "== node $port is running"
    else
      as_owner "$PG_BIN/pg_ctl" -D "$data" -l "$data/log" -w -t 60 start >/dev/null
      echo "== node $port started"
    fi
  done
  database "$DB"
  echo "== Citus cluster up: coordinator postgres://postgres@127.0.0.1:$coordinator/$DB, workers ${ports[*]:1}"
}

# A database of the cluster: made on every node with the extension, the workers registered in the coordinator's.
database() {
  local name=$1 ports=($CITUS_PORTS) coordinator=${CITUS_PORTS%% *}
  for port in "${ports[@]}"; do
    psql_on "$port" -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$name'" | grep -q 1 ||
      psql_on "$port" -d postgres -c "CREATE DATABASE $name"
    psql_on "$port" -d "$name" -c "SET client_min_messages TO warning; CREATE EXTENSION IF NOT EXISTS citus"
  done
  if [ "$(psql_on "$coordinator" -d "$name" -tAc "SELECT count(*) FROM pg_dist_node WHERE noderole = 'primary' AND groupid > 0")" != "$((${#ports[@]} - 1))" ]; then
    psql_on "$coordinator" -d "$name" -c "SELECT citus_set_coordinator_host('127.0.0.1', $coordinator)" >/dev/null
    for port in "${ports[@]:1}"; do
      psql_on "$coordinator" -d "$name" -tAc "SELECT citus_add_node('127.0.0.1', $port)" >/dev/null
    done
  fi
}

# A fresh database of the cluster (the tests': pytest then reuses it rather than making a plain one).
fresh() {
  local name=$1 ports=($CITUS_PORTS)
  for port in "${ports[@]}"; do
    psql_on "$port" -d postgres -c "DROP DATABASE IF EXISTS $name WITH (FORCE)"
  done
  database "$name"
  echo "== fresh database $name on the cluster"
}

down() {
  for port in $CITUS_PORTS; do
    local data="$CITUS_DIR/node-$port"
    [ -f "$data/PG_VERSION" ] || continue
    if as_owner "$PG_BIN/pg_ctl" -D "$data" status >/dev/null 2>&1; then
      as_owner "$PG_BIN/pg_ctl" -D "$data" -m fast -w stop >/dev/null
      echo "== node $port stopped"
    fi
  done
}

case "${1:-}" in
  build) build ;;
  up) up ;;
  down) down ;;
  fresh) fresh "${2:?database name}" ;;
  *) echo "usage: $0 build|up|down|fresh NAME" >&2; exit 2 ;;
esac

#!/usr/bin/env bash
# Start, stop or inspect the project's own PostgreSQL and Redis on loopback.
#   scripts/services.sh start|stop|status
# Data lives in a project-local folder (git-ignored). As root, PostgreSQL's cluster must
# be owned by the postgres user, who may not be able to enter the checkout, so it then
# lives under /var/tmp/smgov-<hash of the checkout path>/.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
# Below the kernel's ephemeral range (32768+), so no test server can take them first.
PG_PORT="${SMGOV_PG_PORT:-25432}"
REDIS_PORT="${SMGOV_REDIS_PORT:-26379}"
PG_BIN="${SMGOV_PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}"
if [ "$(id -u)" = 0 ]; then
  VAR="/var/tmp/smgov-$(printf '%s' "$ROOT" | sha256sum | cut -c1-12)"
else
  VAR="$ROOT/.var"
fi
PG_DATA="$VAR/pg/data"
REDIS_DIR="$ROOT/.var/redis-$REDIS_PORT"
APT_PACKAGES=()

as_postgres() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

need() {  # need COMMAND-OR-PATH DEBIAN-PACKAGE
  if ! command -v "$1" >/dev/null 2>&1 && [ ! -x "$1" ]; then APT_PACKAGES+=("$2"); fi
}

install_missing() {
  need "${PG_BIN:-/nonexistent}/initdb" postgresql
  need redis-server redis-server
  need /usr/bin/chromium chromium  # renders the PDF snapshots, exports and reports
  need /usr/bin/gs ghostscript  # turns the e-archive's thread renderings into PDF/A
  [ -f /usr/share/hunspell/sv_SE.dic ] || [ -f /usr/share/hunspell/sv_SE.aff ] || APT_PACKAGES+=(hunspell-sv)
  # The PDFs' print styles name DejaVu Sans: without it Chromium falls back to whatever font it finds.
  [ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || APT_PACKAGES+=(fonts-dejavu-core)
  [ ${#APT_PACKAGES[@]} -eq 0 ] && return
  if [ "$(id -u)" = 0 ]; then
    echo "Installing ${APT_PACKAGES[*]} with apt-get ..."
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${APT_PACKAGES[@]}" >/dev/null
    PG_BIN="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)"
  else
    echo "Missing system packages. Install them with:" >&2
    echo "  sudo apt-get install -y ${APT_PACKAGES[*]}" >&2
    exit 1
  fi
}

swedish_dictionary() {
  # The ispell dictionary for Swedish search comes from hunspell-sv; pg_updatedicts links
  # it into PostgreSQL's tsearch_data (see archive/search.py).
  local share
  share="$("$PG_BIN/pg_config" --sharedir 2>/dev/null || echo /usr/share/postgresql/15)"
  if [ ! -f "$share/tsearch_data/sv_se.dict" ] && command -v pg_updatedicts >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ]; then pg_updatedicts >/dev/null 2>&1 || true; fi
  fi
}

pg_running() { as_postgres "$PG_BIN/pg_ctl" -D "$PG_DATA" status >/dev/null 2>&1; }
redis_running() { redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1; }

start_pg() {
  if [ ! -f "$PG_DATA/PG_VERSION" ]; then
    mkdir -p "$VAR/pg"
    [ "$(id -u)" = 0 ] && chown postgres "$VAR/pg"
    as_postgres "$PG_BIN/initdb" -D "$PG_DATA" -U smgov --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
  fi
  if pg_running && [ "$(sed -n 4p "$PG_DATA/postmaster.pid" 2>/dev/null)" != "$PG_PORT" ]; then
    echo "PostgreSQL was running on another port; restarting it on $PG_PORT"
    as_postgres "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast -w stop >/dev/null
  fi
  if ! pg_running; then
    as_postgres "$PG_BIN/pg_ctl" -D "$PG_DATA" -w -l "$VAR/pg/log" \
      -o "-p $PG_PORT -k /tmp -c listen_addresses=127.0.0.1 -c fsync=${SMGOV_PG_FSYNC:-on}" start >/dev/null
    echo "PostgreSQL started on 127.0.0.1:$PG_PORT ($PG_DATA)"
  fi
  if ! psql -h 127.0.0.1 -p "$PG_PORT" -U smgov -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname='smgov'" | grep -q 1; then
    psql -h 127.0.0.1 -p "$PG_PORT" -U smgov -d postgres -qc "CREATE DATABASE smgov" >/dev/null
  fi
}

start_redis() {
  if ! redis_running; then
    mkdir -p "$REDIS_DIR"
    redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --daemonize yes --dir "$REDIS_DIR" \
      --appendonly yes --pidfile "$REDIS_DIR/redis.pid" --logfile "$REDIS_DIR/redis.log" --save ""
    for _ in $(seq 50); do redis_running && break; sleep 0.1; done
    if ! redis_running; then
      echo "Redis did not start on port $REDIS_PORT; see $REDIS_DIR/redis.log" >&2
      exit 1
    fi
    echo "Redis started on 127.0.0.1:$REDIS_PORT"
  fi
}

case "${1:-status}" in
  start)
    install_missing
    swedish_dictionary
    start_pg
    start_redis
    ;;
  stop)
    if [ -n "$PG_BIN" ] && pg_running; then as_postgres "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast stop >/dev/null; echo "PostgreSQL stopped"; fi
    if redis_running; then redis-cli -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true; echo "Redis stopped"; fi
    ;;
  status)
    if pg_running; then echo "PostgreSQL: running on $PG_PORT"; else echo "PostgreSQL: stopped"; fi
    if redis_running; then echo "Redis: running on $REDIS_PORT"; else echo "Redis: stopped"; fi
    ;;
  *)
    echo "usage: $0 start|stop|status" >&2
    exit 2
    ;;
esac

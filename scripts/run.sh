#!/usr/bin/env bash
# Set up and start the whole system: PostgreSQL, Redis, migrations, demo data, then the
# web server, a Celery worker, Celery beat and the stream worker. Ctrl-C stops everything this script started.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
PY="$ROOT/.venv/bin/python"
PORT="${SMGOV_PORT:-8000}"
export SITE_URL="${SITE_URL:-http://127.0.0.1:$PORT}"

started_services=""
if ! scripts/services.sh status | grep -q "PostgreSQL: running" || ! scripts/services.sh status | grep -q "Redis: running"; then
  started_services=yes
fi
scripts/services.sh start
mkdir -p .var/static .var/media .var/log

pids=()
cleanup() {
  trap - INT TERM EXIT
  echo
  echo "Stopping smgov ..."
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [ -n "$started_services" ]; then scripts/services.sh stop; fi
}
trap cleanup INT TERM EXIT

"$PY" manage.py migrate --noinput
"$PY" manage.py seed_demo
"$PY" manage.py seed_demo_moderation
"$PY" manage.py seed_demo_history
"$PY" manage.py harvest_demo

"$PY" manage.py runserver "127.0.0.1:$PORT" --noreload &
pids+=($!)
"$ROOT/.venv/bin/celery" -A smgov worker --loglevel=INFO --concurrency=2 >.var/log/worker.log 2>&1 &
pids+=($!)
"$ROOT/.venv/bin/celery" -A smgov beat --loglevel=INFO >.var/log/beat.log 2>&1 &
pids+=($!)
"$PY" manage.py streams >.var/log/streams.log 2>&1 &
pids+=($!)

sleep 2
cat <<MSG

  smgov is running.
    Log in:        $SITE_URL/logga-in/   (any demo login above, e.g. anna.berg / smgov-demo-2026)
    Public page:   $SITE_URL/konton/
    Worker log:    .var/log/worker.log     Beat log: .var/log/beat.log
    Streams log:   .var/log/streams.log    (Bluesky Jetstream, Mastodon notifications)
  Press Ctrl-C to stop everything.

MSG
wait -n "${pids[@]}"

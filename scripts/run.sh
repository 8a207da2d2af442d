#!/usr/bin/env bash
# Serve ERMS as `make run` does: the web app under gunicorn and the scheduler (worker) process,
# started together and stopped together — when either ends, or on Ctrl-C / SIGTERM, both stop.
# Environment: VENV (default .venv), ERMS_BIND (default 127.0.0.1:5000), every ERMS_* setting.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=${VENV:-.venv}

"$venv/bin/erms" jobs run-scheduler &
scheduler=$!
"$venv/bin/gunicorn" --config gunicorn.conf.py &
web=$!

stop() {
    trap - EXIT INT TERM
    kill -TERM "$web" "$scheduler" 2>/dev/null || true
    wait "$web" "$scheduler" 2>/dev/null || true
}
trap stop EXIT
trap 'exit 130' INT TERM
wait -n "$web" "$scheduler"

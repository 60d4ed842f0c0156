#!/usr/bin/env bash
# Start the Flask sample app with gunicorn (gthread worker) from the local venv.
# Environment: PORT (8080), HOST (127.0.0.1), START_DELAY_MS (0), KEEP_ALIVE_S (60).
# Run scripts/setup-sample-apps.sh flask first.
set -euo pipefail
cd "$(dirname "$0")"
VENV="${VENV:-.venv}"
if [[ ! -x "$VENV/bin/gunicorn" ]]; then
  echo "run.sh: $VENV/bin/gunicorn not found; run scripts/setup-sample-apps.sh flask" >&2
  exit 1
fi
exec "$VENV/bin/gunicorn" --config gunicorn.conf.py

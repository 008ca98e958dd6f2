#!/usr/bin/env bash
# Started by the Procfile.
set -euo pipefail
export PYTHONUNBUFFERED=1
exec gunicorn app:server \
    --bind "0.0.0.0:${PORT:-8000}" \
    --workers "${WEB_CONCURRENCY:-2}" \
    --timeout 120

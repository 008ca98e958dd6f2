#!/bin/bash
# What the platform starts: the production server on the port it gives.
exec gunicorn app:server --workers 2 --bind "0.0.0.0:${PORT:-8000}"

#!/bin/bash
exec gunicorn app:server --workers 2

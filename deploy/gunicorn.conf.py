"""gunicorn settings for the dashboard, derived from the app's own limits:

    .venv/bin/gunicorn -c deploy/gunicorn.conf.py 'dashboard.wsgi:server'

A buffering reverse proxy in front is REQUIRED (deploy/nginx.conf): it reads slow clients'
headers and bodies to the end before a worker sees the request, so a worker thread is never
held by a client that sends one byte a second. Without one, a few such sockets hold every
thread (gunicorn reads a request's headers in the worker thread).

Settings come from RARE_EARTH_* variables as in the app (Settings.from_env), plus
RARE_EARTH_BIND and RARE_EARTH_WORKERS here.
"""

from __future__ import annotations

import os

from dashboard.settings import Settings

_settings = Settings.from_env()

bind = os.environ.get("RARE_EARTH_BIND", "127.0.0.1:8050")
# Each worker holds the data (shared copy-on-write with --preload) and its own Chromium
# for images; about one worker per core.
workers = int(os.environ.get("RARE_EARTH_WORKERS", str(min(4, os.cpu_count() or 1))))
# Threads: a request waiting on an image render or a slow upload does not hold the worker.
worker_class = "gthread"
threads = 4
preload_app = True  # the data is read once, before the workers fork
# Above the app's own longest request (an upload is refused after upload_seconds), so the
# client gets the app's JSON refusal, never gunicorn's killed worker and an HTML 500.
timeout = int(_settings.upload_seconds) + 30
graceful_timeout = timeout  # a restart lets the running requests finish
keepalive = 5
# A worker is replaced (freshly forked from the preloaded master) after this many requests,
# the jitter keeping them from all restarting at once: slow growth never accumulates.
max_requests = 1000
max_requests_jitter = 200
# gunicorn's control socket restarts a thread and an event loop in the master at every
# worker fork (the master grew 13 MB over 90 replacements in benchmarks/load_test.py), and
# its default path is shared by every gunicorn of the user. Nothing here uses it.
control_socket_disable = True
# The longest URL the app reads is a 2,000-character view query; headers stay small.
limit_request_line = 4094
limit_request_fields = 64
limit_request_field_size = 8190
# X-Forwarded-Proto is trusted from the local proxy only.
forwarded_allow_ips = os.environ.get("RARE_EARTH_PROXY_IPS", "127.0.0.1")

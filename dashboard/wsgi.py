"""WSGI entry point for production serving, behind the reverse proxy (deploy/nginx.conf):

    RARE_EARTH_PUBLIC_URL=https://dashboard.example/ \\
        .venv/bin/gunicorn -c deploy/gunicorn.conf.py 'dashboard.wsgi:server'

Settings come from RARE_EARTH_* environment variables (see Settings.from_env and the
README). Debug is never on here. Data with problems is refused unless
RARE_EARTH_KEEP_VALID_ROWS=1, as with `serve`. Each worker looks at the data folders at most
every RARE_EARTH_DATA_CHECK_S seconds (on a request) and serves new, changed or removed
files from then on (web/context.py); the workers share the per-file cache, so a new file is
read raw once, by whichever worker gets there first, and its lock makes the others wait.
"""

from __future__ import annotations

import sys

from dashboard.ingest import dataset
from dashboard.settings import Settings
from dashboard.web.app import create_app


def build(settings: Settings | None = None):
    settings = settings or Settings.from_env()
    data = dataset.load(list(settings.data_paths), cache_dir=settings.data_cache_dir)
    if data.problems and not settings.keep_valid_rows:
        print(f"{len(data.problems):,} problems in the data: run `validate`, or set"
              " RARE_EARTH_KEEP_VALID_ROWS=1 to serve the valid rows.", file=sys.stderr)
        raise SystemExit(1)
    return create_app(settings, data)


app = build()
server = app.server

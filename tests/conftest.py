"""Shared fixtures: the demo data (loaded once), an app factory, a live server, files.

A browser test adds `browser` and `open_page` (tests/browser/conftest.py) on top of
`server_url` here; a test that only speaks HTTP uses `server_url` or `make_app` directly.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time

# Every figure a test builds goes through plotly's validation (off in production for speed).
os.environ.setdefault("RARE_EARTH_VALIDATE_FIGURES", "1")

import threading
from collections.abc import Callable, Iterator
from functools import cache
from typing import TYPE_CHECKING

import pytest
from factories import PLUS_COLUMNS, plus_row, snake_case_name, write_rows
from gunicorn_server import PREFIX, Gunicorn, free_port
from werkzeug.serving import make_server

if TYPE_CHECKING:
    from dashboard.ingest import dataset


@cache
def load_demo() -> dataset.Dataset:
    """The demo dataset in data/, read once per test session."""
    from dashboard.ingest import dataset
    from dashboard.settings import DEFAULT_DATA

    return dataset.load([DEFAULT_DATA])


@pytest.fixture(scope="session")
def demo_data() -> dataset.Dataset:
    """The demo dataset, shared by every test (never modify it)."""
    return load_demo()


@pytest.fixture(scope="session")
def make_app(tmp_path_factory) -> Callable[..., object]:
    """Build the Dash app: `make_app(data=None, **settings)`.

    `data` defaults to the demo dataset; `settings` are `Settings` fields, and each app
    gets its own temporary cache folder unless `cache_dir` is given. Session-scoped, so a
    module- or session-scoped fixture may build its app with it.
    """
    from dashboard.settings import Settings
    from dashboard.web.app import create_app  # imports Dash: only when a test needs an app

    def make(data: dataset.Dataset | None = None, **settings):
        settings.setdefault("cache_dir", tmp_path_factory.mktemp("cache"))
        return create_app(Settings(**settings), load_demo() if data is None else data)
    return make


@pytest.fixture(scope="session")
def live_server() -> Iterator[Callable[[object], str]]:
    """Serve an app on a free loopback port in a thread: `live_server(app)` -> its URL
    (no trailing slash). Every server stops at the end of the session."""
    servers = []

    def serve(app) -> str:
        server = make_server("127.0.0.1", 0, app.server, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_port}"

    yield serve
    for server in servers:
        server.shutdown()


@pytest.fixture(scope="session")
def server_url(make_app, live_server) -> str:
    """The demo app served on loopback, shared by the session's browser and HTTP tests."""
    # Any page on 127.0.0.1 (another port: the embed host page) may frame the app;
    # "localhost" may not, so a test can check that a frame is refused.
    return live_server(make_app(frame_ancestors=("'self'", "http://127.0.0.1:*")))


@pytest.fixture(scope="session")
def production_folder(tmp_path_factory):
    """Where the gunicorn servers keep their caches and logs (uploads land here too)."""
    return tmp_path_factory.mktemp("production")


@pytest.fixture(scope="session")
def gunicorn_servers(production_folder):
    """Two `gunicorn --workers 2` servers under /rare-earths/: "keep" sees the prefix,
    "strip" is meant to sit behind a proxy that strips it. They start together (each
    worker reads the data), so the session waits once."""
    folder = production_folder
    keep = Gunicorn({"RARE_EARTH_BASE_PATH": PREFIX,
                     "RARE_EARTH_CACHE_DIR": str(folder / "keep-cache")}, folder / "keep.log")
    strip = Gunicorn({"RARE_EARTH_BASE_PATH": PREFIX, "RARE_EARTH_PROXY_PREFIX": "strip",
                      "RARE_EARTH_CACHE_DIR": str(folder / "strip-cache")},
                     folder / "strip.log")
    try:
        keep.wait_healthy(f"{PREFIX}healthz")
        strip.wait_healthy("/healthz")
        yield {"keep": keep, "strip": strip}
    finally:
        keep.stop()
        strip.stop()


@pytest.fixture
def plus_file(tmp_path):
    """Write a Comtrade Plus file from rows; returns its path."""
    def make(rows, name="comtrade_plus.csv", encoding="utf-8", snake_case=False):
        columns = list(PLUS_COLUMNS)
        if snake_case:
            renamed = [snake_case_name(c) for c in columns]
            rows = [{snake_case_name(k): v for k, v in r.items()} for r in rows]
            columns = renamed
        return write_rows(tmp_path / name, columns, rows, encoding=encoding)
    return make


@pytest.fixture(scope="module")
def redis_server(tmp_path_factory):
    """A real redis-server for one test module: (its URL, its process, to pause it)."""
    import redis

    server = shutil.which("redis-server")
    if not server:
        pytest.fail("redis-server is not installed: run scripts/test.sh, which installs it")
    port, folder = free_port(), tmp_path_factory.mktemp("redis")
    process = subprocess.Popen([server, "--port", str(port), "--bind", "127.0.0.1",
                                "--save", "", "--appendonly", "no", "--dir", str(folder)],
                               stdout=subprocess.DEVNULL)
    client = redis.Redis(port=port)
    deadline = time.monotonic() + 10
    while True:
        try:
            client.ping()
            break
        except redis.ConnectionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)
    yield f"redis://127.0.0.1:{port}/0", process
    process.send_signal(signal.SIGCONT)  # a test may have paused it
    process.terminate()
    process.wait(10)


@pytest.fixture(scope="session")
def small_data(tmp_path_factory):
    """Two reporters (Korea 1 t, Japan 2.5 t a month) over 2023-2024, Comtrade Plus: a
    dataset small enough that a test's app starts at once."""
    from dashboard.ingest import dataset

    folder = tmp_path_factory.mktemp("small-data")
    rows = [plus_row(reporter=reporter, year=year, month=month, weight=weight)
            for year in (2023, 2024) for month in range(1, 13)
            for reporter, weight in (("410", "1000"), ("392", "2500"))]
    write_rows(folder / "comtrade_plus.csv", PLUS_COLUMNS, rows)
    return dataset.load([folder])

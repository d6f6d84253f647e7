"""Production serving: gunicorn with two workers under /rare-earths/, directly and behind
a reverse proxy that strips the prefix. Real processes, real Chromium.
"""

from __future__ import annotations

import base64
import http.client
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from browser_helpers import value_locations, wait_for_map
from factories import PLUS_COLUMNS, plus_row, write_rows

from dashboard.web.uploads import UploadStore

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).parent / "gunicorn"
PREFIX = "/rare-earths/"
HOP_BY_HOP = {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te",
              "trailers", "transfer-encoding", "upgrade", "content-length"}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def get(url: str, headers: dict | None = None) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


class Gunicorn:
    """`gunicorn --workers 2 dashboard.wsgi:server` on a free port, stopped by its pid."""

    def __init__(self, env: dict[str, str], log: Path):
        self.port = free_port()
        self.log = log
        self.process = subprocess.Popen(
            [str(GUNICORN), "--workers", "2", "--bind", f"127.0.0.1:{self.port}",
             "--timeout", "120", "dashboard.wsgi:server"],
            cwd=ROOT, env={**os.environ, **env}, stdout=log.open("wb"),
            stderr=subprocess.STDOUT)

    def wait_healthy(self, path: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"gunicorn exited: {self.log.read_text()[-3000:]}")
            try:
                status, _, body = get(f"http://127.0.0.1:{self.port}{path}")
                if status == 200 and b'"ok"' in body:
                    return
            except OSError:
                pass
            time.sleep(0.25)
        pytest.fail(f"gunicorn not healthy after {timeout} s: {self.log.read_text()[-3000:]}")

    def stop(self) -> None:
        self.process.terminate()  # the master stops its workers
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return tmp_path_factory.mktemp("production")


@pytest.fixture(scope="module")
def servers(folder):
    """Both servers start together (each worker reads the data): the test waits once."""
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


class StripProxy:
    """A reverse proxy that forwards /rare-earths/<x> to the app's /<x>, as nginx would
    with `location /rare-earths/ { proxy_pass http://app/; proxy_set_header Host $host; }`.
    """

    def __init__(self, upstream_port: int):
        upstream = upstream_port

        class Handler(BaseHTTPRequestHandler):
            def forward(self):
                if not self.path.startswith(PREFIX):
                    self.send_error(404, "outside the proxied prefix")
                    return
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                headers = {k: v for k, v in self.headers.items()
                           if k.lower() not in HOP_BY_HOP}
                connection = http.client.HTTPConnection("127.0.0.1", upstream, timeout=120)
                try:
                    connection.request(self.command, "/" + self.path[len(PREFIX):], body,
                                       headers)
                    answer = connection.getresponse()
                    data = answer.read()
                finally:
                    connection.close()
                self.send_response(answer.status, answer.reason)
                for key, value in answer.getheaders():
                    if key.lower() not in HOP_BY_HOP:
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)

            do_GET = do_POST = do_HEAD = forward

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def proxy(servers):
    running = StripProxy(servers["strip"].port)
    yield f"http://127.0.0.1:{running.port}"
    running.stop()


def open_app(browser, url: str, origin: str):
    """A page at url; returns (context, page, console errors, requests leaving origin)."""
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    page = context.new_page()
    errors, foreign, seen = [], [], []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))

    def request(req) -> None:
        seen.append(req.url)
        if not req.url.startswith((origin + "/", "data:", "blob:")):
            foreign.append(req.url)

    page.on("request", request)
    page.goto(url)
    wait_for_map(page)
    return context, page, errors, foreign, seen


def test_gunicorn_under_a_base_path(browser, servers):
    origin = f"http://127.0.0.1:{servers['keep'].port}"
    context, page, errors, foreign, seen = open_app(browser, origin + PREFIX, origin)
    try:
        assert {"KOR", "JPN"} <= set(value_locations(page))
        href = page.get_attribute("#export-map-csv", "href")
        assert href.startswith(f"{PREFIX}export/map.csv?")
        embed_code = page.text_content("#embed-code-map")  # inside a closed <details>
        assert f"{origin}{PREFIX}embed/map?" in embed_code
    finally:
        context.close()
    assert errors == []
    assert foreign == []
    status, headers, body = get(origin + href)
    assert status == 200 and body.decode("utf-8-sig").startswith("# source:")

    # The page's plotly.js is the partial bundle (assets/plotly/, 1.6 MB), never dcc.Graph's
    # own 4.8 MB one, and goes out compressed to a browser on plain HTTP ("gzip, deflate":
    # flask-compress streams a file from assets/ as deflate, never gzip).
    assert not [url for url in seen if "package_data/plotly" in url]
    bundle = next(url for url in seen if "/assets/plotly/" in url)
    status, headers, body = get(bundle, {"Accept-Encoding": "gzip, deflate"})
    assert status == 200 and headers.get("Content-Encoding") == "deflate"
    assert len(body) < 700_000 < 1_500_000 < len(zlib.decompress(body))
    status, headers, _ = get(f"{origin}{PREFIX}embed-assets/plotly.min.js",
                             {"Accept-Encoding": "gzip"})
    assert status == 200 and headers.get("Content-Encoding") == "gzip"
    # Nothing is served outside the base path.
    assert get(f"{origin}/healthz")[0] == 404


def test_any_worker_answers_for_an_upload(servers, folder):
    """An upload is kept on disk under the cache folder, so both workers can export it."""
    rows = [plus_row(reporter="410", year=2024, month=month) for month in (1, 2, 3)]
    path = write_rows(folder / "korea.csv", PLUS_COLUMNS, rows)
    store = UploadStore(folder / "keep-cache" / "uploads", 1_000_000, base=None)
    result = store.save("korea.csv", "data:text/csv;base64,"
                        + base64.b64encode(path.read_bytes()).decode())
    assert result.token, result.message
    origin = f"http://127.0.0.1:{servers['keep'].port}"
    for period in ("2024", "2024-Q1", "2024-01", "2024-02", "2024-03", "2024-Q1"):
        status, headers, body = get(f"{origin}{PREFIX}export/map.csv?period={period}"
                                    f"&dataset={result.token}")
        text = body.decode("utf-8-sig")
        assert status == 200 and "your upload korea.csv" in text
        assert headers["Cache-Control"].startswith("private")
        assert '"South Korea","KOR"' in text  # the grid's columns, in its order


def test_behind_a_proxy_that_strips_the_prefix(browser, proxy):
    context, page, errors, foreign, _ = open_app(browser, proxy + PREFIX, proxy)
    try:
        assert {"KOR", "JPN"} <= set(value_locations(page))
        page.check("#control-measure input[value='value']")  # a callback through the proxy
        page.wait_for_selector("#map-table .ag-header:has-text('Trade value (USD)')")
        csv_href = page.get_attribute("#export-map-csv", "href")
        html_href = page.get_attribute("#export-map-html", "href")
    finally:
        context.close()
    assert errors == []
    assert foreign == []
    assert csv_href.startswith(f"{PREFIX}export/map.csv?") and "measure=value" in csv_href
    status, headers, body = get(proxy + csv_href)
    assert status == 200 and headers["Content-Type"].startswith("text/csv")
    text = body.decode("utf-8-sig")
    assert f"# view_url: {proxy}{PREFIX}?commodity=" in text  # the link back is public
    assert get(proxy + html_href)[0] == 200
    status, _, body = get(f"{proxy}{PREFIX}export/map.csv")
    assert status == 200
    status, _, body = get(f"{proxy}{PREFIX}embed/map")
    assert status == 200
    assert f"src='{PREFIX}embed-assets/plotly.min.js'" in body.decode()

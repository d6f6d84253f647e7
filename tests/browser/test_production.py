"""Production serving: gunicorn with two workers under /rare-earths/, directly and behind
a reverse proxy that strips the prefix. Real processes (`gunicorn_servers` in
tests/conftest.py), real Chromium. tests/test_production_http.py asks the same servers
over plain HTTP.
"""

from __future__ import annotations

import gzip
import http.client
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from browser_helpers import value_locations, wait_for_map
from gunicorn_server import PREFIX, get

from dashboard.web.ids import ID, Chart, action_id

pytestmark = pytest.mark.browser

HOP_BY_HOP = {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te",
              "trailers", "transfer-encoding", "upgrade", "content-length"}


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
def proxy(gunicorn_servers):
    running = StripProxy(gunicorn_servers["strip"].port)
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


def test_gunicorn_under_a_base_path(browser, gunicorn_servers):
    origin = f"http://127.0.0.1:{gunicorn_servers['keep'].port}"
    context, page, errors, foreign, seen = open_app(browser, origin + PREFIX, origin)
    try:
        assert {"KOR", "JPN"} <= set(value_locations(page))
        href = page.get_attribute(f"#{action_id(Chart.MAP, 'csv')}", "href")
        assert href.startswith(f"{PREFIX}export/map.csv?")
        # The embed snippet is inside a closed <details>.
        embed_code = page.text_content(f"#{action_id(Chart.MAP, 'embed')}")
        assert f"{origin}{PREFIX}embed/map?" in embed_code
    finally:
        context.close()
    assert errors == []
    assert foreign == []
    status, headers, body = get(origin + href)
    assert status == 200 and body.decode("utf-8-sig").startswith("# source:")

    # The page's plotly.js is the partial bundle (assets/plotly/, 1.6 MB), never dcc.Graph's
    # own 4.8 MB one, and goes out compressed to a browser on plain HTTP ("gzip, deflate":
    # read whole by dashboard/web/precompressed.py, so Flask-Compress gzips it with a length).
    assert not [url for url in seen if "package_data/plotly" in url]
    bundle = next(url for url in seen if "/assets/plotly/" in url)
    status, headers, body = get(bundle, {"Accept-Encoding": "gzip, deflate"})
    assert status == 200 and headers.get("Content-Encoding") == "gzip"
    assert len(body) < 700_000 < 1_500_000 < len(gzip.decompress(body))
    status, headers, _ = get(f"{origin}{PREFIX}embed-assets/plotly.min.js",
                             {"Accept-Encoding": "gzip"})
    assert status == 200 and headers.get("Content-Encoding") == "gzip"
    # Nothing is served outside the base path.
    assert get(f"{origin}/healthz")[0] == 404


def test_behind_a_proxy_that_strips_the_prefix(browser, proxy):
    context, page, errors, foreign, _ = open_app(browser, proxy + PREFIX, proxy)
    try:
        assert {"KOR", "JPN"} <= set(value_locations(page))
        page.check(f"#{ID.MEASURE} input[value='value']")  # a callback through the proxy
        page.wait_for_selector(f"#{ID.TABLE} .ag-header:has-text('Trade value (USD)')")
        csv_href = page.get_attribute(f"#{action_id(Chart.MAP, 'csv')}", "href")
        html_href = page.get_attribute(f"#{action_id(Chart.MAP, 'html')}", "href")
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

"""Helpers for browser tests: waiting on the map and reading what it draws."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from dashboard.web.ids import ID, Chart, graph_id

SCREENSHOTS = Path(__file__).resolve().parents[1] / ".cache" / "screenshots"
OFFLINE_SCHEMES = ("file:", "data:", "blob:")  # what a file opened offline may request


def wait_until(page, expression: str, arg=None, timeout: float = 30.0) -> None:
    """Wait for a JS condition by polling page.evaluate.

    Playwright's wait_for_function builds its predicate with eval inside the page, which
    the app's Content-Security-Policy (rightly) forbids; page.evaluate is not affected.
    """
    deadline = time.monotonic() + timeout
    while not _holds(page, expression, arg):
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout:.0f} s waiting for: {expression}")
        page.wait_for_timeout(50)


def _holds(page, expression: str, arg) -> bool:
    """The condition, or False while a navigation has the page half-built."""
    from playwright.sync_api import Error

    try:
        return bool(page.evaluate(expression, arg))
    except Error as error:
        if "Execution context was destroyed" in str(error) or "null" in str(error):
            return False
        raise


def wait_for_map(page) -> None:
    page.wait_for_selector(f"#{ID.MAP} .choroplethlayer path", timeout=30_000)
    wait_until(page, "!document.querySelector('[data-dash-is-loading]')")


def graph_data(page) -> list[dict]:
    return page.evaluate(
        f"() => document.querySelector('#{ID.MAP} .js-plotly-plot').data"
        ".map(t => ({name: t.name, locations: Array.from(t.locations || [])}))")


def value_locations(page) -> list[str]:
    return next((t["locations"] for t in graph_data(page) if t["name"] == "value"), [])


def wait_for_chart(page, chart: str) -> None:
    """Wait until an analytics chart has drawn a captioned figure (every figure has a title)."""
    wait_until(
        page, "(id) => { const g = document.querySelector('#' + id + ' .js-plotly-plot');"
        " return !!(g && g.layout && g.layout.title && (g.layout.title.text || '').length); }",
        graph_id(Chart(chart)))
    wait_until(page, "!document.querySelector('[data-dash-is-loading]')")


@contextmanager
def drawn_map_file(browser, path: Path) -> Iterator[tuple[object, list[str], list[str]]]:
    """A standalone HTML file opened from file:// until its map draws: (page, every
    requested URL, console and page errors)."""
    requests: list[str] = []
    errors: list[str] = []
    context = browser.new_context()
    try:
        page = context.new_page()
        page.on("request", lambda request: requests.append(request.url))
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(path.as_uri())
        page.wait_for_selector(".choroplethlayer path.choroplethlocation", timeout=30_000)
        yield page, requests, errors
    finally:
        context.close()


def wait_for_grid(page, grid: str) -> None:
    """Wait until a grid has rows: grids come after the first charts are drawn, once the
    grid library has loaded (assets/grids.js)."""
    wait_until(page, "(id) => !!document.querySelector('#' + id + ' .ag-center-cols-container"
                     " .ag-row')", grid)


def wait_for_open_grids(page) -> None:
    """Wait until every unfolded grid of the shown tab has rows (assets/grids.js)."""
    wait_until(page, "[...document.querySelectorAll('.view-section:not([hidden])"
                     " details[open] .table-slot')].every(s => s.querySelector('.ag-row'))")


def grid_rows(page, grid: str) -> list[dict]:
    wait_for_grid(page, grid)
    return page.evaluate(
        "(id) => { const api = dash_ag_grid.getApi(id); const out = [];"
        " api.forEachNode(n => out.push(n.data)); return out; }", grid)


class PageServer:
    """Static HTML pages on a second loopback port (another origin): the newsroom or
    intranet page that frames the app. `pages[path] = html`; `url(path)`; `close()`."""

    def __init__(self):
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        self.pages: dict[str, str] = {}
        pages = self.pages

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                body = pages.get(self.path.split("?")[0])
                data = (body or "not found").encode()
                self.send_response(200 if body else 404)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

"""Real headless Chromium (Debian's package) against the app served on loopback.

The served app (`server_url`), `make_app`, `live_server` and `demo_data` are in
tests/conftest.py; every test in this folder drives Chromium and is marked `browser`.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from browser_helpers import wait_for_chart, wait_for_map

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--disable-dev-shm-usage"]


def chromium_path() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if not found:
        pytest.fail("Debian's chromium is not installed: run scripts/test.sh, which installs it")
    return found


HERE = Path(__file__).parent
DRIVES_CHROMIUM = {"browser", "open_page"}


def pytest_collection_modifyitems(config, items):
    """Every test here drives Chromium and is marked `browser`; one that does not belongs
    in tests/ (a plain HTTP test uses `server_url` or `make_app` from tests/conftest.py)."""
    for item in items:
        if HERE not in Path(item.path).parents:
            continue
        if not DRIVES_CHROMIUM & set(item.fixturenames):
            raise pytest.UsageError(f"{item.nodeid} drives no browser: move it to tests/")
        if item.get_closest_marker("browser") is None:
            raise pytest.UsageError(f"{item.nodeid} drives Chromium: mark it `browser`")


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=chromium_path(),
                                              args=CHROMIUM_ARGS)
        yield instance
        instance.close()


class PageWatch:
    """A page plus what it logged and requested, for the end-of-test assertions."""

    def __init__(self, page, origin: str):
        self.page, self.origin = page, origin
        self.console_errors: list[str] = []
        self.foreign_requests: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.console_errors.append(str(error)))
        page.on("request", self._request)

    def _console(self, message) -> None:
        if message.type == "error":
            self.console_errors.append(message.text)

    def _request(self, request) -> None:
        if not request.url.startswith((self.origin, "data:", "blob:")):
            self.foreign_requests.append(request.url)


@pytest.fixture
def open_page(browser, server_url):
    """Open a fresh browser context at a path; asserts no console error, no foreign request."""
    watches: list[PageWatch] = []
    contexts = []

    def make(path: str = "/", width: int = 1366, height: int = 768,
             chart: str = "map") -> PageWatch:
        context = browser.new_context(viewport={"width": width, "height": height})
        contexts.append(context)
        watch = PageWatch(context.new_page(), server_url)
        watches.append(watch)
        watch.page.goto(server_url + path)
        if chart == "map":
            wait_for_map(watch.page)
        else:
            wait_for_chart(watch.page, chart)
        return watch

    yield make
    for context in contexts:
        context.close()
    for watch in watches:
        assert watch.console_errors == []
        assert watch.foreign_requests == []

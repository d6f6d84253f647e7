"""A standalone HTML export opened from file:// in real Chromium: draws, requests nothing."""

from __future__ import annotations

import pytest

from dashboard import export

pytestmark = pytest.mark.browser


def test_standalone_map_renders_from_file_with_no_network(browser, tmp_path):
    from test_export import TITLE, map_figure

    path = tmp_path / "map.html"
    path.write_text(export.standalone_html(map_figure(), TITLE, {}), encoding="utf-8")
    requests, errors = [], []
    context = browser.new_context()
    try:
        page = context.new_page()
        page.on("request", lambda request: requests.append(request.url))
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(path.as_uri())
        page.wait_for_selector(".choroplethlayer path.choroplethlocation", timeout=30_000)
        drawn = page.locator("path.choroplethlocation").count()
        countries = page.locator(".countries path").count()
        logo = page.locator(".modebar-btn--logo").count()
        title = page.title()
    finally:
        context.close()
    assert drawn == 4  # JPN, KOR, SGP (only in the 50m geometry) and DEU
    assert countries > 0  # base map geometry came from the inlined topojson
    assert logo == 0 and title == TITLE
    assert [url for url in requests if not url.startswith(("file:", "data:", "blob:"))] == []
    assert errors == []

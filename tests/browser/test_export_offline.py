"""A standalone HTML export opened from file:// in real Chromium: draws, requests nothing."""

from __future__ import annotations

import pytest
from browser_helpers import OFFLINE_SCHEMES, drawn_map_file

from dashboard import chart_files

pytestmark = pytest.mark.browser


def test_standalone_map_renders_from_file_with_no_network(browser, tmp_path):
    from test_export import TITLE, map_figure

    path = tmp_path / "map.html"
    path.write_text(chart_files.standalone_html(map_figure(), TITLE, {}), encoding="utf-8")
    with drawn_map_file(browser, path) as (page, requests, errors):
        drawn = page.locator("path.choroplethlocation").count()
        countries = page.locator(".countries path").count()
        logo = page.locator(".modebar-btn--logo").count()
        title = page.title()
    assert drawn == 4  # JPN, KOR, SGP (only in the 50m geometry) and DEU
    assert countries > 0  # base map geometry came from the inlined topojson
    assert logo == 0 and title == TITLE
    assert [url for url in requests if not url.startswith(OFFLINE_SCHEMES)] == []
    assert errors == []

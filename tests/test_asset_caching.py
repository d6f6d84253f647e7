"""The page's versioned scripts are cached for long: Dash names each asset with its file's
modification time (?m=...), so a changed file gets a new URL and the old one never changes."""

from __future__ import annotations

import re

import pytest

from dashboard.web.routes import VERSIONED_SECONDS


@pytest.fixture(scope="module")
def client(make_app):
    return make_app().server.test_client()


def test_versioned_assets_are_cached_for_a_year(client):
    page = client.get("/").get_data(as_text=True)
    assets = re.findall(r'src="(/assets/[^"]+\?m=[^"]+)"', page)
    assert any("plotly-partial.min.js" in url for url in assets)
    for url in assets:
        response = client.get(url)
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == (
            f"public, max-age={VERSIONED_SECONDS}, immutable"), url
    assert VERSIONED_SECONDS == 31_536_000


def test_unversioned_files_and_the_page_are_not(client):
    for url in ("/assets/topojson/world_50m.json", "/assets/viewport.js", "/"):
        assert "immutable" not in client.get(url).headers.get("Cache-Control", ""), url

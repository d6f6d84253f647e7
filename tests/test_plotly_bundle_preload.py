"""assets/plotly/preload-map-geometry.js starts the map's geometry download once plotly.js
has loaded: it must come after the bundle on the page, name the geometry file the map
draws with, and skip exactly the tabs that draw no map."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from dashboard.web.ids import Tab

ASSETS = Path(__file__).resolve().parents[1] / "assets"
PRELOAD = ASSETS / "plotly" / "preload-map-geometry.js"


@pytest.fixture(scope="module")
def page(make_app) -> str:
    return make_app().server.test_client().get("/").get_data(as_text=True)


def test_the_preload_runs_after_the_bundle(page):
    scripts = re.findall(r'<script src="([^"]+)"', page)
    names = [src.split("?")[0].rsplit("/", 1)[-1] for src in scripts]
    assert names.index("preload-map-geometry.js") == names.index("plotly-partial.min.js") + 1


def test_it_names_the_geometry_the_map_draws_with():
    from dashboard.figures.choropleth import GEO

    name = re.search(r"'\.\./topojson/(world_(\d+)m)\.json'", PRELOAD.read_text())
    assert (ASSETS / "topojson" / f"{name[1]}.json").is_file()
    assert int(name[2]) == GEO["resolution"]


def test_it_skips_the_tabs_without_a_map():
    listed = re.search(r"TABS_WITHOUT_MAP = \[([^\]]*)\]", PRELOAD.read_text())[1]
    assert set(re.findall(r"'(\w+)'", listed)) == {tab.value for tab in Tab} - {Tab.MAP}

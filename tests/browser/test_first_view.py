"""The page opens on its view already drawn: the first layout holds the map (or the tab a
link opens) for the address and the width, so the map is drawn with no callback round trip,
and the grids beside it still work."""

from __future__ import annotations

import json

import pytest
from browser_helpers import wait_for_chart, wait_for_map, wait_until

from dashboard.analytics.compare import MEASURE_NAMES
from dashboard.web.ids import CHART_TAB, ID, Chart, graph_id, section_id, tab_id, table_id

pytestmark = pytest.mark.browser

SHARED_VIEW = "/?measure=value&period=2024&change=ratio"


def open_counting(browser, server_url, path: str, width: int = 1366, height: int = 768):
    """A fresh page at `path`, the map drawn; also the outputs of every render callback
    that answered with a figure (200), the console errors and requests off the server."""
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    answered: list[str] = []
    errors: list[str] = []
    foreign: list[str] = []
    page.on("response", lambda r: answered.append(json.loads(r.request.post_data)["output"])
            if "_dash-update-component" in r.url and r.status == 200
            and ".figure" in (r.request.post_data or "") else None)
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("request", lambda r: None if r.url.startswith((server_url, "data:", "blob:"))
            else foreign.append(r.url))
    page.goto(server_url + path)
    wait_for_map(page)
    page.wait_for_load_state("networkidle")
    assert errors == [] and foreign == []
    return context, page, answered


def map_title(page) -> str:
    return page.evaluate(f"() => document.querySelector('#{ID.MAP} .js-plotly-plot')"
                         ".layout.title.text")


@pytest.mark.parametrize("path", ["/", SHARED_VIEW])
def test_the_map_is_drawn_with_no_render_round_trip(browser, server_url, path):
    context, page, answered = open_counting(browser, server_url, path)
    try:
        assert answered == []  # every render callback left the layout's figures alone
        if path == SHARED_VIEW:  # the link's own view, not the default one
            assert f"<b>{MEASURE_NAMES['value']} by country, 2024" in map_title(page)
            assert page.is_checked(f"#{ID.MEASURE} input[value='value']")
    finally:
        context.close()


def test_a_phone_gets_the_narrow_map_from_the_layout(browser, server_url):
    context, page, answered = open_counting(browser, server_url, "/", width=390, height=844)
    try:
        assert answered == []
        title = map_title(page)
        assert "<br>" in title[title.index("<b>"):title.index("</b>")]  # cut for a phone
    finally:
        context.close()


def test_a_view_reopened_later_is_drawn_again(open_page):
    """The layout's figure is used once: back to the first view after a change redraws it."""
    page = open_page(SHARED_VIEW).page
    first = map_title(page)
    page.check(f"#{ID.CHANGE} input[value='percent']")
    page.check(f"#{ID.MEASURE} input[value='weight']")
    wait_until(page, "(t) => document.querySelector('#map .js-plotly-plot').layout.title.text"
                     " !== t", first)
    page.go_back()
    page.go_back()
    wait_until(page, "(t) => document.querySelector('#map .js-plotly-plot').layout.title.text"
                     " === t", first)


def test_the_map_grid_shows_the_layouts_rows(open_page):
    page = open_page("/").page
    rows = page.locator(f"#{table_id(Chart.MAP)} .ag-center-cols-container .ag-row")
    rows.first.wait_for()
    assert rows.count() > 3


def test_a_grid_opened_on_another_tab_shows_its_rows(open_page):
    page = open_page("/").page
    page.click(f"#{tab_id(CHART_TAB[Chart.MIRROR])}")
    wait_for_chart(page, Chart.MIRROR)
    page.click(f"#{section_id(CHART_TAB[Chart.MIRROR])} details.numbers > summary")
    wait_until(page, f"document.querySelectorAll('#{table_id(Chart.MIRROR)}"
                     " .ag-center-cols-container .ag-row').length > 0")
    assert page.locator(f"#{graph_id(Chart.MIRROR)} .js-plotly-plot").count() == 1

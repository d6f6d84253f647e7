"""The first page holds the opened tab's charts only, and no grid library: another tab's
charts are built the first time it is shown, and the grids come once the map is drawn."""

from __future__ import annotations

import csv
import io
import urllib.request

import pytest
from browser_helpers import wait_for_chart, wait_for_map, wait_until

from dashboard.web.ids import ID, Chart, Tab, action_id, graph_id, section_id, tab_id, table_id

pytestmark = pytest.mark.browser

# Records, in the page, whether the grid library had been asked for when the map's
# first country shape appeared (a MutationObserver runs before the next frame's work).
GRID_BEFORE_MAP = """
new MutationObserver(function (_, observer) {
  if (!document.querySelector('#map .choroplethlayer path')) return;
  window.__gridBeforeMap = performance.getEntriesByType('resource')
    .filter(function (e) { return e.name.indexOf('dash_ag_grid') >= 0; })
    .map(function (e) { return e.name; });
  observer.disconnect();
}).observe(document, {childList: true, subtree: true});
"""


def grid_row_count(page, grid: str) -> int:
    """Rows the grid holds (not only those drawn): its aria-rowcount less the header row."""
    wait_until(page, f"document.querySelector('#{grid} .ag-center-cols-container .ag-row')")
    return int(page.get_attribute(f"#{grid} [aria-rowcount]", "aria-rowcount")) - 1


def test_the_first_page_asks_for_no_grid_script_before_the_map_is_drawn(browser, server_url):
    page_html = urllib.request.urlopen(server_url + "/").read().decode()
    assert "dash_ag_grid.v" not in page_html.split('name="grid-library"')[0]
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    try:
        page = context.new_page()
        page.add_init_script(GRID_BEFORE_MAP)
        page.goto(server_url + "/")
        wait_for_map(page)
        assert page.evaluate("window.__gridBeforeMap") == []
        # ... and the grid under the map comes after it.
        assert grid_row_count(page, table_id(Chart.MAP)) > 3
    finally:
        context.close()


def test_the_first_page_builds_the_opened_tab_only(open_page):
    page = open_page("/").page
    assert page.locator(f"#{graph_id(Chart.MAP)}").count() == 1
    for chart in (Chart.SURGES, Chart.SANKEY, Chart.SERIES, Chart.MIRROR, Chart.GAUGES):
        assert page.locator(f"#{graph_id(chart)}").count() == 0
    # The other tabs' own controls are there: the URL reads every control.
    assert page.locator(f"#{ID.SURGE_RULE}").count() == 1
    assert page.locator(f"#{ID.TOP_N}").count() == 1


def csv_rows(server_url: str, href: str) -> int:
    """Data rows of a download link's CSV (its two caption lines and header set aside)."""
    text = urllib.request.urlopen(server_url + "/" + href.lstrip("/")).read().decode()
    rows = list(csv.reader(io.StringIO(text)))
    header = next(i for i, row in enumerate(rows) if "country" in ",".join(row).lower())
    return len([row for row in rows[header + 1:] if row])


def test_a_tab_opened_after_load_draws_its_chart_grid_and_links(open_page, server_url):
    page = open_page("/").page
    page.click(f"#{tab_id(Tab.SURGES)}")
    wait_for_chart(page, Chart.SURGES)
    shown = grid_row_count(page, table_id(Chart.SURGES))
    href = page.get_attribute(f"#{action_id(Chart.SURGES, 'csv')}", "href")
    assert "surges" in href and "tab=surges" in href
    assert shown == csv_rows(server_url, href)
    assert page.inner_text(f"#{ID.SURGE_RULE_TEXT}").strip() != ""


def test_back_and_forward_between_a_built_and_an_unbuilt_tab(open_page):
    page = open_page("/").page
    page.click(f"#{tab_id(Tab.FLOWS)}")
    wait_for_chart(page, Chart.SANKEY)
    page.go_back()
    wait_until(page, f"!document.querySelector('#{section_id(Tab.MAP)}').hidden")
    assert page.is_hidden(f"#{graph_id(Chart.SANKEY)}") or page.evaluate(
        f"document.querySelector('#{section_id(Tab.FLOWS)}').hidden")
    page.go_forward()
    wait_until(page, f"!document.querySelector('#{section_id(Tab.FLOWS)}').hidden")
    assert page.locator(f"#{graph_id(Chart.SANKEY)} .main-svg").count() >= 1


def test_a_share_link_to_a_tab_opens_on_it_and_the_map_is_built_when_shown(open_page):
    page = open_page(f"/?tab={Tab.MIRROR}", chart=Chart.MIRROR).page
    assert page.locator(f"#{graph_id(Chart.MAP)}").count() == 0
    page.click(f"#{tab_id(Tab.MAP)}")
    wait_for_map(page)
    assert grid_row_count(page, table_id(Chart.MAP)) > 3

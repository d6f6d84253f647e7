"""The analytics views in real headless Chromium: surges, dependency, flows, series, mirror."""

from __future__ import annotations

import pytest
from browser_helpers import SCREENSHOTS, grid_rows, wait_for_chart, wait_until

from dashboard.web.ids import ID, Chart, graph_id, summary_id, table_id

pytestmark = pytest.mark.browser

DEPENDENCY_2023 = ("/?tab=dependency&commodity=280530&perspective=reporter&partner=CHN"
                   "&period=2023&baseline=&focus=JPN")


def figure(page, chart: str) -> dict:
    return page.evaluate(
        "(id) => { const g = document.querySelector('#' + id + ' .js-plotly-plot');"
        " return {data: g.data.map(t => ({name: t.name, type: t.type, value: t.value,"
        " customdata: t.customdata, text: t.text, x: t.x})),"
        " annotations: (g.layout.annotations || []).map(a => ({name: a.name, text: a.text}))}; }",
        graph_id(Chart(chart)))


def grid_texts(page, table: str) -> list[str]:
    rows = page.locator(f"#{table_id(Chart(table))} .ag-center-cols-container .ag-row")
    return rows.all_inner_texts()


def shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def test_surge_table_flags_korea_and_the_philippines(open_page):
    page = open_page("/?tab=surges", chart="surges").page
    wait_until(page,
        f"document.querySelectorAll('#{table_id(Chart.SURGES)} .ag-center-cols-container"
        " .ag-row').length > 3")
    rows = grid_rows(page, table_id(Chart.SURGES))
    flagged = {r["iso3"] for r in rows if r["status"] == "surge"}
    assert {"KOR", "PHL"} <= flagged and "JPN" not in flagged
    korea = next(r for r in rows if r["iso3"] == "KOR")
    assert "all of 2024" in korea["explanation"] and "Q1 2025" in korea["explanation"]
    below = {r["iso3"] for r in rows if r["status"] == "below floor"}
    assert "CIV" in below  # 3 kg to 25 kg is no surge
    rule = page.inner_text(f"#{ID.SURGE_RULE_TEXT}")
    assert "above its volume in all of 2024" in rule and "WT/DS121/AB/R" in rule
    assert "South Korea" in page.inner_text(f"#{summary_id(Chart.SURGES)}")
    wait_for_chart(page, "surge-series")
    shot(page, "surges-1366")


def test_focusing_korea_updates_the_gauges_with_the_published_figure_apart(open_page):
    page = open_page(DEPENDENCY_2023, chart="gauges").page
    japan = figure(page, "gauges")
    page.click(f"#{ID.FOCUS}")
    page.fill(".dash-dropdown-content .dash-dropdown-search-container input", "South Korea")
    page.locator(".dash-dropdown-content .dash-options-list-option").first.click()
    wait_until(page, "new URLSearchParams(location.search).get('focus') === 'KOR'")
    wait_until(page,
        f"() => (document.querySelector('#{graph_id(Chart.GAUGES)}"
        " .js-plotly-plot').layout.title.text"
        " || '').includes('South Korea')")
    korea = figure(page, "gauges")
    assert korea != japan
    share = next(t for t in korea["data"] if t["name"] == "top_supplier_share")["value"]
    assert 90 < share < 99  # computed from the rows, near the published 95.1%
    published = next(a for a in korea["annotations"] if a["name"] == "published_figures")
    assert "95.1" in published["text"] and "KIEP" in published["text"]
    crma = [a for a in korea["annotations"] if a["name"] == "crma_benchmark"]
    assert crma and "consumption" in crma[0]["text"]
    assert "Published figure" in page.inner_text(f"#{summary_id(Chart.GAUGES)}")
    shot(page, "dependency-1366")


def test_time_series_marks_the_april_2025_controls(open_page):
    page = open_page("/?tab=series", chart="series").page
    data = figure(page, "series")
    names = [t["name"] for t in data["data"]]
    assert {"South Korea", "Japan", "Philippines"} <= set(names)
    events = next(t for t in data["data"] if t["name"] == "policy events")
    hover = " ".join(str(t) for t in events["text"] or events["customdata"])
    assert "No. 18 of 2025" in hover
    labels = " ".join(a["text"] for a in data["annotations"])
    assert "licensing" in labels.lower()
    page.check(f"#{ID.SERIES_MODE} input[value='share']")
    wait_until(page, "new URLSearchParams(location.search).get('series') === 'share'")
    wait_for_chart(page, "series")
    shot(page, "series-1366")


def test_sankey_renders_and_a_node_click_focuses(open_page):
    page = open_page("/?tab=flows", chart="sankey").page
    page.wait_for_selector(f"#{graph_id(Chart.SANKEY)} .sankey .sankey-node")
    assert page.locator(f"#{graph_id(Chart.SANKEY)} .sankey-node").count() >= 4
    data = figure(page, "sankey")
    assert data["data"][0]["type"] == "sankey"
    shot(page, "sankey-1366")


def test_mirror_gap_shows_both_sides(open_page):
    page = open_page("/?tab=mirror&commodity=284690&perspective=reporter&period=2024-03"
                     "&baseline=", chart="mirror").page
    wait_until(page,
        f"document.querySelectorAll('#{table_id(Chart.MIRROR)} .ag-center-cols-container"
        " .ag-row').length > 0")
    text = page.inner_text(f"#{summary_id(Chart.MIRROR)}")
    assert "reported by both sides" in text
    shot(page, "mirror-1366")


def test_analytics_views_are_restored_from_a_copied_url(open_page):
    first = open_page(DEPENDENCY_2023.replace("focus=JPN", "focus=KOR"), chart="gauges").page
    again = open_page("/" + first.url.split("/", 3)[3], chart="gauges").page
    assert figure(again, "gauges") == figure(first, "gauges")
    summary = f"#{summary_id(Chart.GAUGES)}"
    assert again.inner_text(summary) == first.inner_text(summary)

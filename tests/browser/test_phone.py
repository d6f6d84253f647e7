"""The page on a phone, 390x844 (issue 12, bullet 4): charts first, the controls in a
collapsible panel, every chart as wide as the screen, the whole world on the map."""

from __future__ import annotations

import pytest
from browser_helpers import SCREENSHOTS, value_locations, wait_for_map, wait_until

from dashboard.web.ids import CHART_TAB, ID, Chart, graph_id

pytestmark = pytest.mark.browser

WIDTH, HEIGHT = 390, 844
TABS = list(dict.fromkeys(CHART_TAB.values()))
FIRST_CHART = {tab: next(c for c, t in CHART_TAB.items() if t == tab) for tab in TABS}

# Elements wider than the screen, and what the first chart and the map drew (px).
# An element inside a box that clips it within the screen (a chart's svg, a grid's own
# scrolling viewport) is not counted; anything else past the right edge is.
OVERFLOW = """() => { const clipped = (e) => {
  for (let a = e.parentElement; a; a = a.parentElement) {
    const o = getComputedStyle(a).overflowX;
    if ((a.tagName.toLowerCase() === 'svg' || ['hidden', 'auto', 'scroll', 'clip'].includes(o))
        && a.getBoundingClientRect().right <= innerWidth + 1) return true; }
    return false; };
  return [...document.querySelectorAll('body *')].filter(e => {
  const r = e.getBoundingClientRect();
  return r.width > 0 && r.right > innerWidth + 1 && !clipped(e); })
  .map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))
  .slice(0, 5); }"""
BOX = """(selector) => { const e = document.querySelector(selector);
  if (!e) return null; const r = e.getBoundingClientRect();
  return {top: Math.round(r.top), left: Math.round(r.left), width: Math.round(r.width)}; }"""


def open_phone(open_page, tab: str):
    chart = FIRST_CHART[tab]
    page = open_page(f"/?tab={tab}", width=WIDTH, height=HEIGHT,
                     chart="map" if chart == Chart.MAP else chart.value).page
    wait_until(page, "(id) => !!document.querySelector('#' + id + ' .main-svg')",
               graph_id(chart))
    return page, chart


@pytest.mark.parametrize("tab", TABS)
def test_every_tab_fits_the_phone_with_its_chart_on_the_first_screen(open_page, tab):
    page, chart = open_phone(open_page, tab)
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH
    assert page.evaluate(OVERFLOW) == []
    graph = page.evaluate(BOX, f"#{graph_id(chart)}")
    svg = page.evaluate(BOX, f"#{graph_id(chart)} .main-svg")
    assert graph["top"] < HEIGHT, graph  # charts first: no screen of controls above
    assert svg["width"] == graph["width"] and graph["left"] >= 0, (graph, svg)
    assert graph["width"] >= WIDTH - 30  # the chart uses the screen's width
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{tab}-390.png"), full_page=True)


def test_the_map_shows_the_whole_world_across_the_screen(open_page):
    page, _ = open_phone(open_page, "map")
    graph = page.evaluate(BOX, f"#{ID.MAP}")
    land = page.evaluate(BOX, f"#{ID.MAP} .geolayer .layer.land")
    assert land["width"] >= 0.85 * graph["width"], (graph, land)
    assert land["left"] >= graph["left"] and land["left"] + land["width"] <= WIDTH


def test_the_controls_fold_away_and_still_drive_the_view(open_page):
    page, _ = open_phone(open_page, "map")
    panel = f"#{ID.CONTROLS_PANEL}"
    assert not page.locator(f"#{ID.COMMODITY}").is_visible()  # folded on a phone
    page.click(f"{panel} > summary")
    for control in (ID.COMMODITY, ID.DIRECTION, ID.PERSPECTIVE, ID.PARTNER, ID.MEASURE,
                    ID.PERIOD, ID.BASELINE, ID.BASIS, ID.CHANGE, ID.FOCUS, ID.UPLOAD):
        assert page.locator(f"#{control}").is_visible(), control
    before = value_locations(page)
    page.check(f"#{ID.MEASURE} input[value='value']")
    wait_until(page, "new URLSearchParams(location.search).get('measure') === 'value'")
    wait_for_map(page)
    # The grid skips drawing while far off screen (content-visibility: auto): scroll to it,
    # as the reader does, before reading its header.
    page.locator(f"#{ID.TABLE} .ag-header").scroll_into_view_if_needed()
    wait_until(page, f"document.querySelector('#{ID.TABLE} .ag-header').innerText"
                     ".includes('Trade value')")
    assert value_locations(page) and before
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH


# Every piece of text plotly drew in a chart (title lines, notes, legend entries, axis tick
# labels) as boxes, and the plot area: what a phone user reads, as drawn.
DRAWN_TEXT = """(id) => {
  const scope = document.getElementById(id);
  const box = e => { const r = e.getBoundingClientRect();
    return {text: e.textContent.trim().slice(0, 40), left: r.left, right: r.right,
            top: r.top, bottom: r.bottom, width: r.width}; };
  const texts = [...scope.querySelectorAll(
    '.g-gtitle tspan.line, .infolayer .annotation-text-g, .legend .traces text, '
    + '.xtick text, .ytick text, .sankey .node-label, .indicatorlayer text')]
    .map(box).filter(b => b.width > 0 && b.text);
  const graph = scope.getBoundingClientRect();
  const margin = scope.querySelector('.js-plotly-plot')._fullLayout.margin;
  const size = scope.querySelector('.js-plotly-plot')._fullLayout._size;
  return {texts, graph: {left: graph.left, right: graph.right, top: graph.top,
                         bottom: graph.bottom},
          margin: {t: margin.t, b: margin.b}, drawn: {t: size.t, b: size.b}}; }"""
ALL_CHARTS = list(CHART_TAB)


@pytest.mark.parametrize("chart", ALL_CHARTS, ids=[c.value for c in ALL_CHARTS])
def test_every_chart_reads_whole_on_the_phone(open_page, chart):
    """No caption line, note, legend entry or tick label runs past the chart's edges, and
    plotly kept the margins the caption asked for (it scales them down when they do not
    fit the height of its first draw, and the caption then overran the plot)."""
    page = open_page(f"/?tab={CHART_TAB[chart]}", width=WIDTH, height=HEIGHT,
                     chart="map" if chart == Chart.MAP else chart.value).page
    drawn = page.evaluate(DRAWN_TEXT, graph_id(chart))
    graph = drawn["graph"]
    assert graph["right"] <= WIDTH
    outside = [t for t in drawn["texts"] if t["left"] < graph["left"] - 1
               or t["right"] > graph["right"] + 1 or t["top"] < graph["top"] - 1
               or t["bottom"] > graph["bottom"] + 1]
    assert outside == [], outside
    assert drawn["drawn"] == drawn["margin"], drawn  # as laid out, not scaled down
    titles = [t for t in drawn["texts"] if t["top"] < graph["top"] + 200]
    assert any("SYNTHETIC" in t["text"] for t in titles)  # the badge is on the chart

"""The charts draw in their boxes at the same size on every load (issue 12, bullet 2).

Left to dcc.Graph's responsive="auto", the map drew at the figure's 480 px on some loads
and filled its 620 px box on others (land 439 px or 741 px wide in a 992 px graph)."""

from __future__ import annotations

import pytest
from browser_helpers import wait_for_chart, wait_until

from dashboard.web.ids import CHART_BOX_PX, CHART_TAB, Chart, graph_id

pytestmark = pytest.mark.browser

LOADS = 10
LAND_SHARE = 0.85  # the land layer spans at least this much of the graph's width

# What Chromium drew: the graph's box, the plot's svg and the map's land layer (px).
MEASURE = """(id) => {
  const box = (el) => { if (!el) return null; const r = el.getBoundingClientRect();
    return {top: r.top, width: Math.round(r.width), height: Math.round(r.height)}; };
  const graph = document.getElementById(id);
  return {graph: box(graph), svg: box(graph.querySelector('.main-svg')),
          land: box(graph.querySelector('.geolayer .layer.land'))}; }"""


def measure(page, chart: Chart) -> dict:
    return page.evaluate(MEASURE, graph_id(chart))


def test_the_map_fills_its_box_at_the_same_size_on_ten_loads(open_page):
    sizes = []
    for _ in range(LOADS):  # a fresh browser context each time: nothing cached in the page
        drawn = measure(open_page("/").page, Chart.MAP)
        sizes.append(drawn)
        assert drawn["land"]["width"] >= LAND_SHARE * drawn["graph"]["width"], drawn
        assert drawn["svg"]["height"] == drawn["graph"]["height"], drawn  # no blank band
        assert drawn["graph"]["height"] == CHART_BOX_PX[Chart.MAP][0]
    assert all(size == sizes[0] for size in sizes), sizes


@pytest.mark.parametrize("chart", list(Chart), ids=str)
def test_every_chart_fills_its_box(open_page, chart):
    tab = CHART_TAB[chart]
    page = open_page(f"/?tab={tab}", chart="map" if chart == Chart.MAP else chart.value).page
    wait_until(page, "(id) => !!document.querySelector('#' + id + ' .main-svg')",
               graph_id(chart))
    if chart != Chart.MAP:
        wait_for_chart(page, chart.value)
    drawn = measure(page, chart)
    assert drawn["graph"]["height"] == CHART_BOX_PX[chart][0], drawn
    assert drawn["svg"] == {**drawn["graph"], "top": drawn["svg"]["top"]}, drawn

"""The first page load in real Chromium: the partial plotly.js bundle instead of the full one,
the "first page load <= 2 MB" budget, and every trace type the figures use still drawing.

dcc.Graph uses `window.Plotly` when a script has defined it and only otherwise fetches its
own full bundle (4.8 MB, 1.4 MB compressed); assets/plotly/plotly-partial.min.js
(frontend/plotly-partial) defines it with choropleth, bar, scatter, sankey and indicator.
A figure with another trace type would draw nothing, so each chart is checked by an
element only its trace type draws, on the page and in its embed.
"""

from __future__ import annotations

import pytest
from browser_helpers import wait_for_chart, wait_for_map, wait_until
from plotly.offline import get_plotlyjs_version

from dashboard.web.ids import CHART_TAB, Chart, graph_id, section_id, tab_id

pytestmark = pytest.mark.browser

BUDGET_BYTES = 2 * 1024 * 1024  # MiB, as in BENCHMARKS.md
PARTIAL_BUNDLE = "/assets/plotly/plotly-partial.min.js"
FULL_BUNDLE = "/plotly/package_data/plotly"  # dcc.Graph's own: _dash-component-suites/...

# What only the chart's trace type draws, inside its graph.
DRAWS = {
    Chart.MAP: ".choroplethlayer path.choroplethlocation",
    Chart.SURGES: ".barlayer .point path",
    Chart.SURGE_SERIES: ".barlayer .point path",
    Chart.GAUGES: ".indicatorlayer g.angular path",
    Chart.RANKING: ".barlayer .point path",
    Chart.SANKEY: ".sankey .sankey-node rect",
    Chart.SERIES: ".scatterlayer path.js-line",
    Chart.MIRROR: ".barlayer .point path",
}
TRACE_TYPE = {Chart.MAP: "choropleth", Chart.SURGES: "bar", Chart.SURGE_SERIES: "bar",
              Chart.GAUGES: "indicator", Chart.RANKING: "bar", Chart.SANKEY: "sankey",
              Chart.SERIES: "scatter", Chart.MIRROR: "bar"}

# Some element of the selector has an area (a zero-valued bar is a path of width 0).
DRAWN = ("(sel) => Array.from(document.querySelectorAll(sel)).some(e =>"
         " { const box = e.getBBox(); return box.width > 0 && box.height > 0; })")
# Plotly coerces a trace type it does not know to "scatter", which then draws nothing.
UNREGISTERED = ("() => Array.from(document.querySelectorAll('.js-plotly-plot')).flatMap(g =>"
                " g._fullData.map(t => t._input.type || 'scatter')"
                ".filter((type, i) => type !== g._fullData[i].type))")
# The drawn trace types of a graph: the plot itself (an embed's #chart) or inside it (a page's).
TYPES = ("(sel) => { const g = document.querySelector(sel);"
         " const gd = g.matches('.js-plotly-plot') ? g : g.querySelector('.js-plotly-plot');"
         " return gd._fullData.filter(t => t.visible === true).map(t => t.type); }")


class Requests:
    """Every request of a page to the app, and its encoded bytes (body + headers) as
    Chromium counted them, like benchmarks/record_callbacks.py; console errors; requests
    leaving the app."""

    def __init__(self, page, origin: str):
        self.origin = origin
        self.urls: list[str] = []
        self.sizes: list[tuple[str, int]] = []
        self.errors: list[str] = []
        self.foreign: list[str] = []
        page.on("request", self._request)
        page.on("requestfinished", self._finished)
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda error: self.errors.append(str(error)))

    def _request(self, request) -> None:
        if request.url.startswith(self.origin):
            self.urls.append(request.url[len(self.origin):])
        elif not request.url.startswith(("data:", "blob:")):
            self.foreign.append(request.url)

    def _finished(self, request) -> None:
        if request.url.startswith(self.origin):
            sizes = request.sizes()
            self.sizes.append((request.url[len(self.origin):].split("?")[0],
                               sizes["responseBodySize"] + sizes["responseHeadersSize"]))

    def full_bundle(self) -> list[str]:
        return [url for url in self.urls if FULL_BUNDLE in url]

    def largest(self, count: int = 6) -> str:
        ranked = sorted(self.sizes, key=lambda item: -item[1])[:count]
        return ", ".join(f"{path} {size / 1024:,.0f} KB" for path, size in ranked)


@pytest.fixture
def watched(browser, server_url):
    """A fresh page (nothing cached) and its Requests; no console error, nothing foreign."""
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    page = context.new_page()
    requests = Requests(page, server_url)
    yield page, requests
    context.close()
    assert requests.errors == []
    assert requests.foreign == []


def test_first_page_uses_the_partial_bundle_within_2_mb(watched, server_url):
    page, requests = watched
    page.goto(server_url + "/")
    wait_for_map(page)
    page.wait_for_load_state("networkidle")  # the lazily loaded scripts and geometry too
    assert any(url.startswith(PARTIAL_BUNDLE) for url in requests.urls), requests.urls
    assert requests.full_bundle() == []
    assert page.evaluate("window.Plotly.version") == get_plotlyjs_version()
    total = sum(size for _, size in requests.sizes)
    assert total <= BUDGET_BYTES, (f"first page load {total / 1024:,.0f} KB in "
                                   f"{len(requests.sizes)} requests; "
                                   f"largest: {requests.largest()}")


def test_every_chart_draws_with_the_partial_bundle(watched, server_url):
    page, requests = watched
    page.goto(server_url + "/")
    wait_for_map(page)
    for chart, tab in CHART_TAB.items():  # tab by tab, as a user clicks through
        page.click(f"#{tab_id(tab)}")
        wait_until(page, "(id) => !document.getElementById(id).hidden", section_id(tab))
        wait_for_map(page) if chart == Chart.MAP else wait_for_chart(page, chart.value)
        wait_until(page, DRAWN, f"#{graph_id(chart)} {DRAWS[chart]}")
        assert TRACE_TYPE[chart] in page.evaluate(TYPES, f"#{graph_id(chart)}"), chart
    assert page.evaluate(UNREGISTERED) == []
    assert requests.full_bundle() == []


@pytest.mark.parametrize("chart", list(Chart), ids=str)
def test_every_embed_draws_with_the_partial_bundle(watched, server_url, chart):
    page, requests = watched
    page.goto(f"{server_url}/embed/{chart.value}")
    page.wait_for_selector("body[data-rendered=true]", timeout=30_000)
    wait_until(page, DRAWN, f"#chart {DRAWS[chart]}")
    assert TRACE_TYPE[chart] in page.evaluate(TYPES, "#chart")
    assert page.evaluate(UNREGISTERED) == []
    assert "/embed-assets/plotly.min.js" in requests.urls
    assert page.evaluate("window.Plotly.version") == get_plotlyjs_version()

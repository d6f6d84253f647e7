"""What Chromium draws for two marks the figure tests only read from the spec: a reporter
whose rows end early (grey with its reason in the key and the hover), and dollars converted
from euros (the hover says how much and at what rate)."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import pytest
from browser_helpers import wait_for_map
from test_fetch_comext import DE_CN_WORLD, TEST_RATES_2024

from dashboard.fetch import comext_rows
from dashboard.figures.choropleth import GAP_COLOUR
from dashboard.ingest import dataset
from dashboard.number_format import format_amount
from dashboard.settings import DEFAULT_DATA
from dashboard.web.ids import ID

pytestmark = pytest.mark.browser

# Finds a point inside one country's drawn shape (a bounding box's centre may be sea) and
# says which trace drew it; null when the country is not drawn.
INSIDE = """([map, iso]) => {
  const paths = Array.from(document.querySelectorAll(map + ' .choroplethlayer path'))
    .filter(p => p.__data__ && p.__data__.loc === iso);
  for (const path of paths) {
    const box = path.getBoundingClientRect(), toPath = path.getScreenCTM().inverse();
    const svg = path.ownerSVGElement;
    for (let fy = 0.1; fy < 1; fy += 0.05) for (let fx = 0.1; fx < 1; fx += 0.05) {
      const x = box.left + fx * box.width, y = box.top + fy * box.height;
      const at = svg.createSVGPoint();
      at.x = x; at.y = y;
      if (path.isPointInFill(at.matrixTransform(toPath))) {
        const trace = path.closest('.trace');
        const k = Array.from(trace.parentNode.children).indexOf(trace);
        return {x, y, fill: getComputedStyle(path).fill,
                trace: document.querySelector(map + ' .js-plotly-plot').data
                  .filter(t => t.type === 'choropleth')[k].name};
      }
    }
  }
  return null; }"""


def hover_text(page, iso: str) -> tuple[dict, str]:
    """Move the mouse onto a country; what was under it and the hover label's text."""
    point = page.evaluate(INSIDE, [f"#{ID.MAP}", iso])
    assert point is not None, f"{iso} is not drawn where the mouse can reach it"
    page.mouse.move(point["x"], point["y"])
    page.wait_for_selector(f"#{ID.MAP} .hoverlayer .hovertext", timeout=10_000)
    return point, svg_text(page, f"#{ID.MAP} .hoverlayer")


def svg_text(page, selector: str) -> str:
    """The drawn text under an SVG element, a line per tspan line (as read on screen)."""
    return page.evaluate(
        "(selector) => Array.from(document.querySelector(selector).querySelectorAll("
        "'text'), t => { const lines = t.querySelectorAll('tspan.line');"
        " return lines.length ? Array.from(lines, l => l.textContent).join('\\n')"
        " : t.textContent; }).join('\\n')", selector)


def open_map(browser, url: str):
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    page = context.new_page()
    page.goto(url)
    wait_for_map(page)
    return context, page


@pytest.fixture(scope="module")
def japan_stops_in_march_url(make_app, live_server):
    """The demo data with Japan's rows after March 2025 cut (a lagging reporter)."""
    demo = dataset.load([DEFAULT_DATA])
    frame = demo.frame
    cut = (frame["reporter"] == "JPN") & (frame["period_start"] > pd.Timestamp("2025-03-01"))
    return live_server(make_app(replace(demo, frame=frame[~cut].reset_index(drop=True))))


def test_a_reporter_whose_rows_end_early_is_drawn_grey_and_says_why(browser,
                                                                    japan_stops_in_march_url):
    context, page = open_map(
        browser, japan_stops_in_march_url
        + "/?commodity=280530&period=2025-Q2&baseline=2024-Q2&change=percent"
        "&perspective=reporter")
    try:
        point, text = hover_text(page, "JPN")
        assert point["trace"] == "coarser data only"
        assert tuple(int(float(v)) for v in point["fill"][4:-1].split(",")) == tuple(
            int(GAP_COLOUR[i:i + 2], 16) for i in (1, 3, 5))
        assert "Its rows end at 2025-03" in text and "not a fall" in text
        key = svg_text(page, f"#{ID.MAP} .infolayer")
        assert "rows end before the period" in key
        # a reporter that goes on is drawn on the scale
        korea, _ = hover_text(page, "KOR")
        assert korea["trace"] == "value"
    finally:
        context.close()


@pytest.fixture(scope="module")
def converted_url(make_app, live_server, tmp_path_factory):
    """Germany's real Comext rows (CN 3212 10 00, 2024) at the tests' own rates."""
    folder = tmp_path_factory.mktemp("comext")
    converted = comext_rows.convert(DE_CN_WORLD.read_bytes(), TEST_RATES_2024.get)
    (folder / "comext.csv").write_bytes(comext_rows.to_csv(converted.rows))
    return live_server(make_app(dataset.load([folder])))


def test_dollars_converted_from_euros_say_so_in_the_hover(browser, converted_url):
    context, page = open_map(browser, converted_url + "/?commodity=32121000&period=2024"
                             "&perspective=reporter&measure=value")
    try:
        _, text = hover_text(page, "DEU")
        raw = pd.read_csv(DE_CN_WORLD)
        eur = raw[(raw["indicators"] == "VALUE_IN_EUROS") & (raw["partner"] == "CN")]
        eur_total = float(eur["OBS_VALUE"].sum())
        usd_total = float(sum(v * float(TEST_RATES_2024[m])
                              for v, m in zip(eur["OBS_VALUE"], eur["TIME_PERIOD"])))
        assert f"Converted from {format_amount(eur_total, 'EUR')}" in text
        assert f"{format_amount(usd_total, 'USD')} of it" in text
        assert f"({usd_total / eur_total:.4f} USD per EUR overall)" in text
    finally:
        context.close()

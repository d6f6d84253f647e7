"""An embed in a frame as narrow as a phone's page asks once for the figure laid out for it
(embed.js adds fit=narrow) and reads whole: no caption line past the frame's edge."""

from __future__ import annotations

import pytest
from browser_helpers import wait_until

from dashboard.web.ids import Chart

pytestmark = pytest.mark.browser

TEXT_BOXES = """() => [...document.querySelectorAll(
    '#chart .g-gtitle tspan.line, #chart .infolayer .annotation-text-g, #chart .legend text')]
  .map(e => { const r = e.getBoundingClientRect();
              return {text: e.textContent.trim().slice(0, 30), left: r.left, right: r.right}; })
  .filter(b => b.right > b.left)"""


@pytest.mark.parametrize("chart", [Chart.SERIES, Chart.GAUGES, Chart.MAP], ids=str)
def test_a_narrow_frame_gets_the_phone_layout(browser, server_url, chart):
    context = browser.new_context(viewport={"width": 380, "height": 800})
    try:
        page = context.new_page()
        page.goto(f"{server_url}/embed/{chart.value}")
        wait_until(page, "document.body.getAttribute('data-rendered') === 'true'"
                         " && location.search.includes('fit=narrow')")
        boxes = page.evaluate(TEXT_BOXES)
        assert boxes and all(b["left"] >= 0 and b["right"] <= 381 for b in boxes), boxes
        assert page.evaluate("document.documentElement.scrollWidth") <= 380
    finally:
        context.close()


def test_a_wide_frame_keeps_the_wide_layout(browser, server_url):
    context = browser.new_context(viewport={"width": 1000, "height": 800})
    try:
        page = context.new_page()
        page.goto(f"{server_url}/embed/series")
        wait_until(page, "document.body.getAttribute('data-rendered') === 'true'")
        assert "fit=" not in page.url
        legend = page.evaluate("(() => { const l = document.querySelector('#chart .legend');"
                               " const p = document.querySelector('#chart .nsewdrag');"
                               " return [l.getBoundingClientRect().left,"
                               " p.getBoundingClientRect().right]; })()")
        assert legend[0] >= legend[1]  # the legend right of the plot, as on a wide page
    finally:
        context.close()

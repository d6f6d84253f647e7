"""The hover label Chromium draws for a point of the series chart, against the demo rows
summed in plain pandas: the template plotly.js fills gives the words the page showed when
each point carried its own text (tests/test_series_hover.py: the same in Python)."""

from __future__ import annotations

import os

import pandas as pd
import pytest
from browser_helpers import wait_for_chart

from dashboard.figures.text import format_amount
from dashboard.web.ids import Chart, graph_id

pytestmark = pytest.mark.browser

SERIES = f"#{graph_id(Chart.SERIES)}"
# The pixel position of every drawn point of every trace, and which one of South Korea's
# points lies farthest from any other trace's point (so the mouse lands on it alone).
LONELY_POINT = """(selector) => {
  const g = document.querySelector(selector + ' .js-plotly-plot');
  const full = g._fullLayout, box = g.querySelector('.nsewdrag').getBoundingClientRect();
  const spots = g._fullData.map((t, k) => (t.yaxis === 'y' ? Array.from(t.x, (x, i) => ({
    k, i, name: t.name, x: box.left + full.xaxis.d2p(x), y: box.top + full.yaxis.d2p(t.y[i])})
  ) : []));
  const all = spots.flat().filter(p => isFinite(p.y));
  let best = null, far = -1;
  for (const p of all.filter(p => p.name === 'South Korea')) {
    const near = Math.min(...all.filter(q => q.k !== p.k).map(q => Math.hypot(q.x - p.x,
      q.y - p.y)));
    if (near > far) { far = near; best = p; }
  }
  return {x: best.x, y: best.y, period: g.data[best.k].x[best.i]}; }"""


def hover_label(page) -> str:
    """The drawn hover label, a line per tspan line (as test_drawn_marks.svg_text reads)."""
    return page.evaluate(
        "(selector) => Array.from(document.querySelector(selector).querySelectorAll("
        "'text'), t => { const lines = t.querySelectorAll('tspan.line');"
        " return lines.length ? Array.from(lines, l => l.textContent).join('\\n')"
        " : t.textContent; }).join('\\n')", f"{SERIES} .hoverlayer")


def korea_rows(frame: pd.DataFrame, months: list[str]) -> pd.DataFrame:
    """The demo view's rows for South Korea in those months: China's exports to it (the
    default view: imports from China, as China reports them), monthly rows."""
    rows = frame[(frame["reporter"] == "CHN") & (frame["partner"] == "KOR")
                 & (frame["flow"] == "export") & (frame["commodity_code"] == "28469015")]
    assert set(rows["freq"]) == {"M"}  # no coarser rows to choose between
    return rows[rows["period"].isin(months)]


def expected_hover(frame: pd.DataFrame, start: pd.Timestamp, months: int) -> str:
    labels = [(start + pd.DateOffset(months=k)).strftime("%Y-%m") for k in range(months)]
    rows = korea_rows(frame, labels)
    period = (start.strftime("%B %Y") if months == 1
              else f"Q{(start.month - 1) // 3 + 1} {start.year}")
    lines = ", ".join(str(line) for line in sorted(rows["source_line"]))
    files = {os.path.basename(str(name)) for name in rows["source_file"]}
    assert len(files) == 1 and len(rows) <= 3
    return "\n".join([
        "South Korea", period,
        f"Net weight: {format_amount(rows['net_weight_kg'].sum() / 1000, 't')}",
        f"Source rows: {len(rows)} ({files.pop()} lines {lines})"])


@pytest.mark.parametrize("query, months", [("?tab=series", 1), ("?tab=series&freq=Q", 3)])
def test_a_series_point_hovers_its_period_tonnes_and_rows(open_page, demo_data, query,
                                                          months):
    page = open_page(f"/{query}", chart="series").page
    wait_for_chart(page, "series")
    point = page.evaluate(LONELY_POINT, SERIES)
    page.mouse.move(point["x"], point["y"])
    page.wait_for_selector(f"{SERIES} .hoverlayer .hovertext", timeout=10_000)
    drawn = hover_label(page)
    assert drawn == expected_hover(demo_data.frame, pd.Timestamp(point["period"]), months)

"""Nothing in a chart covers its caption: what the browser drew, page and exports.

The title, the source line (with date and link), the synthetic badge, the legend and the
plot area are read as drawn boxes (getBoundingClientRect of plotly's own SVG groups) at
1366x768 and 390x844 in the page, and in the exported SVG at 1200x700, 800x500 and 400x800.
"""

from __future__ import annotations

import pytest

from dashboard.web.ids import CHART_TAB, Chart, graph_id

pytestmark = pytest.mark.browser

# The charts with a plot area and a legend (the map and the surge series are checked by
# their own tests), by name, each with its tab.
CHARTS = {chart.value: CHART_TAB[chart] for chart in
          (Chart.GAUGES, Chart.RANKING, Chart.SERIES, Chart.SANKEY, Chart.SURGES, Chart.MIRROR)}
VIEWPORTS = [(1366, 768), (390, 844)]
EXPORT_SIZES = [(1200, 700), (800, 500), (400, 800)]  # 400: drawn narrow, as on a phone

# The boxes of one drawn figure under `root`: caption parts by their text, the legend, and
# the plot area where the page has one (the drag layer is exactly the axes' area).
BOXES = """(root) => {
  const scope = document.querySelector(root);
  const box = el => { if (!el) return null; const r = el.getBoundingClientRect();
    return r.width && r.height ? {x0: r.left, y0: r.top, x1: r.right, y1: r.bottom} : null; };
  const notes = Array.from(scope.querySelectorAll('.infolayer .annotation'))
    .map(el => ({text: el.textContent.trim(), box: box(el.querySelector('.annotation-text-g')
                                                          || el)}));
  const find = start => (notes.find(n => n.text.startsWith(start)) || {}).box || null;
  // Every figure has an (empty) indicator layer: take the first candidate that is drawn.
  const plot = ['.draglayer .nsewdrag', '.indicatorlayer', '.sankey']
    .map(sel => scope.querySelector(sel)).find(el => box(el)) || null;
  // The title block as its drawn lines (title, then the wrapped subtitle): the group's
  // box would also cover the empty space beside the short first line.
  const lines = Array.from(scope.querySelectorAll('.g-gtitle tspan.line')).map(box)
    .filter(b => b);
  return {title: box(scope.querySelector('.g-gtitle')), title_lines: lines,
          source: find('Source'),
          badge: find('SYNTHETIC'), legend: box(scope.querySelector('.infolayer .legend')),
          plot: plot && box(plot),
          others: notes.filter(n => !n.text.startsWith('Source')
                               && !n.text.startsWith('SYNTHETIC') && n.box)};
}"""
PAIRS = [("source", "legend"), ("source", "title"), ("source", "badge"), ("source", "plot"),
         ("legend", "title"), ("legend", "badge"), ("badge", "title"), ("title", "plot"),
         ("badge", "plot")]


def overlap(a: dict | None, b: dict | None, slack: float = 1.0) -> bool:
    if a is None or b is None:
        return False
    return (min(a["x1"], b["x1"]) - max(a["x0"], b["x0"]) > slack
            and min(a["y1"], b["y1"]) - max(a["y0"], b["y0"]) > slack)


def faults(boxes: dict) -> list[str]:
    lines = boxes["title_lines"] or [boxes["title"]]
    found = [f"{a} over {b}" for a, b in PAIRS
             if (any(overlap(boxes[a], line) for line in lines) if b == "title"
                 else overlap(boxes[a], boxes[b]))]
    found += [f"note {note['text'][:40]!r} over the source line"
              for note in boxes["others"] if overlap(note["box"], boxes["source"])]
    return found


@pytest.mark.parametrize(("width", "height"), VIEWPORTS)
@pytest.mark.parametrize("chart", list(CHARTS))
def test_page_chart_has_no_overlapping_parts(open_page, chart, width, height):
    watch = open_page(f"/?tab={CHARTS[chart]}", width=width, height=height, chart=chart)
    boxes = watch.page.evaluate(BOXES, f"#{graph_id(Chart(chart))}")
    assert boxes["title"] and boxes["source"] and boxes["badge"] and boxes["plot"]
    assert faults(boxes) == [], boxes


@pytest.mark.parametrize(("width", "height"), EXPORT_SIZES)
@pytest.mark.parametrize("chart", list(CHARTS))
def test_exported_svg_has_no_overlapping_parts(browser, server_url, chart, width, height):
    context = browser.new_context(viewport={"width": width, "height": height})
    try:
        page = context.new_page()
        # the route answers as a download (attachment): fetch it, then draw it in a page
        response = context.request.get(
            f"{server_url}/export/{chart}.svg?width={width}&height={height}")
        assert response.status == 200
        page.set_content(f"<body style='margin:0'>{response.text()}</body>")
        page.wait_for_selector("svg .infolayer", state="attached")
        boxes = page.evaluate(BOXES, "svg")
        assert boxes["title"] and boxes["source"] and boxes["badge"]
        assert faults(boxes) == []
    finally:
        context.close()


TITLE_TOP = """(id) => {
  const figure = document.getElementById(id).getBoundingClientRect();
  const lines = Array.from(document.querySelectorAll(`#${id} .g-gtitle tspan.line`))
    .map(el => el.getBoundingClientRect()).filter(r => r.height);
  const plot = document.querySelector(`#${id} .draglayer .nsewdrag`).getBoundingClientRect();
  return {title_top: Math.min(...lines.map(r => r.top)) - figure.top,
          title_bottom: Math.max(...lines.map(r => r.bottom)) - figure.top,
          plot_top: plot.top - figure.top};
}"""


@pytest.mark.parametrize("synthetic", [False, True], ids=["real data", "synthetic"])
@pytest.mark.parametrize("subtitle_words", [4, 28, 60])
def test_the_title_is_drawn_inside_the_figure_and_above_the_plot(browser, synthetic,
                                                                 subtitle_words):
    """Real data has no badge row over the title: plotly drew a top-anchored title 16 px
    above its pad, so a real-data chart's title began above the figure, cut off."""
    import json
    from pathlib import Path

    from dashboard.figures.caption import Caption, captioned

    caption = Caption("Net weight by country, 2024", " ".join(["imports"] * subtitle_words),
                      "Source: test.", "2024-12", synthetic=synthetic)
    spec = captioned({"data": [{"type": "bar", "x": [1, 2], "y": [3, 4]}],
                      "layout": {"height": 420}}, caption)
    page = browser.new_page(viewport={"width": 1000, "height": 600})
    try:
        page.set_content("<body style='margin:0'><div id='fig' style='width:900px;"
                         "height:420px'></div></body>")
        bundle = Path(__file__).resolve().parents[2] / "assets/plotly/plotly-partial.min.js"
        page.add_script_tag(path=str(bundle))
        page.evaluate("([data, layout]) => Plotly.newPlot('fig', data, layout)",
                      [spec["data"], json.loads(json.dumps(spec["layout"]))])
        drawn = page.evaluate(TITLE_TOP, "fig")
    finally:
        page.close()
    assert drawn["title_top"] >= 4, drawn  # a few px of air above the title
    assert drawn["title_bottom"] <= drawn["plot_top"] - 4, drawn

"""The page's fast path gives what the figure gives, for every chart on demo views.

The tab callback sends `ChartView.figure_json()` (the plain spec, copied, arrays as
base64, plotly's template added) and `ChartView.grid_rows()` (built column by column);
exports and tests use `ChartView.figure`, a `go.Figure` built from the same spec, and
`grid.grid_rows_reference` is the pandas definition of the rows. Wide and narrow, with
plotly's validation off, as served (validation drops None and {} that a spec keeps).
"""

from __future__ import annotations

import json

import pytest
from plotly.utils import PlotlyJSONEncoder
from test_figures_unchanged import QUERIES

from dashboard.figures import style
from dashboard.web import charts
from dashboard.web.grid import grid_rows_reference
from dashboard.web.ids import Chart
from dashboard.web.view_state import default_view, from_query

VIEWS = [QUERIES[0], QUERIES[1], QUERIES[4], QUERIES[6], QUERIES[8], QUERIES[9], QUERIES[11],
         "?tab=dependency&focus=DEU&perspective=mirror"]


@pytest.fixture(scope="module")
def demo_bundle(demo_data):
    from dashboard.web.context import Bundle

    return Bundle.of(demo_data)


def _json(figure: dict) -> str:
    return json.dumps(figure, cls=PlotlyJSONEncoder, sort_keys=True)


@pytest.mark.parametrize("narrow", [False, True], ids=["wide", "narrow"])
@pytest.mark.parametrize("query", VIEWS)
def test_page_json_and_rows_are_the_figures(demo_bundle, monkeypatch, query, narrow):
    monkeypatch.setattr(style, "VALIDATE_FIGURES", False)
    catalogue = demo_bundle.catalogue
    state, _ = from_query(query, default_view(catalogue), catalogue)
    for chart in Chart:
        view = charts.render(chart, state, demo_bundle.data, catalogue, "http://x/?a=1&b=2",
                             narrow)
        page = view.figure_json()
        assert _json(page) == _json(view.figure.to_plotly_json()), chart
        assert page["layout"]["template"]["layout"]  # plotly's default template, whole
        assert view.figure_height() == view.figure.layout.height
        assert view.grid_rows() == grid_rows_reference(view.table, view.columns), chart

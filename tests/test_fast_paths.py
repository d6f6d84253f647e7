"""The request-time fast paths give what their reference definitions give.

`compare.source_traces` (arrays) against `compare.source_traces_reference` (pandas), on
generated rows; the dependency view's kept World allocation against
`consistency.allocation_for`, for every reporter and period of the demo data;
`SpecFigure.to_dict` against plotly's own deep copy; `style.plotly_json` against the
figure's `to_plotly_json`; `grid.grid_rows` (column arrays) against `grid_rows_reference`
(the frame-wide pandas conversion), on generated tables of every dtype the grid gets.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from plotly.utils import PlotlyJSONEncoder
from test_analytics_properties import PROPERTY, frame_of, trade

from dashboard.analytics import dependency
from dashboard.analytics.compare import source_traces, source_traces_reference
from dashboard.analytics.consistency import allocation_for
from dashboard.analytics.orientation import Direction, Perspective, partition, source_flow
from dashboard.figures.style import SpecFigure, plotly_json
from dashboard.web.grid import grid_rows, grid_rows_reference


@PROPERTY
@given(trade(), st.data())
def test_source_traces_match_the_reference(records, data):
    rows = frame_of(records)
    n = len(rows)
    # Two files whose lines interleave, lines out of order, and more than five per group.
    rows["source_file"] = data.draw(st.lists(st.sampled_from(["b/second.csv", "a/first.csv"]),
                                             min_size=n, max_size=n))
    rows["source_line"] = data.draw(st.permutations(range(2, n + 2)))
    for by in ("country", "counterpart", ["country", "period"],
               ["country", "counterpart", "period"]):
        pd.testing.assert_series_equal(source_traces(rows, by),
                                       source_traces_reference(rows, by))


def test_source_traces_of_no_rows_is_empty():
    rows = pd.DataFrame({"country": [], "source_file": [], "source_line": []})
    assert source_traces(rows, "country").empty
    assert source_traces_reference(rows, "country").empty


@pytest.fixture(scope="module")
def demo_frame():
    from dashboard.ingest import dataset
    from dashboard.settings import DEFAULT_DATA

    return dataset.load([DEFAULT_DATA]).frame


def _same(fast, reference) -> bool:
    if fast is None or reference is None:
        return fast is None and reference is None
    return all(_same_value(mine, theirs) for mine, theirs in zip(
        vars(fast).values(), vars(reference).values(), strict=True))


def _same_value(mine, theirs) -> bool:
    if not isinstance(theirs, float):
        return mine == theirs
    if math.isnan(theirs):
        return math.isnan(mine)
    # Sums over a different set of groups can differ in the last bits (pandas' sums).
    return math.isclose(mine, theirs, rel_tol=1e-12, abs_tol=1e-6)


@pytest.mark.parametrize("direction", list(Direction))
def test_kept_world_allocation_is_allocation_for(demo_frame, direction):
    flow = source_flow(direction, Perspective.REPORTER).value
    checked = found = 0
    for commodity in ("280530", "284690"):
        rows = partition(demo_frame, flow, commodity)
        labels = sorted(set(rows["period"].unique()) | {"2018", "2024-Q3"})
        for reporter in sorted(rows["reporter"].unique())[:6]:
            for period in labels[::5]:
                fast = dependency.own_world_allocation(demo_frame, direction, commodity,
                                                       reporter, period)
                reference = allocation_for(rows, reporter, flow, commodity, period)
                assert _same(fast, reference), (reporter, period)
                checked += 1
                found += reference is not None
    assert checked > 20 and 0 < found < checked  # both outcomes were compared


def test_spec_figure_copies_as_plotly_does():
    spec = {"data": [{"type": "bar", "x": [1.5, 2.0], "y": ["a", "b"],
                      "marker": {"color": ["#000", "#fff"]}}],
            "layout": {"annotations": [{"text": "t", "x": 0}], "height": 300}}
    fast = SpecFigure(spec, _validate=False)
    copied = fast.to_dict()
    assert copied == go.Figure(spec, _validate=False).to_dict()
    copied["data"][0]["marker"]["color"][0] = "#f00"  # a copy: the figure is not changed
    copied["layout"]["annotations"].append({})
    assert fast.to_dict()["data"][0]["marker"]["color"][0] == "#000"
    assert len(fast.to_dict()["layout"]["annotations"]) == 1


def test_plotly_json_is_the_figures_json():
    spec = {"data": [{"type": "bar", "x": np.arange(3), "y": (1.5, 2.0, None),
                      "marker": {"color": np.array([0.1, 0.2, 0.3]), "line": None},
                      "customdata": ["A"] * 3, "name": None}],
            "layout": {"annotations": [{"text": "t", "x": 0}], "height": 300,
                       "xaxis": {"range": np.array([0.5, 2.5])}, "title": None}}
    fast = plotly_json(spec)
    figure = SpecFigure(spec, _validate=False).to_plotly_json()
    assert json.dumps(fast, cls=PlotlyJSONEncoder, sort_keys=True) == json.dumps(
        figure, cls=PlotlyJSONEncoder, sort_keys=True)
    assert fast["data"][0]["x"] == {"dtype": "i1", "bdata": "AAEC"}  # base64, as plotly
    assert isinstance(spec["data"][0]["x"], np.ndarray)  # the spec is not changed
    fast["layout"]["template"]["layout"]["font"] = "changed"  # a copy, not the shared one
    fast["layout"]["annotations"].append({})
    again = plotly_json(spec)
    assert again["layout"]["template"] == figure["layout"]["template"]
    assert len(again["layout"]["annotations"]) == 1


def test_plotly_json_keeps_a_named_template():
    spec = {"data": [], "layout": {"template": {"layout": {"font": {"size": 9}}}}}
    assert plotly_json(spec)["layout"]["template"] == {"layout": {"font": {"size": 9}}}


GRID_COLUMNS = [{"field": "weight_t", "headerName": "Net weight (t)"},
                {"field": "value_usd", "headerName": "Value (USD)"},
                {"field": "share", "headerName": "Share (0-1)"}]


@settings(PROPERTY, max_examples=80)  # cheap: no analytics, only the conversion
@given(st.data())
def test_grid_rows_match_the_reference(data):
    n = data.draw(st.integers(0, 12))
    floats = st.one_of(st.floats(allow_nan=True, allow_infinity=True, width=64),
                       st.sampled_from([9.600100000000001, -0.0004, 0.95123456]))
    texts = st.one_of(st.none(), st.text(max_size=4))
    table = pd.DataFrame({
        "weight_t": data.draw(st.lists(floats, min_size=n, max_size=n)),
        "value_usd": data.draw(st.lists(floats, min_size=n, max_size=n)),
        "share": data.draw(st.lists(floats, min_size=n, max_size=n)),
        "ratio": data.draw(st.lists(floats, min_size=n, max_size=n)),  # unit from no header
        "row_count": data.draw(st.lists(st.integers(0, 10**12), min_size=n, max_size=n)),
        "flagged": data.draw(st.lists(st.booleans(), min_size=n, max_size=n)),
        "name": pd.array(data.draw(st.lists(texts, min_size=n, max_size=n)), dtype="str"),
        "note": pd.Series(data.draw(st.lists(texts, min_size=n, max_size=n)), dtype=object),
        "count": pd.array(data.draw(st.lists(st.one_of(st.none(), st.integers(-9, 9)),
                                             min_size=n, max_size=n)), dtype="Int64"),
        "start": pd.to_datetime(data.draw(st.lists(
            st.one_of(st.none(), st.dates().map(str)), min_size=n, max_size=n)),
            format="%Y-%m-%d"),
    }, index=pd.Index([f"C{i}" for i in range(n)],
                      name=data.draw(st.sampled_from([None, "iso3"]))))
    fast, reference = grid_rows(table, GRID_COLUMNS), grid_rows_reference(table, GRID_COLUMNS)
    assert _typed(fast) == _typed(reference)


def _typed(rows: list[dict]) -> list[list]:
    """Each cell with its type, NaN comparable: the grid's JSON depends on both."""
    return [[(key, type(value).__name__, "nan" if isinstance(value, float) and math.isnan(value)
              else value) for key, value in row.items()] for row in rows]


def test_grid_rows_round_and_empty_as_the_csv():
    table = pd.DataFrame({"weight_t": [9.600100000000001, float("nan")], "n": [1, 2],
                          "day": pd.to_datetime(["2024-03-01", None])},
                         index=pd.Index(["CHN", "JPN"], name="iso3"))
    assert grid_rows(table, GRID_COLUMNS) == [
        {"iso3": "CHN", "weight_t": 9.6, "n": 1, "day": "2024-03-01"},
        {"iso3": "JPN", "weight_t": None, "n": 2, "day": None}]

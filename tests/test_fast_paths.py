"""The request-time fast paths give what their reference definitions give.

`compare.source_traces` (arrays) against `compare.source_traces_reference` (pandas), on
generated rows; the dependency view's kept World allocation against
`consistency.allocation_for`, for every reporter and period of the demo data; and
`SpecFigure.to_dict` against plotly's own deep copy.
"""

from __future__ import annotations

import math

import pandas as pd
import plotly.graph_objects as go
import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_analytics_properties import PROPERTY, frame_of, trade

from dashboard.analytics import dependency
from dashboard.analytics.compare import source_traces, source_traces_reference
from dashboard.analytics.consistency import allocation_for
from dashboard.analytics.orientation import Direction, Perspective, partition, source_flow
from dashboard.figures.style import SpecFigure


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

"""The surge series from the kept `SeriesIndex` is `timeseries.country_series` to the last bit.

`series_index.selection_country_series` (what the surges tab's series chart draws) against
the reference `country_series` on the selected rows: the demo's surge views (every rule,
a few periods, commodities and sides, each country of the selection and one without
rows, a selection without rows), and
generated trade with annual rows beside months, missing weights and several files.
"""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_analytics_properties import PROPERTY, frame_of, trade

from dashboard.analytics.catalogue import Catalogue
from dashboard.analytics.compare import Measure
from dashboard.analytics.country_table import selected_rows
from dashboard.analytics.series_index import (
    SeriesIndex,
    country_series_from,
    selection_country_series,
)
from dashboard.analytics.timeseries import country_series
from dashboard.web import charts
from dashboard.web.view_state import default_view, from_query

SURGE_QUERIES = [
    "?tab=surges",
    "?tab=surges&rule=prior_year",
    "?tab=surges&rule=year_earlier&floor=5&threshold=1.5",
    "?tab=surges&rule=safeguard&k=1.5&focus=JPN",
    "?tab=surges&rule=robust&z=2.5&focus=USA",
    "?tab=surges&rule=prior_year&period=2024&baseline=2023",
    "?tab=surges&rule=year_earlier&commodity=280530&focus=KOR",
    "?tab=surges&rule=safeguard&commodity=284690&period=2025-Q1",
    "?tab=surges&rule=robust&commodity=280530&partner=&focus=JPN",
    "?tab=surges&commodity=280530&perspective=reporter&focus=PHL",
]


def assert_same(fast: pd.DataFrame, reference: pd.DataFrame) -> None:
    """Same columns, dtypes, order and every value to the last bit."""
    pd.testing.assert_frame_equal(fast, reference, check_exact=True)


@pytest.mark.parametrize("query", SURGE_QUERIES)
def test_surge_series_view_shows_the_reference_rows(demo_data, query):
    catalogue = Catalogue.of(demo_data.frame)
    state, _ = from_query(query, default_view(catalogue), catalogue)
    rows = selected_rows(demo_data.frame, state.selection)
    view = charts.surge_series_view(state, demo_data, catalogue)
    assert_same(view.table, country_series(rows, state.focus or ""))


@pytest.mark.parametrize("query", SURGE_QUERIES)
def test_kept_country_series_is_the_reference_for_every_country(demo_data, query):
    catalogue = Catalogue.of(demo_data.frame)
    state, _ = from_query(query, default_view(catalogue), catalogue)
    rows = selected_rows(demo_data.frame, state.selection)
    compared = 0
    for iso3 in [*rows["country"].unique().tolist(), "ATA"]:
        reference = country_series(rows, iso3)
        assert_same(selection_country_series(demo_data.frame, state.selection, iso3),
                    reference)
        compared += len(reference)
    assert compared > 0


def test_a_kept_country_series_is_the_same_for_any_measure_and_never_changed_by_a_caller(
        demo_data):
    catalogue = Catalogue.of(demo_data.frame)
    state, _ = from_query("?tab=surges&focus=JPN", default_view(catalogue), catalogue)
    reference = country_series(selected_rows(demo_data.frame, state.selection), "JPN")
    first = selection_country_series(demo_data.frame, state.selection, "JPN")
    first["weight_t"] = -1.0  # a caller's change
    by_value = replace(state.selection, measure=Measure.VALUE)
    assert_same(selection_country_series(demo_data.frame, by_value, "JPN"), reference)
    assert_same(selection_country_series(demo_data.frame, state.selection, "JPN"), reference)


def test_a_selection_without_rows_gives_the_reference_empty_table(demo_data):
    catalogue = Catalogue.of(demo_data.frame)
    state, _ = from_query("?tab=surges&direction=exports&focus=CHN", default_view(catalogue),
                          catalogue)
    rows = selected_rows(demo_data.frame, state.selection)
    assert rows.empty
    assert_same(selection_country_series(demo_data.frame, state.selection, "CHN"),
                country_series(rows, "CHN"))


@st.composite
def country_case(draw):
    """Oriented rows (two files, some weights and values missing) and a country."""
    records = draw(trade())
    weights = [float(r["kg"]) if draw(st.integers(0, 9)) else float("nan") for r in records]
    rows = frame_of(records, weights)
    rows["source_file"] = pd.array([f"part{i % 2}/trade.csv" if i % 3 else "b.csv"
                                    for i in range(len(rows))], dtype="string")
    rows.loc[rows.index[::4], "value_usd"] = float("nan")
    return rows, draw(st.sampled_from(["KOR", "JPN", "PHL", "USA"]))


@PROPERTY
@given(country_case())
def test_country_series_from_arrays_is_the_reference_table(case):
    rows, iso3 = case
    assert_same(country_series_from(SeriesIndex(rows), iso3), country_series(rows, iso3))

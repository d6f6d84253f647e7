"""The series tab's fast paths give what their references give, to the last bit.

- `series_index.volume_series_from` (columns as arrays, the table built once) against the
  old kept-array path kept verbatim (`series_index_reference`) and against the definition
  (`timeseries.volume_series`);
- `sentences.timeseries_sentence` (column lists) against `series_sentences_reference`
  (pandas grouping and row access);
- `timeseries.events_in_range` (kept arrays) against `events_reference`;
- the series hover's kept number formats against the formatters themselves.

On generated data (hypothesis) and on the demo data's series views.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_analytics_properties import PROPERTY
from test_fast_series_mirror import series_case

from dashboard.analytics import series_index
from dashboard.analytics.country_table import selected_rows
from dashboard.analytics.events_reference import events_in_range_reference
from dashboard.analytics.series_index import SeriesIndex, volume_series_from
from dashboard.analytics.series_index_reference import volume_series_from_reference
from dashboard.analytics.timeseries import (
    SERIES_COLUMNS,
    events_in_range,
    series_span,
    volume_series,
)
from dashboard.figures import series_hover
from dashboard.figures.sentences import timeseries_sentence
from dashboard.figures.series_sentences_reference import timeseries_sentence_reference
from dashboard.figures.text import format_amount, format_share

# The series tab's views a user reaches (benchmarks/page_actions.json and the issue).
SERIES_VIEWS = ["?tab=series", "?tab=series&series=share", "?tab=series&freq=Q",
                "?tab=series&freq=A", "?tab=series&freq=Q&series=share",
                "?tab=series&peers=JPN,PHL", "?tab=series&focus=USA",
                "?tab=series&focus=JPN&peers=KOR,PHL,USA&series=share",
                "?tab=series&partner=CHN&series=share&freq=Q"]


def assert_same(fast: pd.DataFrame, reference: pd.DataFrame) -> None:
    """Same columns, dtypes, index, order and every value to the last bit."""
    pd.testing.assert_frame_equal(fast, reference, check_exact=True)


@PROPERTY
@given(series_case())
def test_the_table_built_once_is_the_old_fast_table_and_the_definition(case):
    rows, everything, countries, freq, mode = case
    index = SeriesIndex(rows)
    partners = SeriesIndex(everything) if everything is not None else None
    fast = volume_series_from(index, countries, freq, mode, partners)
    assert_same(fast, volume_series_from_reference(index, countries, freq, mode, partners))
    assert_same(fast, volume_series(rows, countries, freq, mode, everything))


@pytest.fixture(scope="module")
def series_views(demo_data):
    """(query, state, the series table the view draws) per demo view."""
    from dashboard.analytics.catalogue import Catalogue
    from dashboard.web.view_state import default_view, from_query

    catalogue = Catalogue.of(demo_data.frame)
    views = []
    for query in SERIES_VIEWS:
        state, _ = from_query(query, default_view(catalogue), catalogue)
        countries = [c for c in [state.focus, *state.peer_list] if c][:5]
        table = series_index.selection_volume_series(
            demo_data.frame, state.selection, countries, state.freq, state.series)
        views.append((query, state, countries, table))
    return views


def test_the_demo_views_draw_the_reference_tables(demo_data, series_views):
    frame = demo_data.frame
    drawn = 0
    for _query, state, countries, table in series_views:
        rows = selected_rows(frame, state.selection)
        everything = (selected_rows(frame, state.selection.with_every_partner())
                      if state.selection.partner else None)
        reference = volume_series_from_reference(
            SeriesIndex(rows), countries, state.freq, state.series,
            SeriesIndex(everything) if everything is not None else None)
        assert_same(table, reference)
        assert_same(table, volume_series(rows, countries, state.freq, state.series, everything))
        drawn += len(table)
    assert drawn > 500  # the views draw real series, not empty tables


def test_the_demo_views_have_the_reference_sentences_and_events(demo_data, series_views):
    for _query, state, _countries, table in series_views:
        assert (timeseries_sentence(table, state.series)
                == timeseries_sentence_reference(table, state.series))
        span = series_span(table)
        assert_same(events_in_range(demo_data.policy_events, *span),
                    events_in_range_reference(demo_data.policy_events, *span))
    sentence = timeseries_sentence(series_views[0][3], "tonnes")
    assert sentence.startswith("Latest: ") and " t in " in sentence


def test_a_kept_table_is_not_changed_by_its_caller(demo_data, series_views):
    _query, state, countries, table = series_views[0]
    table.loc[0, "value"] = -1.0
    table["country"] = "XXX"
    again = series_index.selection_volume_series(demo_data.frame, state.selection, countries,
                                                 state.freq, state.series)
    rows = selected_rows(demo_data.frame, state.selection)
    assert_same(again, volume_series(rows, countries, state.freq, state.series))


NAMES = st.sampled_from(["South Korea", "Japan", "Philippines", None])


@st.composite
def series_tables(draw):
    """A `volume_series`-shaped table: names repeated, missing, values NaN, periods mixed."""
    n = draw(st.integers(1, 12))
    names = draw(st.lists(NAMES, min_size=n, max_size=n))
    values = draw(st.lists(st.one_of(st.just(float("nan")),
                                     st.floats(0, 5e6, allow_nan=False)),
                           min_size=n, max_size=n))
    periods = draw(st.lists(st.sampled_from(["2024-03", "2024-Q2", "2023", "2025-01"]),
                            min_size=n, max_size=n))
    table = pd.DataFrame({c: [None] * n for c in SERIES_COLUMNS})
    table["country_name"] = pd.array(names, dtype=draw(st.sampled_from(["string", "str",
                                                                         object])))
    table["value"] = pd.Series(values, dtype="float64")
    table["period"] = pd.array(periods, dtype="string")
    return table


@PROPERTY
@given(series_tables(), st.sampled_from(["tonnes", "share"]))
def test_the_sentence_from_lists_is_the_grouped_sentence(table, mode):
    assert timeseries_sentence(table, mode) == timeseries_sentence_reference(table, mode)


def test_the_sentence_names_each_country_at_its_last_value():
    table = pd.DataFrame({"country_name": ["Japan", "Japan", None, "Korea", "Japan", "Chile"],
                          "value": [1.0, 2.5, 9.0, 0.25, float("nan"), float("nan")],
                          "period": ["2024-01", "2024-02", "2024-03", "2024-Q1", "2024-04",
                                     "2024"]})
    assert timeseries_sentence(table, "share") == (
        "Latest: Japan 250% in February 2024; Korea 25% in Q1 2024. Dashed lines mark policy"
        " events (hover for sources).")


@st.composite
def event_tables(draw):
    """policy_events.csv as read (dtype=str): dates tied, blank, unparsable; end dates."""
    days = st.sampled_from(["2010-09-21", "2023-07-03", "2023-07-03", "2024-12-03",
                            "2025-04-04", "bad", ""])
    n = draw(st.integers(1, 20))
    return pd.DataFrame({
        "date": draw(st.lists(days, min_size=n, max_size=n)),
        "end_date": draw(st.lists(st.sampled_from(["", "2024-01-31", "2010-11-20"]),
                                  min_size=n, max_size=n)),
        "event": [f" event {i} " for i in range(n)], "detail": [""] * n,
        "source": ["MOFCOM"] * n, "url": [""] * n}, dtype=str)


@PROPERTY
@given(event_tables(), st.sampled_from([None, "2010-10-01", "2023-07-03", "2025-01-01"]),
       st.sampled_from([None, "2023-07-03", "2024-12-31", pd.Timestamp("2026-01-01")]))
def test_events_from_kept_arrays_are_the_reference_selection(events, start, end):
    assert_same(events_in_range(events, start, end),
                events_in_range_reference(events, start, end))


# (number_format.format_number raises for |x| >= 1e25 or so: its Decimal precision; not here)
@given(st.lists(st.one_of(st.floats(-1e15, 1e15), st.just(math.nan), st.just(math.inf),
                          st.sampled_from([0.0, -0.0, 1.0, 0.0042, 1234.5])), max_size=30))
def test_kept_number_formats_are_the_formatters(numbers):
    for number in numbers + numbers:  # the second time from the cache
        assert series_hover._tonnes(number) == format_amount(number, "t")
        assert series_hover._share(number) == format_share(number)
    assert series_hover._tonnes(float("nan")) == format_amount(math.nan, "t")
    assert series_hover._tonnes(np.float64(2.5)) == "2.5 t"

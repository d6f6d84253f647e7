"""The series and mirror fast paths give the tables of their reference functions.

`series_index.selection_volume_series` (kept `SeriesIndex`es) against
`timeseries.volume_series` on the selected rows; the mirror's notes from columns
against the per-row notes (`mirror.mirror_gap` itself: tests/test_mirror_fast.py); the figure
builders' hover text against per-row reference formatting. Demo data and generated trade: annual
rows beside months, quarters, missing weights, several files, countries without rows.
"""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_analytics_properties import PROPERTY, frame_of, trade

from dashboard.analytics import mirror, mirror_reference
from dashboard.analytics.country_table import Selection, selected_rows
from dashboard.analytics.mirror_reference import mirror_gap_reference
from dashboard.analytics.orientation import Direction, Perspective
from dashboard.analytics.series_index import (
    SeriesIndex,
    selection_volume_series,
    volume_series_from,
)
from dashboard.analytics.timeseries import volume_series

SELECTIONS = [Selection("280530"), Selection("280530", partner="CHN"),
              Selection("284690", perspective=Perspective.MIRROR, partner="CHN"),
              Selection("280530", Direction.EXPORTS)]
COUNTRY_SETS = [["KOR", "JPN", "PHL"], ["JPN"], ["USA", "KOR", "ATA"], ["CHN", "ATA"]]


def assert_same(fast: pd.DataFrame, reference: pd.DataFrame) -> None:
    """Same columns, dtypes, order and every value to the last bit."""
    pd.testing.assert_frame_equal(fast, reference, check_exact=True)


@pytest.mark.parametrize("selection", SELECTIONS, ids=str)
def test_kept_volume_series_is_the_reference_table(demo_data, selection):
    frame = demo_data.frame
    rows = selected_rows(frame, selection)
    everything = (selected_rows(frame, selection.with_every_partner())
                  if selection.partner else None)
    compared = 0
    for countries in COUNTRY_SETS:
        for freq in ("M", "Q"):
            for mode in ("tonnes", "share"):
                reference = volume_series(rows, countries, freq, mode, everything)
                fast = selection_volume_series(frame, selection, countries, freq, mode)
                assert_same(fast, reference)
                compared += len(reference)
    assert compared > 0


@st.composite
def series_case(draw):
    """Oriented rows (two files, some weights missing), the all-partner rows around them,
    the countries asked for, a frequency and a mode."""
    records = draw(trade())
    weights = [float(r["kg"]) if draw(st.integers(0, 9)) else float("nan") for r in records]
    rows = frame_of(records, weights)
    rows["source_file"] = pd.array([f"part{i % 2}/trade.csv" if i % 3 else "b.csv"
                                    for i in range(len(rows))], dtype="string")
    partner = draw(st.sampled_from(["CHN", None]))
    selected = rows[rows["counterpart"] == partner] if partner else rows
    countries = draw(st.lists(st.sampled_from(["KOR", "JPN", "PHL", "USA"]), min_size=1,
                              max_size=4, unique=True))
    return (selected, rows if partner else None, countries,
            draw(st.sampled_from(["M", "Q"])), draw(st.sampled_from(["tonnes", "share"])))


@PROPERTY
@given(series_case())
def test_volume_series_from_arrays_is_the_reference_table(case):
    rows, everything, countries, freq, mode = case
    reference = volume_series(rows, countries, freq, mode, everything)
    fast = volume_series_from(SeriesIndex(rows), countries, freq, mode,
                              SeriesIndex(everything) if everything is not None else None)
    assert_same(fast, reference)


def test_more_than_five_countries_are_refused_as_by_the_reference(demo_data):
    with pytest.raises(ValueError, match="at most 5"):
        selection_volume_series(demo_data.frame, Selection("280530"),
                                ["KOR", "JPN", "PHL", "USA", "DEU", "FRA"])


MIRROR_VIEWS = [(commodity, period, direction)
                for commodity in ("280530", "284690", "28469015")
                for period in ("2024", "2025-Q1", "2024-06", "2019")
                for direction in (Direction.IMPORTS, Direction.EXPORTS)]


def test_mirror_notes_from_columns_are_the_per_row_notes(demo_data, monkeypatch):
    """`_notes` (columns zipped into rows) against `_note` on each row as a Series (the
    plain definition), on the tables the reference writes its notes for."""
    notes_of, compared = mirror._notes, 0

    def checked(table: pd.DataFrame, period: str) -> list[str]:
        nonlocal compared
        notes = notes_of(table, period)
        assert notes == [mirror._note(row, period) for _, row in table.iterrows()]
        compared += len(notes)
        return notes

    monkeypatch.setattr(mirror_reference, "_notes", checked)
    for commodity, period, direction in MIRROR_VIEWS:
        for partner in (None, "CHN"):
            mirror_gap_reference(demo_data.frame, commodity, period, direction,
                                 counterpart=partner)
    assert compared > 100


def test_kept_pairs_are_the_split_keys(demo_data):
    """Each side's (importer, exporter) per period: the kept split keys give the pairs
    that splitting the period's totals' keys gives."""
    from dashboard.ingest.schema import Flow

    for commodity, period, _ in MIRROR_VIEWS:
        for flow in (Flow.IMPORT, Flow.EXPORT):
            side = mirror._prepared_side(demo_data.frame, commodity, flow)
            totals = side.index.totals(period)
            split = [tuple(key.split("\t")) for key in totals.index]
            table = mirror_reference._side(side, "importer", period)
            assert sorted(table.index.tolist()) == sorted(split)
            assert table.index.names == ["importer", "exporter"]

"""`mirror.mirror_gap` (a kept pair space, only the view's pairs summed and traced) gives
exactly the table of its pandas steps, `mirror_reference.mirror_gap_reference`: same pairs,
order, dtypes, words and numbers to the last bit; and the chart's array selection of bars
is `drawable` / `largest_gaps`. On the demo's views and on generated two-sided trade files
(annual rows beside months, missing weights, estimated weights, areas, aggregates)."""

from __future__ import annotations

import math
import tempfile
from pathlib import Path

import pandas as pd
import pytest
from factories import PLUS_COLUMNS, plus_row, write_rows
from hypothesis import given
from hypothesis import strategies as st
from test_analytics_properties import PROPERTY

from dashboard.analytics.mirror import BOTH, EXPORTER_ONLY, IMPORTER_ONLY, mirror_gap
from dashboard.analytics.mirror_reference import mirror_gap_reference
from dashboard.analytics.orientation import Direction
from dashboard.figures import mirror_chart
from dashboard.ingest import readers

PERIODS = ("2024", "2025-Q1", "2024-06", "2019")
COMMODITIES = ("280530", "284690", "28469015")
# The view's party filters: none, a partner, a country, both, and codes without pairs.
FILTERS = [(None, None), (None, "CHN"), (None, "JPN"), ("KOR", None), ("CHN", None),
           ("JPN", "CHN"), (None, "ATA"), ("ATA", None)]


def assert_same_gaps(frame: pd.DataFrame, *view, **parties) -> pd.DataFrame:
    fast = mirror_gap(frame, *view, **parties)
    pd.testing.assert_frame_equal(fast, mirror_gap_reference(frame, *view, **parties),
                                  check_exact=True)
    assert_same_bars(fast)
    return fast


def assert_same_bars(gaps: pd.DataFrame) -> None:
    """The chart's arrays pick the rows `drawable` and `largest_gaps` pick, in order, and
    its row dicts are to_dict("records")."""
    drawn = mirror_chart._drawable_mask(gaps)
    for top in (1, 3, 15):
        positions = mirror_chart._largest_positions(gaps, drawn, top)
        if len(gaps):
            assert drawn.tolist() == mirror_chart.drawable(gaps).tolist()
            expected = mirror_chart.largest_gaps(gaps, top)
            assert positions.tolist() == expected.index.tolist()
            assert comparable(mirror_chart._records(gaps, positions)) == comparable(
                expected.drop(columns="_size").to_dict("records"))
        else:
            assert not len(positions)


def comparable(records: list[dict]) -> list[dict]:
    """Each cell as (type, value), NaN as a word (NaN != NaN would fail any comparison)."""
    return [{name: "NaN" if isinstance(cell, float) and math.isnan(cell)
             else (type(cell).__name__, cell) for name, cell in row.items()}
            for row in records]


def test_the_demo_views_give_the_reference_table(demo_data):
    statuses: set[str] = set()
    compared = 0
    for commodity in COMMODITIES:
        for period in PERIODS:
            for direction in Direction:
                for country, counterpart in FILTERS:
                    gaps = assert_same_gaps(demo_data.frame, commodity, period, direction,
                                            country=country, counterpart=counterpart)
                    statuses |= set(gaps["status"])
                    compared += len(gaps)
    assert statuses == {BOTH, EXPORTER_ONLY, IMPORTER_ONLY}
    assert compared > 500


# Reporters and partners (Comtrade codes): countries, an area that never reports (490) and
# the World aggregate (0), which is never paired.
REPORTERS = ["410", "156", "392", "842", "384"]
PARTNERS = [*REPORTERS, "490", "0"]
# Missing, round (equal gaps and ties are common) or any kilograms.
WEIGHTS = st.one_of(st.just(""), st.integers(0, 5).map(lambda n: str(n * 100)),
                    st.integers(1, 90_000).map(str))


@st.composite
def trade_file_rows(draw) -> list[dict[str, str]]:
    """Rows of one Comtrade Plus file: both flows, months and annual rows (month 52),
    two commodities, some weights missing or estimated; one row per (reporter, partner,
    flow, commodity, period) so none is refused as a duplicate."""
    seen, rows = set(), []
    for _ in range(draw(st.integers(1, 30))):
        reporter = draw(st.sampled_from(REPORTERS))
        partner = draw(st.sampled_from([p for p in PARTNERS if p != reporter]))
        flow, cmd = draw(st.sampled_from("MX")), draw(st.sampled_from(["280530", "284690"]))
        year, month = draw(st.sampled_from([2024, 2025])), draw(st.sampled_from([1, 2, 6, 52]))
        sides = [(reporter, partner, flow, month)]
        if partner in REPORTERS and draw(st.booleans()):  # the partner's mirror row
            sides.append((partner, reporter, "X" if flow == "M" else "M",
                          draw(st.sampled_from([month, month, 52, 1]))))
        for reporting, other, direction, when in sides:
            if (key := (reporting, other, direction, cmd, year, when)) in seen:
                continue
            seen.add(key)
            rows.append(plus_row(reporter=reporting, partner=other, flow=direction, cmd=cmd,
                                 year=year, month=when, weight=draw(WEIGHTS),
                                 value=str(draw(st.integers(0, 9)) * 1000),
                                 estimated=draw(st.sampled_from(["False", "True"]))))
    return rows


@PROPERTY
@given(rows=trade_file_rows(), period=st.sampled_from(["2024", "2024-Q1", "2024-01", "2025",
                                                       "2025-02", "2024-Q2"]),
       direction=st.sampled_from(list(Direction)),
       country=st.sampled_from([None, "KOR", "CHN", "S19"]),
       counterpart=st.sampled_from([None, "CHN", "JPN", "S19"]))
def test_generated_trade_gives_the_reference_table(rows, period, direction, country,
                                                   counterpart):
    with tempfile.TemporaryDirectory() as folder:
        frame = readers.read_file(write_rows(Path(folder) / "plus.csv", PLUS_COLUMNS,
                                             rows)).frame
    for commodity in ("280530", "284690"):
        assert_same_gaps(frame, commodity, period, direction)
        assert_same_gaps(frame, commodity, period, direction, country=country,
                         counterpart=counterpart)


@pytest.mark.parametrize("period", ["2024-01", "2024"])
def test_a_pair_only_one_side_reports_for_a_coarser_period(plus_file, period):
    """The USA reports the year only, China a month: for the month the pair is "exporter
    only" with the USA's coarse flag in the note; for the year both sides pair."""
    frame = readers.read_file(plus_file([
        plus_row(reporter="842", partner="156", flow="M", month=52, weight="9000"),
        plus_row(reporter="156", partner="842", flow="X", weight="700"),
    ])).frame
    gaps = assert_same_gaps(frame, "280530", period)
    assert gaps["status"].tolist() == [EXPORTER_ONLY if period == "2024-01" else BOTH]


def test_an_exporter_reporting_nothing_gives_no_percentages(plus_file):
    """0 kg and USD 0 from the exporter: the gap in tonnes, no percentage or ratio (not
    infinity)."""
    frame = readers.read_file(plus_file([
        plus_row(reporter="410", partner="156", flow="M", weight="1200", value="10600"),
        plus_row(reporter="156", partner="410", flow="X", weight="0", value="0"),
    ])).frame
    row = assert_same_gaps(frame, "280530", "2024-01").iloc[0]
    assert (row["status"], row["gap_t"]) == (BOTH, 1.2)
    assert all(math.isnan(row[name]) for name in ("gap_pct", "cif_fob_ratio", "value_gap_pct"))

"""Volume series (tonnes and shares, annual-only years) and the policy-event filter."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest
from factories import plus_row

from dashboard.analytics.country_table import Selection, selected_rows
from dashboard.analytics.orientation import Direction, Perspective
from dashboard.analytics.timeseries import (
    EVENT_COLUMNS,
    events_in_range,
    series_span,
    volume_series,
)
from dashboard.ingest import readers

EVENTS_CSV = Path(__file__).parents[1] / "data" / "policy_events.csv"


@pytest.fixture
def frame(plus_file):
    rows = [
        # Korea, 2024: Jan 3 t from China + 1 t from Japan; Feb 2 t from China only
        plus_row(reporter="410", partner="156", month=1, weight="3000"),
        plus_row(reporter="410", partner="392", month=1, weight="1000"),
        plus_row(reporter="410", partner="156", month=2, weight="2000"),
        plus_row(reporter="410", partner="156", month=4, weight="500"),
        # Japan, 2024: Jan 9 t from China
        plus_row(reporter="392", partner="156", month=1, weight="9000"),
        # USA: 2023 annual only (12 t), 2024 monthly; an annual 2024 row beside the months
        plus_row(reporter="842", partner="156", year=2023, month=52, weight="12000"),
        plus_row(reporter="842", partner="156", month=1, weight="1000"),
        plus_row(reporter="842", partner="156", year=2024, month=52, weight="50000"),
    ]
    return readers.read_file(plus_file(rows)).frame


def rows_for(frame, partner=None):
    return selected_rows(frame, Selection("280530", Direction.IMPORTS, Perspective.REPORTER,
                                          partner))


def test_tonnes_per_month_in_country_order(frame):
    series = volume_series(rows_for(frame), ["KOR", "JPN"])
    assert list(dict.fromkeys(series["country"])) == ["KOR", "JPN"]
    kor = series[series["country"] == "KOR"].set_index("period")
    assert kor["value"].to_dict() == {"2024-01": 4.0, "2024-02": 2.0, "2024-04": 0.5}
    assert "2024-03" not in kor.index  # no rows: not reported, never a made-up zero
    assert kor.loc["2024-01", "row_count"] == 2
    assert kor.loc["2024-01", "period_start"] == pd.Timestamp("2024-01-01")
    assert "lines" in kor.loc["2024-01", "source_rows"]
    assert set(series["coverage"]) == {"complete"}


def test_share_of_the_countrys_imports_from_all_partners(frame):
    series = volume_series(rows_for(frame, "CHN"), ["KOR"], mode="share",
                           all_partner_rows=rows_for(frame))
    kor = series.set_index("period")
    assert kor.loc["2024-01", "value"] == pytest.approx(0.75)  # 3 t of 4 t
    assert kor.loc["2024-01", "total_t"] == pytest.approx(4.0)
    assert kor.loc["2024-02", "value"] == pytest.approx(1.0)
    assert kor.loc["2024-01", "weight_t"] == pytest.approx(3.0)


def test_share_without_a_partner_is_of_all_countries_total(frame):
    series = volume_series(rows_for(frame), ["KOR", "JPN"], mode="share")
    january = series[series["period"] == "2024-01"].set_index("country")["value"]
    # KOR 4 t, JPN 9 t, USA 1 t in January 2024 (USA's annual 2024 row set aside)
    assert january["KOR"] == pytest.approx(4 / 14)
    assert january["JPN"] == pytest.approx(9 / 14)


def test_annual_only_year_is_marked_not_drawn_as_a_monthly_spike(frame):
    series = volume_series(rows_for(frame), ["USA"])
    usa = series.set_index("period")
    assert "2023-01" not in usa.index and "2023-12" not in usa.index
    assert usa.loc["2023", "coverage"] == "annual data only"
    assert math.isnan(usa.loc["2023", "value"])  # no line through it
    assert usa.loc["2023", "average_value"] == pytest.approx(1.0)  # 12 t / 12 months
    assert usa.loc["2023", "weight_t"] == pytest.approx(12.0)
    assert usa.loc["2023", "months"] == 12
    # 2024 has months: the annual 2024 row beside them is not added on top
    assert usa.loc["2024-01", "value"] == pytest.approx(1.0)
    assert usa["weight_t"].sum() == pytest.approx(13.0)


def test_quarters_roll_months_up(frame):
    series = volume_series(rows_for(frame), ["KOR", "USA"], freq="Q")
    values = dict(zip(zip(series["country"], series["period"]), series["value"]))
    assert values[("KOR", "2024-Q1")] == pytest.approx(6.0)
    assert values[("KOR", "2024-Q2")] == pytest.approx(0.5)
    usa_2023 = series[(series["country"] == "USA") & (series["period"] == "2023")]
    assert usa_2023["average_value"].item() == pytest.approx(3.0)  # 12 t / 4 quarters


def test_series_span_covers_the_last_period(frame):
    start, end = series_span(volume_series(rows_for(frame), ["KOR", "USA"]))
    assert (start, end) == (pd.Timestamp("2023-01-01"), pd.Timestamp("2024-05-01"))


def test_limits_are_enforced(frame):
    with pytest.raises(ValueError, match="at most 5"):
        volume_series(rows_for(frame), ["KOR", "JPN", "USA", "PHL", "CHN", "CIV"])
    with pytest.raises(ValueError):
        volume_series(rows_for(frame), ["KOR"], freq="A")
    assert volume_series(rows_for(frame), ["FRA"]).empty


EVENTS = pd.DataFrame({
    "date": ["2010-09-21", "2024-12-03", "2025-04-04", "2025-11-07", "not a date"],
    "end_date": ["2010-11-20", "", None, "2026-11-10", ""],
    "event": ["Halt to Japan", "Ga/Ge/Sb ban", "Licensing of 7 rare earths",
              "October measures suspended", "broken"],
    "detail": ["", "", "Sm, Gd, Tb, Dy, Lu, Sc, Y", "", ""],
    "source": ["Press reports", "MOFCOM No. 46 of 2024", "MOFCOM/GAC Announcement No. 18 of 2025",
               "MOFCOM No. 70 of 2025", ""],
    "url": ["", "", "", "", ""],
}, dtype=str)


def test_events_inside_the_range_only():
    shown = events_in_range(EVENTS, "2025-01-01", "2025-06-30")
    assert shown["event"].tolist() == ["Licensing of 7 rare earths"]
    assert shown["source"].item() == "MOFCOM/GAC Announcement No. 18 of 2025"
    assert shown["date"].item() == pd.Timestamp("2025-04-04")
    assert list(shown.columns) == EVENT_COLUMNS


def test_an_event_with_an_end_date_overlapping_the_range_is_kept():
    shown = events_in_range(EVENTS, "2026-01-01", "2026-03-31")
    assert shown["event"].tolist() == ["October measures suspended"]
    assert shown["end_date"].item() == pd.Timestamp("2026-11-10")
    assert pd.isna(events_in_range(EVENTS, "2024-12-01", "2024-12-31")["end_date"].item())


def test_open_range_and_bad_dates():
    every = events_in_range(EVENTS)
    assert len(every) == 4  # the unparseable date is dropped
    assert every["date"].is_monotonic_increasing
    assert events_in_range(EVENTS.iloc[0:0]).empty
    assert events_in_range(None, "2020-01-01", "2021-01-01").empty


@pytest.mark.skipif(not EVENTS_CSV.exists(), reason="policy events file not present")
def test_the_projects_events_file_reads_with_dtype_str():
    events = pd.read_csv(EVENTS_CSV, dtype=str)
    shown = events_in_range(events, "2025-01-01", "2025-12-31")
    assert len(shown) >= 1
    assert shown["source"].str.len().gt(0).all()  # every event carries its citation

"""Period totals and comparisons: the three Q1-against-2024 framings, mixed frequencies."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from factories import plus_row

from dashboard.analytics.compare import Basis, Comparison, Measure, compare, period_totals
from dashboard.analytics.country_table import Selection, country_table
from dashboard.analytics.orientation import Direction, Perspective
from dashboard.ingest import readers


@pytest.fixture
def dy_oxide(plus_file):
    """China's Dy-oxide exports: Korea 10 t a month in 2024, 40 t a month in Q1 2025."""
    rows = []
    for month in range(1, 13):
        rows.append(plus_row(reporter="156", partner="410", flow="X", cmd="28469015",
                             year=2024, month=month, weight="10000", value="2000000"))
    for month in (1, 2, 3):
        rows.append(plus_row(reporter="156", partner="410", flow="X", cmd="28469015",
                             year=2025, month=month, weight="40000", value="9000000"))
    rows.append(plus_row(reporter="156", partner="608", flow="X", cmd="28469015",
                         year=2025, month=1, weight="500", value="1"))
    return readers.read_file(plus_file(rows)).frame


MIRROR = Selection("28469015", Direction.IMPORTS, Perspective.MIRROR, "CHN", Measure.WEIGHT)


@pytest.mark.parametrize("comparison, baseline_t, ratio, words", [
    (Comparison("2025-Q1", "2024", Basis.TOTAL), 120.0, 1.0, "Q1 2025 against the whole of 2024"),
    (Comparison("2025-Q1", "2024", Basis.AVERAGE), 30.0, 4.0,
     "Q1 2025 against the average quarter of 2024"),
    (Comparison("2025-Q1", "2024-Q1", Basis.TOTAL), 30.0, 4.0, "Q1 2025 against Q1 2024"),
])
def test_three_framings_of_q1_2025_against_2024(dy_oxide, comparison, baseline_t, ratio, words):
    table = country_table(dy_oxide, MIRROR, comparison.period, comparison)
    korea = table.loc["KOR"]
    assert korea["value"] == 120.0
    assert korea["baseline"] == pytest.approx(baseline_t)
    assert korea["ratio"] == pytest.approx(ratio)
    assert korea["percent"] == pytest.approx((ratio - 1) * 100)
    assert comparison.describe() == words


def test_new_trade_has_no_ratio(dy_oxide):
    table = country_table(dy_oxide, MIRROR, "2025-Q1", Comparison("2025-Q1", "2024"))
    philippines = table.loc["PHL"]
    assert philippines["value"] == 0.5 and math.isnan(philippines["ratio"])
    assert philippines["absolute"] == 0.5


def test_values_trace_to_source_lines(dy_oxide):
    totals = period_totals(country_rows(dy_oxide), "2025-Q1")
    assert totals.loc["KOR", "row_count"] == 3
    assert totals.loc["KOR", "source_rows"].endswith("lines 14, 15, 16")


def country_rows(frame):
    from dashboard.analytics.country_table import selected_rows

    return selected_rows(frame, MIRROR)


def test_mixed_frequency_quarter_from_annual_only_says_why(plus_file):
    rows = [plus_row(year=2019, month=52, weight="1200")]
    rows += [plus_row(year=2020, month=m, weight="100") for m in range(1, 13)]
    frame = readers.read_file(plus_file(rows)).frame
    selection = Selection("280530", Direction.IMPORTS, Perspective.REPORTER, "CHN")
    quarter = country_table(frame, selection, "2019-Q1")
    assert math.isnan(quarter.loc["KOR", "value"])
    assert quarter.loc["KOR", "coverage"] == "annual data only"
    years = country_table(frame, selection, "2020", Comparison("2020", "2019"))
    assert years.loc["KOR", "ratio"] == 1.0  # annual 2019 compares with 12 months of 2020


def test_unit_value_baseline_is_not_scaled(dy_oxide):
    selection = Selection("28469015", Direction.IMPORTS, Perspective.MIRROR, "CHN",
                          Measure.UNIT_VALUE)
    table = compare(country_rows(dy_oxide), Comparison("2025-Q1", "2024", Basis.AVERAGE),
                    selection.measure)
    assert table.loc["KOR", "baseline"] == pytest.approx(200.0)  # USD/kg, not a quarter of it
    assert table.loc["KOR", "value"] == pytest.approx(225.0)


def test_reporter_perspective_reads_imports(plus_file):
    frame = readers.read_file(plus_file([plus_row(weight="3000"), plus_row(
        reporter="156", partner="410", flow="X", weight="2900")])).frame
    reporter = Selection("280530", Direction.IMPORTS, Perspective.REPORTER, "CHN")
    mirror = Selection("280530", Direction.IMPORTS, Perspective.MIRROR, "CHN")
    assert country_table(frame, reporter, "2024-01").loc["KOR", "value"] == 3.0
    assert country_table(frame, mirror, "2024-01").loc["KOR", "value"] == 2.9
    assert isinstance(country_table(frame, reporter, "2024"), pd.DataFrame)

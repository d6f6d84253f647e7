"""Surge rules on hand-made series whose answer is known: every rule, the floor, history gaps."""

from __future__ import annotations

import math

import pytest
from factories import plus_row

from dashboard.analytics.country_table import Selection, selected_rows
from dashboard.analytics.surge_rules import (
    SurgeParams,
    SurgeRule,
    SurgeStatus,
    reference_periods,
)
from dashboard.analytics.surge_text import reference_label, rule_description
from dashboard.analytics.surges import detect_surges
from dashboard.analytics.timeseries import country_series
from dashboard.ingest import readers

KOR, JPN, PHL, USA = "410", "392", "608", "842"
COLUMNS = ["country_name", "current_t", "reference_t", "ratio", "score", "threshold",
           "flagged", "status", "explanation", "source_rows", "reference_source_rows"]


def months(reporter, year, tonnes, partner="156", first=1):
    """Monthly import rows, one per value in `tonnes`, from month `first` on."""
    return [plus_row(reporter=reporter, partner=partner, year=year, month=first + i,
                     weight=str(int(t * 1000))) for i, t in enumerate(tonnes)]


def annual(reporter, year, tonnes, partner="156"):
    return plus_row(reporter=reporter, partner=partner, year=year, month=52,
                    weight=str(int(tonnes * 1000)))


@pytest.fixture
def oriented(plus_file):
    def make(rows):
        frame = readers.read_file(plus_file(rows)).frame
        return selected_rows(frame, Selection("280530"))
    return make


def surge(oriented, rows, rule, period="2025-Q1", **settings):
    return detect_surges(oriented(rows), SurgeParams(rule, period, **settings))


# --- rule 1: the period above the whole prior year --------------------------------------

@pytest.fixture
def prior_year_rows():
    return [
        *months(KOR, 2024, [10] * 12), annual(KOR, 2024, 120),  # annual beside months
        *months(KOR, 2025, [44, 44, 44]),  # 132 t > 120 t
        *months(JPN, 2024, [10] * 12), *months(JPN, 2025, [30, 30, 30]),  # 90 t < 120 t
        annual(PHL, 2024, 0.002), *months(PHL, 2025, [0.02], first=3),  # 2 kg -> 20 kg
        *months(USA, 2025, [5]),  # new trade, no reference
    ]


def test_prior_year_flags_a_quarter_above_the_whole_year(oriented, prior_year_rows):
    table = surge(oriented, prior_year_rows, SurgeRule.PRIOR_YEAR)
    assert list(table.columns) == COLUMNS
    korea = table.loc["KOR"]
    assert korea["current_t"] == pytest.approx(132.0)
    assert korea["reference_t"] == pytest.approx(120.0)  # annual row not added to months
    assert korea["ratio"] == pytest.approx(1.1)
    assert korea["status"] == SurgeStatus.SURGE and korea["flagged"]
    assert korea["explanation"].startswith(
        "Q1 2025: 132.0 t; all of 2024: 120.0 t, ratio 1.10 (rule: above the whole prior year)")
    assert table.loc["JPN", "status"] == SurgeStatus.BELOW_THRESHOLD
    assert not table.loc["JPN", "flagged"]
    assert table.loc["USA", "status"] == SurgeStatus.NO_REFERENCE
    assert math.isnan(table.loc["USA", "ratio"])
    assert list(table.index[:1]) == ["KOR"]  # flagged first


def test_prior_year_of_a_whole_year_is_the_previous_year(oriented, prior_year_rows):
    rows = [*prior_year_rows, *months(KOR, 2025, [10] * 9, first=4)]  # 2025: 222 t
    params = SurgeParams(SurgeRule.PRIOR_YEAR, "2025")
    table = detect_surges(oriented(rows), params)
    assert table.loc["KOR", "current_t"] == pytest.approx(222.0)
    assert table.loc["KOR", "reference_t"] == pytest.approx(120.0)
    assert "previous year" in reference_label(params)
    assert "previous year" in table.loc["KOR", "explanation"]


def test_values_trace_to_source_lines(oriented, prior_year_rows):
    table = surge(oriented, prior_year_rows, SurgeRule.PRIOR_YEAR)
    # KOR's 2025 months are file lines 15-17 (header 1, 12 months, 1 annual row before).
    assert table.loc["KOR", "source_rows"].endswith("lines 15, 16, 17")
    # 2024 is read from Korea's annual row (line 14), its months (2-13) set aside.
    assert table.loc["KOR", "reference_source_rows"].endswith("lines 14")


# --- the floor applies before any rule --------------------------------------------------

@pytest.mark.parametrize("rule", list(SurgeRule))
def test_two_kilos_to_twenty_is_never_a_surge(oriented, prior_year_rows, rule):
    table = surge(oriented, prior_year_rows, rule)
    assert table.loc["PHL", "current_t"] == pytest.approx(0.02)
    assert table.loc["PHL", "status"] == SurgeStatus.BELOW_FLOOR
    assert not table.loc["PHL", "flagged"]
    assert "floor" in table.loc["PHL", "explanation"]


def test_the_floor_is_what_stops_the_tiny_jump(oriented, prior_year_rows):
    table = surge(oriented, prior_year_rows, SurgeRule.PRIOR_YEAR, floor_t=0.01)
    assert table.loc["PHL", "status"] == SurgeStatus.SURGE
    assert table.loc["PHL", "ratio"] == pytest.approx(10.0)


# --- rule 2: the same period a year earlier ----------------------------------------------

@pytest.fixture
def year_earlier_rows():
    return [*months(KOR, 2024, [10, 10, 10]), *months(KOR, 2025, [20, 20, 20]),  # exactly 2x
            *months(JPN, 2024, [10, 10, 10]), *months(JPN, 2025, [19, 19, 19])]  # 1.9x


def test_year_earlier_flags_at_the_threshold_inclusive(oriented, year_earlier_rows):
    table = surge(oriented, year_earlier_rows, SurgeRule.YEAR_EARLIER)
    assert table.loc["KOR", "ratio"] == pytest.approx(2.0)
    assert table.loc["KOR", "status"] == SurgeStatus.SURGE
    assert table.loc["JPN", "status"] == SurgeStatus.BELOW_THRESHOLD
    assert "Q1 2024: 30.0 t, ratio 2.00" in table.loc["KOR", "explanation"]


def test_year_earlier_threshold_is_a_setting(oriented, year_earlier_rows):
    table = surge(oriented, year_earlier_rows, SurgeRule.YEAR_EARLIER, ratio_threshold=2.5)
    assert not table["flagged"].any()
    assert (table["threshold"] == 2.5).all()


def test_year_earlier_without_that_quarter_has_no_reference(oriented):
    rows = [annual(KOR, 2024, 40), *months(KOR, 2025, [20, 20, 20])]
    table = surge(oriented, rows, SurgeRule.YEAR_EARLIER)
    assert table.loc["KOR", "status"] == SurgeStatus.NO_REFERENCE
    assert "only annual data" in table.loc["KOR", "explanation"]


# --- rule 3: WTO AoA Art. 5 style safeguard ----------------------------------------------

@pytest.fixture
def safeguard_rows():
    rows = []
    for code, latest in ((KOR, 38), (JPN, 37)):  # mean of 20, 30, 40 is 30; 1.25x is 37.5
        for year, tonnes in ((2022, 20), (2023, 30), (2024, 40)):
            rows += months(code, year, [tonnes])
        rows += months(code, 2025, [latest])
    rows += [*months(PHL, 2023, [5]), *months(PHL, 2024, [5]), *months(PHL, 2025, [50])]
    return rows


def test_safeguard_compares_with_the_mean_of_three_years(oriented, safeguard_rows):
    table = surge(oriented, safeguard_rows, SurgeRule.SAFEGUARD, period="2025-01")
    assert table.loc["KOR", "reference_t"] == pytest.approx(30.0)
    assert table.loc["KOR", "status"] == SurgeStatus.SURGE  # 38 > 37.5
    assert table.loc["JPN", "status"] == SurgeStatus.BELOW_THRESHOLD  # 37 < 37.5
    assert "January 2022 20.0 t" in table.loc["KOR", "explanation"]


def test_safeguard_needs_three_prior_years(oriented, safeguard_rows):
    table = surge(oriented, safeguard_rows, SurgeRule.SAFEGUARD, period="2025-01")
    philippines = table.loc["PHL"]
    assert philippines["status"] == SurgeStatus.NOT_ENOUGH_HISTORY
    assert not philippines["flagged"]
    assert math.isnan(philippines["reference_t"])  # no mean of two years passed off as three
    assert "January 2022" in philippines["explanation"]


def test_safeguard_k_is_a_setting(oriented, safeguard_rows):
    table = surge(oriented, safeguard_rows, SurgeRule.SAFEGUARD, period="2025-01", k=1.2)
    assert table.loc["JPN", "status"] == SurgeStatus.SURGE  # 37 > 36


# --- rule 4: robust z-score against a trailing window -------------------------------------

def window(code, values):
    """24 months, 2023-01 .. 2024-12."""
    return months(code, 2023, values[:12]) + months(code, 2024, values[12:])


ALTERNATING = [10, 12] * 12  # median 11 t, MAD 1 t


@pytest.mark.parametrize("latest, status", [(16, SurgeStatus.BELOW_THRESHOLD),
                                            (17, SurgeStatus.SURGE)])
def test_robust_z_against_median_and_mad(oriented, latest, status):
    # z = 0.6745 (x - 11) / 1: 16 t gives 3.37, 17 t gives 4.05; threshold 3.5.
    rows = [*window(KOR, ALTERNATING), *months(KOR, 2025, [latest])]
    table = surge(oriented, rows, SurgeRule.ROBUST, period="2025-01")
    assert table.loc["KOR", "score"] == pytest.approx(0.6745 * (latest - 11))
    assert table.loc["KOR", "status"] == status
    assert "median of 11.0 t a month (MAD 1.0 t)" in table.loc["KOR", "explanation"]


def test_robust_flags_a_quarter_when_any_month_is_out(oriented):
    rows = [*window(KOR, ALTERNATING), *months(KOR, 2025, [11, 11, 40])]
    table = surge(oriented, rows, SurgeRule.ROBUST)
    korea = table.loc["KOR"]
    assert korea["status"] == SurgeStatus.SURGE
    assert korea["score"] == pytest.approx(0.6745 * 29)
    assert korea["reference_t"] == pytest.approx(33.0)  # 3 months x median 11 t
    assert "highest month March 2025" in korea["explanation"]


def test_robust_mad_zero_falls_back_to_mean_absolute_deviation(oriented):
    values = [10] * 20 + [12] * 4  # median 10, MAD 0, mean absolute deviation 1/3
    rows = [*window(KOR, values), *months(KOR, 2025, [12])]
    table = surge(oriented, rows, SurgeRule.ROBUST, period="2025-01")
    assert table.loc["KOR", "score"] == pytest.approx(2 / (1.253314 / 3))
    assert table.loc["KOR", "flagged"]


def test_robust_needs_twelve_months_and_monthly_data(oriented):
    rows = [*months(JPN, 2024, [10] * 11), *months(JPN, 2025, [90]),  # 11 months of history
            annual(USA, 2023, 100), annual(USA, 2024, 100), annual(USA, 2025, 900)]
    table = surge(oriented, rows, SurgeRule.ROBUST, period="2025")
    assert table.loc["JPN", "status"] == SurgeStatus.NOT_ENOUGH_HISTORY
    assert "11 months with data in the window, 12 needed" in table.loc["JPN", "explanation"]
    assert table.loc["USA", "status"] == SurgeStatus.NOT_ENOUGH_HISTORY
    assert not table["flagged"].any()


def test_robust_window_ends_before_the_period():
    params = SurgeParams(SurgeRule.ROBUST, "2025-Q1")
    labels = reference_periods(params)
    assert (labels[0], labels[-1], len(labels)) == ("2023-01", "2024-12", 24)


# --- ordering, settings, words -----------------------------------------------------------

def test_sorted_flagged_first_then_by_score(oriented):
    rows = [*months(KOR, 2024, [10]), *months(KOR, 2025, [30]),  # 3x, surge
            *months(JPN, 2024, [10]), *months(JPN, 2025, [50]),  # 5x, surge
            *months(USA, 2024, [10]), *months(USA, 2025, [15])]  # 1.5x, not
    table = surge(oriented, rows, SurgeRule.YEAR_EARLIER, period="2025-01")
    assert list(table.index) == ["JPN", "KOR", "USA"]
    assert list(table["flagged"]) == [True, True, False]


def test_params_validate_and_accept_strings():
    assert SurgeParams("robust", "2025-Q1").rule is SurgeRule.ROBUST
    with pytest.raises(ValueError):
        SurgeParams(SurgeRule.PRIOR_YEAR, "Q1 2025")
    with pytest.raises(ValueError):
        SurgeParams(SurgeRule.ROBUST, "2025-Q1", window_months=6)


@pytest.mark.parametrize("rule, cited", [
    (SurgeRule.PRIOR_YEAR, "all of 2024"), (SurgeRule.YEAR_EARLIER, "Q1 2024"),
    (SurgeRule.SAFEGUARD, "Agriculture, Art. 5"), (SurgeRule.ROBUST, "MAD")])
def test_rule_description_cites_its_method(rule, cited):
    text = rule_description(SurgeParams(rule, "2025-Q1"))
    assert cited in text
    assert "WT/DS121/AB/R" in text and "1.0 t" in text


def test_country_series_rolls_mixed_frequencies_up_to_the_year(oriented):
    rows = [*months(KOR, 2024, [10] * 12), annual(KOR, 2024, 24, partner="392"),
            *months(KOR, 2025, [40, 40])]
    series = country_series(oriented(rows), "KOR")
    assert list(series["period"]) == ["2024", "2025-01", "2025-02"]
    year = series.iloc[0]
    assert year["freq"] == "A" and year["weight_t"] == pytest.approx(144.0)  # both partners
    assert year["weight_t_per_month"] == pytest.approx(12.0)
    assert series.iloc[1]["source_rows"].endswith("lines 15")
    assert country_series(oriented(rows), "JPN").empty

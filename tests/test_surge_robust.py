"""The ROBUST rule from arrays (`surge_robust`: monthly tonnes kept per selection, numpy
per request) gives exactly what its pandas steps give (`surges_reference`): on generated
rows with fractional and missing weights, gaps in the months, countries with a single
month, a row order unlike the lines' order, and on the demo selections (kept values)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_analytics_properties import PROPERTY, frame_of
from test_kept_selection import SELECTIONS
from test_surges_fast import assert_same_surges

from dashboard.analytics.country_table import Selection, selected_rows
from dashboard.analytics.period_index import PeriodIndex
from dashboard.analytics.surge_robust import monthly_tonnes, robust_reference
from dashboard.analytics.surge_rules import SurgeParams, SurgeRule
from dashboard.analytics.surges import selection_surges
from dashboard.analytics.surges_reference import (
    _robust_reference,
    detect_surges_reference,
    monthly_rows,
)

MONTHS = [str(m) for m in pd.period_range("2021-01", "2025-12", freq="M")]
# Up to eight countries: pandas sums a frame's rows in another order from six rows on.
CODES = ["ARG", "BRA", "CAN", "DEU", "FRA", "IND", "JPN", "KOR"]
# Fractional tonnes, so that the order of additions shows in the last digit; repeated
# values, so that a window's MAD is often 0 (the mean-absolute-deviation fallback).
weights = st.one_of(st.none(), st.floats(0, 5e6, allow_nan=False),
                    st.sampled_from([1234.5678, 0.1, 2e6 / 3, 0.0]))


@st.composite
def monthly_trade(draw) -> pd.DataFrame:
    """Monthly rows (some years also annual), shuffled: the frame's order is not the
    source lines' order, and a country-month is often several rows."""
    records = []
    for country in draw(st.lists(st.sampled_from(CODES), min_size=1, max_size=8, unique=True)):
        months = draw(st.one_of(st.sets(st.sampled_from(MONTHS), min_size=1, max_size=1),
                                st.sets(st.sampled_from(MONTHS), min_size=1, max_size=60)))
        for partner in draw(st.lists(st.sampled_from(["CHN", "VNM", "S19"]), min_size=1,
                                     max_size=3, unique=True)):
            records += [{"country": country, "counterpart": partner, "period": month,
                         "freq": "M", "kg": draw(weights)} for month in sorted(months)]
            for year in draw(st.sets(st.sampled_from(["2022", "2024"]), max_size=2)):
                # An annual row beside months: months stay the finest; alone: no months.
                records.append({"country": country, "counterpart": partner,
                                "period": year, "freq": "A", "kg": draw(weights)})
    rows = rows_with_weights(records, [np.nan if r["kg"] is None else float(r["kg"])
                                       for r in records])
    # Rows in another order than their source lines: pandas sums a group in the rows' order.
    return rows.iloc[draw(st.permutations(range(len(rows))))].reset_index(drop=True)


def rows_with_weights(records: list[dict], kg: list[float]) -> pd.DataFrame:
    """`frame_of` for any country code (named by its code), weights as given."""
    rows = frame_of([{**r, "country": "KOR", "kg": 0} for r in records], weights=kg)
    codes = pd.array([r["country"] for r in records], dtype="string")
    return rows.assign(country=codes, country_name=codes)


def assert_same_reference(rows: pd.DataFrame, params: SurgeParams) -> pd.DataFrame:
    """`robust_reference` against `_robust_reference`, column by column, exactly."""
    index = PeriodIndex(rows)
    countries, columns = robust_reference(index, monthly_tonnes(index), params)
    fast = pd.DataFrame(columns, index=index.keys[countries])
    reference = _robust_reference(monthly_rows(rows), params)
    assert fast.index.tolist() == reference.index.tolist()
    for name in ("reference_t", "reference_kg", "score"):
        assert np.array_equal(fast[name].to_numpy(float), reference[name].to_numpy(float),
                              equal_nan=True), name
    for name in ("gap", "detail", "source_rows", "reference_partial"):
        assert fast[name].tolist() == reference[name].tolist(), name
    return fast


@PROPERTY
@given(rows=monthly_trade(), period=st.sampled_from(["2025", "2025-Q1", "2024-12", "2023-06"]),
       window=st.sampled_from([12, 24, 30]), z=st.sampled_from([0.0, 2.0, 3.5]))
def test_the_robust_reference_is_the_pandas_steps(rows, period, window, z):
    params = SurgeParams(SurgeRule.ROBUST, period, floor_t=0.0, z_threshold=z,
                         window_months=window)
    assert_same_reference(rows, params)
    assert_same_surges(rows, params)


def monthly(country: str, tonnes: dict[str, float | None], partner: str = "CHN"
            ) -> list[dict]:
    return [{"country": country, "counterpart": partner, "period": month, "freq": "M",
             "kg": t} for month, t in tonnes.items()]


def rows_of(records: list[dict]) -> pd.DataFrame:
    return rows_with_weights(records, [np.nan if r["kg"] is None else r["kg"] * 1000.0
                                       for r in records])


WINDOW = [str(m) for m in pd.period_range("2023-01", "2024-12", freq="M")]


def test_a_country_with_one_month_gaps_and_rows_without_weight():
    rows = rows_of(
        monthly("JPN", {"2024-05": 2.5, "2025-02": 9.0})  # one window month
        # 13 window months of 1.0 t then 11 of 0.1 t, a missing weight, a gap: MAD 0
        + monthly("KOR", {**{m: 1.0 for m in WINDOW[:13]}, **{m: 0.1 for m in WINDOW[14:]},
                          WINDOW[13]: None, "2025-01": 4.0})
        + monthly("USA", {"2024-01": 3.0}))  # window only: no monthly rows in the period
    table = assert_same_reference(rows, SurgeParams(SurgeRule.ROBUST, "2025-Q1"))
    assert table.loc["JPN", "gap"] == "1 months with data in the window, 12 needed"
    assert table.loc["JPN", "reference_t"] == 2.5 * 3  # the median month x 3 months
    assert table.loc["USA", "gap"] == "no monthly rows in the period"
    # MAD 0, mean absolute deviation 10 x 0.9 / 23 t: z = (4 - 1) / (1.253314 x that)
    assert table.loc["KOR", "score"] == pytest.approx(3.0 / (1.253314 * 9.0 / 23), rel=1e-12)
    assert "(23 with data)" in table.loc["KOR", "detail"]
    assert table.loc["KOR", "source_rows"] == "trade.csv lines 4, 5, 6, 7, 8 (+19 more)"
    assert_same_surges(rows, SurgeParams(SurgeRule.ROBUST, "2025-Q1", floor_t=0.0))


def test_a_flat_window_makes_a_rise_infinite_and_no_change_zero():
    rows = rows_of(monthly("KOR", {**dict.fromkeys(WINDOW, 2.0), "2025-01": 2.0,
                                   "2025-02": 3.0})
                   + monthly("JPN", {**dict.fromkeys(WINDOW, 2.0), "2025-03": 2.0}))
    table = assert_same_reference(rows, SurgeParams(SurgeRule.ROBUST, "2025-Q1"))
    assert table["score"].to_dict() == {"JPN": 0.0, "KOR": np.inf}


@pytest.mark.parametrize("countries", [3, 7])
@pytest.mark.parametrize("a_month_missing", [False, True])
def test_fractional_tonnes_are_summed_as_pandas_sums_them(countries, a_month_missing):
    """pandas adds the deviations of a frame's row in one of two orders (by its size and
    whether a month is missing anywhere), and its groupby sums are compensated: thirds of
    a tonne, three rows a month, show both in the last digit."""
    window = {m: 1 / 3 for m in WINDOW[:13]}  # MAD 0: the mean absolute deviation decides
    records = []
    for i, code in enumerate(CODES[:countries]):
        rising = {m: (i + 1) / 7 + k / 3 for k, m in enumerate(WINDOW[13:])
                  if not (a_month_missing and i == 1 and k == 4)}
        for partner in ("CHN", "VNM", "S19"):
            records += monthly(code, {**window, **rising, "2025-01": 10 / 3}, partner)
    rows = rows_of(records)
    shuffled = rows.sample(frac=1.0, random_state=7).reset_index(drop=True)
    for frame in (rows, shuffled):  # the lines' order, then another
        assert_same_reference(frame, SurgeParams(SurgeRule.ROBUST, "2025-Q1"))


def test_no_monthly_rows_give_the_reference_table():
    rows = frame_of([{"country": "KOR", "counterpart": "CHN", "period": p, "freq": "A",
                      "kg": 5000} for p in ("2024", "2025")])
    assert assert_same_reference(rows, SurgeParams(SurgeRule.ROBUST, "2025")).empty
    assert_same_surges(rows, SurgeParams(SurgeRule.ROBUST, "2025"))


@pytest.mark.parametrize("selection", [*SELECTIONS, Selection("280530", partner="CHN")],
                         ids=str)
def test_the_kept_monthly_tonnes_give_the_reference_table(demo_data, selection):
    rows = selected_rows(demo_data.frame, selection)
    for params in [SurgeParams(SurgeRule.ROBUST, "2025-Q1"),
                   SurgeParams(SurgeRule.ROBUST, "2024-06", z_threshold=1.0),
                   SurgeParams(SurgeRule.ROBUST, "2023", window_months=36),
                   SurgeParams(SurgeRule.ROBUST, "2025-Q1")]:  # again: from the kept tonnes
        pd.testing.assert_frame_equal(selection_surges(demo_data.frame, selection, params),
                                      detect_surges_reference(rows, params), check_exact=True)

"""`PeriodIndex.totals` gives exactly the table `compare.period_totals` defines."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_analytics_properties import PROPERTY, frame_of, trade

from dashboard.analytics.compare import period_totals
from dashboard.analytics.country_table import Selection, country_table
from dashboard.analytics.period_index import PeriodIndex

LABELS = ["2024", "2025", "2024-Q1", "2024-Q3", "2025-Q2", "2024-01", "2024-06", "2025-12",
          "2022"]


def assert_same_totals(fast: pd.DataFrame, reference: pd.DataFrame) -> None:
    assert list(fast.index) == list(reference.index)
    assert list(fast.columns) == list(reference.columns)
    for column in reference.columns:
        if pd.api.types.is_float_dtype(reference[column]):
            np.testing.assert_allclose(fast[column].to_numpy(float),
                                       reference[column].to_numpy(float), rtol=1e-12,
                                       equal_nan=True, err_msg=column)
        else:
            assert fast[column].tolist() == reference[column].tolist(), column


@PROPERTY
@given(trade(), st.data())
def test_totals_match_the_reference_for_every_period(records, data):
    n = len(records)
    rows = frame_of(records)
    # Missing weights, estimates and two files whose lines interleave: every branch.
    rows["net_weight_kg"] = rows["net_weight_kg"].where(
        pd.Series(data.draw(st.lists(st.booleans(), min_size=n, max_size=n))))
    rows["value_usd"] = rows["value_usd"].where(   # value-only and weight-only rows
        pd.Series(data.draw(st.lists(st.booleans(), min_size=n, max_size=n))))
    rows["weight_estimated"] = data.draw(st.lists(st.booleans(), min_size=n, max_size=n))
    rows["source_file"] = pd.Series(
        data.draw(st.lists(st.sampled_from(["a/trade.csv", "b/more.csv"]), min_size=n,
                           max_size=n)), dtype="string")
    rows["source_line"] = data.draw(st.permutations(range(2, n + 2)))
    # Rows converted from euros (a stated rate), some with the rate or the euros missing.
    rate = pd.Series(data.draw(st.lists(st.sampled_from([np.nan, 1.0825, 1.1]), min_size=n,
                                        max_size=n)), dtype="float64")
    rows["usd_per_eur"] = rate
    rows["value_eur"] = (rows["value_usd"] / rate.fillna(1.0)).where(
        pd.Series(data.draw(st.lists(st.booleans(), min_size=n, max_size=n))))
    for by in ("country", "counterpart"):
        index = PeriodIndex(rows, by)
        for label in LABELS:
            assert_same_totals(index.totals(label), period_totals(rows, label, by=by))


def test_an_empty_selection_has_empty_totals():
    rows = frame_of([])
    assert PeriodIndex(rows).totals("2024").empty
    assert period_totals(rows, "2024").empty


def test_six_source_lines_show_five_and_count_the_rest():
    records = [{"country": "KOR", "counterpart": "CHN", "period": f"2024-{m:02d}", "freq": "M",
                "kg": 100} for m in range(1, 7)]
    totals = PeriodIndex(frame_of(records)).totals("2024")
    assert totals.loc["KOR", "source_rows"] == "trade.csv lines 2, 3, 4, 5, 6 (+1 more)"
    assert totals.loc["KOR", "net_weight_kg"] == 600
    assert totals.loc["KOR", "converted_eur"] == totals.loc["KOR", "converted_usd"] == 0


def test_converted_sums_are_the_rows_with_euros_and_a_rate():
    rows = frame_of([{"country": "KOR", "counterpart": "CHN", "period": f"2024-0{m}",
                      "freq": "M", "kg": 1000} for m in (1, 2, 3)])
    rows["value_eur"] = [6000.0, 7000.0, 8000.0]
    rows["usd_per_eur"] = [1.25, np.nan, 1.5]  # February: euros, but no rate
    rows["value_usd"] = [7500.0, np.nan, 12000.0]
    for totals in (period_totals(rows, "2024-Q1"), PeriodIndex(rows).totals("2024-Q1")):
        assert totals.loc["KOR", "converted_eur"] == 6000 + 8000
        assert totals.loc["KOR", "converted_usd"] == 7500 + 12000


@pytest.mark.parametrize("period", ["2024", "2024-Q2"])
def test_the_map_table_answers_a_new_frame_not_a_kept_one(period):
    """The prepared selection is kept per frame: a new frame (an upload) is read afresh."""
    records = [{"country": "KOR", "counterpart": "CHN", "period": "2024-04", "freq": "M",
                "kg": 100}]
    first, second = frame_of(records), frame_of([{**records[0], "kg": 900}])
    plain = {"reporter": "country", "reporter_name": "country_name",
             "reporter_kind": "country_kind", "partner": "counterpart",
             "partner_name": "counterpart_name", "partner_kind": "counterpart_kind"}
    selection = Selection("280530")
    tables = [country_table(frame.rename(columns={v: k for k, v in plain.items()}),
                            selection, period) for frame in (first, second)]
    assert [t.loc["KOR", "value"] for t in tables] == [0.1, 0.9]


def test_kept_values_are_per_frame_and_only_the_last_ones():
    from dashboard.analytics.kept import KeptPerFrame

    kept: KeptPerFrame[int] = KeptPerFrame(kept=2)
    first, second = frame_of([]), frame_of([])
    builds = []

    def build(value):
        return lambda: builds.append(value) or value

    assert kept.get(first, "a", build(1)) == 1
    assert kept.get(first, "a", build(99)) == 1  # kept
    assert kept.get(second, "a", build(2)) == 2  # another frame, same key: built afresh
    assert kept.get(first, "b", build(3)) == 3  # evicts the oldest: (first, "a")
    assert kept.get(first, "a", build(4)) == 4
    assert builds == [1, 2, 3, 4]


def test_kept_values_do_not_keep_a_replaced_frame_alive():
    import gc
    import weakref

    from dashboard.analytics.kept import KeptPerFrame

    kept: KeptPerFrame[int] = KeptPerFrame(kept=4)
    frame = frame_of([])
    kept.get(frame, "a", lambda: 1)
    gone = weakref.ref(frame)
    del frame
    gc.collect()
    assert gone() is None  # a reload's old frame is freed, not held by its derived values
    assert kept.get(frame_of([]), "a", lambda: 2) == 2

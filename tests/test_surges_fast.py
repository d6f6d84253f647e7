"""`surges.detect_surges` (columns as arrays, the table built once) gives exactly the table
of its pandas steps, `surges_reference.detect_surges_reference`: same countries, order,
dtypes, words and numbers to the last bit, for every rule."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_analytics_properties import PROPERTY, SURGE_YEARS, frame_of, trade
from test_kept_selection import SELECTIONS, SURGE_PARAMS

from dashboard.analytics.country_table import Selection, selected_rows
from dashboard.analytics.surge_rules import SurgeParams, SurgeRule
from dashboard.analytics.surges import detect_surges
from dashboard.analytics.surges_reference import detect_surges_reference


def assert_same_surges(rows: pd.DataFrame, params: SurgeParams) -> pd.DataFrame:
    fast = detect_surges(rows, params)
    pd.testing.assert_frame_equal(fast, detect_surges_reference(rows, params),
                                  check_exact=True)
    return fast


@PROPERTY
@given(records=trade(years=SURGE_YEARS, freqs="MQA", partners=("CHN", "VNM", "S19")),
       data=st.data(), rule=st.sampled_from(list(SurgeRule)),
       period=st.sampled_from(["2025", "2025-Q1", "2025-Q3", "2025-02", "2024-12"]),
       floor=st.sampled_from([0.0, 1.0, 500.0]))
def test_every_rule_gives_the_reference_table(records, data, rule, period, floor):
    rows = frame_of(records)
    n = len(rows)
    # Rows without a weight: a period or a reference with rows but no tonnes.
    rows["net_weight_kg"] = rows["net_weight_kg"].where(
        pd.Series(data.draw(st.lists(st.booleans(), min_size=n, max_size=n))))
    assert_same_surges(rows, SurgeParams(rule, period, floor_t=floor, ratio_threshold=1.5,
                                         k=1.1, z_threshold=2.0))


@pytest.mark.parametrize("selection", [*SELECTIONS, Selection("280530", partner="CHN")],
                         ids=str)
def test_the_demo_selections_give_the_reference_table(demo_data, selection):
    rows = selected_rows(demo_data.frame, selection)
    statuses: set[str] = set()
    for params in [*SURGE_PARAMS, SurgeParams(SurgeRule.SAFEGUARD, "2025-Q1"),
                   SurgeParams(SurgeRule.ROBUST, "2024-06"),
                   SurgeParams(SurgeRule.YEAR_EARLIER, "2030")]:  # and a year without rows
        statuses |= set(assert_same_surges(rows, params)["status"])
    assert len(statuses) >= 2, statuses  # more than one branch of the verdict compared


def test_no_rows_in_the_period_or_its_reference_give_the_reference_empty_table():
    rows = frame_of([{"country": "KOR", "counterpart": "CHN", "period": "2021-03",
                      "freq": "M", "kg": 5000}])
    assert assert_same_surges(rows, SurgeParams(SurgeRule.PRIOR_YEAR, "2025-Q1")).empty


def test_a_reference_with_only_annual_rows_is_no_reference_not_an_incomplete_one():
    rows = frame_of([{"country": "KOR", "counterpart": "CHN", "period": "2024", "freq": "A",
                      "kg": 9000}]
                    + [{"country": "KOR", "counterpart": "CHN", "period": f"2025-0{m}",
                        "freq": "M", "kg": 5000} for m in (1, 2, 3)])
    table = assert_same_surges(rows, SurgeParams(SurgeRule.YEAR_EARLIER, "2025-Q1"))
    assert table.loc["KOR", "status"] == "no reference"
    assert table.loc["KOR", "current_t"] == 15.0
    assert "Q1 2024: only annual data, too coarse to compare" in table.loc["KOR", "explanation"]

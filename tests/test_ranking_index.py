"""The ranking from a year's kept pairs (`ranking.ranking_from`, `selection_ranking`) gives
the table `dependency.dependency_ranking` defines: same importers, order, names, source
rows and dtypes; tonnes, shares and HHI to 1e-12 (`bincount` sums where pandas compensates).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_analytics_properties import PROPERTY, frame_of, trade
from test_kept_selection import PERIODS, SELECTIONS

from dashboard.analytics.country_table import Selection, selected_rows
from dashboard.analytics.dependency import dependency_ranking
from dashboard.analytics.ranking import YearPairs, ranking_from, selection_ranking


def assert_same_ranking(fast: pd.DataFrame, reference: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(fast, reference, check_exact=False, rtol=1e-12, atol=0)


@settings(PROPERTY, max_examples=40)  # enough importers with several suppliers
@given(records=trade(years=(2024, 2025)), data=st.data(),
       period=st.sampled_from(["2024", "2025", "2024-Q1", "2025-Q3", "2024-03", "2025-12"]),
       supplier=st.sampled_from(["CHN", "VNM", "S19", "WLD", "MYS", "FRA"]))
def test_the_ranking_from_kept_pairs_is_the_reference(records, data, period, supplier):
    rows = frame_of(records)
    n = len(rows)
    # Missing weights (a pair with none known, an importer with none) and rows out of order.
    rows["net_weight_kg"] = rows["net_weight_kg"].where(
        pd.Series(data.draw(st.lists(st.booleans(), min_size=n, max_size=n))))
    rows = rows.iloc[data.draw(st.permutations(range(n)))]
    year = rows[rows["period"].str.slice(0, 4) == period[:4]]
    pairs = YearPairs.of(year)
    for floor in (0.0, 500.0):
        assert_same_ranking(ranking_from(pairs, period, supplier, floor),
                            dependency_ranking(year, period, supplier, floor))


def test_an_importer_is_named_as_its_first_row_names_it():
    rows = frame_of([{"country": "KOR", "counterpart": "CHN", "period": "2024", "freq": "A",
                      "kg": kg} for kg in (900, 100)])
    rows["country_name"] = pd.array(["Korea, Rep.", "South Korea"], dtype="string")
    rows = rows.iloc[::-1]  # the second source line comes first
    fast = ranking_from(YearPairs.of(rows), "2024", "CHN")
    assert fast.loc["KOR", "country_name"] == "South Korea"
    assert_same_ranking(fast, dependency_ranking(rows, "2024", "CHN"))


def test_hand_computed_shares_and_hhi():
    rows = frame_of([{"country": "KOR", "counterpart": partner, "period": "2024-05",
                      "freq": "M", "kg": kg}
                     for partner, kg in (("CHN", 6000), ("VNM", 3000), ("S19", 1000))]
                    + [{"country": "JPN", "counterpart": "VNM", "period": "2024-05",
                        "freq": "M", "kg": 2000}])
    fast = ranking_from(YearPairs.of(rows), "2024-Q2", "CHN")
    assert list(fast.index) == ["KOR", "JPN"]
    assert fast.loc["KOR", "supplier_share"] == pytest.approx(0.6, abs=1e-15)
    assert fast.loc["KOR", "hhi"] == pytest.approx(0.36 + 0.09 + 0.01, abs=1e-15)
    assert fast.loc["JPN", "supplier_t"] == 0.0 and fast.loc["JPN", "hhi"] == 1.0
    assert fast.loc["KOR", "supplier_source_rows"] == "trade.csv lines 2"
    assert ranking_from(YearPairs.of(rows), "2024-Q1", "CHN").empty  # no rows in Q1


@pytest.mark.parametrize("selection", [*SELECTIONS, Selection("280530", partner="CHN")],
                         ids=str)
def test_the_selections_ranking_is_the_reference(demo_data, selection):
    frame = demo_data.frame
    # The ranking divides by every partner, whatever partner the view picked.
    rows = selected_rows(frame, selection.with_every_partner())
    compared = 0
    for period in [*PERIODS, "2030", "2030-Q1"]:
        year = rows[rows["period"].str.slice(0, 4) == period[:4]]
        for supplier in ("CHN", "JPN", "DEU", "XXX"):
            reference = dependency_ranking(year, period, supplier)
            assert_same_ranking(selection_ranking(frame, selection, period, supplier),
                                reference)
            compared += int(np.count_nonzero(reference["supplier_t"] > 0))
    assert compared > 0

"""Charts answered from a selection's kept values give the tables of the pure functions.

`dependency.selection_supplier_shares` and `surges.selection_surges` reuse what a
selection keeps (a `PeriodIndex`, names) instead of selecting rows and summing them
with pandas on every request; the ranking and the Sankey get the kept rows of the
period's year (`country_table.selected_rows_of_year`). `supplier_shares`,
`detect_surges`, `dependency_ranking` and `top_flows` on the selected rows stay the
reference definitions.
"""

from __future__ import annotations

import pandas as pd
import pytest

from dashboard.analytics.bilateral import top_flows
from dashboard.analytics.compare import Measure
from dashboard.analytics.country_table import (
    Selection,
    prepared_index,
    selected_rows,
    selected_rows_of_year,
)
from dashboard.analytics.dependency import (
    dependency_ranking,
    selection_supplier_shares,
    supplier_shares,
)
from dashboard.analytics.orientation import Direction, Perspective
from dashboard.analytics.surge_rules import SurgeParams, SurgeRule
from dashboard.analytics.surges import detect_surges, selection_surges

PERIODS = ["2024", "2023", "2025-Q1", "2024-06"]  # years, a quarter, a month
SELECTIONS = [Selection("280530"), Selection("284690", perspective=Perspective.MIRROR),
              Selection("280530", Direction.EXPORTS)]


def assert_same_table(kept: pd.DataFrame, reference: pd.DataFrame) -> None:
    """Same index, columns, dtypes and values; floats to 1e-12 relative, the contract of
    `PeriodIndex` (its `bincount` sums and pandas' compensated ones can differ in the last
    bit; the figures and rounded rows do not: tests/test_figures_unchanged.py)."""
    pd.testing.assert_frame_equal(kept, reference, check_exact=False, rtol=1e-12, atol=0)


@pytest.mark.parametrize("selection", SELECTIONS, ids=str)
def test_kept_supplier_shares_are_the_reference_table(demo_data, selection):
    frame = demo_data.frame
    rows = selected_rows(frame, selection)
    countries = sorted(rows["country"].unique())
    assert countries, "the demo data has rows for every selection checked"
    compared = 0
    for country in countries:
        for period in PERIODS:
            reference = supplier_shares(rows, country, period)
            # A partner or a measure in the view does not change the importer's shares.
            shown = Selection(selection.commodity, selection.direction, selection.perspective,
                              partner=countries[0])
            assert_same_table(selection_supplier_shares(frame, shown, country, period),
                              reference)
            compared += len(reference)
    assert compared > 0


def test_a_country_without_rows_has_an_empty_table(demo_data):
    table = selection_supplier_shares(demo_data.frame, Selection("280530"), "ATA", "2024")
    assert table.empty
    assert list(table.columns) == list(supplier_shares(
        selected_rows(demo_data.frame, Selection("280530")), "ATA", "2024").columns)


SURGE_PARAMS = [SurgeParams(SurgeRule.PRIOR_YEAR, "2025-Q1"),
                SurgeParams(SurgeRule.YEAR_EARLIER, "2025-01", floor_t=5, ratio_threshold=1.5),
                SurgeParams(SurgeRule.SAFEGUARD, "2024", k=1.5),
                SurgeParams(SurgeRule.ROBUST, "2025-Q1", z_threshold=2.5),
                SurgeParams(SurgeRule.PRIOR_YEAR, "2023")]


@pytest.mark.parametrize("selection", [*SELECTIONS, Selection("280530", partner="CHN")],
                         ids=str)
def test_kept_surges_are_the_reference_table(demo_data, selection):
    frame = demo_data.frame
    rows = selected_rows(frame, selection)
    for params in SURGE_PARAMS:
        reference = detect_surges(rows, params)
        assert len(reference), params
        # The same arrays summed the same way: equal to the last bit.
        pd.testing.assert_frame_equal(selection_surges(frame, selection, params), reference,
                                      check_exact=True)


def test_the_surges_reuse_the_maps_index_whatever_the_measure(demo_data):
    by_weight = prepared_index(demo_data.frame, Selection("280530"))
    by_value = prepared_index(demo_data.frame, Selection("280530", measure=Measure.VALUE))
    assert by_value is by_weight
    assert prepared_index(demo_data.frame, Selection("284690")) is not by_weight


@pytest.mark.parametrize("selection", [*SELECTIONS, Selection("280530", partner="CHN")],
                         ids=str)
def test_a_years_kept_rows_give_the_ranking_and_flows_of_all_rows(demo_data, selection):
    frame = demo_data.frame
    rows = selected_rows(frame, selection)
    for period in [*PERIODS, "2030", "2030-Q1"]:  # and years without rows
        year_rows = selected_rows_of_year(frame, selection, period)
        pd.testing.assert_frame_equal(
            year_rows, rows[rows["period"].str.slice(0, 4) == period[:4]], check_exact=True)
        assert (len(year_rows) > 0) == (period[:4] != "2030")
        for supplier in ("CHN", "JPN"):
            pd.testing.assert_frame_equal(dependency_ranking(year_rows, period, supplier),
                                          dependency_ranking(rows, period, supplier),
                                          check_exact=True)
        for top_n in (3, 8):
            pd.testing.assert_frame_equal(top_flows(year_rows, period, top_n,
                                                    selection.direction),
                                          top_flows(rows, period, top_n, selection.direction),
                                          check_exact=True)

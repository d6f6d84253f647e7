"""The fast paths on real UN Comtrade files (tests/fixtures/real/, each folder's SOURCE.md
says where from), not only on the synthetic demo and generated data: each chart's table
from the kept indexes equals its plain pandas definition, exactly.

The definitions are the `*_reference` functions and the original pandas functions; the
totals those compute are themselves checked against pandas reading the raw files in
tests/test_real_files.py, so together the chain runs from the file's bytes to each chart.
Real files bring what generated ones lack: legacy layouts, four flows, 167 reporters, areas
and groups as partners, annual-only series and value-only rows.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from dashboard.analytics.bilateral import top_flows
from dashboard.analytics.bilateral_reference import top_flows_reference
from dashboard.analytics.compare import Measure
from dashboard.analytics.consistency import allocation_at, world_allocation
from dashboard.analytics.consistency_reference import (
    allocation_at_reference,
    world_allocation_reference,
)
from dashboard.analytics.country_table import (
    Selection,
    country_table,
    selected_rows,
    selected_rows_of_year,
)
from dashboard.analytics.country_table_reference import country_table_reference
from dashboard.analytics.dependency import (
    dependency_ranking,
    selection_supplier_shares,
    supplier_shares,
)
from dashboard.analytics.mirror import mirror_gap
from dashboard.analytics.mirror_reference import mirror_gap_reference
from dashboard.analytics.orientation import Direction, Perspective
from dashboard.analytics.ranking import selection_ranking
from dashboard.analytics.series_index import selection_country_series, selection_volume_series
from dashboard.analytics.surge_rules import SurgeParams, SurgeRule
from dashboard.analytics.surges import detect_surges
from dashboard.analytics.surges_reference import detect_surges_reference
from dashboard.analytics.timeseries import country_series, volume_series
from dashboard.ingest.readers import read_file

REAL = Path(__file__).parent / "fixtures" / "real"
FILES = sorted(p for p in REAL.glob("*/*.csv") if p.parent.name != "comtrade_api")


def exact(fast: pd.DataFrame, reference: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(fast, reference, check_exact=True)


def views(frame: pd.DataFrame):
    """Every commodity x direction x perspective x measure, with the file's last two years."""
    periods = sorted(frame["period"].str.slice(0, 4).unique())[-2:]
    for commodity in sorted(frame["commodity_code"].unique()):
        for direction in (Direction.IMPORTS, Direction.EXPORTS):
            for perspective in (Perspective.REPORTER, Perspective.MIRROR):
                for measure in (Measure.WEIGHT, Measure.VALUE):
                    yield Selection(commodity, direction, perspective, None, measure), periods


@pytest.mark.parametrize("path", FILES, ids=[f"{p.parent.name}/{p.name}" for p in FILES])
def test_every_chart_table_on_a_real_file_equals_its_pandas_definition(path):
    frame = read_file(path).frame
    compared = 0
    for selection, periods in views(frame):
        rows = selected_rows(frame, selection)
        for period in periods:
            table = country_table(frame, selection, period)
            exact(table, country_table_reference(frame, selection, period))
            for rule in (SurgeRule.PRIOR_YEAR, SurgeRule.YEAR_EARLIER):
                params = SurgeParams(rule, period)
                exact(detect_surges(rows, params), detect_surges_reference(rows, params))
            exact(mirror_gap(frame, selection.commodity, period, selection.direction),
                  mirror_gap_reference(frame, selection.commodity, period,
                                       selection.direction))
            supplier = (rows["counterpart"].mode().iloc[0] if len(rows) else "CHN")
            year = selected_rows_of_year(frame, selection.with_every_partner(), period)
            ranking = selection_ranking(frame, selection, period, supplier)
            pd.testing.assert_frame_equal(ranking, dependency_ranking(year, period, supplier),
                                          rtol=1e-12)  # bincount sums: last-digit order
            compared += len(table)
        countries = [str(c) for c in rows["country"].drop_duplicates().head(3)]
        if countries:
            exact(selection_volume_series(frame, selection, countries, "M", "tonnes"),
                  volume_series(rows, countries, "M", "tonnes"))
            exact(selection_country_series(frame, selection, countries[0]),
                  country_series(rows, countries[0]))
    # Nothing to draw where one side is never a country: the bicycle files give World as
    # every partner, the cement file the EU (a group) as its only reporter.
    drawable = all((frame[f"{side}_kind"] == "country").any() for side in ("reporter", "partner"))
    assert compared > 0 or not drawable


@pytest.mark.parametrize("path", FILES, ids=[f"{p.parent.name}/{p.name}" for p in FILES])
def test_this_rounds_fast_paths_on_a_real_file_equal_their_definitions(path):
    """The World allocation (integer codes), the Sankey's links (kept period rows) and the
    gauges' supplier shares (rows taken by position) against the code they replaced."""
    frame = read_file(path).frame
    for level in ("A", "Q", "M"):
        exact(allocation_at(frame, level), allocation_at_reference(frame, level))
    exact(world_allocation(frame), world_allocation_reference(frame))
    compared = 0
    for selection, periods in views(frame):
        if selection.measure != Measure.WEIGHT:
            continue  # neither table depends on the measure
        rows = selected_rows(frame, selection.with_every_partner())
        for period in periods:
            year = selected_rows_of_year(frame, selection, period)
            for top in (3, 8):
                links = top_flows(year, period, top, selection.direction)
                exact(links, top_flows_reference(year, period, top, selection.direction))
                compared += len(links)
            for country in rows["country"].drop_duplicates().head(3).astype(str):
                exact(selection_supplier_shares(frame, selection, country, period),
                      supplier_shares(rows, country, period))
    drawable = all((frame[f"{side}_kind"] == "country").any() for side in ("reporter", "partner"))
    assert compared > 0 or not drawable

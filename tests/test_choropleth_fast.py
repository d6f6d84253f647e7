"""The map's fast paths give exactly what their pandas definitions give.

Hover text, the key's reasons and the drawable rows (`figures.choropleth` on plain rows
against `figures.choropleth_reference`, row by row with iterrows); the summary sentences
(`figures.text` on arrays against `figures.text_reference`); the per-country table
(`analytics.country_table` built once against `country_table_reference`); the grid's
rounding on arrays against the column-by-column pandas one. Tables are varied on purpose:
NaN baselines, gaps, estimated rows, an area drawn on another country's shape, euros
converted to dollars, reporters whose rows end early, tied values.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_analytics_properties import PROPERTY, frame_of, trade

from dashboard.analytics.catalogue import Catalogue
from dashboard.analytics.country_table import _world_sums, country_table, descending_order
from dashboard.analytics.country_table_reference import country_table_reference
from dashboard.analytics.period_index import PeriodIndex
from dashboard.figures import choropleth, text, text_reference
from dashboard.figures.caption import Caption
from dashboard.figures.choropleth import MapSpec
from dashboard.figures.choropleth_reference import (
    drawable_reference,
    ends_early_reference,
    gap_reasons_reference,
    hover_texts_reference,
)
from dashboard.figures.map_rows import SHAPE, drawn_rows, hover_texts
from dashboard.ingest import dataset
from dashboard.number_format import round_to_unit
from dashboard.settings import DEFAULT_DATA
from dashboard.web import grid
from dashboard.web.view_state import default_view, from_query

CODES = ["CHN", "JPN", "KOR", "DEU", "TWN", "S19", "_X97", "SUN", "USA", "FRA", "IND", "VNM"]
NOTES = ["", "new: no trade in the baseline", "only annual data in the baseline",
         "its rows end at 2025-03: Q2 2025 may not be reported yet", None]
COVERAGE = ["complete", "complete", "annual data only", "quarterly data only", "no rows",
            "period: complete; baseline: annual data only", None]
# Few distinct numbers: ties in the sort, zeros, NaN.
NUMBERS = st.sampled_from([np.nan, 0.0, 0.0004, 1.5, 1.5, 12.3456, 250.0, 9_999.5, -3.25,
                           2_500_000.0, np.nan])


@st.composite
def map_tables(draw) -> pd.DataFrame:
    """A per-country table as `country_table` makes it, with every column's odd cases."""
    codes = draw(st.lists(st.sampled_from(CODES), min_size=0, max_size=len(CODES),
                          unique=True))
    n = len(codes)

    def column(strategy):
        return draw(st.lists(strategy, min_size=n, max_size=n))

    kinds = ["area" if code in ("S19", "_X97") else "historical" if code == "SUN" else
             "country" for code in codes]
    table = pd.DataFrame({
        "country_name": pd.array(column(st.sampled_from(["China", "Japan", "Other Asia, nes",
                                                         "Côte d'Ivoire", None])),
                                 dtype=pd.StringDtype(na_value=pd.NA)),
        "country_kind": pd.array(kinds, dtype=pd.StringDtype(na_value=pd.NA)),
        "value": column(NUMBERS),
    }, index=pd.Index(codes, name="iso3", dtype="string"))
    if draw(st.booleans()):  # a comparison's columns
        table["baseline"] = column(NUMBERS)
        table["absolute"] = column(NUMBERS)
        table["ratio"] = column(NUMBERS)
        table["percent"] = (table["ratio"] - 1) * 100
        table["change_note"] = pd.Series(column(st.sampled_from(NOTES)), index=table.index,
                                         dtype="str")
    table["coverage"] = pd.Series(column(st.sampled_from(COVERAGE)), index=table.index,
                                  dtype=draw(st.sampled_from([object, "str"])))
    table["estimated"] = column(st.booleans())
    table["value_without_weight_usd"] = column(NUMBERS)
    if draw(st.booleans()):  # Comext's rows, converted from euros
        table["converted_eur"] = column(NUMBERS)
        table["converted_usd"] = column(NUMBERS)
    table["row_count"] = np.array(column(st.integers(0, 40)), dtype=np.int64)
    table["reported_by_text"] = "the country itself"
    table["world_kg"] = column(st.sampled_from([np.nan, 0.0, 40.0, 2_000.0, 5e6]))
    table["world_usd"] = column(st.sampled_from([np.nan, 10.0, 3e6]))
    if draw(st.booleans()):  # some reporters' rows end early
        table["reported_through"] = column(st.sampled_from(["", "", "2025-03", "2024-11"]))
    return table


def map_specs():
    return st.builds(MapSpec, column=st.sampled_from(["value", "absolute", "percent", "ratio"]),
                     unit=st.sampled_from(["t", "USD", "USD/kg"]),
                     measure_name=st.just("Net weight"), period_text=st.just("Q2 2025"),
                     counterpart_text=st.just("from all partners"),
                     focus=st.sampled_from(["", "JPN", "TWN", "S19", "BRA"]))


def _fitting(table: pd.DataFrame, spec: MapSpec) -> MapSpec:
    return spec if spec.column in table else replace(spec, column="value")


@PROPERTY
@given(map_tables(), map_specs())
def test_hover_text_is_the_per_row_reference(table, spec):
    spec = _fitting(table, spec)
    reference = drawable_reference(table)
    rows = drawn_rows(table, spec.column)
    assert [row[SHAPE] for row in rows] == list(reference.index)
    assert [row["listed_as"] for row in rows] == list(reference["listed_as"])
    assert hover_texts(rows, spec) == hover_texts_reference(reference, spec)


@PROPERTY
@given(map_tables(), map_specs())
def test_the_gaps_and_their_reasons_are_the_references(table, spec):
    spec = _fitting(table, spec)
    reference = drawable_reference(table)
    missing = (reference[spec.column].isna() | ends_early_reference(reference)).to_numpy()
    rows = drawn_rows(table, spec.column)
    gaps = [row for row, gap in zip(rows, missing, strict=True) if gap]
    assert choropleth._gap_reasons(gaps, spec) == gap_reasons_reference(reference[missing],
                                                                        spec)


@PROPERTY
@given(map_tables(), map_specs())
def test_the_drawn_map_follows_the_reference_rows(table, spec):
    """The figure's traces hold the reference's rows: shapes, hover and figures."""
    spec = _fitting(table, spec)
    reference = drawable_reference(table)
    missing = (reference[spec.column].isna() | ends_early_reference(reference)).to_numpy()
    caption = Caption("Title", "Subtitle", "Source: test")
    traces = {t["name"]: t for t in choropleth.choropleth_spec(table, spec, caption)["data"]}
    for name, part in (("value", reference[~missing]), ("coarser data only",
                                                        reference[missing])):
        if part.empty:
            assert name not in traces
            continue
        assert traces[name]["locations"] == list(part.index)
        assert traces[name]["text"] == hover_texts_reference(part, spec)
    if "value" in traces:
        assert traces["value"]["customdata"] == reference[~missing][spec.column].tolist()


@PROPERTY
@given(map_tables(), st.sampled_from(["absolute", "percent", "ratio", "other"]),
       st.sampled_from(["t", "USD"]), st.sampled_from([0.0, 0.001, 5.0]))
def test_the_sentences_are_the_references(table, change, unit, floor):
    assert text.ranking_sentence(table, "value", unit, "importer", "X", "Q2 2025") == (
        text_reference.ranking_sentence_reference(table, "value", unit, "importer", "X",
                                                  "Q2 2025"))
    if "absolute" in table:
        assert text.change_sentence(table, "Q2 2025 with Q2 2024", "X", change, unit,
                                    floor) == text_reference.change_sentence_reference(
            table, "Q2 2025 with Q2 2024", "X", change, unit, floor)


@PROPERTY
@given(st.lists(NUMBERS, max_size=60))
def test_descending_order_is_sort_values_with_ties_and_nan(numbers):
    values = np.array(numbers, dtype=float)
    expected = pd.DataFrame({"v": values}).sort_values("v", ascending=False,
                                                       na_position="last").index
    assert descending_order(values).tolist() == expected.tolist()


@PROPERTY
@given(map_tables(), st.sampled_from(["t", "USD", "%", "x", ""]))
def test_grid_rounding_on_arrays_is_the_pandas_rounding(table, unit):
    columns = [{"field": "value", "headerName": f"Value ({unit})"}]
    by_column = table.copy()
    for name in by_column.columns:
        if pd.api.types.is_float_dtype(by_column[name]):
            numbers = pd.to_numeric(by_column[name]).astype(float)
            unit_here = unit if name == "value" else grid._unit_of(name)
            by_column[name] = (numbers.round(3 if unit_here == "t" else 0) + 0.0
                               if unit_here in ("t", "kg", "USD", "EUR") else
                               numbers.map(lambda x: float(f"{x:.4g}") if x else x,
                                           na_action="ignore"))
    pd.testing.assert_frame_equal(grid.rounded_table(table, columns), by_column,
                                  check_exact=True)
    assert grid.grid_rows(table, columns) == grid.grid_rows_reference(table, columns)
    floats = table["value"]
    assert round_to_unit(floats, unit).equals(round_to_unit(floats.astype(object), unit))


@PROPERTY
@given(trade(), st.data())
def test_world_sums_are_the_world_totals_sums(records, data):
    """world_kg / world_usd: `totals`' sums, NaN where a key's weights are all missing."""
    rows = frame_of(records)
    n = len(rows)
    for name in ("net_weight_kg", "value_usd"):
        rows[name] = rows[name].where(
            pd.Series(data.draw(st.lists(st.booleans(), min_size=n, max_size=n))))
    world = PeriodIndex(rows, "country")
    keys = pd.Index([*data.draw(st.permutations(list(world.keys))), "ZZZ"], dtype="string")
    for label in ("2024", "2025-Q2", "2024-06", "2022"):
        sums, totals = _world_sums(world, label, keys), world.totals(label)
        np.testing.assert_array_equal(sums["world_kg"],
                                      totals["net_weight_kg"].reindex(keys).to_numpy(float))
        np.testing.assert_array_equal(sums["world_usd"],
                                      totals["value_usd"].reindex(keys).to_numpy(float))


# -- the per-country table, on the demo data ---------------------------------------------

VIEWS = ["", "?period=2024&baseline=2023&change=absolute", "?focus=JPN&measure=value",
         "?measure=unit_value&period=2024", "?perspective=partner&period=2023",
         "?direction=exports&period=2024-Q1&baseline=2023-Q1&change=percent",
         "?partner=CHN&period=2022", "?period=2025-Q2&baseline=2024-Q2"]


@pytest.fixture(scope="module")
def demo():
    return dataset.load([DEFAULT_DATA])


def _stops_after(data, iso: str, month: str):
    frame = data.frame
    keep = ~((frame["reporter"] == iso) & (frame["period_start"] > pd.Timestamp(month + "-01")))
    return replace(data, frame=frame[keep].reset_index(drop=True))


@pytest.mark.parametrize("stops", [None, "2025-03"])
@pytest.mark.parametrize("query", VIEWS)
def test_country_table_is_the_reference(demo, query, stops):
    data = _stops_after(demo, "JPN", stops) if stops else demo
    catalogue = Catalogue.of(data.frame)
    state, _ = from_query(query, default_view(catalogue), catalogue)
    fast = country_table(data.frame, state.selection, state.period, state.comparison)
    reference = country_table_reference(data.frame, state.selection, state.period,
                                        state.comparison)
    pd.testing.assert_frame_equal(fast, reference, check_exact=True)
    assert list(fast.columns) == list(reference.columns)
    assert fast.to_csv() == reference.to_csv()

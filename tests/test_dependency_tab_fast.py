"""The dependency tab's fast paths give exactly what their pandas definitions give.

`dependency._shares_table`, `dependency_metrics` and `reference_figures` (arrays, one
frame built) against `dependency_reference`; `dependency_gauges_spec` and
`dependency_ranking_spec` (records, plain-word wrapping, each text made once) against
`dependency_charts_reference`, compared as JSON text; `plain_wrap.wrapped_lines` against
textwrap. Rows are varied on purpose: equal weights (the sort's ties pick the top
supplier), NaN weights and values, annual-only partners in a quarter (left out of the
shares), unsorted rows; then the demo's own views, as the page asks for them.
"""

from __future__ import annotations

import json
import textwrap
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from test_analytics_properties import PROPERTY, frame_of, trade

from dashboard.analytics import dependency
from dashboard.analytics.catalogue import Catalogue
from dashboard.analytics.compare import period_totals
from dashboard.analytics.country_table import selected_rows_of_year
from dashboard.analytics.dependency_reference import (
    dependency_metrics_reference,
    reference_figures_reference,
    shares_table_reference,
)
from dashboard.analytics.orientation import Perspective, source_flow, with_counterpart
from dashboard.analytics.party_rows import oriented_party_rows
from dashboard.analytics.period_index import PeriodIndex
from dashboard.analytics.ranking import YearPairs, ranking_from
from dashboard.figures import sentences
from dashboard.figures.caption import Caption
from dashboard.figures.dependency_charts import dependency_gauges_spec, dependency_ranking_spec
from dashboard.figures.dependency_charts_reference import (
    dependency_gauges_spec_reference,
    dependency_ranking_spec_reference,
)
from dashboard.figures.plain_wrap import wrapped_lines
from dashboard.ingest import commodities
from dashboard.web import charts
from dashboard.web.view_state import default_view, from_query

CAPTIONS = [Caption("Dependency", "Imports of X", "Source: test rows.", "2024-12",
                    synthetic=True),
            Caption("Dependency", "Imports of X", "Source: test rows.", "2024-12", narrow=True)]
PERIODS = ["2024", "2024-Q2", "2024-07", "2023", "2025-Q1"]
# Few distinct weights: equal tonnes from two partners (ties) are common; NaN: no weight.
KILOGRAMS = [0.0, 100.0, 100.0, 2500.5, 16611.3, 91543.9, np.nan]
USD = [1.0, 1.0, 7.25, 52129.1, np.nan]
FACTS = {"value": ["95.1", np.nan, "60"], "unit": ["%", "t", np.nan],
         "year": ["2023", np.nan, "2024"], "source": ["KIEP", "USGS", "IEA"],
         "citation": [np.nan, "Reuters", ""], "secondary": ["true", "False", np.nan],
         "statement": ["Share of imports from China", "A statement with a - dash " * 8,
                       "Refining"], "scope": ["imports", "mining", "refining"]}


@st.composite
def importer_rows(draw) -> pd.DataFrame:
    """Oriented rows of a few importers, as `frame_of` makes them, with odd values."""
    records = draw(trade(years=(2023, 2024, 2025)))
    n = len(records)

    def column(values):
        return draw(st.lists(st.sampled_from(values), min_size=n, max_size=n))

    rows = frame_of(records, weights=column(KILOGRAMS))
    rows["value_usd"] = pd.Series(column(USD), dtype="float64")
    if draw(st.booleans()):  # the rows out of order
        rows = rows.iloc[draw(st.permutations(range(n)))].reset_index(drop=True)
    return rows


def shares_reference(rows: pd.DataFrame, country: str, period: str) -> pd.DataFrame:
    """`dependency.supplier_shares` with the pandas table."""
    mine = with_counterpart(rows[rows["country"] == country], None)
    name = mine["country_name"].iloc[0] if len(mine) else ""
    parties = mine.drop_duplicates("counterpart").set_index("counterpart")[
        ["counterpart_name", "counterpart_kind"]]
    return shares_table_reference(period_totals(mine, period, by="counterpart"), parties,
                                  country, name, period)


def same_json(fast: dict, reference: dict) -> None:
    assert json.dumps(fast, sort_keys=True) == json.dumps(reference, sort_keys=True)


def assert_same_metrics(shares: pd.DataFrame):
    fast, expected = (dependency.dependency_metrics(shares),
                      dependency_metrics_reference(shares))
    assert repr(fast) == repr(expected)  # repr: NaN fields compare equal
    return fast


@PROPERTY
@given(rows=importer_rows(), period=st.sampled_from(PERIODS))
def test_shares_metrics_and_gauges_are_their_references(rows, period):
    for country in rows["country"].unique().tolist():
        expected = shares_reference(rows, country, period)
        shares = dependency.supplier_shares(rows, country, period)
        pd.testing.assert_frame_equal(shares, expected, check_exact=True)
        # The kept path's totals come from a PeriodIndex: the same table from those.
        mine = with_counterpart(rows[rows["country"] == country], None)
        parties = mine.drop_duplicates("counterpart").set_index("counterpart")[
            ["counterpart_name", "counterpart_kind"]]
        totals = PeriodIndex(mine, "counterpart").totals(period)
        pd.testing.assert_frame_equal(
            dependency._shares_table(totals, parties, country, "Name", period),
            shares_table_reference(totals, parties, country, "Name", period), check_exact=True)
        metrics = assert_same_metrics(shares)
        for caption in CAPTIONS:
            same_json(dependency_gauges_spec(metrics, pd.DataFrame(FACTS), caption),
                      dependency_gauges_spec_reference(metrics, pd.DataFrame(FACTS), caption))


@PROPERTY
@given(rows=importer_rows(), period=st.sampled_from(PERIODS),
       supplier=st.sampled_from(["CHN", "VNM", "XXX"]))
def test_the_ranking_spec_is_its_reference(rows, period, supplier):
    ranking = dependency.dependency_ranking(rows, period, supplier)
    for caption in CAPTIONS:
        for top in (1, 30):
            same_json(dependency_ranking_spec(ranking, "China", caption, top),
                      dependency_ranking_spec_reference(ranking, "China", caption, top))
    # The ranking's names read from one kept name per importer: as its rows' first name.
    pairs = YearPairs.of(rows[rows["period"].str.startswith(period[:4])])
    pd.testing.assert_frame_equal(ranking_from(pairs, period, supplier),
                                  ranking_from(replace(pairs, one_name=None), period, supplier),
                                  check_exact=True)


def shares_of(weights: list[float], values: list[float]) -> pd.DataFrame:
    codes = [f"P{i:02d}" for i in range(len(weights))]
    rows = frame_of([{"country": "KOR", "counterpart": "CHN", "period": "2024", "freq": "A",
                      "kg": 0}] * len(weights), weights=weights)
    rows["counterpart"] = pd.array(codes, dtype="string")
    rows["counterpart_name"] = pd.array([f"Partner {c}" for c in codes], dtype="string")
    rows["value_usd"] = pd.Series(values, dtype="float64")
    return rows


def test_equal_weights_are_ordered_as_pandas_orders_them():
    """Thirty partners of equal tonnes, values tied in pairs, a NaN and a zero weight."""
    rows = shares_of([500.0] * 30 + [np.nan, 0.0], [float(i // 2) for i in range(32)])
    fast = dependency.supplier_shares(rows, "KOR", "2024")
    pd.testing.assert_frame_equal(fast, shares_reference(rows, "KOR", "2024"),
                                  check_exact=True)
    assert fast.index[0] == "P28"  # the largest value breaks the weights' tie
    metrics = assert_same_metrics(fast)
    assert metrics.top_supplier_share == pytest.approx(1 / 30)
    assert metrics.supplier_count == 30
    assert "Partner P30" in metrics.coverage_note  # no net weight: not in the shares


def test_the_top_of_equal_shares_out_of_order_is_pandas_pick():
    """Tied shares in no order: numpy's quicksort (past 16 items) is not stable, and on
    this table it picks another of the equal top shares than a stable sort would (checked
    by making the fast path sort stably: this test then fails)."""
    weights = [500.0] * 8 + [300.0] * 8 + [100.0] * 8 + [0.0] * 6
    shares = dependency.supplier_shares(shares_of(weights, [1.0] * 30), "KOR", "2024")
    shuffled = shares.iloc[np.random.default_rng(1).permutation(len(shares))]
    assert assert_same_metrics(shuffled).top_supplier_share == pytest.approx(500 / 7200)


def test_no_weight_at_all_gives_no_metrics():
    for weights in ([np.nan, np.nan], [0.0, 0.0]):
        shares = dependency.supplier_shares(shares_of(weights, [1.0, 2.0]), "KOR", "2024")
        assert dependency.dependency_metrics(shares) is None
        assert dependency_metrics_reference(shares) is None
    empty = dependency.supplier_shares(shares_of([1.0], [1.0]), "KOR", "2024-Q1")
    pd.testing.assert_frame_equal(empty, shares_reference(shares_of([1.0], [1.0]), "KOR",
                                                          "2024-Q1"), check_exact=True)
    assert dependency.dependency_metrics(empty) is None


def test_reference_figures_are_their_reference(demo_data):
    facts = demo_data.reference_facts
    # Shuffled: a country's facts no longer in one run of rows (a mask, not a slice).
    shuffled = facts.iloc[np.random.default_rng(3).permutation(len(facts))]
    compared = 0
    for table in (facts, shuffled, facts.iloc[:0]):
        for country in [*facts["country"].unique().tolist(), "XXX"]:
            for hs6 in ("280530", "28469015", "850511", ""):
                for year, partner, general in ((None, None, False), (None, None, True),
                                               ("2025", None, True), (2023, "CHN", False)):
                    found = dependency.reference_figures(table, country, hs6, year, partner,
                                                         general)
                    pd.testing.assert_frame_equal(found, reference_figures_reference(
                        table, country, hs6, year, partner, general), check_exact=True)
                    compared += len(found)
    assert compared > 20  # real matches, not only empty tables


VIEWS = ["?tab=dependency", "?tab=dependency&focus=DEU", "?tab=dependency&direction=exports",
         "?tab=dependency&perspective=mirror", "?tab=dependency&period=2024-Q2",
         "?tab=dependency&focus=JPN&period=2025-Q1&partner=JPN",
         "?tab=dependency&focus=USA&perspective=mirror&period=2024-Q4"]


@pytest.mark.parametrize("query", VIEWS)
def test_the_demo_views_are_their_references(demo_data, query):
    catalogue = Catalogue.of(demo_data.frame)
    state, notices = from_query(query, default_view(catalogue), catalogue)
    assert notices == []
    fast = charts.gauges_view(state, demo_data, catalogue, "http://x/?v")
    focus, frame = state.focus, demo_data.frame
    flow = source_flow(state.direction, state.perspective).value
    mine = oriented_party_rows(frame, flow, state.commodity, state.perspective, focus)
    shares = shares_reference(mine, focus, state.period)
    pd.testing.assert_frame_equal(fast.table, shares, check_exact=True)
    metrics = dependency_metrics_reference(shares)
    if metrics is not None and state.perspective == Perspective.REPORTER:
        metrics = dependency.with_allocation(metrics, dependency.own_world_allocation(
            frame, state.direction, state.commodity, focus, state.period))
    facts = reference_figures_reference(demo_data.reference_facts, focus,
                                        commodities.hs6_of(state.commodity))
    caption = charts.caption_for(state, demo_data, catalogue,
                                 f"{catalogue.countries[focus]}: supplier dependency",
                                 "http://x/?v")
    same_json(fast.spec, dependency_gauges_spec_reference(metrics, facts, caption))
    summary = sentences.dependency_sentence(metrics, catalogue.countries[focus], facts)
    assert fast.summary.startswith(summary)  # a mirror view adds its caveat after it

    ranked = charts.ranking_view(state, demo_data, catalogue, "http://x/?v")
    supplier = state.partner or charts.DEFAULT_SUPPLIER
    rows = selected_rows_of_year(frame, state.selection.with_every_partner(), state.period)
    pairs = YearPairs.of(rows)
    pd.testing.assert_frame_equal(ranked.table, ranking_from(replace(pairs, one_name=None),
                                                             state.period, supplier),
                                  check_exact=True)
    supplier_name = catalogue.countries.get(supplier, supplier)
    caption = charts.caption_for(state, demo_data, catalogue,
                                 f"Who depends most on {supplier_name}", "http://x/?v")
    same_json(ranked.spec, dependency_ranking_spec_reference(ranked.table, supplier_name,
                                                             caption))


# Words of hover and note texts, and what sends a text to textwrap: hyphens, tabs, line
# breaks, non-breaking and other spaces, runs of spaces, words longer than a line.
pieces = st.one_of(
    st.sampled_from(["Source", "rows:", "trade.csv", "lines", "2,", "(+19", "more);",
                     "0.15-0.25", "-", "a--b", " ", "  ", "\t", "\n", "\xa0", "\u3000",
                     "x" * 46, "y" * 47, "z" * 91, ""]),
    st.text(min_size=1, max_size=12))


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.lists(pieces, max_size=50), st.sampled_from([" ", "", "  "]),
       st.sampled_from([40, 46, 60, 90, 110]))
@example(["x" * 44, "y" * 45], " ", 90)  # exactly a line
@example(["a" * 80, "year-on-year"], " ", 90)  # textwrap breaks after a hyphen
def test_wrapped_lines_break_where_textwrap_breaks_them(parts, glue, width):
    text = glue.join(parts)
    assert wrapped_lines(text, width) == "<br>".join(textwrap.wrap(text, width))

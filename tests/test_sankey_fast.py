"""The Sankey's fast paths give exactly what their pandas definitions give.

`bilateral.top_flows` (kept period links, plain-value folds and sums) against
`bilateral_reference.top_flows_reference`; `sankey.sankey_spec` (nodes and hover from
column lists) against `sankey_reference.sankey_spec_reference`; `group_sums` against
pandas' own groupby sums, bit for bit. Rows are varied on purpose: weights with decimals
(the two ways pandas sums differ in the last bit), NaN weights and values, rows shuffled
(unsorted group ids), two names for one code, missing names, two source files whose lines
interleave, and every top N from 0 (everything folded) up.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_analytics_properties import PROPERTY, frame_of, trade

from dashboard.analytics import bilateral
from dashboard.analytics.bilateral import top_flows
from dashboard.analytics.bilateral_reference import top_flows_reference
from dashboard.analytics.group_sums import first_seen_ids, grouped_sums
from dashboard.analytics.orientation import Direction
from dashboard.figures.caption import Caption
from dashboard.figures.sankey import sankey_spec
from dashboard.figures.sankey_reference import sankey_spec_reference

CAPTION = Caption("Who ships to whom", "Imports of X", "Source: test rows.", "2024-12",
                  synthetic=True)
PERIODS = ["2024", "2024-Q2", "2024-07", "2024-03"]
# Decimals whose sums round differently pairwise and in order; NaN where a row has none.
KILOGRAMS = [16611.3, 91543.9, 52129.1, 124540.3, 13492.2, 121840.6, 0.1, 0.2, 0.0,
             2_500_000.7, 7.25]
USD = [*KILOGRAMS, np.nan]
MANY = settings(PROPERTY, max_examples=60)  # cheap examples; the odd cases need many


@st.composite
def oriented_rows(draw) -> pd.DataFrame:
    """Oriented rows of 2024 as `selected_rows_of_year` gives them, with odd cases."""
    records = draw(trade(years=(2024,)))
    n = len(records)

    def column(values):
        return draw(st.lists(st.sampled_from(values), min_size=n, max_size=n))

    rows = frame_of(records, weights=column([*KILOGRAMS, np.nan]))
    rows["value_usd"] = pd.Series(column(USD), dtype="float64")
    rows["source_file"] = pd.Series(column(["b/second.csv", "a/first.csv"]), dtype="string")
    rows["source_line"] = draw(st.permutations(range(2, n + 2)))
    if draw(st.booleans()):  # one code under two names, and a name missing
        renamed = column([None, "China (mainland)", pd.NA])
        china = rows["counterpart"] == "CHN"
        rows.loc[china, "counterpart_name"] = [
            rows["counterpart_name"].iloc[at] if name is None else name
            for at, name in zip(np.flatnonzero(china), np.array(renamed, object)[china],
                                strict=True)]
    if draw(st.booleans()):  # the rows out of order: group ids come unsorted
        rows = rows.iloc[draw(st.permutations(range(n)))].reset_index(drop=True)
    return rows


@MANY
@given(rows=oriented_rows(), period=st.sampled_from(PERIODS),
       top_n=st.sampled_from([0, 1, 2, 3, 8]),
       direction=st.sampled_from([Direction.IMPORTS, Direction.EXPORTS]))
def test_top_flows_is_its_reference(rows, period, top_n, direction):
    expected = top_flows_reference(rows, period, top_n, direction)
    pd.testing.assert_frame_equal(top_flows(rows, period, top_n, direction), expected,
                                  check_exact=True)
    # Kept per (rows, period, direction): asked again, and for another top N, still equal.
    pd.testing.assert_frame_equal(top_flows(rows, period, top_n, direction), expected,
                                  check_exact=True)
    pd.testing.assert_frame_equal(top_flows(rows, period, top_n + 1, direction),
                                  top_flows_reference(rows, period, top_n + 1, direction),
                                  check_exact=True)


@PROPERTY
@given(rows=oriented_rows(), period=st.sampled_from(PERIODS),
       top_n=st.sampled_from([0, 1, 3, 8]),
       direction=st.sampled_from([Direction.IMPORTS, Direction.EXPORTS]))
def test_sankey_spec_is_its_reference(rows, period, top_n, direction):
    rows["counterpart_name"] = rows["counterpart_name"].fillna("<Other & nes>")
    flows = top_flows_reference(rows, period, top_n, direction)
    fast = sankey_spec(flows, CAPTION, direction)
    assert json.dumps(fast, sort_keys=True) == json.dumps(
        sankey_spec_reference(flows, CAPTION, direction), sort_keys=True)


def test_sankey_spec_of_odd_links_is_its_reference():
    """Links no generated rows give: a NaN weight, no USD, a long name, one code's two
    names, ties in weight, a trace longer than the hover keeps."""
    flows = pd.DataFrame({
        "source": ["CHN", "CHN", "VNM", "_OTHER_SRC"],
        "source_name": ["China", "China (mainland)", "Viet Nam " * 30, "Other suppliers"],
        "source_kind": ["country", "country", "country", "other"],
        "target": ["KOR", "JPN", "KOR", "_OTHER_DST"],
        "target_name": ["South Korea", "Japan", "South Korea", "Other importers"],
        "target_kind": ["country", "country", "country", "other"],
        "weight_t": [2.5, 2.5, np.nan, 0.0], "value_usd": [np.nan, 10.0, 3.0, 0.0],
        "row_count": [1, 2, 3, 4], "source_rows": ["f.csv lines 2", "f.csv lines " + (
            ", ".join(map(str, range(40)))), "", "g.csv lines 9"]})
    for direction in Direction:
        assert json.dumps(sankey_spec(flows, CAPTION, direction), sort_keys=True) == (
            json.dumps(sankey_spec_reference(flows, CAPTION, direction), sort_keys=True))


def test_the_sums_are_pandas_own_to_the_bit():
    """Where pandas' two ways of summing differ in the last bit (reduceat: 420157.39999999997,
    Kahan in row order: 420157.4), the fast path takes pandas' way for the same rows."""
    kg = [16611.3, 91543.9, 52129.1, 124540.3, 13492.2, 121840.6]
    sorted_ids = np.zeros(len(kg), dtype=np.intp)
    assert grouped_sums(sorted_ids, np.array(kg), 1).tolist() == [420157.39999999997]
    with_nan = np.array([*kg, np.nan])
    assert grouped_sums(np.zeros(7, dtype=np.intp), with_nan, 1).tolist() == [420157.4]
    assert pd.Series(kg).groupby(np.zeros(6)).sum().tolist() == [420157.39999999997]
    assert pd.Series(with_nan).groupby(np.zeros(7)).sum().tolist() == [420157.4]


@MANY
@given(st.data())
def test_grouped_sums_match_pandas_groupby(data):
    keys = data.draw(st.lists(st.sampled_from(["a", "b", "c", None]), min_size=1,
                              max_size=40))
    if data.draw(st.booleans()):  # sorted keys, as a frame grouped already: reduceat
        keys = sorted(keys, key=lambda key: (key is not None, key or ""))
    values = data.draw(st.lists(st.sampled_from(USD), min_size=len(keys),
                                max_size=len(keys)))
    ids, groups = first_seen_ids(keys)
    series = pd.Series(values, dtype="float64")
    by = pd.Series(keys, dtype="object")
    for min_count in (0, 1):
        expected = series.groupby(by, sort=False).sum(min_count=min_count)
        assert list(expected.index) == groups
        np.testing.assert_array_equal(grouped_sums(ids, np.array(values), len(groups),
                                                   min_count), expected.to_numpy())


def test_kept_links_belong_to_their_own_rows():
    """Two frames of equal shape and different tonnes never share kept links, and a table
    changed by its caller does not change the next answer."""
    first = frame_of([{"country": "KOR", "counterpart": "CHN", "period": "2024-01",
                       "freq": "M", "kg": 1000}])
    second = first.assign(net_weight_kg=[5000.0])
    table = top_flows(first, "2024-01")
    assert table["weight_t"].tolist() == [1.0]
    table.loc[0, "weight_t"] = 99.0
    assert top_flows(first, "2024-01")["weight_t"].tolist() == [1.0]
    assert top_flows(second, "2024-01")["weight_t"].tolist() == [5.0]
    assert bilateral._PERIOD_LINKS.get(first, ("2024-01", Direction.IMPORTS),
                                       pytest.fail) is not None  # kept, not rebuilt


def rows_of(links: list[tuple[str, str, float]], **columns) -> pd.DataFrame:
    """January 2024 rows (importer, supplier, kg), one per link."""
    rows = frame_of([{"country": importer, "counterpart": supplier, "period": "2024-01",
                      "freq": "M", "kg": 0} for importer, supplier, _ in links],
                    weights=[kg for _, _, kg in links])
    return rows.assign(**columns)


def test_a_tie_at_the_top_n_keeps_the_first_code():
    rows = rows_of([("KOR", "VNM", 500.0), ("KOR", "MYS", 500.0), ("JPN", "CHN", 900.0)])
    for direction in Direction:
        for top_n in (1, 2):
            expected = top_flows_reference(rows, "2024-01", top_n, direction)
            pd.testing.assert_frame_equal(top_flows(rows, "2024-01", top_n, direction),
                                          expected, check_exact=True)
    kept = top_flows(rows, "2024-01", top_n=2)
    assert set(kept["source"]) == {"CHN", "MYS", bilateral.OTHER_SOURCE}  # MYS before VNM


def test_missing_names_of_any_kind_make_one_group():
    """Two NaN objects (not the same object, as an object column can hold) are one name."""
    names = pd.Series([float("nan"), float("nan"), "Viet Nam"], dtype=object)
    rows = rows_of([("KOR", "VNM", 1.5), ("KOR", "VNM", 2.5), ("KOR", "VNM", 4.0)],
                   counterpart_name=names)
    expected = top_flows_reference(rows, "2024-01")
    assert len(expected) == 2  # (VNM, NaN) and (VNM, "Viet Nam")
    pd.testing.assert_frame_equal(top_flows(rows, "2024-01"), expected, check_exact=True)

"""The first-touch builders that take rows by position give exactly what the plain pandas
way (take the partition, orient it, mask it) gives: a country's oriented rows, its World
allocation, a mirror side. On generated files with World, an EU row (orphan or broken out),
an area, annual rows beside months, both flows."""

from __future__ import annotations

import math
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
from factories import PLUS_COLUMNS, plus_row, write_rows
from hypothesis import given, settings
from hypothesis import strategies as st
from test_analytics_properties import PROPERTY

from dashboard.analytics import dependency, mirror
from dashboard.analytics.consistency import Allocation, allocation_at
from dashboard.analytics.country_table import Selection, selected_rows
from dashboard.analytics.orientation import (
    Direction,
    Perspective,
    partition,
    source_flow,
    with_counterpart,
)
from dashboard.analytics.party_rows import oriented_party_rows
from dashboard.analytics.period_index import PeriodIndex
from dashboard.ingest import readers
from dashboard.ingest.period_labels import freq_of
from dashboard.ingest.schema import Flow

REPORTERS = ["410", "156", "392", "276"]
PARTNERS = [*REPORTERS, "490", "0", "97", "826"]  # an area, World, the EU, the UK
PERIODS = ["2024", "2024-Q1", "2024-02", "2023-05"]
GENERATED = settings(PROPERTY, max_examples=8)


@st.composite
def trade_rows(draw) -> list[dict[str, str]]:
    seen, rows = set(), []
    for _ in range(draw(st.integers(1, 40))):
        reporter = draw(st.sampled_from(REPORTERS))
        partner = draw(st.sampled_from([p for p in PARTNERS if p != reporter]))
        key = (reporter, partner, draw(st.sampled_from("MX")), draw(st.sampled_from(
            ["280530", "284690"])), draw(st.sampled_from([2023, 2024])),
            draw(st.sampled_from([1, 2, 5, 52])))
        if key in seen:
            continue
        seen.add(key)
        rows.append(plus_row(reporter=reporter, partner=partner, flow=key[2], cmd=key[3],
                             year=key[4], month=key[5],
                             weight=draw(st.sampled_from(["", "0", "700", "12345"])),
                             value=str(draw(st.integers(0, 9)) * 1000),
                             estimated=draw(st.sampled_from(["False", "True"]))))
    return rows


def frame_of(rows: list[dict[str, str]]) -> pd.DataFrame:
    with tempfile.TemporaryDirectory() as folder:
        return readers.read_file(write_rows(Path(folder) / "plus.csv", PLUS_COLUMNS,
                                            rows)).frame


def plain_party_rows(selected: pd.DataFrame, country: str) -> pd.DataFrame:
    """The pandas way: the selection's oriented rows (`selected_rows`), then the country's."""
    rows = with_counterpart(selected, None)
    return rows[rows["country"] == country].drop(columns="reported_by")


def plain_allocations(frame, direction, commodity, countries, periods) -> dict:
    """The whole partition's allocation table per frequency, then each country's row."""
    flow = source_flow(direction, Perspective.REPORTER).value
    tables = {freq: allocation_at(partition(frame, flow, commodity), freq)
              for freq in {freq_of(period) for period in periods}}
    out = {}
    for country in countries:
        for period in periods:
            table = tables[freq_of(period)]
            found = table[(table["reporter"] == country) & (table["period"] == period)]
            out[country, period] = None if found.empty else Allocation(
                **{n: found.iloc[0][n] for n in Allocation.__dataclass_fields__})
    return out


def plain_side(frame, commodity, flow: Flow) -> tuple[PeriodIndex, pd.DataFrame]:
    """A mirror side the pandas way: the partition, masked, keyed by a text pair."""
    rows = partition(frame, flow.value, commodity)
    rows = rows[rows["reporter_kind"].isin(["country", "area_nes"])
                & rows["partner_kind"].isin(["country", "area_nes"])]
    importer, exporter = ((rows["reporter"], rows["partner"]) if flow == Flow.IMPORT
                          else (rows["partner"], rows["reporter"]))
    keyed = rows.assign(pair=importer.astype(str) + "\t" + exporter.astype(str))
    parties = pd.concat([
        rows[[side, f"{side}_name", f"{side}_kind"]].drop_duplicates(side)
        .set_axis(["code", "name", "kind"], axis=1) for side in ("reporter", "partner")])
    return PeriodIndex(keyed, "pair"), parties


def same_allocation(mine: Allocation | None, theirs: Allocation | None) -> bool:
    if mine is None or theirs is None:
        return mine is None and theirs is None
    return all(a == b or (isinstance(b, float) and math.isnan(b) and math.isnan(a))
               for a, b in zip(vars(mine).values(), vars(theirs).values(), strict=True))


def assert_same_index(mine: PeriodIndex, theirs: PeriodIndex) -> None:
    assert vars(mine).keys() == vars(theirs).keys()
    for name, value in vars(theirs).items():
        if isinstance(value, np.ndarray):
            assert np.array_equal(vars(mine)[name], value,
                                  equal_nan=value.dtype.kind == "f"), name
        else:
            assert vars(mine)[name] == value, name


@GENERATED
@given(rows=trade_rows())
def test_party_rows_and_allocations_are_the_plain_ones(rows):
    frame = frame_of(rows)
    compared = 0
    for commodity in ("280530", "284690"):
        for direction in Direction:
            for perspective in Perspective:
                selected = selected_rows(frame, Selection(commodity, direction, perspective))
                flow = source_flow(direction, perspective).value
                for country in ["KOR", "CHN", "DEU", "EUU", "S19", "ATA"]:
                    mine = oriented_party_rows(frame, flow, commodity, perspective, country)
                    pd.testing.assert_frame_equal(
                        mine, plain_party_rows(selected, country), check_exact=True)
                    compared += len(mine)
            countries = ["KOR", "CHN", "DEU", "ATA"]
            plain = plain_allocations(frame, direction, commodity, countries, PERIODS)
            for (country, period), theirs in plain.items():
                assert same_allocation(dependency.own_world_allocation(
                    frame, direction, commodity, country, period), theirs)
    assert compared > 0


@GENERATED
@given(rows=trade_rows())
def test_mirror_sides_are_the_plain_ones(rows):
    frame = frame_of(rows)
    for commodity in ("280530", "284690"):
        for flow in (Flow.IMPORT, Flow.EXPORT):
            side = mirror._build_side(frame, commodity, flow)
            index, parties = plain_side(frame, commodity, flow)
            assert_same_index(side.index, index)
            pd.testing.assert_frame_equal(side.parties, parties, check_exact=True)


def test_an_orphan_eu_row_is_kept_for_its_reporter_only():
    """KOR's EU row has no member rows (kept, as a real partner); JPN's EU row is broken out
    by its German row (left out): the mask of each reporter's own rows decides."""
    frame = frame_of([plus_row(reporter="410", partner="97", weight="4000"),
                      plus_row(reporter="410", partner="156", weight="6000"),
                      plus_row(reporter="392", partner="97", weight="3000"),
                      plus_row(reporter="392", partner="276", weight="3000")])
    eu_buyers = oriented_party_rows(frame, "import", "280530", Perspective.MIRROR, "EUU")
    assert eu_buyers["counterpart"].tolist() == ["KOR"]
    korea = oriented_party_rows(frame, "import", "280530", Perspective.REPORTER, "KOR")
    assert sorted(korea["counterpart"]) == ["CHN", "EUU"]
    assert korea.set_index("counterpart")["net_weight_kg"].to_dict() == {
        "EUU": 4000.0, "CHN": 6000.0}

"""`consistency.allocation_at` (from codes) gives exactly the table its reference defines.

The reference is `consistency_reference.allocation_at_reference`, the pandas version on the
string columns. Frames are generated per seed (World and partner rows, areas nes, special
partners, EU rows with and without their members, annual rows beside months, quarters, NaN
weights and values, two flows, rows in file order or shuffled) and the demo data is used
whole and per partition; tables are compared with `assert_frame_equal(check_exact=True)`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import load_demo

from dashboard.analytics import allocation_codes, consistency, orientation
from dashboard.analytics.consistency import allocation_at, world_allocation
from dashboard.analytics.consistency_reference import (
    allocation_at_reference,
    world_allocation_reference,
)
from dashboard.ingest import schema
from dashboard.ingest.period_labels import label_start

LEVELS = ["A", "Q", "M"]
REPORTERS = {"KOR": "South Korea", "JPN": "Japan", "USA": "United States"}
PARTNERS = {"WLD": ("World", "world"), "CHN": ("China", "country"),
            "DEU": ("Germany", "country"), "GBR": ("United Kingdom", "country"),
            "VNM": ("Viet Nam", "country"), "S19": ("Other Asia, nes", "area_nes"),
            "_X ": ("Bunkers", "special"), "EUU": ("European Union", "group")}
COMMODITIES = {"280530": "Rare-earth metals", "284690": "Other rare-earth compounds"}
# 2020 holds the UK's exit (EU member until 31 January): GBR rows then count as members.
YEARS = [2019, 2020, 2024]


def _labels(rng: np.random.Generator, year: int) -> list[str]:
    """One series' labels for a year: any of annual, some quarters, some or all months."""
    labels = []
    if rng.random() < 0.4:
        labels.append(str(year))
    if rng.random() < 0.3:
        labels += [f"{year}-Q{q}" for q in range(1, 5) if rng.random() < 0.6]
    if rng.random() < 0.6:
        every = rng.random() < 0.5  # complete months: annual and months stand side by side
        labels += [f"{year}-{m:02d}" for m in range(1, 13) if every or rng.random() < 0.5]
    return labels


def generated_frame(seed: int) -> pd.DataFrame:
    """A trade frame (ingest's columns and types) of random series, see the module doc."""
    rng = np.random.default_rng(seed)
    records = []
    for reporter in rng.choice(list(REPORTERS), size=rng.integers(1, 4), replace=False):
        for flow in ("import", "export"):
            for code in COMMODITIES:
                partners = [p for p in PARTNERS if rng.random() < 0.7]
                for partner in partners:
                    for year in YEARS:
                        records += [(reporter, partner, flow, code, label)
                                    for label in _labels(rng, year)]
    frame = pd.DataFrame(records, columns=["reporter", "partner", "flow", "commodity_code",
                                           "period"])
    n = len(frame)
    kg = np.round(rng.uniform(0, 5e5, n), 3) * rng.choice([1, 1e-3, 1e3], n)
    usd = np.round(rng.uniform(0, 9e6, n), 2)
    frame = frame.assign(
        reporter_name=frame["reporter"].map(REPORTERS), reporter_kind="country",
        partner_name=[PARTNERS[p][0] for p in frame["partner"]],
        partner_kind=[PARTNERS[p][1] for p in frame["partner"]], eu_trade="",
        hs6=frame["commodity_code"], commodity_name=frame["commodity_code"].map(COMMODITIES),
        freq=[("A" if len(p) == 4 else "Q" if p[5] == "Q" else "M") for p in frame["period"]],
        period_start=[label_start(p) for p in frame["period"]],
        net_weight_kg=np.where(rng.random(n) < 0.08, np.nan, kg),
        value_usd=np.where(rng.random(n) < 0.05, np.nan, usd),
        valuation="CIF", weight_estimated=False,
        source_file=rng.choice(["a/trade.csv", "b/more.csv"], n),
        source_line=rng.permutation(n) + 2)
    if seed % 2:  # rows out of key order: pandas sums them another way (compensated)
        frame = frame.iloc[rng.permutation(n)]
    return schema.conform(frame)


def assert_same(frame: pd.DataFrame, level: str) -> pd.DataFrame:
    fast = allocation_at(frame, level)
    pd.testing.assert_frame_equal(fast, allocation_at_reference(frame, level), check_exact=True)
    return fast


@pytest.mark.parametrize("seed", range(12))
def test_allocation_is_the_reference_on_generated_frames(seed):
    frame = generated_frame(seed)
    assert {"world", "group", "area_nes", "special"} <= set(frame["partner_kind"])
    for level in LEVELS:
        # The fast path itself answers (not the reference it falls back to).
        assert allocation_codes.allocation_parts(
            frame, level, consistency._orphans_among) is not None
        table = assert_same(frame, level)
        assert len(table) > 0 and table["partner_rows"].sum() > 0
    pd.testing.assert_frame_equal(world_allocation(frame), world_allocation_reference(frame),
                                  check_exact=True)


def test_generated_frames_reach_every_branch():
    """The seeds above hold comparable and not comparable periods, gaps, value-only
    shares, orphan and broken-out EU rows, and quarters beside months."""
    tables = pd.concat([allocation_at(generated_frame(seed), level)
                        for seed in range(12) for level in LEVELS])
    assert set(tables["share_basis"]) == {"weight", "value", "none"}
    assert tables["comparable"].any() and not tables["comparable"].all()
    assert tables["gap"].any()
    assert tables["note"].str.contains("coarser").any()
    assert tables["note"].str.contains("months are incomplete").any()
    orphans = [consistency.orphan_group_mask(generated_frame(seed)) for seed in range(12)]
    eu_rows = [generated_frame(seed)["partner_kind"] == "group" for seed in range(12)]
    assert any(o.any() for o in orphans)
    assert any((rows & ~o).any() for rows, o in zip(eu_rows, orphans, strict=True))


@pytest.mark.parametrize("seed", [3, 4])
def test_allocation_at_positions_reads_only_those_rows(seed):
    frame = generated_frame(seed)
    positions = orientation.partition_positions(frame, "import", "280530")
    for level in LEVELS:
        fast = allocation_at(frame, level, positions)
        pd.testing.assert_frame_equal(
            fast, allocation_at_reference(frame.take(positions), level), check_exact=True)


def test_frames_the_fast_path_does_not_take_get_the_reference():
    frame = generated_frame(5)
    frame["partner"] = frame["partner"].mask(frame.index % 7 == 0)  # missing partners
    assert allocation_codes.allocation_parts(frame, "M", consistency._orphans_among) is None
    assert_same(frame, "M")
    with pytest.raises(ValueError):  # the reference's own failure on such a year
        allocation_at_reference(frame, "A")
    with pytest.raises(ValueError):
        allocation_at(frame, "A")


def test_world_rows_alone_are_not_compared():
    frame = generated_frame(2)
    frame = frame[frame["partner_kind"] == "world"]
    for level in LEVELS:
        table = assert_same(frame, level)
        assert len(table) > 0 and (table["partner_rows"] == 0).all()


def test_no_world_rows_give_an_empty_table():
    frame = generated_frame(2)
    frame = frame[frame["partner_kind"] != "world"]
    for level in LEVELS:
        assert assert_same(frame, level).empty
    assert assert_same(frame.iloc[0:0], "A").empty


@pytest.fixture(scope="module")
def demo_frame() -> pd.DataFrame:
    return load_demo().frame


@pytest.mark.parametrize("level", LEVELS)
def test_allocation_is_the_reference_on_the_demo_data(demo_frame, level):
    assert len(assert_same(demo_frame, level)) > 0


def test_allocation_per_partition_is_the_reference_on_the_demo_data(demo_frame):
    keys = demo_frame[["flow", "commodity_code"]].drop_duplicates().itertuples(index=False)
    for flow, code in keys:
        positions = orientation.partition_positions(demo_frame, flow, code)
        rows = demo_frame.take(positions)
        for level in LEVELS:
            pd.testing.assert_frame_equal(allocation_at(demo_frame, level, positions),
                                          allocation_at_reference(rows, level),
                                          check_exact=True)


def test_world_allocation_is_the_reference_on_the_demo_data(demo_frame):
    pd.testing.assert_frame_equal(world_allocation(demo_frame),
                                  world_allocation_reference(demo_frame), check_exact=True)

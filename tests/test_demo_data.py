"""The embedded data: deterministic generator, honest metadata, the story the page opens on."""

from __future__ import annotations

import importlib.util
import json

import pandas as pd
import pytest

from dashboard import cli
from dashboard.analytics.compare import Comparison
from dashboard.analytics.country_table import Selection, country_table
from dashboard.analytics.orientation import Direction, Perspective
from dashboard.ingest import dataset
from dashboard.settings import DEFAULT_DATA

DEMO = DEFAULT_DATA / "demo_comtrade_plus_SYNTHETIC.csv.gz"


@pytest.fixture(scope="module")
def demo():
    return dataset.load([DEFAULT_DATA])


def load_generator():
    spec = importlib.util.spec_from_file_location("generate_demo",
                                                  DEFAULT_DATA / "generate_demo.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_generator_gives_the_committed_bytes(tmp_path):
    generator = load_generator()
    target = tmp_path / "again.csv.gz"
    generator.write(generator.build(), target)
    assert target.read_bytes() == DEMO.read_bytes()


def test_demo_is_labelled_synthetic_everywhere(demo):
    meta = json.loads((DEFAULT_DATA / "demo_comtrade_plus_SYNTHETIC.meta.json").read_text())
    assert meta["synthetic"] is True and "SYNTHETIC" in DEMO.name
    assert demo.synthetic and "not real trade statistics" in demo.source_line
    facts = json.loads((DEFAULT_DATA / "reference_facts.meta.json").read_text())
    assert facts["synthetic"] is False


def test_demo_reads_clean_with_the_quirks_of_real_downloads(demo):
    assert demo.problems == []
    assert demo.stats["breakdown_rows"] > 1000
    frame = demo.frame
    assert {"world", "area_nes"} <= set(frame["partner_kind"])
    assert frame["weight_estimated"].any()
    assert {"A", "M"} <= set(frame["freq"])
    assert "Côte d'Ivoire" in set(frame["reporter_name"])  # read from Latin-1 bytes
    years = frame["period"].str.slice(0, 4)
    assert years.min() == "2019" and years.max() == "2025"
    assert frame.loc[frame["flow"] == "import", "reporter"].nunique() >= 40
    lines = {"28469013", "28469015", "28469016"}
    assert lines <= set(frame.loc[frame["reporter"] == "CHN", "commodity_code"])


def test_validate_on_the_demo_exits_zero(capsys):
    assert cli.main(["validate", str(DEMO)]) == 0
    assert "rows with problems: 0" in capsys.readouterr().out


def test_seed_story_korea_and_philippines_above_2024_japan_largest_before(demo):
    selection = Selection("28469015", Direction.IMPORTS, Perspective.MIRROR, "CHN")
    table = country_table(demo.frame, selection, "2025-Q1", Comparison("2025-Q1", "2024"))
    above = set(table.index[table["value"] > table["baseline"]])
    assert {"KOR", "PHL"} <= above and "JPN" not in above
    assert table["value"].idxmax() == "KOR"
    assert list(table["value"].nlargest(3).index) == ["KOR", "JPN", "PHL"]
    year_2024 = country_table(demo.frame, selection, "2024")
    assert year_2024["value"].idxmax() == "JPN"


def test_korea_depends_on_china_for_about_95_percent_of_metals(demo):
    frame = demo.frame
    rows = frame[(frame["reporter"] == "KOR") & (frame["commodity_code"] == "280530")
                 & (frame["flow"] == "import") & (frame["period"].str.startswith("2023"))
                 & (frame["partner_kind"] == "country")]
    share = rows.loc[rows["partner"] == "CHN", "net_weight_kg"].sum() / rows["net_weight_kg"].sum()
    assert 0.93 < share < 0.97


def test_controlled_products_fall_after_april_2025(demo):
    frame = demo.frame
    dy = frame[(frame["reporter"] == "CHN") & (frame["commodity_code"] == "28469015")
               & (frame["partner_kind"] == "country")]
    monthly = dy.groupby("period")["net_weight_kg"].sum()
    assert monthly["2025-05"] < 0.5 * monthly[["2024-05"]].sum()


def test_reference_tables_are_loaded_beside_not_into_the_trade_frame(demo):
    facts = demo.reference_facts
    korea = facts[(facts["country"] == "KOR") & (facts["hs6"] == "280530")]
    assert korea["value"].tolist() == ["95.1"] and "KIEP" in korea["source"].iloc[0]
    events = demo.policy_events
    april = events[events["date"] == "2025-04-04"]
    assert "No. 18 of 2025" in april["source"].iloc[0]
    assert pd.to_datetime(events["date"]).is_monotonic_increasing
    assert "reference_facts.csv" not in set(demo.frame["source_file"])

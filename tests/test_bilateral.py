"""Bilateral flows for the Sankey: top N kept, the rest folded, no tonne ever dropped."""

from __future__ import annotations

import pytest
from factories import plus_row

from dashboard.analytics.bilateral import (
    OTHER_SOURCE,
    OTHER_SOURCE_NAME,
    OTHER_TARGET,
    OTHER_TARGET_NAME,
    top_flows,
)
from dashboard.analytics.country_table import Selection, selected_rows
from dashboard.analytics.orientation import Direction, Perspective
from dashboard.ingest import readers

# (importer, supplier, kg) in January 2024: reporter-side imports of 280530.
JANUARY = [("410", "156", "6000"), ("410", "392", "500"), ("410", "490", "250"),
           ("392", "156", "4000"), ("392", "842", "300"), ("608", "156", "2000"),
           ("608", "410", "100"), ("842", "156", "1000"), ("842", "392", "50")]


@pytest.fixture
def frame(plus_file):
    rows = [plus_row(reporter=r, partner=p, weight=w, value=str(int(w) * 10), month=1)
            for r, p, w in JANUARY]
    rows.append(plus_row(reporter="410", partner="0", weight="6750", month=1))  # World
    rows.append(plus_row(reporter="410", partner="156", weight="9999", month=52))  # annual
    rows.append(plus_row(reporter="156", partner="410", flow="X", weight="5500", month=1))
    rows.append(plus_row(reporter="156", partner="490", flow="X", weight="800", month=1))
    return readers.read_file(plus_file(rows)).frame


def imports(frame, partner=None):
    return selected_rows(frame, Selection("280530", Direction.IMPORTS, Perspective.REPORTER,
                                          partner))


def test_folded_totals_equal_the_input_total(frame):
    rows = imports(frame)
    links = top_flows(rows, "2024-01", top_n=2)
    expected_t = sum(int(w) for _, _, w in JANUARY) / 1000
    assert links["weight_t"].sum() == pytest.approx(expected_t)  # 14.2 t, World left out
    assert links["value_usd"].sum() == pytest.approx(expected_t * 1000 * 10)
    assert links["row_count"].sum() == len(JANUARY)


def test_top_n_keeps_the_heaviest_and_folds_the_rest(frame):
    links = top_flows(imports(frame), "2024-01", top_n=2)
    assert set(links["source"]) == {"CHN", "JPN", OTHER_SOURCE}  # CHN 13 t, JPN 0.55 t
    assert set(links["target"]) == {"KOR", "JPN", OTHER_TARGET}  # KOR 6.75 t, JPN 4.3 t
    folded = links[links["source"] == OTHER_SOURCE]
    assert set(folded["source_name"]) == {OTHER_SOURCE_NAME}
    assert set(folded["source_kind"]) == {"other"}
    other_dst = links[links["target"] == OTHER_TARGET]
    assert set(other_dst["target_name"]) == {OTHER_TARGET_NAME}
    # PHL 2.1 t and USA 1.05 t fold into one "Other importers" node; CHN's part is 3 t
    chn_to_other = links[(links["source"] == "CHN") & (links["target"] == OTHER_TARGET)]
    assert chn_to_other["weight_t"].item() == pytest.approx(3.0)
    assert chn_to_other["row_count"].item() == 2
    assert "lines" in chn_to_other["source_rows"].item()


def test_no_fold_when_top_n_covers_everyone(frame):
    links = top_flows(imports(frame), "2024-01", top_n=10)
    assert OTHER_SOURCE not in set(links["source"]) and OTHER_TARGET not in set(links["target"])
    assert len(links) == len(JANUARY)
    assert links["weight_t"].is_monotonic_decreasing
    assert links.iloc[0][["source", "target", "weight_t"]].tolist() == ["CHN", "KOR", 6.0]


def test_area_nes_is_kept_and_world_is_left_out(frame):
    links = top_flows(imports(frame), "2024-01", top_n=10)
    assert "WLD" not in set(links["source"]) and "W00" not in set(links["source"])
    s19 = links[links["source"] == "S19"]
    assert s19["source_kind"].item() == "area_nes"
    assert s19["source_name"].item() == "Other Asia, nes (in practice Taiwan)"


def test_annual_and_monthly_rows_of_a_year_are_not_double_counted(frame):
    kor_china = top_flows(imports(frame, "CHN"), "2024", top_n=10)
    kor = kor_china[kor_china["target"] == "KOR"]
    # A year is read from the annual row where a series has one: 9.999, not 6 + 9.999.
    assert kor["weight_t"].item() == pytest.approx(9.999)


def test_export_view_flips_the_direction(frame):
    rows = selected_rows(frame, Selection("280530", Direction.EXPORTS, Perspective.REPORTER))
    links = top_flows(rows, "2024-01", direction=Direction.EXPORTS)
    assert set(zip(links["source"], links["target"])) == {("CHN", "KOR"), ("CHN", "S19")}
    assert links["weight_t"].sum() == pytest.approx(6.3)


def test_empty_period_gives_an_empty_table_with_the_columns(frame):
    links = top_flows(imports(frame), "2019-01")
    assert links.empty
    assert {"source", "source_name", "target", "target_name", "weight_t", "value_usd",
            "row_count"} <= set(links.columns)

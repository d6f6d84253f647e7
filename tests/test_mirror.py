"""Mirror gaps on a hand-made two-sided example: CIF/FOB, one-sided flows, coarse data."""

from __future__ import annotations

import math

import pytest
from factories import plus_row

from dashboard.analytics.mirror import (
    BOTH,
    CIF_FOB_NOTE,
    EXPORTER_ONLY,
    IMPORTER_ONLY,
    MIRROR_COLUMNS,
    mirror_gap,
)
from dashboard.analytics.orientation import Direction
from dashboard.ingest import readers


@pytest.fixture
def frame(plus_file):
    rows = [
        # Korea says it imported 1.2 t worth USD 10,600 CIF; China says 1.0 t, USD 10,000 FOB
        plus_row(reporter="410", partner="156", flow="M", weight="1200", value="10600"),
        plus_row(reporter="156", partner="410", flow="X", weight="1000", value="10000"),
        # China exports 0.3 t to Other Asia, nes (490): no importer reports it
        plus_row(reporter="156", partner="490", flow="X", weight="300", value="4000"),
        # Japan imports 0.5 t from China; China reports no export to Japan
        plus_row(reporter="392", partner="156", flow="M", weight="500", value="6000"),
        # Japan imports 0.4 t from Côte d'Ivoire, which reports no exports at all
        plus_row(reporter="392", partner="384", flow="M", weight="400", value="3000"),
        # USA reports only the whole year; China reports January
        plus_row(reporter="842", partner="156", flow="M", month=52, weight="9000", value="1"),
        plus_row(reporter="156", partner="842", flow="X", weight="700", value="7000"),
        # aggregates never pair: China's exports to World, World's imports from China
        plus_row(reporter="156", partner="0", flow="X", weight="2000", value="21000"),
        plus_row(reporter="0", partner="156", flow="M", weight="2500", value="30000"),
        # another product
        plus_row(reporter="410", partner="156", flow="M", cmd="284690", weight="77"),
    ]
    return readers.read_file(plus_file(rows)).frame


def by_pair(table):
    return table.set_index(["importer", "exporter"])


def test_two_sided_gap_in_tonnes_and_value(frame):
    gaps = by_pair(mirror_gap(frame, "280530", "2024-01"))
    kor = gaps.loc[("KOR", "CHN")]
    assert kor["status"] == BOTH
    assert (kor["importer_t"], kor["exporter_t"]) == (1.2, 1.0)
    assert kor["gap_t"] == pytest.approx(0.2)
    assert kor["gap_pct"] == pytest.approx(20.0)  # of the exporter-reported figure
    assert (kor["importer_value_usd"], kor["exporter_value_usd"]) == (10600.0, 10000.0)
    assert kor["value_gap_pct"] == pytest.approx(6.0)
    assert kor["cif_fob_ratio"] == pytest.approx(1.06)
    assert kor["adjusted_value_gap_pct"] == pytest.approx(0.0, abs=1e-6)  # just CIF/FOB
    assert CIF_FOB_NOTE in kor["note"] and "1.06" in kor["note"]
    assert "Timing" in kor["note"]  # a month: goods in transit across its end
    assert "lines 2" in kor["importer_source_rows"]
    assert "lines 3" in kor["exporter_source_rows"]
    assert (kor["importer_name"], kor["exporter_name"]) == ("South Korea", "China")


def test_exporter_only_partner_490(frame):
    gaps = by_pair(mirror_gap(frame, "280530", "2024-01"))
    s19 = gaps.loc[("S19", "CHN")]
    assert s19["status"] == EXPORTER_ONLY
    assert s19["exporter_t"] == pytest.approx(0.3)
    assert math.isnan(s19["importer_t"]) and math.isnan(s19["gap_t"])
    assert s19["importer_kind"] == "area_nes"
    assert "not a reporter" in s19["note"]
    assert s19["importer_source_rows"] == ""


def test_importer_only_and_coarse_sides(frame):
    gaps = by_pair(mirror_gap(frame, "280530", "2024-01"))
    assert gaps.loc[("JPN", "CHN"), "status"] == IMPORTER_ONLY
    assert "China reported no export" in gaps.loc[("JPN", "CHN"), "note"]
    usa = gaps.loc[("USA", "CHN")]
    assert usa["status"] == EXPORTER_ONLY  # the USA's annual figure cannot answer January
    assert "coarser data" in usa["note"]


def test_a_whole_year_pairs_coarse_and_monthly_sides(frame):
    gaps = by_pair(mirror_gap(frame, "280530", "2024"))
    usa = gaps.loc[("USA", "CHN")]
    assert usa["status"] == BOTH
    assert usa["gap_t"] == pytest.approx(9.0 - 0.7)
    assert "Timing" not in usa["note"]


def test_only_countries_and_areas_are_paired(frame):
    gaps = mirror_gap(frame, "280530", "2024-01")
    assert not {"WLD", "W00"} & (set(gaps["importer"]) | set(gaps["exporter"]))
    assert list(gaps.columns) == MIRROR_COLUMNS
    assert set(gaps["importer_kind"]) | set(gaps["exporter_kind"]) <= {"country", "area_nes"}


def test_order_both_first_then_one_sided_by_size(frame):
    gaps = mirror_gap(frame, "280530", "2024-01")
    assert gaps["status"].tolist() == [BOTH, EXPORTER_ONLY, EXPORTER_ONLY, IMPORTER_ONLY,
                                       IMPORTER_ONLY]
    assert gaps["importer"].tolist()[1:3] == ["USA", "S19"]  # 0.7 t before 0.3 t
    assert gaps["exporter"].tolist()[3:] == ["CHN", "CIV"]  # 0.5 t before 0.4 t


def test_other_side_reports_separates_omissions_from_non_reporters(frame):
    gaps = by_pair(mirror_gap(frame, "280530", "2024-01"))
    assert gaps.loc[("KOR", "CHN"), "other_side_reports"]  # both sides
    assert gaps.loc[("JPN", "CHN"), "other_side_reports"]  # China reports exports, not this
    assert not gaps.loc[("JPN", "CIV"), "other_side_reports"]  # CIV reports nothing
    assert "reported no exports of this product to anyone" in gaps.loc[("JPN", "CIV"), "note"]
    assert not gaps.loc[("S19", "CHN"), "other_side_reports"]  # an area never reports
    assert not gaps.loc[("USA", "CHN"), "other_side_reports"]  # annual data only


def test_direction_and_country_filter(frame):
    imports = mirror_gap(frame, "280530", "2024-01", Direction.IMPORTS, country="KOR")
    assert imports[["country", "counterpart"]].values.tolist() == [["KOR", "CHN"]]
    exports = mirror_gap(frame, "280530", "2024-01", Direction.EXPORTS, country="CHN")
    assert set(exports["country"]) == {"CHN"}
    assert set(exports["counterpart"]) == {"KOR", "S19", "USA", "JPN"}


def test_other_products_and_empty_periods(frame):
    other = mirror_gap(frame, "284690", "2024-01")
    assert other["status"].tolist() == [IMPORTER_ONLY]
    assert mirror_gap(frame, "280530", "2019").empty

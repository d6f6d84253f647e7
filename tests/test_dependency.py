"""Supplier dependency: shares that sum to one, HHI, ranking order, published figures apart."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from factories import plus_row

from dashboard.analytics.country_table import Selection, selected_rows
from dashboard.analytics.dependency import (
    DependencyMetrics,
    concentration_band,
    dependency_metrics,
    dependency_ranking,
    hhi,
    reference_figures,
    supplier_shares,
)
from dashboard.ingest import readers

KOR, JPN, PHL, USA, CHN = "410", "392", "608", "842", "156"
FACTS = Path(__file__).parents[1] / "data" / "reference_facts.csv"


def imports(reporter, partner, tonnes, year=2024, month=52):
    return plus_row(reporter=reporter, partner=partner, year=year, month=month,
                    weight=str(int(tonnes * 1000)), value=str(int(tonnes * 100)))


@pytest.fixture
def rows(plus_file):
    """Korea: China 60 t, Japan 20 t, USA 10 t, Other Asia nes 5 t, Germany 5 t; World and
    EU (its member Germany broken out) on top.

    Exposure to China: Japan 90%, USA 80% (of 0.5 t), Korea 60%, Philippines 0%.
    """
    data = [imports(KOR, CHN, 60), imports(KOR, JPN, 20), imports(KOR, USA, 10),
            imports(KOR, "490", 5), imports(KOR, "276", 5), imports(KOR, "0", 100),
            imports(KOR, "97", 5),
            imports(JPN, CHN, 90), imports(JPN, USA, 10),
            imports(PHL, USA, 5),
            imports(USA, CHN, 0.4), imports(USA, JPN, 0.1)]
    frame = readers.read_file(plus_file(data)).frame
    return selected_rows(frame, Selection("280530"))


def test_a_group_row_without_its_members_is_its_own_supplier(plus_file):
    """An EU row with no member rows holds trade that is in no other row: kept, not added
    to anything; with a member row beside it, it is left out (it would count twice)."""
    alone = [imports(KOR, CHN, 60), imports(KOR, "97", 40), imports(KOR, "0", 100)]
    beside = [*alone, imports(KOR, "276", 40)]
    shares = [supplier_shares(selected_rows(readers.read_file(plus_file(data, name)).frame,
                                            Selection("280530")), "KOR", "2024")
              for data, name in ((alone, "alone.csv"), (beside, "beside.csv"))]
    assert shares[0]["share"].to_dict() == pytest.approx({"CHN": 0.6, "EUU": 0.4})
    assert shares[0].loc["EUU", "counterpart_kind"] == "group"
    assert shares[1]["share"].to_dict() == pytest.approx({"CHN": 0.6, "DEU": 0.4})


def test_hhi_on_three_suppliers_and_its_bands():
    assert hhi([0.5, 0.3, 0.2]) == pytest.approx(0.38)
    assert hhi(pd.Series([0.5, 0.5, float("nan")])) == pytest.approx(0.5)
    assert [concentration_band(v) for v in (0.149, 0.15, 0.249, 0.25)] == [
        "unconcentrated", "moderately concentrated", "moderately concentrated", "concentrated"]


def test_supplier_shares_sum_to_one_without_world_or_groups(rows):
    shares = supplier_shares(rows, "KOR", "2024")
    assert list(shares.index[:3]) == ["CHN", "JPN", "USA"]  # S19 and DEU tie at 5 t
    assert set(shares.index) == {"CHN", "JPN", "USA", "S19", "DEU"}  # no WLD, no EUU
    assert shares["share"].sum() == pytest.approx(1.0)
    assert shares.loc["CHN", "share"] == pytest.approx(0.6)
    assert shares.loc["S19", "counterpart_kind"] == "area_nes"  # areas nes are real trade
    assert shares.loc["CHN", "weight_t"] == pytest.approx(60.0)
    assert shares.loc["CHN", "value_usd"] == pytest.approx(6000.0)
    assert shares.loc["CHN", "source_rows"].endswith("lines 2")
    assert list(shares["weight_t"]) == sorted(shares["weight_t"], reverse=True)


def test_metrics_for_korea(rows):
    metrics = dependency_metrics(supplier_shares(rows, "KOR", "2024"))
    assert isinstance(metrics, DependencyMetrics)
    assert (metrics.country, metrics.period, metrics.top_supplier) == ("KOR", "2024", "CHN")
    assert metrics.top_supplier_name == "China"
    assert metrics.top_supplier_share == pytest.approx(0.6)
    assert metrics.top3_share == pytest.approx(0.9)
    assert metrics.hhi == pytest.approx(0.6**2 + 0.2**2 + 0.1**2 + 2 * 0.05**2)
    assert metrics.supplier_count == 5
    assert metrics.total_t == pytest.approx(100.0)  # World's 100 t and EU's 5 t left out
    assert metrics.concentration_band == "concentrated"


def test_no_rows_or_no_tonnes_give_no_metrics(rows, plus_file):
    assert dependency_metrics(supplier_shares(rows, "CIV", "2024")) is None
    assert dependency_metrics(supplier_shares(rows, "KOR", "2023")) is None
    zero = readers.read_file(plus_file([imports(KOR, CHN, 0)], name="zero.csv")).frame
    assert dependency_metrics(supplier_shares(selected_rows(zero, Selection("280530")),
                                              "KOR", "2024")) is None


def test_months_and_the_annual_row_are_not_added_twice(plus_file):
    data = [imports(KOR, CHN, 12), imports(KOR, JPN, 4)]
    data += [imports(KOR, CHN, 1, month=m) for m in range(1, 13)]  # same 12 t, monthly
    rows = selected_rows(readers.read_file(plus_file(data)).frame, Selection("280530"))
    shares = supplier_shares(rows, "KOR", "2024")
    assert shares.loc["CHN", "weight_t"] == pytest.approx(12.0)
    assert shares.loc["CHN", "share"] == pytest.approx(0.75)


def test_a_partner_with_only_annual_data_is_named_when_left_out(plus_file):
    data = [imports(KOR, CHN, 3, year=2025, month=1), imports(KOR, JPN, 9, year=2025)]
    rows = selected_rows(readers.read_file(plus_file(data)).frame, Selection("280530"))
    metrics = dependency_metrics(supplier_shares(rows, "KOR", "2025-Q1"))
    assert metrics.top_supplier_share == pytest.approx(1.0)
    assert "Japan" in metrics.coverage_note


def test_ranking_puts_the_most_exposed_first(rows):
    ranking = dependency_ranking(rows, "2024", "CHN")
    assert list(ranking.index) == ["JPN", "USA", "KOR", "PHL"]
    assert ranking.loc["JPN", "supplier_share"] == pytest.approx(0.9)
    assert ranking.loc["USA", "supplier_share"] == pytest.approx(0.8)
    assert ranking.loc["KOR", "supplier_t"] == pytest.approx(60.0)
    assert ranking.loc["KOR", "total_t"] == pytest.approx(100.0)
    assert ranking.loc["KOR", "hhi"] == pytest.approx(0.415)
    assert ranking.loc["PHL", "supplier_share"] == 0.0
    assert ranking.loc["JPN", "country_name"] == "Japan"
    assert ranking.loc["JPN", "supplier_source_rows"].endswith("lines 9")


def test_ranking_leaves_out_tiny_totals(rows):
    ranking = dependency_ranking(rows, "2024", "CHN", min_total_t=1.0)
    assert "USA" not in ranking.index and "JPN" in ranking.index
    assert dependency_ranking(rows, "2019", "CHN").empty


@pytest.fixture
def facts():
    return pd.DataFrame({
        "fact_id": ["kor_metals", "kor_compounds", "kor_general", "jpn_metals"],
        "country": ["KOR", "KOR", "KOR", "JPN"], "partner": ["CHN", "CHN", "", "CHN"],
        "hs6": ["280530", "284690", None, "280530"], "year": ["2023", "2023", "2025", "2024"],
        "value": ["95.1", "84.3", "6", "70"], "unit": ["% of imports"] * 4,
        "secondary": ["true", "true", "true", "false"]})


def test_reference_figures_match_country_product_and_year(facts):
    assert list(reference_figures(facts, "KOR", "280530")["fact_id"]) == ["kor_metals"]
    assert list(reference_figures(facts, "KOR", "28469015")["fact_id"]) == ["kor_compounds"]
    assert reference_figures(facts, "KOR", "280530", year=2024).empty
    assert list(reference_figures(facts, "KOR", "280530", "2023", partner="CHN")["fact_id"]) == [
        "kor_metals"]
    general = reference_figures(facts, "KOR", "280530", include_general=True)
    assert list(general["fact_id"]) == ["kor_metals", "kor_general"]


def test_reference_figures_come_back_unchanged(facts):
    found = reference_figures(facts, "KOR", "280530", include_general=True)
    pd.testing.assert_frame_equal(found, facts.loc[[0, 2]])  # blanks stay blank (None)


@pytest.mark.skipif(not FACTS.exists(), reason="data/reference_facts.csv not present")
def test_the_published_korea_figure_is_found_in_the_facts_file():
    facts = pd.read_csv(FACTS, dtype=str)
    found = reference_figures(facts, "KOR", "280530", 2023)
    assert "95.1" in set(found["value"])


def test_the_world_total_beside_the_shares_gives_the_top_share_its_range(plus_file):
    """World 100 t, partners 70 t (China 56, Japan 14): 80% of partners, 30 t unallocated, so
    China's share of World lies between 56/100 and (56 + 30)/100."""
    from dashboard.analytics.dependency import own_world_allocation, with_allocation
    from dashboard.analytics.orientation import Direction
    from dashboard.figures.sentences import dependency_sentence

    frame = readers.read_file(plus_file([imports(KOR, "0", 100), imports(KOR, CHN, 56),
                                         imports(KOR, JPN, 14)], "gap.csv")).frame
    metrics = dependency_metrics(supplier_shares(selected_rows(frame, Selection("280530")),
                                                 "KOR", "2024"))
    assert metrics.top_supplier_share == pytest.approx(56 / 70)
    full = with_allocation(metrics, own_world_allocation(frame, Direction.IMPORTS, "280530",
                                                         "KOR", "2024"))
    assert (full.world_t, full.unallocated_t) == pytest.approx((100.0, 30.0))
    assert full.allocated_share == pytest.approx(0.7)
    assert (full.top_share_of_world_low, full.top_share_of_world_high) == pytest.approx(
        (0.56, 0.86))
    sentence = dependency_sentence(full, "South Korea", pd.DataFrame())
    assert "World total of 100 t: 70% is allocated" in sentence
    assert "between 56% and 86%" in sentence and "30 t is not" in sentence

"""Consistency checks from a file's own totals: World vs partners, annual vs months, groups.

Expected figures are computed in each test from the frame with plain pandas, not copied
from the code under test.
"""

from __future__ import annotations

import pandas as pd
import pytest
from factories import plus_row

from dashboard.analytics.consistency import (
    allocation_for,
    annual_vs_months,
    orphan_group_rows,
    top_share_range,
    world_allocation,
    yearly_totals_by_commodity,
)
from dashboard.ingest import readers
from dashboard.ingest.period_labels import freq_of, label_start

KOR, CHN, JPN, WLD, EU, OTHER_ASIA, DEU, GBR, BUNKERS = (
    "410", "156", "392", "0", "97", "490", "276", "826", "837")


def row(partner, tonnes, month=52, year=2024, reporter=KOR, flow="M", cmd="280530", usd=None):
    weight = "" if tonnes is None else str(int(tonnes * 1000))
    value = str(usd if usd is not None else int((tonnes or 1) * 100))
    return plus_row(reporter=reporter, partner=partner, flow=flow, cmd=cmd, year=year,
                    month=month, weight=weight, value=value)


@pytest.fixture
def frame_of(plus_file):
    def read(rows):
        result = readers.read_file(plus_file(rows))
        assert result.problems == []
        return result.frame
    return read


def real_partner_kg(frame: pd.DataFrame, period: str) -> float:
    """Plain pandas: all partners except World and groups, for one period label."""
    mask = ~frame["partner_kind"].isin(["world", "group"]) & (frame["period"] == period)
    return float(frame.loc[mask, "net_weight_kg"].sum())


def test_confidential_gap_is_unallocated_and_widens_the_top_share(frame_of):
    frame = frame_of([row(WLD, 100), row(CHN, 50), row(JPN, 20)])
    [found] = world_allocation(frame).to_dict("records")
    world = float(frame.loc[frame["partner"] == "WLD", "net_weight_kg"].iloc[0])
    partners = real_partner_kg(frame, "2024")
    assert found["world_kg"] == world and found["partners_kg"] == partners
    assert found["unallocated_kg"] == pytest.approx(world - partners)  # 30 t
    assert found["allocated_share"] == pytest.approx(partners / world)  # 70%
    assert found["gap"] and found["comparable"] and found["share_basis"] == "weight"
    assert "confidential or unspecified" in found["note"]
    assert "lines 2" in found["source_rows"]  # the World row is line 2 of the file
    top = float(frame.loc[frame["partner"] == "CHN", "net_weight_kg"].iloc[0])
    expected = (top / world, (top + world - partners) / world)  # 50% .. 80%
    assert top_share_range(top, partners, world) == pytest.approx(expected)
    allocation = allocation_for(frame, "KOR", "import", "280530", "2024")
    assert allocation is not None and allocation.gap
    assert allocation.top_share_range(top) == pytest.approx(expected)


def test_other_asia_and_bunkers_count_as_partners_groups_do_not(frame_of):
    frame = frame_of([row(WLD, 100), row(CHN, 50), row(OTHER_ASIA, 40), row(BUNKERS, 10),
                      row(EU, 40), row(DEU, 0.3)])
    [found] = world_allocation(frame).to_dict("records")
    partners = real_partner_kg(frame, "2024")  # CHN + S19 + bunkers + DEU, no EU: 100.3 t
    assert found["partners_kg"] == pytest.approx(partners)
    assert not found["gap"] and found["unallocated_kg"] == pytest.approx(100_000 - partners)
    assert found["note"] == "partners add up to World (within rounding)"


def plain(*rows) -> pd.DataFrame:
    """A trade frame from (partner, kind, period, kg) tuples, for quarters the factory lacks."""
    periods = [r[2] for r in rows]
    return pd.DataFrame({
        "reporter": "KOR", "reporter_name": "South Korea", "partner": [r[0] for r in rows],
        "partner_name": [r[0] for r in rows], "partner_kind": [r[1] for r in rows],
        "flow": "import", "commodity_code": "280530", "commodity_name": "Metals",
        "period": periods, "freq": [freq_of(p) for p in periods],
        "period_start": [label_start(p) for p in periods],
        "net_weight_kg": [float(r[3]) for r in rows], "value_usd": [1.0] * len(rows),
        "source_file": "f.csv", "source_line": range(2, len(rows) + 2)})


def test_rounding_is_not_a_gap():
    frame = plain(("WLD", "world", "2024", 100_000), ("CHN", "country", "2024", 99_600),
                  ("WLD", "world", "2023", 100_000), ("CHN", "country", "2023", 99_400))
    table = world_allocation(frame).set_index("period")
    difference = frame.groupby(["period", "partner"])["net_weight_kg"].sum().unstack()
    relative = (difference["WLD"] - difference["CHN"]) / difference["WLD"]
    assert table["gap"].to_dict() == (relative >= 0.005).to_dict() == {"2023": True,
                                                                       "2024": False}


def test_top_share_range_without_a_gap_or_a_world_figure():
    assert top_share_range(30.0, 120.0, 100.0) == (0.25, 0.25)  # partners exceed World
    assert all(pd.isna(v) for v in top_share_range(30.0, 70.0, float("nan")))


def test_quarterly_world_against_monthly_partners():
    full = plain(("WLD", "world", "2024-Q1", 100_000),
                 *[("CHN", "country", f"2024-0{m}", 30_000) for m in (1, 2, 3)])
    [found] = world_allocation(full).to_dict("records")
    assert found["period"] == "2024-Q1" and found["comparable"]
    assert found["unallocated_kg"] == 100_000 - 3 * 30_000
    short = full.iloc[:3]  # partner rows for two months of three: not like with like
    [found] = world_allocation(short).to_dict("records")
    assert not found["comparable"] and not found["gap"] and "(2 of 3)" in found["note"]


def test_value_only_rows_compare_on_value(frame_of):
    frame = frame_of([row(WLD, 100, usd=1000), row(CHN, 60, usd=600), row(JPN, None, usd=100)])
    [found] = world_allocation(frame).to_dict("records")
    usd = frame.set_index("partner")["value_usd"]
    assert pd.isna(found["partners_kg"])  # a partial weight sum would invent a gap
    assert found["share_basis"] == "value"
    assert found["allocated_share"] == pytest.approx((usd["CHN"] + usd["JPN"]) / usd["WLD"])
    assert found["gap"] and found["note"].startswith("compared on value")


def test_monthly_world_against_annual_partners_compares_the_year(frame_of):
    months = [row(WLD, 10, month=m) for m in range(1, 13)]
    frame = frame_of([*months, row(WLD, 120), row(CHN, 80), row(JPN, 10),
                      row(CHN, 5, month=1)])  # CHN also has one month: annual row counts
    table = world_allocation(frame)
    assert list(table["period"]) == ["2024"]  # not twelve months against annual rows
    [found] = table.to_dict("records")
    annual = frame[frame["freq"] == "A"].set_index("partner")["net_weight_kg"]
    assert found["world_kg"] == annual["WLD"]
    assert found["partners_kg"] == annual["CHN"] + annual["JPN"]
    assert found["comparable"] and found["gap"]


def test_monthly_both_sides_compare_month_by_month_and_quarters_on_request(frame_of):
    rows = []
    for m in (1, 2, 3):
        rows += [row(WLD, 10, month=m), row(CHN, 10 if m != 2 else 4, month=m)]
    frame = frame_of(rows)
    table = world_allocation(frame).set_index("period")
    assert list(table.index) == ["2024-01", "2024-02", "2024-03"]
    assert list(table["gap"]) == [False, True, False]
    assert table.loc["2024-02", "unallocated_kg"] == pytest.approx(6000)
    quarter = allocation_for(frame, "KOR", "import", "280530", "2024-Q1")
    chn = frame.loc[frame["partner"] == "CHN", "net_weight_kg"].sum()
    world = frame.loc[frame["partner"] == "WLD", "net_weight_kg"].sum()
    assert quarter is not None and quarter.partners_kg == chn and quarter.world_kg == world
    assert allocation_for(frame, "KOR", "import", "280530", "2023") is None


def test_no_partner_rows_is_not_a_gap(frame_of):
    [found] = world_allocation(frame_of([row(WLD, 100)])).to_dict("records")
    assert not found["comparable"] and not found["gap"]
    assert "no partner rows" in found["note"]


def test_annual_row_that_disagrees_with_its_months(frame_of):
    months = [row(CHN, 1, month=m) for m in range(1, 13)]
    agreeing = [row(JPN, 1, month=m) for m in range(1, 13)]
    frame = frame_of([*months, row(CHN, 15), *agreeing, row(JPN, 12),
                      row(WLD, 1, month=1), row(WLD, 9)])  # World: 1 month only
    table = annual_vs_months(frame).set_index("partner")
    assert set(table.index) == {"CHN", "WLD"}  # JPN agrees: not listed
    chn = frame[frame["partner"] == "CHN"]
    annual = chn.loc[chn["freq"] == "A", "net_weight_kg"].sum()
    monthly = chn.loc[chn["freq"] == "M", "net_weight_kg"].sum()
    assert table.loc["CHN", "annual_kg"] == annual and table.loc["CHN", "months_kg"] == monthly
    assert table.loc["CHN", "difference_kg"] == pytest.approx(annual - monthly)
    assert table.loc["CHN", "relative_difference_kg"] == pytest.approx((annual - monthly) / annual)
    assert table.loc["CHN", "months_present"] == 12
    assert not table.loc["CHN", "months_incomplete"]
    assert table.loc["WLD", "months_incomplete"] and table.loc["WLD", "months_present"] == 1
    assert "lines" in table.loc["CHN", "annual_source_rows"]
    assert table.loc["CHN", "months_source_rows"].count(",") == 4  # 5 lines shown, "+7 more"


def test_orphan_eu_row_is_reported_and_kept_in_the_totals(frame_of):
    frame = frame_of([row(EU, 40), row(CHN, 60),  # 2024: no member rows: orphan
                      row(EU, 30, year=2023), row(DEU, 30, year=2023),  # broken out
                      row(EU, 7, year=2019), row(GBR, 7, year=2019),  # GBR a member then
                      row(EU, 8, year=2021), row(GBR, 8, year=2021)])  # not any more
    orphans = orphan_group_rows(frame)
    assert sorted(orphans["period"]) == ["2021", "2024"]
    assert set(orphans["member_rule"]) == {"EU members in the period"}
    totals = yearly_totals_by_commodity(frame).set_index("year")
    eu = frame[frame["partner"] == "EUU"].set_index("period")["net_weight_kg"]
    assert totals.loc["2024", "orphan_group_t"] == pytest.approx(eu["2024"] / 1000)
    assert pd.isna(totals.loc["2023", "orphan_group_t"])
    assert totals.loc["2024", "partners_t"] == pytest.approx(real_partner_kg(frame, "2024") / 1000)


def test_monthly_member_rows_break_out_an_annual_eu_row(frame_of):
    frame = frame_of([row(EU, 40), row(DEU, 3, month=5), row(EU, 2, month=2, year=2023),
                      row(DEU, 2, month=3, year=2023)])
    assert list(orphan_group_rows(frame)["period"]) == ["2023-02"]  # March is not February


def test_totals_never_add_a_national_line_to_its_hs6_parent(frame_of):
    frame = frame_of([row(KOR, 5, reporter=CHN, flow="X", cmd="284690"),
                      row(KOR, 2, reporter=CHN, flow="X", cmd="28469015"),
                      row(OTHER_ASIA, 1, reporter=CHN, flow="X", cmd="28469015"),
                      row(WLD, 3, reporter=CHN, flow="X", cmd="28469015")])
    totals = yearly_totals_by_commodity(frame).set_index("commodity_code")
    real = frame[~frame["partner_kind"].isin(["world", "group"])]
    by_code = real.groupby("commodity_code")["net_weight_kg"].sum() / 1000
    assert totals["partners_t"].to_dict() == pytest.approx(by_code.to_dict())  # 5 t and 3 t
    assert totals.loc["28469015", "world_t"] == 3.0 and pd.isna(totals.loc["284690", "world_t"])


def test_totals_count_annual_and_monthly_rows_once(frame_of):
    months = [row(CHN, 1, month=m) for m in range(1, 13)]
    frame = frame_of([*months, row(CHN, 14), row(JPN, None, usd=9)])  # JPN: value only
    [total] = yearly_totals_by_commodity(frame).to_dict("records")
    # A year is read from the series' annual row where it has one, never plus its months.
    annual = frame[(frame["freq"] == "A") & (frame["partner"] == "CHN")]
    assert total["partners_t"] == pytest.approx(annual["net_weight_kg"].sum() / 1000)
    assert total["partners_usd"] == pytest.approx(annual["value_usd"].sum() + 9)
    assert total["rows_without_weight"] == 1


def test_annual_row_against_its_quarters():
    frame = plain(("CHN", "country", "2024", 100_000),
                  *[("CHN", "country", f"2024-Q{q}", 20_000) for q in (1, 2, 3, 4)],
                  ("JPN", "country", "2024", 50_000), ("JPN", "country", "2024-Q2", 50_000))
    table = annual_vs_months(frame).set_index("partner")
    quarters = frame[frame["freq"] == "Q"].groupby("partner")["net_weight_kg"].sum()
    annual = frame[frame["freq"] == "A"].set_index("partner")["net_weight_kg"]
    assert list(table.index) == ["CHN"]  # JPN: one quarter holds the whole year, no gap
    assert table.loc["CHN", "difference_kg"] == annual["CHN"] - quarters["CHN"]
    assert table.loc["CHN", "months_present"] == 12


def test_quarterly_eu_row_broken_out_by_a_member_month_of_that_quarter():
    frame = plain(("EUU", "group", "2024-Q1", 10), ("FRA", "country", "2024-02", 4),
                  ("EUU", "group", "2024-Q2", 10), ("FRA", "country", "2024-07", 4),
                  ("EUU", "group", "2023-05", 3), ("FRA", "country", "2023-Q2", 3))
    orphans = orphan_group_rows(frame)
    assert list(orphans["period"]) == ["2024-Q2"]
    assert orphans["net_weight_kg"].sum() == frame.loc[
        (frame["partner"] == "EUU") & (frame["period"] == "2024-Q2"), "net_weight_kg"].sum()


def test_any_commodity_level_keeps_its_own_line():
    frame = plain(*[(p, k, "2024", kg) for p, k, kg in (
        ("WLD", "world", 9_000), ("CHN", "country", 9_000), ("WLD", "world", 4_000),
        ("CHN", "country", 3_000), ("CHN", "country", 1_000))])
    frame["commodity_code"] = ["TOTAL", "TOTAL", "2846", "2846", "284690"]
    totals = yearly_totals_by_commodity(frame).set_index("commodity_code")
    real = frame[frame["partner_kind"] == "country"]
    assert totals["partners_t"].to_dict() == (
        real.groupby("commodity_code")["net_weight_kg"].sum() / 1000).to_dict()
    gaps = world_allocation(frame).set_index("commodity_code")["gap"].to_dict()
    assert gaps == {"2846": True, "TOTAL": False}


def test_a_group_row_without_members_counts_as_allocated(frame_of):
    """World 100 t = China 60 t + an EU row of 40 t whose members are not in the file: the
    EU trade is allocated (to the EU), so there is no gap, as the views count it."""
    frame = frame_of([row("0", 100), row(CHN, 60), row("97", 40)])
    [found] = world_allocation(frame).to_dict("records")
    assert found["partners_kg"] == pytest.approx(100_000.0)
    assert not found["gap"]

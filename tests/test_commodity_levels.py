"""Commodity codes at every level (issue 11): TOTAL, HS2, HS4, HS6 and national lines read
from real layouts, with their level, parent, names, labels and menu order; a code whose
digit count contradicts the file's aggregation level is reported."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from factories import LEGACY_COLUMNS, plus_row, write_rows

from dashboard.analytics.catalogue import Catalogue
from dashboard.ingest import commodities, readers
from dashboard.ingest.commodities import (
    ancestors,
    describe,
    is_related,
    level,
    normalise_code,
    parent,
    rare_earth_family,
    sort_key,
)
from dashboard.ingest.problems import Reason

# (cmdCode as Comtrade writes it, its aggrLevel, level, parent, hs6)
LEVELS = [
    ("TOTAL", "0", "TOTAL", None, ""),
    ("28", "2", "HS2", "TOTAL", ""),
    ("2846", "4", "HS4", "28", ""),
    ("284690", "6", "HS6", "2846", "284690"),
    ("28469015", "8", "national", "284690", "284690"),
]


def accounted_for(result) -> bool:
    stats = result.stats
    return stats["rows_read"] == (stats["rows_used"] + stats["breakdown_rows"]
                                  + stats["rows_with_problems"]
                                  + stats.get("duplicate_rows", 0))


# ---- codes ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("raw", "code"), [
    ("TOTAL", "TOTAL"), ("total", "TOTAL"), ("28", "28"), ("28.0", "28"), ("2846", "2846"),
    ("28.46", "2846"), ("2846.0", "2846"), ("284690", "284690"), ("2846.90", "284690"),
    ("284690.0", "284690"), ("2846.90.15", "28469015"), ("28469015.0", "28469015"),
    ("2846901500", "2846901500"), ("2846.90.1500", "2846901500"), (" 2846 90 ", "284690"),
    ("01", "01"),
])
def test_every_level_normalises(raw, code):
    assert normalise_code(raw) == code


@pytest.mark.parametrize("raw", ["28469", "2846901", "284690151", "1", "284", "2.0",
                                 "2.846", "28469015000", "ALL", "AG2", "2.8469E+05", ""])
def test_odd_digits_and_other_text_are_refused(raw):
    assert normalise_code(raw) is None


@pytest.mark.parametrize(("raw", "digits"), [("28469", 5), ("2846901", 7), ("284690151", 9)])
def test_odd_digit_counts_keep_the_lost_zero_explanation(raw, digits):
    assert f"{digits} digits: a leading or trailing zero lost?" in commodities.explain(raw)


@pytest.mark.parametrize(("code", "aggr", "expected_level", "up", "hs6"), LEVELS)
def test_level_parent_and_hs6(code, aggr, expected_level, up, hs6):
    assert level(code) == expected_level
    assert parent(code) == up
    assert describe(code).hs6 == hs6
    assert commodities.level_mismatch(code, aggr) is None


def test_ancestors_walk_up_to_total():
    assert ancestors("2846901500") == ["284690", "2846", "28", "TOTAL"]
    assert ancestors("850511") == ["8505", "85", "TOTAL"]
    assert ancestors("TOTAL") == []


@pytest.mark.parametrize(("a", "b", "related"), [
    ("2846", "28469015", True), ("28469015", "2846", True), ("TOTAL", "850511", True),
    ("28", "2805", True), ("284690", "284690", True), ("2846901500", "28469015", True),
    ("2846", "2805", False), ("284610", "284690", False), ("28469015", "28469016", False),
    ("85", "28", False),
])
def test_is_related_is_containment_either_way(a, b, related):
    assert is_related(a, b) is related


def test_every_ancestor_is_related_and_no_sibling_is():
    for code in ["28469015", "850511", "2805"]:
        for up in ancestors(code):
            assert is_related(code, up) and is_related(up, code)
    assert not is_related("28053011", "28469011")


@pytest.mark.parametrize(("code", "family"), [
    ("TOTAL", True), ("28", True), ("2805", True), ("280530", True), ("28053015", True),
    ("2846", True), ("284610", True), ("85", True), ("8505", True), ("850511", True),
    ("850519", False), ("2804", False), ("26", False), ("253090", False),
])
def test_rare_earth_family(code, family):
    assert rare_earth_family(code) is family


def test_menus_list_the_rare_earth_family_first_by_level_then_code():
    codes = ["253090", "850511", "26", "28469015", "TOTAL", "2846", "2804", "28", "284610",
             "85", "280530"]
    assert sorted(codes, key=sort_key) == [
        "TOTAL", "28", "85", "2846", "280530", "284610", "850511", "28469015",
        "26", "2804", "253090"]


# ---- names and labels ----------------------------------------------------------------------

@pytest.mark.parametrize(("code", "label"), [
    ("TOTAL", "All products (TOTAL)"),
    ("2846", "Compounds of rare-earth metals (HS 2846)"),
    ("28", "Inorganic chemicals… (HS 28)"),
    ("284690", "Other rare-earth compounds (HS 2846.90)"),
    ("28469015", "Dysprosium oxide (China 2846.90.15)"),
    ("8505", "Electro-magnets and permanent magnets (HS 8505)"),
])
def test_labels(code, label):
    assert describe(code).label == label


def test_full_names_stay_full_and_menu_names_are_short():
    heading = describe("2846")
    assert heading.name.startswith("Compounds, inorganic or organic, of rare-earth metals")
    assert "mixtures of these metals" in heading.name
    for code in ["TOTAL", "28", "2805", "280530", "2846", "284610", "284690", "85", "8505",
                 "850511"]:
        assert len(describe(code).menu_name) <= commodities.MENU_NAME_CHARS, code


def test_chapter_table_has_the_97_hs_chapters_and_comtrade_99():
    chapters = commodities.chapter_names()
    assert sorted(chapters) == [f"{n:02d}" for n in range(1, 98)] + ["99"]
    assert chapters["85"].startswith("Electrical machinery and equipment")
    assert chapters["26"] == "Ores, slag and ash"


def test_other_codes_are_named_by_the_file_then_the_chapter_then_the_code():
    assert describe("2804", "Hydrogen, rare gases").name == "Hydrogen, rare gases"
    # Named as under its chapter: the chapter's name alone would read as the heading's own.
    assert describe("2804").name == "Under HS chapter 28: " + commodities.chapter_names()["28"]
    assert describe("32121000").label.startswith("Under HS chapter 32: Tanning or dyeing")
    assert describe("26").label == "Ores, slag and ash (HS 26)"
    assert describe("98").name == "HS 98"  # no HS chapter 98
    assert describe("2846", "Comtrade's own wording").name == describe("2846").name


# ---- files ---------------------------------------------------------------------------------

def level_rows() -> list[dict]:
    return [{**plus_row(cmd=code, cmd_desc="", weight=str(1000 * (i + 1)),
                        value=str(50000 * (i + 1))), "aggrLevel": aggr}
            for i, (code, aggr, *_) in enumerate(LEVELS)]


@pytest.mark.parametrize("snake_case", [False, True])
def test_plus_file_reads_every_level(plus_file, snake_case):
    result = readers.read_file(plus_file(level_rows(), snake_case=snake_case))
    assert result.problems == []
    assert accounted_for(result)
    frame = result.frame
    assert frame["commodity_code"].tolist() == [code for code, *_ in LEVELS]
    assert frame["hs6"].tolist() == [hs6 for *_, hs6 in LEVELS]
    assert [level(c) for c in frame["commodity_code"]] == [lv for _, _, lv, _, _ in LEVELS]
    assert frame["commodity_name"].tolist()[:2] == ["All products", describe("28").name]
    # Korea's rows (the factory's reporter): its 2846.90.15 is its own line, not China's
    assert frame["commodity_name"].iloc[4] == "Under HS 2846.90: Other rare-earth compounds"
    # Each level keeps its own figures: nothing is summed into its parent.
    assert frame["net_weight_kg"].tolist() == [1000.0, 2000.0, 3000.0, 4000.0, 5000.0]
    assert frame["value_usd"].tolist() == [50000.0, 100000.0, 150000.0, 200000.0, 250000.0]


def test_chinas_named_lines_are_named_so_only_in_chinas_rows(plus_file):
    rows = [{**plus_row(reporter="156", partner="410", flow="X", cmd="28469015"),
             "aggrLevel": "8"},
            {**plus_row(reporter="410", cmd="28469015", cmd_desc="", month=2), "aggrLevel": "8"},
            {**plus_row(reporter="392", cmd="28469015", cmd_desc="Japan's own words", month=3),
             "aggrLevel": "8"}]
    frame = readers.read_file(plus_file(rows)).frame
    assert frame["commodity_name"].tolist() == [
        "Dysprosium oxide", "Under HS 2846.90: Other rare-earth compounds", "Japan's own words"]
    # the menu: China's name only while China alone reports the digits
    assert Catalogue.of(frame.iloc[:1]).commodities["28469015"] == (
        "Dysprosium oxide (China 2846.90.15)")
    assert Catalogue.of(frame).commodities["28469015"] == (
        "Under HS 2846.90: Other rare-earth compounds (national 2846.90.15)")


def test_plus_file_uses_the_file_description_for_uncatalogued_codes(plus_file):
    rows = [{**plus_row(cmd="2804", cmd_desc="Hydrogen, rare gases and other non-metals"),
             "aggrLevel": "4"},
            {**plus_row(cmd="26", cmd_desc="", month=2), "aggrLevel": "2"}]
    frame = readers.read_file(plus_file(rows)).frame
    assert frame["commodity_name"].tolist() == ["Hydrogen, rare gases and other non-metals",
                                                "Ores, slag and ash"]


def test_national_line_may_carry_its_hs6_aggregation_level(plus_file):
    rows = [{**plus_row(cmd="28469015", month=m), "aggrLevel": aggr}
            for m, aggr in [(1, "6"), (2, "8"), (3, "")]]
    result = readers.read_file(plus_file(rows))
    assert result.problems == []
    assert len(result.frame) == 3


def test_aggregation_level_that_contradicts_the_code_is_a_problem(plus_file):
    rows = [{**plus_row(cmd=code, month=m), "aggrLevel": aggr} for m, (code, aggr) in
            enumerate([("2846", "6"), ("284690", "4"), ("TOTAL", "6"), ("28", "x"),
                       ("284690", "6")], start=1)]
    result = readers.read_file(plus_file(rows))
    found = [(p.line, p.column, p.reason) for p in result.problems]
    assert found == [(line, "cmdCode", Reason.BAD_COMMODITY) for line in (2, 3, 4, 5)]
    first = result.problems[0].message
    assert "HS heading (4 digits)" in first and "aggregation level is 6" in first
    assert "all products" in result.problems[2].message
    assert result.frame["commodity_code"].tolist() == ["284690"]
    assert accounted_for(result) and result.stats["rows_with_problems"] == 4


def test_bad_code_gets_one_problem_not_a_second_for_its_level(plus_file):
    rows = [{**plus_row(cmd="28469"), "aggrLevel": "6"}]
    [problem] = readers.read_file(plus_file(rows)).problems
    assert problem.reason == Reason.BAD_COMMODITY and "5 digits" in problem.message


def legacy_row(code: str, aggr: str, period: str = "2019", weight: str = "10") -> dict:
    return {"Classification": "H5", "Year": "2019", "Period": period, "Aggregate Level": aggr,
            "Is Leaf Code": "0", "Trade Flow Code": "1", "Trade Flow": "Import",
            "Reporter Code": "410", "Reporter": "Rep. of Korea", "Reporter ISO": "KOR",
            "Partner Code": "156", "Partner": "China", "Partner ISO": "CHN",
            "Commodity Code": code, "Commodity": "", "Qty Unit Code": "8",
            "Qty Unit": "Weight in kilograms", "Qty": weight, "Netweight (kg)": weight,
            "Trade Value (US$)": "99", "Flag": "0"}


def test_legacy_file_reads_every_level_and_checks_aggregate_level(tmp_path):
    rows = [legacy_row(code, aggr) for code, aggr, *_ in LEVELS[:4]]
    rows.append(legacy_row("2846", "6", period="2018"))
    result = readers.read_file(write_rows(tmp_path / "legacy.csv", LEGACY_COLUMNS, rows))
    assert result.frame["commodity_code"].tolist() == ["TOTAL", "28", "2846", "284690"]
    [problem] = result.problems
    assert (problem.line, problem.column, problem.reason) == (
        6, "Commodity Code", Reason.BAD_COMMODITY)
    assert accounted_for(result)


def test_tidy_file_reads_dotted_codes_at_every_level(tmp_path):
    path = tmp_path / "tidy.csv"
    path.write_text("reporter,partner,flow,commodity_code,period,net_weight_kg,value_usd\n"
                    + "".join(f"KOR,CHN,import,{code},2025-01,{i},{i * 10}\n"
                              for i, code in enumerate(["TOTAL", "28", "28.46", "2846.90",
                                                        "2846.90.15", "85.05"], start=1)))
    result = readers.read_file(path)
    assert result.problems == []
    frame = result.frame
    assert frame["commodity_code"].tolist() == ["TOTAL", "28", "2846", "284690", "28469015",
                                                "8505"]
    # The weights read are the file's own, row by row.
    expected = pd.read_csv(path)["net_weight_kg"].astype(float).tolist()
    assert frame["net_weight_kg"].tolist() == expected
    assert not any(math.isnan(w) for w in frame["net_weight_kg"])

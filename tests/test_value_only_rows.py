"""Value-only rows are data (issue 11): a row with a value and no usable weight (weight not
reported, or a quantity in a unit that is not a weight) is used with a NaN weight and its
value; an unknown unit, and a row with neither weight nor value, stay problems."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from factories import LEGACY_COLUMNS, plus_row, write_rows

from dashboard.ingest import readers
from dashboard.ingest.problems import Reason


def accounted_for(result) -> bool:
    stats = result.stats
    return stats["rows_read"] == (stats["rows_used"] + stats["breakdown_rows"]
                                  + stats["rows_with_problems"]
                                  + stats.get("duplicate_rows", 0))


def plus(month: int, net_wgt: str, qty: str, code: str, abbr: str, value: str,
         cmd: str = "284690") -> dict:
    return {**plus_row(cmd=cmd, month=month, value=value), "netWgt": net_wgt, "qty": qty,
            "qtyUnitCode": code, "qtyUnitAbbr": abbr}


def expected(rows: list[dict], lines: list[int]) -> pd.DataFrame:
    """Weight and value per source line, computed here from the rows as written."""
    table = pd.DataFrame(rows).assign(source_line=range(2, len(rows) + 2))
    table = table[table["source_line"].isin(lines)]
    return pd.DataFrame({"source_line": table["source_line"].to_numpy(),
                         "value_usd": pd.to_numeric(table["primaryValue"]).to_numpy()})


def test_comtrade_total_rows_with_no_weight_are_used(plus_file):
    # As comtradr's recorded Comtrade response for China's 2010 imports: cmdCode TOTAL,
    # qtyUnitCode -1, qtyUnitAbbr N/A, qty and netWgt null.
    rows = [{**plus(52, "", "", "-1", "N/A", value, cmd="TOTAL"), "aggrLevel": "0",
             "partnerCode": partner, "cmdDesc": "All Commodities"}
            for partner, value in [("32", "6804128143.0"), ("276", "74264379402.0")]]
    result = readers.read_file(plus_file(rows))
    assert result.problems == []
    assert accounted_for(result)
    frame = result.frame
    assert frame["net_weight_kg"].isna().all()
    assert frame["value_usd"].tolist() == [6804128143.0, 74264379402.0]
    assert frame["commodity_code"].tolist() == ["TOTAL", "TOTAL"]


@pytest.mark.parametrize(("net_wgt", "qty", "code", "abbr"), [
    ("", "", "-1", "N/A"),  # nothing reported
    ("", "0", "-1", "N/A"),
    ("", "", "-1", ""),  # no descriptions (includeDesc=FALSE): the code says N/A
    ("", "", "", ""),  # no unit at all, and no quantity
    ("", "12", "5", "u"),  # a count of items
    ("", "12", "5", ""),  # the same, known by its code
    ("", "3", "6", "2u"), ("", "40", "11", "12u"), ("", "7", "9", "1000u"),
    ("", "2.5", "7", "l"), ("", "1", "12", "m³"), ("", "1", "2", "m²"),
    ("", "9", "29", "kg met.am."),  # kilograms of a contained substance, not of the goods
    ("0", "0", "-1", "N/A"),  # Comtrade's zeros for "not reported", beside a value
    ("0.0", "0.0", "-1", ""),
])
def test_value_only_rows_keep_their_value_with_no_weight(plus_file, net_wgt, qty, code, abbr):
    rows = [plus(1, net_wgt, qty, code, abbr, "777"), plus(2, "5", "5", "8", "kg", "10")]
    result = readers.read_file(plus_file(rows))
    assert result.problems == []
    assert accounted_for(result)
    frame = result.frame.set_index("source_line")
    assert math.isnan(frame.at[2, "net_weight_kg"])
    assert frame.at[2, "value_usd"] == 777.0
    assert frame.at[3, "net_weight_kg"] == 5.0


@pytest.mark.parametrize(("net_wgt", "qty", "code", "abbr", "value", "kg"), [
    ("0", "0", "8", "kg", "500", 0.0),  # a real weight unit: zero is zero
    ("0", "0", "-1", "N/A", "0", 0.0),  # no value to contradict the zero
    ("", "7", "8", "", "1", 7.0),  # weight blank: the quantity in kg, unit from its code
    ("", "2", "21", "1000 KG", "1", 2000.0),
    ("", "500", "15", "g", "1", 0.5),
    ("", "1000", "13", "carat", "1", 0.2),  # the metric carat is 200 mg
    ("12.5", "3", "5", "u", "1", 12.5),  # a weight given wins over any quantity
    # netWgt 0.0 beside a quantity in kg is that quantity (real: light_ree 2846, USA 2020)
    ("0.0", "5923063.651", "8", "", "98248642", 5923063.651),
    ("0", "4", "21", "1000 KG", "1", 4000.0),
    ("0", "4", "5", "u", "1", 0.0),  # a count is no weight: the reported 0 stays
])
def test_weights_that_are_reported_are_kept(plus_file, net_wgt, qty, code, abbr, value, kg):
    result = readers.read_file(plus_file([plus(1, net_wgt, qty, code, abbr, value)]))
    assert result.problems == []
    assert result.frame["net_weight_kg"].tolist() == [pytest.approx(kg)]


def test_mixed_file_counts_add_up_and_values_match_the_file(plus_file):
    rows = [plus(1, "", "", "-1", "N/A", "100"), plus(2, "0", "0", "-1", "N/A", "200"),
            plus(3, "", "4", "5", "u", "300"), plus(4, "", "", "-1", "N/A", ""),
            plus(5, "", "4", "999", "", "400"), plus(6, "8", "8", "8", "kg", "500"),
            {**plus(7, "", "", "-1", "N/A", "600"), "customsCode": "C01"}]
    result = readers.read_file(plus_file(rows))
    stats = result.stats
    assert (stats["rows_read"], stats["breakdown_rows"]) == (7, 1)
    assert (stats["rows_used"], stats["rows_with_problems"]) == (4, 2)
    assert accounted_for(result)
    problems = sorted((p.line, p.column, p.reason) for p in result.problems)
    assert problems == [(5, "primaryValue", Reason.MISSING_VALUE),
                        (6, "qtyUnitAbbr", Reason.MISSING_VALUE)]
    frame = result.frame.sort_values("source_line")
    want = expected(rows, [2, 3, 4, 7])
    assert frame["source_line"].tolist() == want["source_line"].tolist()
    assert frame["value_usd"].tolist() == want["value_usd"].tolist()
    assert frame["net_weight_kg"].isna().tolist() == [True, True, True, False]


def test_neither_weight_nor_value_is_still_a_problem(plus_file):
    rows = [plus(1, "", "", "-1", "N/A", ""), plus(2, "", "12", "5", "u", "")]
    result = readers.read_file(plus_file(rows))
    found = [(p.line, p.column, p.reason) for p in result.problems]
    assert found == [(2, "primaryValue", Reason.MISSING_VALUE),
                     (3, "primaryValue", Reason.MISSING_VALUE)]
    assert "neither a weight nor a value" in result.problems[0].message
    assert result.frame.empty and accounted_for(result)


TIDY_QTY = "reporter,partner,flow,commodity_code,period,quantity,quantity_unit,value_usd\n"


def test_tidy_unknown_unit_is_still_a_problem_and_known_units_are_value_only(tmp_path):
    path = tmp_path / "tidy.csv"
    path.write_text(TIDY_QTY + "KOR,CHN,import,284690,2025-01,3,kgg,10\n"
                    "JPN,CHN,import,284690,2025-01,3,u,20\n"
                    "PHL,CHN,import,284690,2025-01,3,Number of items,30\n"
                    "USA,CHN,import,284690,2025-01,3,n/a,40\n"
                    "DEU,CHN,import,284690,2025-01,3,t,50\n"
                    "FRA,CHN,import,284690,2025-01,3,,60\n")
    result = readers.read_file(path)
    found = [(p.line, p.column, p.reason) for p in result.problems]
    assert found == [(2, "quantity_unit", Reason.UNKNOWN_UNIT),
                     (7, "quantity_unit", Reason.MISSING_VALUE)]
    assert "'kgg' is not a weight" in result.problems[0].message
    frame = result.frame
    assert frame["reporter"].tolist() == ["JPN", "PHL", "USA", "DEU"]
    assert frame["value_usd"].tolist() == [20.0, 30.0, 40.0, 50.0]
    assert frame["net_weight_kg"].isna().tolist() == [True, True, True, False]
    assert frame["net_weight_kg"].iloc[3] == 3000.0
    assert accounted_for(result)


def test_legacy_value_only_rows(tmp_path):
    base = {"Classification": "H4", "Year": "2015", "Period": "2015", "Aggregate Level": "6",
            "Is Leaf Code": "1", "Trade Flow Code": "1", "Trade Flow": "Import",
            "Reporter Code": "410", "Reporter": "Rep. of Korea", "Reporter ISO": "KOR",
            "Partner Code": "156", "Partner": "China", "Partner ISO": "CHN",
            "Commodity Code": "871200", "Commodity": "Bicycles", "Flag": "0"}
    cases = [("1", "No Quantity", "0", "", "80754089"),  # as in real legacy downloads
             ("5", "Number of items", "528", "", "290483"),
             ("7", "Volume in litres", "9", "", "100"),
             ("8", "Weight in kilograms", "", "75", "1000")]
    rows = [{**base, "Partner Code": partner, "Qty Unit Code": code, "Qty Unit": unit,
             "Qty": qty, "Netweight (kg)": weight, "Trade Value (US$)": value}
            for partner, (code, unit, qty, weight, value) in zip(["156", "392", "842", "608"],
                                                                   cases)]
    result = readers.read_file(write_rows(tmp_path / "legacy.csv", LEGACY_COLUMNS, rows))
    assert result.problems == []
    frame = result.frame
    assert frame["value_usd"].tolist() == [float(case[4]) for case in cases]
    assert frame["net_weight_kg"].isna().tolist() == [True, True, True, False]
    assert frame["net_weight_kg"].iloc[3] == 75.0
    assert accounted_for(result)

"""Readers: layouts, Comtrade semantics, encodings, and every bad row reported."""

from __future__ import annotations

import pandas as pd
import pytest
from factories import LEGACY_COLUMNS, PLUS_COLUMNS, plus_row, write_rows

from dashboard.analytics.period_rows import yearly_totals
from dashboard.ingest import readers, schema
from dashboard.ingest.problems import Reason


def test_plus_keeps_totals_only_and_types_world_as_aggregate(plus_file):
    path = plus_file([
        plus_row(weight="1000"),
        plus_row(weight="600", customs="C01"),  # breakdown of the total above
        plus_row(weight="400", mot="2100"),
        plus_row(partner="0", weight="1000"),  # World
        plus_row(partner="490", weight="50"),
    ])
    result = readers.read_file(path)
    schema.check(result.frame)
    assert result.problems == []
    assert result.stats["breakdown_rows"] == 2
    assert result.stats["rows_used"] == 3
    kinds = dict(zip(result.frame["partner"], result.frame["partner_kind"]))
    assert kinds == {"CHN": "country", "WLD": "world", "S19": "area_nes"}
    countries_only = result.frame[result.frame["partner_kind"] == "country"]
    assert countries_only["net_weight_kg"].sum() == 1000


def test_plus_row_fields_and_line_numbers(plus_file):
    path = plus_file([plus_row(customs="C01"), plus_row(month=3, estimated="True")])
    row = readers.read_file(path).frame.iloc[0]
    assert (row.reporter, row.reporter_name, row.partner, row.flow) == (
        "KOR", "South Korea", "CHN", "import")
    assert (row.period, row.freq, str(row.period_start.date())) == ("2024-03", "M", "2024-03-01")
    assert (row.valuation, bool(row.weight_estimated), row.source_line) == ("CIF", True, 3)
    assert row.hs6 == "280530"


def test_snake_case_comtradr_layout_reads_the_same(plus_file):
    rows = [plus_row(), plus_row(month=2, weight="7")]
    camel = readers.read_file(plus_file(rows, name="camel.csv"))
    snake = readers.read_file(plus_file(rows, name="snake.csv", snake_case=True))
    assert snake.layouts == {str(snake.frame["source_file"].iloc[0]): "comtrade_plus"}
    cols = ["reporter", "partner", "period", "net_weight_kg", "value_usd"]
    pd.testing.assert_frame_equal(camel.frame[cols], snake.frame[cols])


def test_latin1_names_read(plus_file):
    path = plus_file([plus_row(partner="384")], encoding="latin-1")
    result = readers.read_file(path)
    assert result.problems == []
    assert result.frame["partner"].tolist() == ["CIV"]


def test_annual_and_monthly_rows_are_not_double_counted(plus_file):
    months = [plus_row(month=m, weight="100") for m in range(1, 13)]
    path = plus_file([*months, plus_row(month=52, weight="1200")])
    frame = readers.read_file(path).frame
    assert set(frame["freq"]) == {"A", "M"}
    totals = yearly_totals(frame, ["reporter"])
    assert totals["net_weight_kg"].tolist() == [1200.0]


def test_each_bad_value_is_reported_with_line_column_and_reason(plus_file):
    path = plus_file([
        plus_row(),
        plus_row(month=2, weight="abc"),
        plus_row(month=3, weight="-5"),
        plus_row(month=4, partner="9999"),
        plus_row(month=13),
        plus_row(month=5, flow="Z"),
        plus_row(month=6, cmd="28X"),
    ])
    result = readers.read_file(path)
    found = {(p.line, p.column, p.reason) for p in result.problems}
    assert found == {
        (3, "netWgt", Reason.BAD_NUMBER),
        (4, "netWgt", Reason.NEGATIVE_QUANTITY),
        (5, "partnerCode", Reason.UNKNOWN_COUNTRY),
        (6, "refMonth", Reason.BAD_PERIOD),
        (7, "flowCode", Reason.UNKNOWN_FLOW),
        (8, "cmdCode", Reason.BAD_COMMODITY),
    }
    assert result.frame["source_line"].tolist() == [2]
    assert result.stats["rows_used"] + result.stats["rows_with_problems"] == 7
    assert "9999" in next(p.message for p in result.problems if p.line == 5)


def test_duplicate_keys_are_reported_not_summed(plus_file, tmp_path):
    path = plus_file([plus_row(), plus_row(weight="5")])
    result = readers.read_many([path])
    assert len(result.frame) == 1
    [problem] = result.problems
    assert problem.reason == Reason.DUPLICATE_KEY and problem.line == 3
    assert ":2" in problem.message


def test_unknown_layout_names_the_accepted_layouts(tmp_path):
    path = tmp_path / "odd.csv"
    path.write_text("a,b,c\n1,2,3\n")
    result = readers.read_file(path)
    [problem] = result.problems
    assert problem.reason == Reason.UNKNOWN_LAYOUT
    for name in ("Comtrade Plus", "legacy UN Comtrade", "tidy"):
        assert name in problem.message
    assert "netwgt" in problem.message


@pytest.mark.parametrize("content, reason", [
    (b"", Reason.EMPTY_FILE),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", Reason.UNREADABLE_FILE),
])
def test_empty_and_binary_files(tmp_path, content, reason):
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    [problem] = readers.read_file(path).problems
    assert problem.reason == reason


def test_a_line_with_too_many_fields_is_reported(plus_file):
    path = plus_file([plus_row(), plus_row(month=2), plus_row(month=3)])
    lines = path.read_text().splitlines()
    lines[2] += ",extra,fields"
    path.write_text("\n".join(lines) + "\n")
    result = readers.read_file(path)
    assert [(p.line, p.reason) for p in result.problems] == [(3, Reason.BAD_ROW)]
    assert result.frame["source_line"].tolist() == [2, 4]


def test_legacy_layout(tmp_path):
    row = {"Classification": "H5", "Year": "2019", "Period": "201903", "Trade Flow Code": "1",
           "Reporter Code": "410", "Partner Code": "156", "2nd Partner Code": "0",
           "Customs Proc. Code": "C00", "Mode of Transport Code": "0",
           "Commodity Code": "280530", "Commodity": "Rare-earth metals",
           "Qty Unit": "Weight in kilograms", "Netweight (kg)": "2500",
           "Trade Value (US$)": "99000", "Flag": "0"}
    annual = {**row, "Period": "2019", "Netweight (kg)": "9000"}
    path = write_rows(tmp_path / "legacy.csv", LEGACY_COLUMNS, [row, annual])
    result = readers.read_file(path)
    assert result.problems == []
    assert result.frame["period"].tolist() == ["2019-03", "2019"]
    assert result.frame["flow"].tolist() == ["import", "import"]


def test_tidy_csv_with_tonnes_and_an_unknown_unit(tmp_path):
    path = tmp_path / "tidy.csv"
    path.write_text(
        "reporter,partner,flow,commodity_code,period,quantity,quantity_unit,value_usd\n"
        "KOR,CHN,import,2846.90.15,2025-Q1,1.5,t,1000\n"
        "JPN,China,import,28469015,2025-01,3,kgg,10\n"
        "Rep. of Korea,CN,export,284690,2024,2,kg,5\n")
    result = readers.read_file(path)
    assert result.frame["net_weight_kg"].tolist() == [1500.0, 2.0]
    # Korea's 2846.90.15 is Korea's line: China's name for those digits is not its name
    assert result.frame["commodity_name"].iloc[0] == "Under HS 2846.90: Other rare-earth compounds"
    assert result.frame["freq"].tolist() == ["Q", "A"]
    [problem] = result.problems
    assert (problem.line, problem.reason) == (3, Reason.UNKNOWN_UNIT)


def test_tidy_parquet_round_trip(tmp_path, plus_file):
    frame = readers.read_file(plus_file([plus_row(), plus_row(month=2)])).frame
    path = tmp_path / "tidy.parquet"
    frame.drop(columns=["source_file", "source_line"]).to_parquet(path)
    again = readers.read_file(path).frame
    cols = ["reporter", "partner", "flow", "commodity_code", "period", "net_weight_kg"]
    pd.testing.assert_frame_equal(frame[cols], again[cols])


def test_semicolon_delimiter_and_bom(tmp_path):
    path = tmp_path / "semi.csv"
    path.write_bytes("\ufeffreporter;partner;flow;commodity_code;period;net_weight_kg;value_usd\n"
                     "KOR;CHN;import;280530;2024-02;10;20\n".encode())
    result = readers.read_file(path)
    assert result.problems == []
    assert result.frame["reporter"].tolist() == ["KOR"]


def test_problems_come_in_line_order_and_paths_may_be_strings(tmp_path):
    path = tmp_path / "tidy.csv"
    path.write_text("reporter,partner,flow,commodity_code,period,net_weight_kg,value_usd\n"
                    "KOR,Narnia,import,284690,2025-13,1,1\n"
                    "KOR,CHN,transit,284690,2025-01,-1,1\n")
    result = readers.read_file(str(path))
    assert [p.line for p in result.problems] == sorted(p.line for p in result.problems)
    assert {(p.line, p.column) for p in result.problems} == {
        (2, "partner"), (2, "period"), (3, "flow"), (3, "net_weight_kg")}


def test_a_workbook_names_the_sheet_it_read(tmp_path):
    import openpyxl

    book = openpyxl.Workbook()
    book.active.title = "Imports"
    book.active.append(["reporter", "partner", "flow", "commodity_code", "period",
                        "net_weight_kg", "value_usd"])
    book.active.append(["KOR", "CHN", "import", "284690", "2025-Q1", 5, 7])
    path = tmp_path / "book.xlsx"
    book.save(path)
    result = readers.read_file(path)
    assert result.problems == []
    assert result.layouts == {str(path): "tidy, sheet 'Imports'"}
    assert result.frame["source_line"].tolist() == [2]


def test_tidy_quantity_is_used_where_net_weight_is_blank(tmp_path):
    path = tmp_path / "tidy.csv"
    path.write_text("reporter,partner,flow,commodity_code,period,net_weight_kg,quantity,"
                    "quantity_unit,value_usd\n"
                    "KOR,CHN,import,284690,2025-01,10,3,t,1\n"
                    "JPN,CHN,import,284690,2025-01,,3,t,1\n")
    result = readers.read_file(path)
    assert result.problems == []
    assert result.frame["net_weight_kg"].tolist() == [10.0, 3000.0]


def test_a_semicolon_file_reads_decimal_commas_unless_its_numbers_say_otherwise(tmp_path):
    header = "reporter;partner;flow;commodity_code;period;net_weight_kg;value_usd\n"
    comma, point = tmp_path / "comma.csv", tmp_path / "point.csv"
    comma.write_text(header + "KOR;CHN;import;284690;2025-01;1,500;2\n")
    point.write_text(header + "KOR;CHN;import;284690;2025-01;1,500;2.25\n")
    assert readers.read_file(comma).frame["net_weight_kg"].tolist() == [1.5]
    assert readers.read_file(point).frame["net_weight_kg"].tolist() == [1500.0]


@pytest.mark.parametrize("chunk_rows", [1, 2, 50_000])
def test_the_decimal_mark_is_the_files_however_it_is_cut_into_chunks(tmp_path, chunk_rows):
    path = tmp_path / "points.csv"
    path.write_text("reporter;partner;flow;commodity_code;period;net_weight_kg;value_usd\n"
                    "KOR;CHN;import;284690;2025-01;0.25;2\n"
                    "KOR;CHN;import;284690;2025-02;1.500;2\n")
    result = readers.read_file(path, chunk_rows=chunk_rows)
    assert result.frame["net_weight_kg"].tolist() == [0.25, 1.5]
    assert result.problems == []


@pytest.mark.parametrize("chunk_rows", [1, 50_000])
def test_euros_alone_can_show_the_files_decimal_comma_for_every_chunk(tmp_path, chunk_rows):
    # Only the euro column shows the mark ("1.234,5"); the weights ("1.500", "2.500") could
    # be either. The second row must be read as the first, even in a chunk of its own.
    path = tmp_path / "eur.csv"
    path.write_text("reporter,partner,flow,commodity_code,period,net_weight_kg,value_usd,"
                    "value_eur,usd_per_eur\n"
                    'DEU,CHN,import,284690,2025-01,"1.500",,"1.234,5",\n'
                    'DEU,CHN,import,284690,2025-02,"2.500",,,\n')
    result = readers.read_file(path, chunk_rows=chunk_rows)
    assert result.frame["net_weight_kg"].tolist() == [1500.0, 2500.0]
    assert result.frame["value_eur"].iloc[0] == 1234.5
    assert result.problems == []


def test_a_repeated_column_the_layout_does_not_read_is_harmless(tmp_path):
    columns = [*PLUS_COLUMNS, "customsDesc"]
    rows = [{**plus_row(), "customsDesc": "TOTAL CPC"}]
    path = write_rows(tmp_path / "plus.csv", columns, rows)
    lines = path.read_text().splitlines()
    path.write_text("\n".join([lines[0], lines[1][: -len("TOTAL CPC")] + "other"]) + "\n")
    result = readers.read_file(path)
    assert result.problems == [] and result.stats["rows_used"] == 1

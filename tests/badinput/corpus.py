"""The bad-input corpus: small files of each kind customs offices, spreadsheets and colleagues
produce, each with the exact problems it must be reported with (file, line, column, reason
and a key phrase of the message) and what must be read from it.

Files are generated, not committed, so binary and odd-encoding cases stay reviewable here.
Write them all to a folder to try them by hand:

    .venv/bin/python tests/badinput/corpus.py /tmp/badinput
    .venv/bin/python -m dashboard validate /tmp/badinput
"""

from __future__ import annotations

import gzip
import io
import random
import re
import sys
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # factories, when run as a script
from factories import PLUS_COLUMNS, plus_row, write_rows

from dashboard.ingest.problems import Reason

R = Reason
TIDY = "reporter,partner,flow,commodity_code,period,net_weight_kg,value_usd"
GOOD = "KOR,CHN,import,284690,2025-01,1000,50000"


@dataclass(frozen=True)
class Expect:
    """One problem: line, column and reason exactly, and a phrase of its message."""

    line: int
    column: str
    reason: Reason
    phrase: str | tuple[str, ...]  # each must appear in the message

    @property
    def phrases(self) -> tuple[str, ...]:
        return (self.phrase,) if isinstance(self.phrase, str) else self.phrase


@dataclass(frozen=True)
class Case:
    name: str
    filename: str
    make: Callable[[Path], None]
    problems: tuple[Expect, ...] = ()
    rows_used: int = 0
    # Further facts about what was read: column -> values of the frame, in file order.
    values: dict[str, list] = field(default_factory=dict)
    max_bytes: int | None = None


def text(content: str, encoding: str = "utf-8") -> Callable[[Path], None]:
    return lambda path: path.write_bytes(content.encode(encoding))


def raw(content: bytes) -> Callable[[Path], None]:
    return lambda path: path.write_bytes(content)


def tidy(*rows: str, header: str = TIDY, sep: str = ",") -> str:
    lines = [header, *rows]
    return "\n".join(line.replace(",", sep) if sep != "," else line for line in lines) + "\n"


def plus(*rows: dict) -> Callable[[Path], None]:
    return lambda path: write_rows(path, PLUS_COLUMNS, list(rows))


def workbook(sheets: dict[str, list[list]]) -> Callable[[Path], None]:
    def make(path: Path) -> None:
        import openpyxl

        book = openpyxl.Workbook()
        book.remove(book.active)
        for title, rows in sheets.items():
            sheet = book.create_sheet(title)
            for row in rows:
                sheet.append(row)
        book.save(path)
    return make


def shrunk_dimension(make: Callable[[Path], None]) -> Callable[[Path], None]:
    """A workbook whose stored sheet size says A1:B2, as some writers get wrong."""
    def rewrite(path: Path) -> None:
        make(path)
        with zipfile.ZipFile(path) as source:
            parts = {name: source.read(name) for name in source.namelist()}
        sheet = "xl/worksheets/sheet1.xml"
        parts[sheet] = re.sub(rb'<dimension ref="[^"]+"', b'<dimension ref="A1:B2"', parts[sheet])
        with zipfile.ZipFile(path, "w") as target:
            for name, data in parts.items():
                target.writestr(name, data)
    return rewrite


def zipped(name: str, content: bytes) -> Callable[[Path], None]:
    def make(path: Path) -> None:
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr(name, content)
    return make


def gzipped(content: bytes, cut: int = 0) -> Callable[[Path], None]:
    data = gzip.compress(content, mtime=0)
    return raw(data[: len(data) - cut] if cut else data)


def _xlsx_bytes(rows: list[list]) -> bytes:
    buffer = io.BytesIO()
    import openpyxl

    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    book.save(buffer)
    return buffer.getvalue()


TIDY_CELLS = [["reporter", "partner", "flow", "commodity_code", "period", "net_weight_kg",
               "value_usd"]]
_rng = random.Random(7)
RANDOM_BYTES = bytes(_rng.randrange(256) for _ in range(4096))

CASES = [
    # ---- the file as a whole -------------------------------------------------------------
    Case("empty file", "empty.csv", raw(b""), (Expect(0, "", R.EMPTY_FILE, "is empty"),)),
    Case("only blank lines", "blank.csv", raw(b"\n  \r\n\t\n"),
         (Expect(0, "", R.EMPTY_FILE, "is empty"),)),
    Case("header only", "header_only.csv", text(tidy()),
         (Expect(1, "", R.EMPTY_FILE, "no data rows"),)),
    Case("header and empty spreadsheet rows", "header_blank_rows.csv",
         text(tidy("", ",,,,,,", " ")), (Expect(1, "", R.EMPTY_FILE, "no data rows"),)),
    Case("unknown layout", "odd.csv", text("a,b,c\n1,2,3\n"),
         (Expect(1, "", R.UNKNOWN_LAYOUT, "matches no known layout"),)),
    Case("missing required column", "no_flow.csv",
         text("reporter,partner,commodity_code,period,net_weight_kg,value_usd\n"
              "KOR,CHN,284690,2025-01,1,2\n"),
         (Expect(1, "", R.UNKNOWN_LAYOUT, "tidy CSV or Parquet (see README) lacks flow"),)),
    Case("binary PNG renamed .csv", "image.csv",
         raw(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + RANDOM_BYTES),
         (Expect(0, "", R.UNREADABLE_FILE, "a PNG image"),)),
    Case("random binary renamed .csv", "random.csv", raw(RANDOM_BYTES),
         (Expect(0, "", R.UNREADABLE_FILE, "binary data"),)),
    Case("PDF renamed .csv", "report.csv", raw(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n"),
         (Expect(0, "", R.UNREADABLE_FILE, "a PDF document"),)),
    Case("old Excel .xls", "old.xls", raw(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)),
         (Expect(0, "", R.UNREADABLE_FILE, "Excel 97-2003"),)),
    Case("ZIP archive renamed .csv", "archive.csv",
         zipped("data.csv", tidy(GOOD).encode()),
         (Expect(0, "", R.UNREADABLE_FILE, "a ZIP archive: unpack it"),)),
    Case("damaged gzip", "cut.csv.gz", gzipped(tidy(GOOD, GOOD).encode() * 50, cut=20),
         (Expect(0, "", R.UNREADABLE_FILE, "damaged or truncated"),)),
    Case("gzip without .gz in the name", "packed.csv", gzipped(tidy(GOOD).encode()),
         rows_used=1),
    Case("over the size limit", "big.csv", text(tidy(GOOD)),
         (Expect(0, "", R.FILE_TOO_LARGE, "is 109 bytes, over the limit of 10 bytes"),),
         max_bytes=10),

    # ---- encodings -----------------------------------------------------------------------
    Case("UTF-8 with BOM", "bom.csv",
         text("\ufeff" + tidy("KOR,Côte d'Ivoire,import,284690,2025-01,1,2"), "utf-8"),
         rows_used=1, values={"partner": ["CIV"]}),
    Case("Latin-1", "latin1.csv",
         text(tidy("KOR,Côte d'Ivoire,import,284690,2025-01,1,2"), "latin-1"),
         rows_used=1, values={"partner": ["CIV"]}),
    Case("Windows-1252 dashes and quotes", "cp1252.csv", text(tidy(
        "KOR,CHN,import,28053099,2025-01,1,2,Rare earths – ‘mixed’",
        header=TIDY + ",commodity_name"), "cp1252"),
         rows_used=1, values={"commodity_name": ["Rare earths – ‘mixed’"]}),
    Case("UTF-16 with BOM, tab-separated (Excel Unicode text)", "utf16.txt",
         text("\ufeff" + tidy(GOOD, sep="\t"), "utf-16-le"), rows_used=1),
    Case("UTF-16 big-endian without BOM", "utf16be.csv", text(tidy(GOOD), "utf-16-be"),
         rows_used=1),
    Case("GBK tidy file with Chinese names", "gbk_tidy.csv", text(tidy(
        "KOR,CHN,import,28469019,2025-01,1,2,其他稀土氧化物,中国",
        header=TIDY + ",commodity_name,partner_name"), "gbk"),
         rows_used=1, values={"commodity_name": ["其他稀土氧化物"]}),
    Case("GBK China customs export with Chinese headers", "gbk_customs.csv", text(
        "数据年月,商品编码,商品名称,贸易伙伴编码,贸易伙伴名称,第一数量,第一计量单位,美元\n"
        "202501,28469015,氧化镝,410,韩国,1000,千克,50000\n", "gbk"),
         (Expect(1, "", R.UNKNOWN_LAYOUT, ("'商品编码'", "read as GBK/GB18030 text")),)),
    Case("UTF-8 with a Windows-1252 line pasted in", "mixed.csv", raw(
        tidy("KOR,Côte d'Ivoire,import,284690,2025-01,1,2").encode("utf-8")
        + "JPN,Côte d'Ivoire,import,284690,2025-01,1,2\n".encode("cp1252")),
         rows_used=2, values={"partner": ["CIV", "CIV"]}),

    # ---- delimiters and line structure --------------------------------------------------
    Case("semicolons with decimal commas", "semicolon.csv", text(tidy(
        "KOR;CHN;import;284690;2025-01;1.234,5;12.345", "JPN;CHN;import;284690;2025-01;0,25;7",
        header=TIDY.replace(",", ";"))),
         rows_used=2, values={"net_weight_kg": [1234.5, 0.25], "value_usd": [12345.0, 7.0]}),
    Case("semicolons with decimal points", "semicolon_points.csv", text(tidy(
        "KOR;CHN;import;284690;2025-01;1.234;10.5", header=TIDY.replace(",", ";"))),
         rows_used=1, values={"net_weight_kg": [1.234], "value_usd": [10.5]}),
    Case("tab-separated", "tabs.tsv", text(tidy(GOOD, sep="\t")), rows_used=1),
    Case("a row in another delimiter", "wrong_delimiter.csv",
         text(tidy(GOOD, "JPN;CHN;import;284690;2025-01;5;6")),
         (Expect(3, "", R.BAD_ROW, "seems to use ';'"),), rows_used=1),
    Case("unquoted decimal comma in a comma file", "decimal_comma.csv",
         text(tidy(GOOD, "JPN,CHN,import,284690,2025-01,1234,5,100")),
         (Expect(3, "", R.BAD_ROW, "8 fields but the header has 7"),), rows_used=1),
    Case("an extra field", "extra_field.csv",
         text(tidy("JPN,CHN,import,284690,2025-01,1,2,surplus", GOOD)),
         (Expect(2, "", R.BAD_ROW, "decimal comma"),), rows_used=1),
    Case("truncated last line", "truncated.csv",
         text(tidy(GOOD).rstrip("\n") + "\nJPN,CHN,imp"),
         (Expect(3, "", R.BAD_ROW, "3 fields but the header has 7 (a truncated"),), rows_used=1),
    Case("truncated inside a quoted value", "truncated_quote.csv",
         text(tidy(GOOD + ",oxide", header=TIDY + ",commodity_name")
              + 'JPN,CHN,import,284690,2025-02,5,6,"Dysprosium ox'),
         (Expect(3, "", R.BAD_ROW, "a quote opened on line 3 is never closed"),), rows_used=1),
    Case("a quote never closed mid-file", "open_quote.csv",
         text(tidy(GOOD + ",oxide", 'JPN,CHN,import,284690,2025-02,5,6,"Dysprosium, oxide',
                   "JPN,CHN,import,284690,2025-03,5,6,oxide", header=TIDY + ",commodity_name")),
         (Expect(3, "", R.BAD_ROW, "never closed (read up to line 4)"),), rows_used=1),
    Case("trailing delimiters (Excel)", "trailing.csv",
         text(tidy(GOOD + ",", "JPN,CHN,import,284690,2025-01,1,2,,", header=TIDY + ",")),
         rows_used=2),
    Case("blank lines between rows keep line numbers", "blank_lines.csv",
         text(tidy(GOOD, "", ",,,,,,", "JPN,CHN,import,284690,2025-01,x,2")),
         (Expect(5, "net_weight_kg", R.BAD_NUMBER, "not a number"),), rows_used=1),
    Case("dollars that are not the euros times the rate", "eur_usd.csv", text(tidy(
        "DEU,CHN,import,284690,2024-01,100,77305,61844,1.25",
        "DEU,CHN,import,284690,2024-02,100,7730,61844,1.25",  # a digit lost from the USD
        header=TIDY + ",value_eur,usd_per_eur")),
         (Expect(3, "value_usd", R.INCONSISTENT_VALUES, ("61844 x 1.25", "one of the three")),),
         rows_used=1, values={"value_usd": [77305.0]}),
    Case("old Mac line endings (CR only)", "cr.csv",
         text(tidy(GOOD, "JPN,CHN,import,284690,2025-01,-1,2").replace("\n", "\r")),
         (Expect(3, "net_weight_kg", R.NEGATIVE_QUANTITY, "cannot be negative"),), rows_used=1),
    Case("a quoted line break inside a name", "multiline.csv", text(tidy(
        'KOR,CHN,import,28053099,2025-01,1,2,"Rare earths,\nmixed"',
        "JPN,CHN,import,284690,2025-01,x,2,oxide", header=TIDY + ",commodity_name")),
         (Expect(4, "net_weight_kg", R.BAD_NUMBER, "not a number"),), rows_used=1,
         values={"commodity_name": ["Rare earths,\nmixed"]}),
    Case("very long line with thousands of fields", "wide.csv",
         text(tidy(GOOD, "JPN" + ",x" * 10_000)),
         (Expect(3, "", R.BAD_ROW, "10001 fields but the header has 7"),), rows_used=1),
    Case("a quote open for more than a megabyte", "runaway.csv", text(tidy(
        'JPN,CHN,import,284690,2025-01,"1,2,oxide',
        *(f"JPN,CHN,import,284690,2024-{m:02d},1,2,{'x' * 100_000}" for m in range(1, 13)),
        *(f"KOR,CHN,import,284690,2025-{m:02d},1,2,oxide" for m in range(1, 4)),
        header=TIDY + ",commodity_name")),
         (Expect(2, "", R.BAD_ROW, "never closed (read up to line 13)"),), rows_used=4),
    Case("a very long value in a line with too many fields", "long_wide.csv",
         text(tidy("JPN,CHN,import,284690,2025-01,1,2," + "x" * 200_000, GOOD)),
         (Expect(2, "", R.BAD_ROW, "8 fields but the header has 7"),), rows_used=1),
    Case("a very long value", "long_value.csv",
         text(tidy("JPN,CHN,import,284690,2025-01," + "9" * 300_000 + "x,2")),
         (Expect(2, "net_weight_kg", R.BAD_NUMBER, "a number with other characters"),)),

    # ---- columns -------------------------------------------------------------------------
    Case("misspelt extra column", "misspelt.csv",
         text(tidy(GOOD + ",FOB", header=TIDY + ",valuaton")),
         (Expect(1, "valuaton", R.UNUSED_COLUMN, "did you mean valuation?"),), rows_used=1),
    Case("duplicated column whose copies differ", "twice.csv",
         text(tidy(GOOD + ",50000", "JPN,CHN,import,284690,2025-01,1,2,3",
                   header=TIDY + ",value_usd")),
         (Expect(1, "value_usd", R.DUPLICATE_COLUMN, "appears 2 times (fields 7, 8)"),
          Expect(3, "value_usd", R.DUPLICATE_COLUMN, "copies of column 'value_usd' differ")),
         rows_used=1),
    Case("the same column under two spellings", "spellings.csv",
         text(tidy(GOOD + ",1000", header=TIDY + ",Net Weight (kg)")),
         (Expect(1, "net_weight_kg", R.DUPLICATE_COLUMN, "appears 2 times"),), rows_used=1),

    # ---- numbers -------------------------------------------------------------------------
    Case("thousands separators and spaces", "thousands.csv", text(tidy(
        'KOR,CHN,import,284690,2025-01,"1,234,567", 1 234 ',
        "JPN,CHN,import,284690,2025-01,1\u00a0234.5,1'234.5")),
         rows_used=2, values={"net_weight_kg": [1234567.0, 1234.5],
                              "value_usd": [1234.0, 1234.5]}),
    Case("decimal comma and point in one column", "mixed_marks.csv",
         text(tidy("KOR,CHN,import,284690,2025-01,1.5,1", 'JPN,CHN,import,284690,2025-01,"2,5",1')),
         (Expect(3, "net_weight_kg", R.BAD_NUMBER, "decimal comma and others with a decimal"),),
         rows_used=1),
    Case("a number with its unit", "unit_in_number.csv",
         text(tidy("KOR,CHN,import,284690,2025-01,12 kg,1", "JPN,CHN,import,284690,2025-01,1,$5")),
         (Expect(2, "net_weight_kg", R.BAD_NUMBER, "a unit or currency sign"),
          Expect(3, "value_usd", R.BAD_NUMBER, "a unit or currency sign"))),
    Case("negative quantities", "negative.csv",
         text(tidy("KOR,CHN,import,284690,2025-01,-5,1", "JPN,CHN,import,284690,2025-01,5,-1")),
         (Expect(2, "net_weight_kg", R.NEGATIVE_QUANTITY, "cannot be negative"),
          Expect(3, "value_usd", R.NEGATIVE_QUANTITY, "cannot be negative"))),
    Case("not-reported markers (nan, n/a, ..)", "markers.csv", text(tidy(
        "KOR,CHN,import,284690,2025-01,n/a,50", "JPN,CHN,import,284690,2025-01,NaN,60",
        "PHL,CHN,import,284690,2025-01,..,null")),
         (Expect(4, "value_usd", R.MISSING_VALUE, "neither a weight nor a value"),), rows_used=2,
         values={"value_usd": [50.0, 60.0]}),
    Case("a dash for a number", "dash.csv", text(tidy("KOR,CHN,import,284690,2025-01,-,5")),
         (Expect(2, "net_weight_kg", R.BAD_NUMBER, "can mean zero or not available"),)),
    Case("infinite quantities", "infinite.csv", text(tidy(
        "KOR,CHN,import,284690,2025-01,inf,1", "JPN,CHN,import,284690,2025-01,-inf,1",
        "PHL,CHN,import,284690,2025-01,1e400,1", "USA,CHN,import,284690,2025-01,1,Infinity")),
         (Expect(2, "net_weight_kg", R.BAD_NUMBER, "not a finite number"),
          Expect(3, "net_weight_kg", R.BAD_NUMBER, "not a finite number"),
          Expect(4, "net_weight_kg", R.BAD_NUMBER, "not a finite number"),
          Expect(5, "value_usd", R.BAD_NUMBER, "not a finite number"))),
    Case("absurdly large quantities", "huge.csv", text(tidy(
        "KOR,CHN,import,284690,2025-01,1e13,1", "JPN,CHN,import,284690,2025-01,1,1e16",
        "PHL,CHN,import,284690,2025-01,1e16,1")),
         (Expect(2, "net_weight_kg", R.BAD_NUMBER, "implausibly large weight"),
          Expect(3, "value_usd", R.BAD_NUMBER, "implausibly large"),
          Expect(4, "net_weight_kg", R.BAD_NUMBER, "implausibly large weight"))),
    Case("quantities in tonnes, grams and TNE", "tonnes.csv", text(tidy(
        "KOR,CHN,import,284690,2025-01,1.5,t,1", "JPN,CHN,import,284690,2025-01,2,Tonnes,1",
        "PHL,CHN,import,284690,2025-01,3,TNE,1", "USA,CHN,import,284690,2025-01,500,g,1",
        header="reporter,partner,flow,commodity_code,period,quantity,quantity_unit,value_usd")),
         rows_used=4, values={"net_weight_kg": [1500.0, 2000.0, 3000.0, 0.5]}),
    Case("unknown and missing units", "units.csv", text(tidy(
        "KOR,CHN,import,284690,2025-01,3,kgg,1", "JPN,CHN,import,284690,2025-01,2,,1",
        "PHL,CHN,import,284690,2025-01,7,u,1",
        header="reporter,partner,flow,commodity_code,period,quantity,quantity_unit,value_usd")),
         (Expect(2, "quantity_unit", R.UNKNOWN_UNIT, "'kgg' is not a weight"),
          Expect(3, "quantity_unit", R.MISSING_VALUE, "has no unit")),
         # A quantity in items ("u", a Comtrade unit) is no weight: the row's value is used.
         rows_used=1, values={"reporter": ["PHL"], "value_usd": [1.0]}),

    # ---- periods, codes, flows -----------------------------------------------------------
    Case("period spellings", "periods.csv", text(tidy(*(
        f"{rep},CHN,import,284690,{period},1,1" for rep, period in zip(
            ["KOR", "JPN", "PHL", "USA", "DEU", "FRA", "ITA", "IND", "VNM", "THA", "MYS", "IDN",
             "AUS", "CAN"],
            ["2025", "2025.0", "2025-Q1", "2025q1", "Q1 2025", "2025M03", "202503", "2025/3",
             "03/2025", "Mar 2025", "March 2025", "2025-03-01", "2025-03-01 00:00:00",
             "Sept 2025"])))),
         rows_used=14, values={"period": ["2025", "2025", "2025-Q1", "2025-Q1", "2025-Q1"]
                               + ["2025-03"] * 8 + ["2025-09"]}),
    Case("impossible periods", "bad_periods.csv", text(tidy(*(
        f"{rep},CHN,import,284690,{period},1,1" for rep, period in zip(
            ["KOR", "JPN", "PHL", "USA", "DEU", "FRA"],
            ["2025-13", "2025-Q5", "1899", "2025-03-15", "31/03/2025", ""])))),
         (Expect(2, "period", R.BAD_PERIOD, "month 13 does not exist"),
          Expect(3, "period", R.BAD_PERIOD, "quarter 5 does not exist"),
          Expect(4, "period", R.BAD_PERIOD, "year 1899 is outside"),
          Expect(5, "period", R.BAD_PERIOD, "a date, not a month"),
          Expect(6, "period", R.BAD_PERIOD, "day-first dates are not guessed"),
          Expect(7, "period", R.MISSING_VALUE, "the period is blank"))),
    Case("Comtrade Plus impossible month and year", "plus_periods.csv",
         plus(plus_row(), plus_row(month=13), plus_row(year=20245)),
         (Expect(3, "refMonth", R.BAD_PERIOD, "month must be 1-12"),
          Expect(4, "refYear", R.BAD_PERIOD, "from 1960 to 2100")), rows_used=1),
    Case("commodity codes spreadsheets mangle", "codes.csv", text(tidy(
        "KOR,CHN,import,2.8469E+05,2025-01,1,1", "JPN,CHN,import,28469,2025-01,1,1",
        "PHL,CHN,import,284690.0,2025-01,1,1", "USA,CHN,import,,2025-01,1,1")),
         (Expect(2, "commodity_code", R.BAD_COMMODITY, "scientific notation"),
          Expect(3, "commodity_code", R.BAD_COMMODITY, "5 digits"),
          Expect(5, "commodity_code", R.MISSING_VALUE, "commodity code is blank")),
         rows_used=1, values={"commodity_code": ["284690"]}),
    Case("unknown and blank flows, unknown valuation", "flows.csv", text(tidy(
        "KOR,CHN,transit,284690,2025-01,1,1,", "JPN,CHN,,284690,2025-01,1,1,",
        "PHL,CHN,import,284690,2025-01,1,1,FAS", "USA,CHN,import,284690,2025-01,1,1,cif",
        header=TIDY + ",valuation")),
         (Expect(2, "flow", R.UNKNOWN_FLOW, "flow must be import"),
          Expect(3, "flow", R.MISSING_VALUE, "the flow is blank"),
          Expect(4, "valuation", R.UNKNOWN_VALUATION, "must be CIF or FOB")),
         rows_used=1, values={"valuation": ["CIF"]}),
    Case("legacy Comtrade unknown trade flow code", "legacy.csv", lambda path: write_rows(
        path, ["Classification", "Year", "Period", "Trade Flow Code", "Reporter Code",
               "Partner Code", "Commodity Code", "Netweight (kg)", "Trade Value (US$)"],
        [{"Classification": "H5", "Year": "2019", "Period": "201903", "Trade Flow Code": tf,
          "Reporter Code": "410", "Partner Code": "156", "Commodity Code": "280530",
          "Netweight (kg)": "5", "Trade Value (US$)": "9"} for tf in ("1", "5")]),
         (Expect(3, "Trade Flow Code", R.UNKNOWN_FLOW, "flow must be"),), rows_used=1),

    # ---- countries -----------------------------------------------------------------------
    Case("unknown Comtrade country codes", "plus_codes.csv",
         plus(plus_row(), plus_row(partner="9999", month=2), plus_row(reporter="41x", month=3)),
         (Expect(3, "partnerCode", R.UNKNOWN_COUNTRY, "unknown Comtrade country code 9999"),
          Expect(4, "reporterCode", R.UNKNOWN_COUNTRY, "'41x' is not a Comtrade code")),
         rows_used=1),
    Case("unknown and ambiguous country names", "names.csv", text(tidy(
        "KOR,Narnia,import,284690,2025-01,1,1", "Korea,CHN,import,284690,2025-01,1,1",
        ",CHN,import,284690,2025-01,1,1", "Rep. of Korea,CN,import,284690,2025-01,1,1")),
         (Expect(2, "partner", R.UNKNOWN_COUNTRY, "unknown country 'Narnia'"),
          Expect(3, "reporter", R.UNKNOWN_COUNTRY, "did you mean"),
          Expect(4, "reporter", R.MISSING_VALUE, "the reporter is blank")),
         rows_used=1, values={"reporter": ["KOR"], "partner": ["CHN"]}),
    Case("aggregates as partners", "aggregates.csv", text(tidy(*(
        f"KOR,{partner},import,284690,2025-{month:02d},1,1" for month, partner in enumerate(
            ["WLD", "World", "EUU", "European Union", '"Areas, nes"', "S19", "W00", "Bunkers"],
            start=1)))),
         rows_used=8, values={"partner": ["WLD", "WLD", "EUU", "EUU", "_X899", "S19", "WLD",
                                          "_X837"],
                              "partner_kind": ["world", "world", "group", "group", "area_nes",
                                               "area_nes", "world", "special"]}),
    Case("Comtrade Plus aggregate partners", "plus_aggregates.csv",
         plus(*(plus_row(partner=code, month=m) for m, code in enumerate(
             ["0", "97", "899", "490", "837", "156"], start=1))),
         rows_used=6, values={"partner_kind": ["world", "group", "area_nes", "area_nes",
                                               "special", "country"]}),
    Case("duplicate rows", "duplicates.csv", text(tidy(
        GOOD, GOOD, "KOR,CHN,import,284690,2025-01,7,50000")),
         (Expect(3, "", R.DUPLICATE_KEY, "identical figures"),
          Expect(4, "", R.DUPLICATE_KEY, "figures differ: net weight kg 7 here, 1,000 there")),
         rows_used=1),

    # ---- spreadsheets --------------------------------------------------------------------
    Case("workbook with several sheets", "book.xlsx", workbook({
        "Notes": [["Rare-earth imports, compiled by hand"]],
        "Data": [*TIDY_CELLS, ["KOR", "CHN", "import", 284690, "2025-01", 1000, 50000]],
        "Old data": [*TIDY_CELLS, ["KOR", "CHN", "import", 284690, "2024-01", 10, 500]],
        "Empty": []}),
         (Expect(0, "", R.UNUSED_SHEET, "sheet 'Notes' is not read"),
          Expect(0, "", R.UNUSED_SHEET, "sheet 'Old data' is not read")), rows_used=1),
    Case("workbook with no sheet in a known layout", "notes.xlsx", workbook({
        "Summary": [["country", "tonnes"], ["KOR", 5]], "Chart data": [["x", "y"]]}),
         (Expect(1, "", R.UNKNOWN_LAYOUT, "no sheet matches: 'Summary', 'Chart data'"),)),
    Case("workbook numbers, dates and padding", "cells.xlsx", workbook({"Data": [
        [*TIDY_CELLS[0], "commodity_name"],
        ["KOR", "CHN", "import", 284690.0, __import__("datetime").datetime(2025, 3, 1), 1.5,
         2025, "oxide"],
        ["JPN", "CHN", "import", "284690", 2025, 7, 3],  # trailing empty cells left out
        [None, None, None],
        ["PHL", "CHN", "import", "284690", "2025-02", -1, 3]]}),
         (Expect(5, "net_weight_kg", R.NEGATIVE_QUANTITY, "cannot be negative"),), rows_used=2,
         values={"period": ["2025-03", "2025"], "commodity_code": ["284690", "284690"],
                 "net_weight_kg": [1.5, 7.0]}),
    Case("workbook with a stored size too small", "dimension.xlsx", shrunk_dimension(
        workbook({"Data": [*TIDY_CELLS, *(["KOR", "CHN", "import", "284690", f"2025-{m:02d}",
                                            m, 2] for m in range(1, 6))]})),
         rows_used=5, values={"net_weight_kg": [1.0, 2.0, 3.0, 4.0, 5.0]}),
    Case("workbook renamed .csv", "workbook.csv",
         raw(_xlsx_bytes([*TIDY_CELLS, ["KOR", "CHN", "import", "284690", "2025-01", 1, 2]])),
         rows_used=1),
    Case("workbook with a header only", "header.xlsx", workbook({"Data": TIDY_CELLS}),
         (Expect(1, "", R.EMPTY_FILE, "no data rows"),)),
]


def write_all(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for case in CASES:
        path = folder / case.filename
        case.make(path)
        paths.append(path)
    return paths


if __name__ == "__main__":
    written = write_all(Path(sys.argv[1]))
    print(f"wrote {len(written)} files to {sys.argv[1]}")

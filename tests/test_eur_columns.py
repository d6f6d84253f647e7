"""The trade frame's EUR value, exchange rate and intra-/extra-EU type: written by the Comext
fetch, read by the tidy layout, checked by validate, named by its report, exported as CSV.

Comext rows come from the replayed real excerpts in tests/fixtures/fetch/comext (see
test_fetch_comext.py); rates are the test's own TEST_RATES_2024, not ECB figures.
"""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from factories import PLUS_COLUMNS, plus_row, write_rows
from fetch_server import Replay, ReplayServer, Reply
from test_fetch_comext import (
    DE_CN_WORLD,
    DE_FR,
    ECB_1999_2019,
    MONTHS_2024,
    TEST_RATES_2024,
    by_service,
    client,
    ok,
    rates_xml_for_test,
    request,
)

from dashboard import report
from dashboard.fetch import comext, comext_rows
from dashboard.ingest import dataset, frame_cache, readers, schema
from dashboard.ingest.problems import Reason

TIDY_HEADER = ("reporter,partner,flow,commodity_code,period,net_weight_kg,value_usd,"
               "value_eur,usd_per_eur,eu_trade\n")


def fetched_folder(folder: Path, body: bytes, rates: dict) -> Path:
    """A folder holding the tidy CSV the Comext fetch writes for body at rates."""
    converted = comext_rows.convert(body, rates.get)
    (folder / "comext.csv").write_bytes(comext_rows.to_csv(converted.rows))
    return folder


def raw_eur(path: Path) -> dict[tuple[str, str], Decimal]:
    """(partner as Comext writes it, month) -> EUR, read from the SDMX-CSV with pandas."""
    raw = pd.read_csv(path, dtype={"OBS_VALUE": str})
    eur = raw[raw["indicators"] == "VALUE_IN_EUROS"]
    return {(p, m): Decimal(v) for p, m, v in zip(eur["partner"], eur["TIME_PERIOD"],
                                                   eur["OBS_VALUE"])}


def read_tidy(folder: Path, body: str):
    path = folder / "tidy.csv"
    path.write_text(TIDY_HEADER + body, encoding="utf-8")
    return readers.read_file(path)


# ---- the Comext fetch's rows in the frame -----------------------------------------------


def test_comext_rows_carry_eur_the_months_rate_and_usd_to_the_cent(tmp_path):
    rates = TEST_RATES_2024 | {"2024-12": None}  # December: no rate, on purpose
    data = dataset.load([fetched_folder(tmp_path, DE_CN_WORLD.read_bytes(), rates)])
    assert data.problems == [] and len(data.frame) == 24
    frame = data.frame.set_index(["partner", "period"])
    for (partner, month), eur in raw_eur(DE_CN_WORLD).items():
        row = frame.loc[({"CN": "CHN", "WORLD": "WLD"}[partner], month)]
        assert row["value_eur"] == float(eur)
        if month == "2024-12":
            assert np.isnan(row["usd_per_eur"]) and np.isnan(row["value_usd"])
        else:
            rate = TEST_RATES_2024[month]
            assert row["usd_per_eur"] == float(rate)
            assert row["value_usd"] == float((eur * rate).quantize(Decimal("0.01")))
    # by hand: the file's "DE,CN,32121000,1,VALUE_IN_EUROS,2024-01,61844.0" at 1.25
    assert tuple(frame.loc[("CHN", "2024-01"), ["value_eur", "usd_per_eur", "value_usd"]]) == (
        61844.0, 1.25, 77305.0)


def test_comext_rows_are_typed_intra_or_extra_eu(tmp_path):
    both = tmp_path / "both"
    both.mkdir()
    (both / "fr.csv").write_bytes(comext_rows.to_csv(
        comext_rows.convert(DE_FR.read_bytes(), TEST_RATES_2024.get).rows))
    (both / "cn.csv").write_bytes(comext_rows.to_csv(
        comext_rows.convert(DE_CN_WORLD.read_bytes(), TEST_RATES_2024.get).rows))
    frame = dataset.load([both]).frame
    scope = {partner: set(rows["eu_trade"]) for partner, rows in frame.groupby("partner")}
    assert scope == {"FRA": {"intra-EU"}, "CHN": {"extra-EU"}, "WLD": {""}}
    assert (frame["partner"] == "FRA").sum() == 24


@pytest.mark.parametrize(("reporter", "partner", "expected"), [
    ("DE", "FR", "intra-EU"), ("GR", "HR", "intra-EU"),
    ("DE", "INT_EU27_2020", "intra-EU"), ("DE", "EU27_2020_INTRA", "intra-EU"),
    # EU27_2020 for every period, as Comext's own aggregates: the UK is extra-EU throughout
    ("DE", "GB", "extra-EU"), ("DE", "CN", "extra-EU"), ("DE", "XK", "extra-EU"),
    ("DE", "WORLD", ""), ("DE", "QU", ""), ("DE", "QQ", ""), ("DE", "QX", ""),
    ("GB", "FR", ""),  # not an EU reporter: the line does not apply
])
def test_eu_trade_of_comext_codes(reporter, partner, expected):
    assert comext_rows.eu_trade(reporter, partner) == expected


def test_other_layouts_leave_the_new_columns_empty(plus_file):
    result = readers.read_file(plus_file([plus_row(weight="1000")]))
    schema.check(result.frame)
    row = result.frame.iloc[0]
    assert row["eu_trade"] == ""
    assert np.isnan(row["value_eur"]) and np.isnan(row["usd_per_eur"])


def test_conform_fills_the_optional_columns_of_a_frame_without_them():
    names = [c for c in schema.COLUMNS if c not in schema.OPTIONAL_COLUMNS]
    frame = pd.DataFrame([["KOR", "South Korea", "country", "CHN", "China", "country",
                           "import", "280530", "280530", "Rare-earth metals", "2024", "A",
                           pd.Timestamp("2024-01-01"), 1.0, 2.0, "CIF", False, "f.csv", 2]],
                         columns=names)
    conformed = schema.conform(frame)
    schema.check(conformed)
    assert list(conformed.columns) == list(schema.COLUMNS)
    assert conformed.loc[0, "eu_trade"] == "" and np.isnan(conformed.loc[0, "value_eur"])


# ---- validate: the tidy layout's new columns ---------------------------------------------


def test_tidy_rows_with_consistent_eur_usd_and_rate_are_used(tmp_path):
    result = read_tidy(tmp_path, (
        "DEU,CHN,import,28469060,2024-01,100,77305,61844,1.25,extra-EU\n"
        # value_usd rounded to the whole dollar: 1234.56 x 1.0813 = 1334.930... -> 1335
        "DEU,FRA,export,28469060,2024-01,100,1335,1234.56,1.0813,intra-EU\n"
        "DEU,USA,import,28469060,2024-02,100,500,,,\n"))
    assert result.problems == []
    frame = result.frame
    assert frame["value_eur"].tolist()[:2] == [61844.0, 1234.56]
    assert frame["usd_per_eur"].tolist()[:2] == [1.25, 1.0813]
    assert frame["eu_trade"].tolist() == ["extra-EU", "intra-EU", ""]
    assert np.isnan(frame["value_eur"].iloc[2])


def test_value_usd_that_is_not_eur_times_rate_is_a_problem_naming_file_line_column(tmp_path):
    result = read_tidy(tmp_path, (
        "DEU,CHN,import,28469060,2024-01,100,77305,61844,1.25,extra-EU\n"
        "DEU,CHN,import,28469060,2024-02,100,77306,61844,1.25,extra-EU\n"))  # 1 USD off
    [problem] = result.problems
    assert (Path(problem.file).name, problem.line, problem.column, problem.value,
            problem.reason) == ("tidy.csv", 3, "value_usd", "77306",
                              Reason.INCONSISTENT_VALUES)
    assert "61844 x 1.25 = 77,305.00 USD" in problem.message
    assert result.stats["rows_used"] == 1


@pytest.mark.parametrize(("cells", "column", "reason"), [
    ("-5,1.25,", "value_eur", Reason.NEGATIVE_QUANTITY),
    ("5,abc,", "usd_per_eur", Reason.BAD_NUMBER),
    ("5,inf,", "usd_per_eur", Reason.BAD_NUMBER),
    ("5,0,", "usd_per_eur", Reason.BAD_NUMBER),
    ("5,10813,", "usd_per_eur", Reason.BAD_NUMBER),  # a lost decimal mark
    ("5,1.25,intra", "eu_trade", Reason.UNKNOWN_FLOW),
])
def test_bad_eur_rate_or_eu_trade_cells_are_problems(tmp_path, cells, column, reason):
    result = read_tidy(tmp_path, f"DEU,CHN,import,28469060,2024-01,100,,{cells}\n")
    [problem] = result.problems
    assert (problem.line, problem.column, problem.reason) == (2, column, reason)
    assert len(result.frame) == 0


def test_a_refused_rate_is_one_problem_not_also_a_usd_mismatch(tmp_path):
    # 1250 EUR at 1.0813 is 1,351.63 USD; the rate lost its decimal mark
    result = read_tidy(tmp_path, "DEU,CHN,import,28469060,2024-01,100,1352,1250,10813,\n")
    assert [(p.column, p.value) for p in result.problems] == [("usd_per_eur", "10813")]


def test_the_frame_cache_keeps_the_new_columns(tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    fetched_folder(folder, DE_FR.read_bytes(), TEST_RATES_2024 | {"2024-12": None})
    raw = dataset.load([folder], cache_dir=tmp_path / "cache")
    cached = dataset.load([folder], cache_dir=tmp_path / "cache")
    assert frame_cache.CACHE_VERSION == 3
    pd.testing.assert_frame_equal(cached.frame, raw.frame)
    assert cached.frame["value_eur"].notna().all()
    assert set(cached.frame["eu_trade"]) == {"intra-EU"}


# ---- validate's report and the data CSV --------------------------------------------------


def test_validate_report_names_each_files_months_without_a_rate(tmp_path):
    replay = Replay({"ecb": [ok(ECB_1999_2019, "application/xml")],
                     "comext|32121000": [ok(DE_CN_WORLD)]}, by_service)
    with ReplayServer(replay) as base_url:
        comext.run(request(tmp_path, base_url), client())
    data = dataset.load([tmp_path])
    [file] = [p.file for p in data.provenance]
    lines = report.missing_rate_lines(data.provenance)
    assert lines[1] == f"  {file}: 12 months: {', '.join(MONTHS_2024)}"
    assert "no USD per EUR rate" in lines[0]
    without_usd = data.frame[data.frame["value_usd"].isna()]
    assert sorted(set(without_usd["period"])) == MONTHS_2024
    assert without_usd["value_eur"].notna().all() and without_usd["usd_per_eur"].isna().all()


def test_validate_report_is_silent_when_every_month_had_a_rate(tmp_path):
    replay = Replay({"ecb": [Reply(200, rates_xml_for_test(TEST_RATES_2024))],
                     "comext|32121000": [ok(DE_CN_WORLD)]}, by_service)
    with ReplayServer(replay) as base_url:
        comext.run(request(tmp_path, base_url), client())
    data = dataset.load([tmp_path])
    assert data.provenance[0].months_without_rate == ()
    assert report.missing_rate_lines(data.provenance) == []


def test_the_data_csv_carries_eur_rate_and_eu_trade(tmp_path):
    from dashboard.web import exports
    from dashboard.web.context import Bundle

    data = dataset.load([fetched_folder(tmp_path, DE_CN_WORLD.read_bytes(),
                                        TEST_RATES_2024 | {"2024-12": None})])
    file = exports.export_chart(Bundle.of(data), exports.DATA, "csv", "", "", "")
    rows = pd.read_csv(io.BytesIO(file.content), comment="#", encoding="utf-8-sig",
                       keep_default_na=False)
    assert {"value_usd", "value_eur", "usd_per_eur", "eu_trade"} <= set(rows.columns)
    assert len(rows) > 0
    expected = raw_eur(DE_CN_WORLD)
    comext_code = {"CHN": "CN", "WLD": "WORLD"}
    # the data view's rows are oriented: the partner is the "counterpart"
    for row in rows.itertuples():
        assert Decimal(str(row.value_eur)) == expected[(comext_code[row.counterpart],
                                                        row.period)]
        assert row.usd_per_eur == ("" if row.period == "2024-12"
                                   else str(TEST_RATES_2024[row.period]))
        assert row.eu_trade == ("extra-EU" if row.counterpart == "CHN" else "")


def test_demo_style_rows_export_empty_new_columns(tmp_path):
    from dashboard.web import exports
    from dashboard.web.context import Bundle

    write_rows(tmp_path / "plus.csv", PLUS_COLUMNS, [plus_row(weight="1000")])
    data = dataset.load([tmp_path])
    file = exports.export_chart(Bundle.of(data), exports.DATA, "csv", "", "", "")
    rows = pd.read_csv(io.BytesIO(file.content), comment="#", encoding="utf-8-sig")
    assert len(rows) == 1
    assert rows[["value_eur", "usd_per_eur", "eu_trade"]].isna().all().all()


def test_the_map_hover_says_how_much_was_converted_from_euros_and_at_what_rate(tmp_path):
    from dashboard.web import charts
    from dashboard.web.context import Bundle
    from dashboard.web.ids import Chart
    from dashboard.web.view_state import ViewState

    rates = TEST_RATES_2024 | {"2024-12": None}  # December: euros, no rate, no USD
    bundle = Bundle.of(dataset.load([fetched_folder(tmp_path, DE_CN_WORLD.read_bytes(),
                                                    rates)]))
    state = ViewState(commodity="32121000", period="2024", partner="CHN")
    view = charts.render(Chart.MAP, state, bundle.data, bundle.catalogue)
    trace = next(t for t in view.figure_json()["data"] if t.get("name") == "value")
    hover = trace["text"][list(trace["locations"]).index("DEU")]
    # Plain arithmetic on the fixture: China's months that had a rate.
    eur = {m: v for (partner, m), v in raw_eur(DE_CN_WORLD).items() if partner == "CN"}
    converted_eur = sum(v for m, v in eur.items() if rates[m] is not None)
    converted_usd = sum(v * rates[m] for m, v in eur.items() if rates[m] is not None)
    from dashboard.number_format import format_amount
    assert (f"Converted from {format_amount(float(converted_eur), 'EUR')}:"
            f" {format_amount(float(converted_usd), 'USD')} of it") in hover
    assert f"({float(converted_usd / converted_eur):.4f} USD per EUR overall)" in hover

"""`fetch comtrade --tariff-lines`: national lines from UN Comtrade's tariff-line endpoints.

No recorded tariff-line response was found in a public repository, so the body served here
was WRITTEN FOR THESE TESTS from the field names of comtradeapicall's own tariff-line
example (tests/fixtures/fetch/tariffline/SOURCE.md); its figures are not Comtrade's. The
live test at the end runs the same fetch against the service when a key and network exist.
"""

from __future__ import annotations

import json
import os
from decimal import Decimal
from pathlib import Path

import pytest
from fetch_server import Replay, ReplayServer, Reply, live_comtrade

from dashboard import cli
from dashboard.analytics.catalogue import Catalogue
from dashboard.fetch import comtrade, comtrade_tariffline
from dashboard.fetch import comtrade_query as query
from dashboard.fetch.client import HttpClient
from dashboard.ingest import commodities, dataset

FETCH = Path(__file__).parent / "fixtures" / "fetch"
WRITTEN = FETCH / "tariffline" / "tariffline_written_C_M_HS_CHN_202403_X.json"  # 8 records
EMPTY = FETCH / "comtradr_bulk_get_C_A_HS_empty.json"
CHINA_2010 = Path(__file__).parent / "fixtures" / "real" / "comtrade_api" / (
    "comtradr_final_C_A_HS_CHN_2010_total.json")
RARE_EARTH_HS6 = "280530,284610,284690,850511"


def by_path(path: str, query_: dict[str, str]) -> str:
    return f"{path}|{query_.get('reporterCode', 'all')}"


def ok(path: Path) -> Reply:
    return Reply(200, path.read_bytes())


def client() -> HttpClient:
    return HttpClient(sleep=lambda seconds: None, log=lambda line: None)


def request(out: Path, base_url: str, **kwargs) -> comtrade.ComtradeRequest:
    fields = dict(out=out, first_year=2024, last_year=2024, freq="M", reporters=(156,),
                  key="test-key", base_url=base_url, tariff_lines="also")
    return comtrade.ComtradeRequest(**(fields | kwargs))


def written_records() -> list[dict]:
    """The served records, read with nothing but json (Decimal, so sums are exact)."""
    return json.loads(WRITTEN.read_bytes(), parse_float=Decimal)["data"]


def test_also_fetches_final_data_and_tariff_lines_which_load_with_every_row_used(tmp_path):
    routes = {"/data/v1/get/C/M/HS|156": [ok(EMPTY)],
              "/data/v1/getTariffline/C/M/HS|156": [ok(WRITTEN)]}
    replay = Replay(routes, by_path)
    with ReplayServer(replay) as base_url:
        report = comtrade.run(request(tmp_path, base_url), client())
    paths = [r["path"] for r in replay.requests]
    assert paths == ["/data/v1/get/C/M/HS", "/data/v1/getTariffline/C/M/HS"]
    final, lines = (r["query"] for r in replay.requests)
    assert final["cmdCode"] == ",".join(query.RARE_EARTHS) and final["motCode"] == "0"
    # tariff lines: the HS6 codes only (a heading would repeat its subheadings' lines), and
    # every breakdown, since reporters publish them without totals
    assert lines["cmdCode"] == RARE_EARTH_HS6
    assert not {"motCode", "customsCode", "partner2Code"} & set(lines)
    assert replay.requests[1]["headers"]["Ocp-Apim-Subscription-Key"] == "test-key"
    piece = query.Piece("tariffline", "M", (156,), query.periods(2024, 2024, "M"),
                        tuple(RARE_EARTH_HS6.split(",")))
    assert (tmp_path / "raw" / f"{piece.piece_id}.json").read_bytes() == WRITTEN.read_bytes()

    loaded = dataset.load([tmp_path])
    # national-line groups among the records, counted by hand from the fixture: (JPN,
    # 28469015) x2, (USA, 28469013) x3, (DEU, 85051110) x1; 284690 and 284690150 aside
    assert loaded.problems == []
    assert loaded.stats["rows_read"] == loaded.stats["rows_used"] == 3 == report.tariff_line_rows
    frame = loaded.frame.set_index(["partner", "commodity_code"])
    records = written_records()
    japan = [r for r in records if r["partnerCode"] == 392]
    assert frame.loc[("JPN", "28469015"), "value_usd"] == float(
        sum(r["primaryValue"] for r in japan))
    assert frame.loc[("JPN", "28469015"), "net_weight_kg"] == pytest.approx(5000.3)
    # the published total, not total + parts
    assert frame.loc[("USA", "28469013"), "value_usd"] == 100000
    assert set(loaded.frame["hs6"]) == {"284690", "850511"}
    assert report.set_aside == {comtrade_tariffline.NOT_NATIONAL: 1, (
        "a code of 9 digits, which the dashboard's commodity catalogue does not take"
        " (national lines of 8 or 10 digits)"): 1}


def test_the_sidecar_and_source_line_say_tariff_line_data_and_the_endpoint(tmp_path):
    routes = {"/data/v1/getTariffline/C/M/HS|156": [ok(WRITTEN)]}
    with ReplayServer(Replay(routes, by_path)) as base_url:
        comtrade.run(request(tmp_path, base_url, tariff_lines="only"), client())
    sidecar = json.loads(next(tmp_path.glob("*.meta.json")).read_text())
    assert sidecar["source"] == ("UN Comtrade, tariff-line data,"
                                 " comtradeapi.un.org/data/v1/getTariffline/C/M/HS")
    assert sidecar["title"].startswith("UN Comtrade tariff-line data: national lines under HS")
    assert (sidecar["records"], sidecar["rows"], sidecar["records_summed"],
            sidecar["records_beside_a_published_total"]) == (8, 3, 2, 2)
    assert "test-key" not in json.dumps(sidecar)
    loaded = dataset.load([tmp_path])
    assert {p.source for p in loaded.provenance} == {sidecar["source"]}
    assert not loaded.synthetic


def test_the_written_text_has_no_float_noise():
    converted = comtrade_tariffline.convert(WRITTEN.read_bytes())
    text = converted.body().decode()
    # 1000.2 + 4000.1 is 5000.299999999999 in binary floats
    assert '"netWgt": 5000.3' in text and "5000.29999" not in text
    assert (converted.received, len(converted.records)) == (8, 3)


def test_a_line_whose_weight_one_breakdown_lacks_is_value_only_not_understated():
    answer = json.loads(WRITTEN.read_bytes())
    for record in answer["data"]:  # a test edit: Japan's air freight without a weight
        if record["partnerCode"] == 392 and str(record["motCode"]) == "1000":
            record["netWgt"] = None
    converted = comtrade_tariffline.convert(json.dumps(answer).encode())
    japan = next(r for r in converted.records if r["partnerCode"] == 392)
    assert japan["netWgt"] is None
    assert japan["primaryValue"] == Decimal("250000.0") + Decimal("900000.5")


def test_national_lines_land_under_their_hs6_in_the_catalogue(tmp_path):
    routes = {"/data/v1/getTariffline/C/M/HS|156": [ok(WRITTEN)]}
    with ReplayServer(Replay(routes, by_path)) as base_url:
        comtrade.run(request(tmp_path, base_url, tariff_lines="only"), client())
    frame = dataset.load([tmp_path]).frame
    codes = list(Catalogue.of(frame).commodities)
    assert codes == ["28469013", "28469015", "85051110"]
    assert {commodities.parent(c) for c in codes} == {"284690", "850511"}
    assert Catalogue.of(frame).commodities["28469015"].startswith("Dysprosium oxide")


def test_only_without_a_key_uses_the_tariff_line_preview_and_no_final_data(tmp_path):
    routes = {"/public/v1/previewTariffline/C/M/HS|156": [ok(WRITTEN)]}
    replay = Replay(routes, by_path)
    with ReplayServer(replay) as base_url:
        made = request(tmp_path, base_url, key=None, tariff_lines="only", first_year=2024)
        comtrade.run(made, client())
    assert {r["path"] for r in replay.requests} == {"/public/v1/previewTariffline/C/M/HS"}
    assert {r["query"]["maxRecords"] for r in replay.requests} == {"500"}
    assert all("Ocp-Apim-Subscription-Key" not in r["headers"] for r in replay.requests)
    sidecar = json.loads(next(tmp_path.glob("*.meta.json")).read_text())
    assert "previewTariffline" in sidecar["source"] and "preview" in sidecar["title"]


def test_a_full_answer_splits_a_rerun_resumes_and_an_unsplittable_one_is_partial(tmp_path):
    routes = {"/data/v1/getTariffline/C/A/HS|156,392": [ok(WRITTEN)],
              "/data/v1/getTariffline/C/A/HS|156": [ok(WRITTEN)],
              "/data/v1/getTariffline/C/A/HS|392": [ok(EMPTY)]}
    replay = Replay(routes, by_path)
    with ReplayServer(replay) as base_url:
        made = request(tmp_path, base_url, freq="A", reporters=(156, 392), tariff_lines="only",
                       commodities=("284690",), record_cap=8, tariff_records_per_line=1)
        report = comtrade.run(made, client())
        rerun = client()
        comtrade.run(made, rerun)
    assert [r["query"]["reporterCode"] for r in replay.requests] == ["156,392", "156", "392"]
    assert report.partial == [query.Piece("tariffline", "A", (156,), ("2024",),
                                          ("284690",)).piece_id]
    assert rerun.requests_made == 0


def test_tariff_line_codes_drop_headings_their_subheadings_cover_and_refuse_total():
    assert query.tariff_line_codes(query.RARE_EARTHS) == tuple(RARE_EARTH_HS6.split(","))
    assert query.tariff_line_codes(("2846", "850511")) == ("2846", "850511")
    with pytest.raises(ValueError, match="TOTAL"):
        query.tariff_line_codes(("TOTAL",))


def test_the_command_line_flag(tmp_path, capsys):
    args = cli.build_parser().parse_args(["fetch", "comtrade", "--tariff-lines"])
    assert args.tariff_lines == "also"
    args = cli.build_parser().parse_args(["fetch", "comtrade", "--tariff-lines", "only"])
    assert args.tariff_lines == "only"
    assert cli.build_parser().parse_args(["fetch", "comtrade"]).tariff_lines == "none"
    code = cli.main(["fetch", "comtrade", "--commodities", "TOTAL", "--tariff-lines",
                     "--out", str(tmp_path)])
    assert code == cli.EXIT_FETCH_STOPPED
    assert "tariff lines need HS codes" in capsys.readouterr().err


def test_the_command_fetches_tariff_lines_from_the_replay(tmp_path, capsys):
    routes = {"/data/v1/getTariffline/C/M/HS|156": [ok(WRITTEN)]}
    with ReplayServer(Replay(routes, by_path)) as base_url:
        args = cli.build_parser().parse_args([
            "fetch", "comtrade", "--tariff-lines", "only", "--freq", "M", "--years", "2024",
            "--reporters", "CHN", "--key-env", "TARIFFLINE_TEST_KEY", "--base-url", base_url,
            "--out", str(tmp_path)])
        os.environ["TARIFFLINE_TEST_KEY"] = "test-key"
        try:
            code = cli.run_fetch(args, client())
        finally:
            del os.environ["TARIFFLINE_TEST_KEY"]
    out = capsys.readouterr().out
    assert code == 0
    assert "tariff lines: 3 national-line total(s) written" in out
    assert "not written: 1 record(s), a code of 9 digits" in out


@live_comtrade
def test_live_tariff_lines_for_china_rare_earth_compounds_load(tmp_path):
    made = comtrade.ComtradeRequest(tmp_path, 2023, 2023, "A", ("284690",), (156,),
                                    key=os.environ["COMTRADE_KEY"], tariff_lines="only")
    report = comtrade.run(made, HttpClient())
    loaded = dataset.load([tmp_path])
    assert loaded.problems == []
    assert loaded.stats["rows_used"] == report.tariff_line_rows > 0
    assert set(loaded.frame["hs6"]) == {"284690"}

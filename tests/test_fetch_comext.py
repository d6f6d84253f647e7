"""`dashboard.fetch.comext` against a local server replaying real Eurostat and ECB answers.

Replayed (tests/fixtures/fetch/comext, see ../SOURCE.md): two excerpts of a real DS-045409
SDMX-CSV answer (CN 32121000, Germany, 2024; rows as Eurostat sent them, numbers re-written
by pandas: `295.0` for `295`) and the ECB's real USD/EUR monthly SDMX-ML, 1999-01..2019-12.
The ECB file ends in 2019, so the real pair can only show the "no rate" path; conversion is
checked with rate tables built in the tests (named TEST_RATES_*, not ECB figures).
"""

from __future__ import annotations

import json
import os
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest
from fetch_server import Replay, ReplayServer, Reply, reachable

from dashboard.cli import main
from dashboard.fetch import comext, comext_rows, ecb_rates
from dashboard.fetch import comext_query as query
from dashboard.fetch.client import HttpClient
from dashboard.fetch.errors import Failure, FetchError
from dashboard.ingest import dataset

FIXTURES = Path(__file__).parent / "fixtures" / "fetch" / "comext"
DE_CN_WORLD = FIXTURES / "comext_DS-045409_DE_CN_WORLD_import_2024_excerpt.csv"  # 48 obs
DE_FR = FIXTURES / "comext_DS-045409_DE_FR_2024_excerpt.csv"  # 48 obs, both flows
ECB_1999_2019 = FIXTURES / "ecb_EXR_M.USD.EUR.SP00.A_1999-2019.xml"  # 252 months
RATES_PATH = "/service/data/EXR/M.USD.EUR.SP00.A"
MONTHS_2024 = [f"2024-{m:02d}" for m in range(1, 13)]
# Built in the test, NOT ECB figures: round numbers so the expected dollars are plain.
TEST_RATES_2024 = {month: Decimal("1.25") if month < "2024-07" else Decimal("1.5")
                   for month in MONTHS_2024}


def rates_xml_for_test(rates: dict[str, Decimal]) -> bytes:
    """A structure-specific SDMX-ML body holding the given (test-built) rates."""
    obs = "".join(f'<Obs TIME_PERIOD="{m}" OBS_VALUE="{r}"/>' for m, r in rates.items())
    return (f'<?xml version="1.0"?><message:StructureSpecificData xmlns:message="urn:test">'
            f'<message:DataSet><Series>{obs}</Series></message:DataSet>'
            f'</message:StructureSpecificData>').encode()


def by_service(path: str, query_: dict[str, str]) -> str:
    if path == RATES_PATH:
        return "ecb"
    return "comext|" + path.split(".")[3]  # the products position of the SDMX key


def ok(path: Path, content_type: str = "text/csv") -> Reply:
    return Reply(200, path.read_bytes(), content_type=content_type)


class Sleeps(list):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def client(**kwargs) -> HttpClient:
    return HttpClient(sleep=Sleeps(), log=lambda line: None, **kwargs)


def request(out: Path, base_url: str, **kwargs) -> comext.ComextRequest:
    fields = dict(out=out, first_year=2024, last_year=2024, codes=("32121000",),
                  base_url=base_url, rates_url=base_url + RATES_PATH)
    return comext.ComextRequest(**(fields | kwargs))


def pandas_totals(path: Path) -> dict[str, float]:
    """kg and EUR of an SDMX-CSV file, read with nothing but pandas."""
    raw = pd.read_csv(path)
    sums = raw.groupby("indicators")["OBS_VALUE"].sum()
    return {"kg": sums["QUANTITY_IN_100KG"] * 100, "eur": sums["VALUE_IN_EUROS"]}


def usd_at_test_rates(path: Path) -> float:
    """Dollars of an SDMX-CSV file's euros at TEST_RATES_2024, with nothing but pandas."""
    raw = pd.read_csv(path)
    eur = raw[raw["indicators"] == "VALUE_IN_EUROS"]
    return sum(v * float(TEST_RATES_2024[m]) for v, m in zip(eur.OBS_VALUE, eur.TIME_PERIOD))


def written(folder: Path) -> pd.DataFrame:
    return pd.concat([pd.read_csv(f, dtype={"commodity_code": str})
                      for f in sorted(folder.glob("comext_*.csv"))])


def sidecar(folder: Path) -> dict:
    return json.loads(next(folder.glob("comext_*.meta.json")).read_text())


def test_real_ecb_rates_parse_month_by_month():
    rates = ecb_rates.parse(ECB_1999_2019.read_bytes())
    assert len(rates) == 252 and min(rates) == "1999-01" and max(rates) == "2019-12"
    # read from the file by eye: <ObsDimension value="2008-07"/><ObsValue value="1.57696..."/>
    assert rates["2008-07"] == Decimal("1.576969565217391")
    assert rates["2019-12"] == Decimal("1.111345")
    assert "2024-01" not in rates


def test_real_comext_answer_without_2024_rates_keeps_weight_and_leaves_usd_empty(tmp_path):
    replay = Replay({"ecb": [ok(ECB_1999_2019, "application/xml")],
                     "comext|32121000": [ok(DE_CN_WORLD)]}, by_service)
    with ReplayServer(replay) as base_url:
        report = comext.run(request(tmp_path, base_url), client())
    comext_call = replay.requests[1]
    assert comext_call["path"] == (
        "/data/DS-045409/M." + "+".join(query.EU27)
        + "..32121000.1+2.VALUE_IN_EUROS+QUANTITY_IN_100KG")
    assert comext_call["query"] == {"startPeriod": "2024-01", "endPeriod": "2024-12",
                                    "format": "SDMX-CSV"}
    assert (report.observations, report.rows) == (48, 24)
    assert report.months_without_rate == set(MONTHS_2024) and not report.complete
    rows = written(tmp_path)
    assert rows["value_usd"].isna().all() and rows["usd_per_eur"].isna().all()
    expected = pandas_totals(DE_CN_WORLD)
    assert rows["value_eur"].sum() == pytest.approx(expected["eur"], rel=1e-12)
    assert rows["net_weight_kg"].sum() == pytest.approx(expected["kg"], rel=1e-12)
    meta = sidecar(tmp_path)
    assert float(meta["value_eur_total"]) == pytest.approx(expected["eur"], rel=1e-12)
    assert float(meta["net_weight_kg_total"]) == pytest.approx(expected["kg"], rel=1e-12)
    assert meta["exchange_rate"]["months_without_rate"] == MONTHS_2024
    assert "no rate" in meta["exchange_rate"]["why_no_rate"]
    assert "USD left empty" in meta["source"]
    loaded = dataset.load([tmp_path])
    assert loaded.problems == []
    assert loaded.stats["rows_read"] == loaded.stats["rows_used"] == 24
    assert set(loaded.frame["partner"]) == {"CHN", "WLD"}
    assert set(loaded.frame["partner_kind"]) == {"country", "world"}
    assert dict(zip(loaded.frame["partner"], loaded.frame["eu_trade"])) == {
        "CHN": "extra-EU", "WLD": ""}
    assert set(loaded.frame["hs6"]) == {"321210"}
    assert loaded.provenance[0].months_without_rate == tuple(MONTHS_2024)
    assert not loaded.synthetic
    assert report.arrived == {"DEU": set(MONTHS_2024)}


def test_conversion_with_a_test_rate_table_is_eur_times_the_months_rate():
    rates = TEST_RATES_2024 | {"2024-12": None}  # December: no rate, on purpose
    converted = comext_rows.convert(DE_CN_WORLD.read_bytes(), rates.get)
    got = {(r["partner"], r["period"]): r for r in converted.rows}
    raw = pd.read_csv(DE_CN_WORLD, dtype={"OBS_VALUE": str})
    eur = raw[raw["indicators"] == "VALUE_IN_EUROS"]
    for row in eur.itertuples():
        partner = {"CN": "CHN", "WORLD": "WLD"}[row.partner]
        value_usd = got[(partner, row.TIME_PERIOD)]["value_usd"]
        if row.TIME_PERIOD == "2024-12":
            assert value_usd == ""
        else:
            expected = (Decimal(row.OBS_VALUE) * TEST_RATES_2024[row.TIME_PERIOD]).quantize(
                Decimal("0.01"))
            assert Decimal(value_usd) == expected
    assert converted.months_without_rate == {"2024-12"}
    assert converted.rates_used["2024-01"] == "1.25"
    # one row checked by hand: the file's line "DE,CN,32121000,1,VALUE_IN_EUROS,2024-01,
    # 61844.0" at the test's 1.25 USD per EUR is 77,305 USD, and 23.75 x 100 kg = 2,375 kg
    assert got[("CHN", "2024-01")]["value_usd"] == "77305"
    assert got[("CHN", "2024-01")]["net_weight_kg"] == "2375"


@pytest.mark.parametrize("update", [False, True], ids=["rerun", "update"])
def test_a_later_run_refetches_pieces_written_without_a_rate_once_the_rate_exists(tmp_path,
                                                                                 update):
    routes = {"ecb": [ok(ECB_1999_2019, "application/xml"),
                      Reply(200, rates_xml_for_test(TEST_RATES_2024))],
              "comext|32121000": [ok(DE_CN_WORLD)]}
    replay = Replay(routes, by_service)
    with ReplayServer(replay) as base_url:
        comext.run(request(tmp_path, base_url), client())
        second = comext.run(request(tmp_path, base_url, update=update), client())
    # with update: nothing newer than 2024-12 is held, yet the piece waiting for its rates
    # is fetched again
    assert (second.fetched, second.skipped, second.complete) == (1, 0, True)
    assert any("written without a rate" in note for note in second.notes) == update
    rows = written(tmp_path)
    expected_usd = usd_at_test_rates(DE_CN_WORLD)
    assert rows["value_usd"].sum() == pytest.approx(expected_usd, rel=1e-12)
    meta = sidecar(tmp_path)
    assert meta["exchange_rate"]["usd_per_eur_by_month"]["2024-07"] == "1.5"
    assert meta["exchange_rate"]["months_without_rate"] == []
    loaded = dataset.load([tmp_path])
    assert loaded.problems == [] and loaded.stats["rows_used"] == 24
    assert loaded.frame["value_usd"].sum() == pytest.approx(expected_usd, rel=1e-12)


def first_half_of_2024(path: Path) -> bytes:
    """The real excerpt cut to January-June (a test edit): a folder fetched mid-year."""
    raw = pd.read_csv(path, dtype=str)
    return raw[raw["TIME_PERIOD"] <= "2024-06"].to_csv(index=False).encode()


def test_update_does_not_fetch_newer_months_twice_when_their_year_is_fetched_again(tmp_path):
    routes = {"ecb": [ok(ECB_1999_2019, "application/xml"),
                      Reply(200, rates_xml_for_test(TEST_RATES_2024))],
              "comext|32121000": [Reply(200, first_half_of_2024(DE_CN_WORLD),
                                        content_type="text/csv"), ok(DE_CN_WORLD)]}
    replay = Replay(routes, by_service)
    with ReplayServer(replay) as base_url:
        comext.run(request(tmp_path, base_url), client())
        update = comext.run(request(tmp_path, base_url, update=True), client())
    comext_calls = [r for r in replay.requests if r["path"] != RATES_PATH]
    # the year's piece again (its rates arrived), not also a July-December piece
    assert [c["query"]["startPeriod"] for c in comext_calls] == ["2024-01", "2024-01"]
    assert update.fetched == 1
    loaded = dataset.load([tmp_path])
    assert loaded.problems == [] and loaded.stats["rows_used"] == 24
    assert len(list(tmp_path.glob("comext_*.csv"))) == 1


def test_a_piece_fetched_again_and_empty_removes_its_earlier_file(tmp_path):
    routes = {"ecb": [ok(ECB_1999_2019, "application/xml"),
                      Reply(200, rates_xml_for_test(TEST_RATES_2024))],
              "comext|32121000": [ok(DE_CN_WORLD), Reply(404, b"No results found")]}
    replay = Replay(routes, by_service)
    with ReplayServer(replay) as base_url:
        comext.run(request(tmp_path, base_url), client())
        assert len(list(tmp_path.glob("comext_*"))) == 2  # the CSV and its sidecar
        second = comext.run(request(tmp_path, base_url), client())
    assert second.fetched == 1 and second.rows == 0
    assert not list(tmp_path.glob("comext_*"))
    assert any("earlier file" in note and "removed" in note for note in second.notes)


def test_intra_eu_rows_are_country_rows_typed_intra_eu_and_counted(tmp_path):
    replay = Replay({"ecb": [Reply(200, rates_xml_for_test(TEST_RATES_2024))],
                     "comext|32121000": [ok(DE_FR)]}, by_service)
    with ReplayServer(replay) as base_url:
        report = comext.run(request(tmp_path, base_url), client())
    assert report.rows == 24 and report.complete
    meta = sidecar(tmp_path)
    assert meta["intra_eu_rows"] == 24
    assert "EU27_2020" in meta["intra_eu_note"]
    loaded = dataset.load([tmp_path])
    assert loaded.problems == []
    assert set(loaded.frame["eu_trade"]) == {"intra-EU"}
    assert set(loaded.frame["flow"]) == {"import", "export"}
    assert set(loaded.frame["partner"]) == {"FRA"} and set(loaded.frame["reporter"]) == {"DEU"}
    expected = pandas_totals(DE_FR)
    assert loaded.frame["net_weight_kg"].sum() == pytest.approx(expected["kg"], rel=1e-12)


def test_a_partner_without_a_place_in_the_frame_is_counted_not_written():
    # The real excerpt with WORLD renamed (a test edit) to Comext's extra-EU aggregate.
    body = DE_CN_WORLD.read_bytes().replace(b",WORLD,", b",EXT_EU27_2020,")
    converted = comext_rows.convert(body, TEST_RATES_2024.get)
    assert len(converted.rows) == 12 and converted.observations == 48
    [(reason, count)] = converted.set_aside.items()
    assert count == 24 and "EXT_EU27_2020" in reason


def test_429_on_comext_waits_for_retry_after_then_succeeds(tmp_path):
    routes = {"ecb": [Reply(200, rates_xml_for_test(TEST_RATES_2024))],
              "comext|32121000": [Reply(429, b"Too many requests", {"Retry-After": "7"}),
                                  ok(DE_CN_WORLD)]}
    replay = Replay(routes, by_service)
    sleeper = client()
    with ReplayServer(replay) as base_url:
        report = comext.run(request(tmp_path, base_url), sleeper)
    assert sleeper.sleep == [7.0]
    assert report.rows == 24 and len(replay.requests) == 3


def test_401_stops_at_once_and_says_no_key_is_needed(tmp_path):
    routes = {"ecb": [Reply(200, rates_xml_for_test(TEST_RATES_2024))],
              "comext|32121000": [Reply(401, b"Unauthorized")]}
    replay = Replay(routes, by_service)
    with ReplayServer(replay) as base_url, pytest.raises(FetchError) as raised:
        comext.run(request(tmp_path, base_url), client())
    assert raised.value.failure.reason is Failure.BAD_KEY
    assert "need no key" in raised.value.failure.message
    assert "--key-env" not in raised.value.failure.message
    assert len(replay.requests) == 2


@pytest.mark.parametrize("announce_length", [True, False])
def test_a_truncated_body_is_retried_then_reported(tmp_path, announce_length):
    body = DE_CN_WORLD.read_bytes()
    cut = Reply(200, body, cut_at=1000, content_type="text/csv",
                announce_length=announce_length)
    routes = {"ecb": [Reply(200, rates_xml_for_test(TEST_RATES_2024))], "comext|32121000": [cut]}
    replay = Replay(routes, by_service)
    retrying = client(max_attempts=3)
    with ReplayServer(replay) as base_url, pytest.raises(FetchError) as raised:
        comext.run(request(tmp_path, base_url), retrying)
    assert raised.value.failure.reason is Failure.TRUNCATED
    # with a Content-Length the client sees the short body; without, the CSV's own form
    said = "1,000 bytes" if announce_length else "stops early"
    assert said in raised.value.failure.message
    assert retrying.sleep == [2.0, 4.0] and len(replay.requests) == 4
    assert not list(tmp_path.glob("*.csv"))


def test_an_interrupted_run_resumes_with_the_pieces_not_finished(tmp_path):
    routes = {"ecb": [Reply(200, rates_xml_for_test(TEST_RATES_2024))],
              "comext|32121000": [ok(DE_CN_WORLD)],
              # any real answer serves here: its rows carry their own product code
              "comext|28469060": [Reply(503, b"Service Unavailable"), ok(DE_FR)]}
    replay = Replay(routes, by_service)
    two_codes = dict(codes=("32121000", "28469060"), codes_per_call=1)
    with ReplayServer(replay) as base_url:
        with pytest.raises(FetchError) as raised:
            comext.run(request(tmp_path, base_url, **two_codes), client(max_attempts=1))
        rerun_client = client()
        second = comext.run(request(tmp_path, base_url, **two_codes), rerun_client)
    assert raised.value.failure.reason is Failure.OUTAGE
    assert (second.skipped, second.fetched) == (1, 1)
    # the rerun asks for the rates and the unfinished piece only
    assert rerun_client.requests_made == 2
    assert [by_service(r["path"], {}) for r in replay.requests] == [
        "ecb", "comext|32121000", "comext|28469060", "ecb", "comext|28469060"]
    loaded = dataset.load([tmp_path])
    assert loaded.problems == [] and loaded.stats["rows_used"] == 48


def test_the_cli_fetches_and_exits_1_when_months_lack_a_rate(tmp_path, capsys):
    replay = Replay({"ecb": [ok(ECB_1999_2019, "application/xml")],
                     "comext|32121000": [ok(DE_CN_WORLD)]}, by_service)
    with ReplayServer(replay) as base_url:
        code = main(["fetch", "comext", "--years", "2024", "--codes", "3212.10.00",
                     "--out", str(tmp_path), "--base-url", base_url,
                     "--rates-url", base_url + RATES_PATH])
    out = capsys.readouterr().out
    assert code == 1
    assert "48 observations, 24 rows" in out and "no ECB rate for 2024-01" in out
    assert main(["validate", str(tmp_path)]) == 0


def test_cn8_codes_from_the_command_line():
    assert query.cn8_codes("2846 90 60, 8505.11.10") == ("28469060", "85051110")
    assert query.cn8_codes("rare-earths") == query.RARE_EARTHS
    assert {code[:6] for code in query.RARE_EARTHS} == {"280530", "284610", "284690",
                                                         "850511"}
    with pytest.raises(ValueError, match="284690"):
        query.cn8_codes("284690")


@pytest.mark.skipif(not os.environ.get("COMEXT_LIVE") or not reachable("ec.europa.eu"),
                    reason="live test: needs COMEXT_LIVE=1 and network")
def test_live_comext_rare_earth_compounds_load_with_every_row_used(tmp_path):
    made = comext.ComextRequest(tmp_path, 2024, 2024, codes=("28469060",))
    report = comext.run(made, HttpClient())
    loaded = dataset.load([tmp_path])
    assert loaded.problems == []
    assert loaded.stats["rows_used"] == report.rows > 0

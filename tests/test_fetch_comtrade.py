"""`dashboard.fetch.comtrade` against a local server replaying real Comtrade API responses.

Responses (tests/fixtures/real/comtrade_api, tests/fixtures/fetch; see their SOURCE.md) are
served byte for byte; which one answers a query is the test's routing, by reporter code.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from fetch_server import Replay, ReplayServer, Reply, live_comtrade

from dashboard.fetch import comtrade
from dashboard.fetch import comtrade_query as query
from dashboard.fetch.client import HttpClient
from dashboard.fetch.errors import Failure, FetchError
from dashboard.ingest import dataset

REAL = Path(__file__).parent / "fixtures" / "real" / "comtrade_api"
FETCH = Path(__file__).parent / "fixtures" / "fetch"
CHINA_2010 = REAL / "comtradr_final_C_A_HS_CHN_2010_total.json"  # 4 records
INDIA_WORLD = REAL / "un_comtrade_sdk_preview_C_A_HS_IND_2022_X_world_total.json"  # 1
INDIA_USA = REAL / "un_comtrade_sdk_preview_C_A_HS_IND_2022_X_usa_total.json"  # 1
EMPTY = FETCH / "comtradr_bulk_get_C_A_HS_empty.json"  # 0 records


def by_reporter(path: str, query_: dict[str, str]) -> str:
    return f"{query_.get('reporterCode', 'all')}|{query_.get('period')}"


def ok(path: Path) -> Reply:
    return Reply(200, path.read_bytes())


def plain_count(paths: list[Path]) -> int:
    """Records in responses, counted with nothing but json."""
    return sum(len(json.loads(p.read_bytes())["data"]) for p in paths)


class Sleeps(list):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def client(**kwargs) -> HttpClient:
    return HttpClient(sleep=Sleeps(), log=lambda line: None, **kwargs)


def request(out: Path, base_url: str, **kwargs) -> comtrade.ComtradeRequest:
    fields = dict(out=out, first_year=2010, last_year=2010, freq="A", commodities=("TOTAL",),
                  reporters=(156, 699), key="test-key", base_url=base_url)
    return comtrade.ComtradeRequest(**(fields | kwargs))


def test_pieces_are_fetched_written_and_load_with_every_row_used(tmp_path):
    replay = Replay({"156|2010": [ok(CHINA_2010)], "699|2010": [ok(INDIA_WORLD)]}, by_reporter)
    with ReplayServer(replay) as base_url:
        # a 100-record limit with 100 records estimated per line: one reporter a call
        report = comtrade.run(request(tmp_path, base_url, record_cap=100), client())
    assert [r["query"]["reporterCode"] for r in replay.requests] == ["156", "699"]
    assert all(r["path"] == "/data/v1/get/C/A/HS" for r in replay.requests)
    assert replay.requests[0]["headers"]["Ocp-Apim-Subscription-Key"] == "test-key"
    assert report.records == 5 and report.complete
    loaded = dataset.load([tmp_path])
    assert loaded.problems == []
    assert loaded.stats["rows_read"] == loaded.stats["rows_used"] == plain_count(
        [CHINA_2010, INDIA_WORLD])
    assert not loaded.synthetic
    assert {p.licence for p in loaded.provenance} == {comtrade.LICENCE}
    sidecar = json.loads(next(tmp_path.glob("*r156*.meta.json")).read_text())
    assert sidecar["records"] == 4 and sidecar["query"]["params"]["reporterCode"] == "156"
    assert "test-key" not in json.dumps(sidecar)
    assert report.arrived == {"CHN": {"2010"}, "IND": {"2022"}}


def test_a_rerun_requests_nothing_for_finished_pieces(tmp_path):
    replay = Replay({"156|2010": [ok(CHINA_2010)], "699|2010": [ok(EMPTY)]}, by_reporter)
    with ReplayServer(replay) as base_url:
        first = comtrade.run(request(tmp_path, base_url, record_cap=100), client())
        second_client = client()
        second = comtrade.run(request(tmp_path, base_url, record_cap=100), second_client)
    assert (first.fetched, second.fetched, second.skipped) == (2, 0, 2)
    assert second_client.requests_made == 0 and len(replay.requests) == 2
    # the empty answer writes no data file (it would load as an empty-file problem)
    assert [p.name for p in tmp_path.glob("*.json") if not p.name.endswith(".meta.json")] == [
        f"{query.Piece('final', 'A', (156,), ('2010',), ('TOTAL',)).piece_id}.json"]


def test_a_full_answer_is_split_and_an_unsplittable_one_kept_as_partial(tmp_path):
    routes = {"156,699|2010": [ok(CHINA_2010)], "156|2010": [ok(CHINA_2010)],
              "699|2010": [ok(INDIA_USA)]}
    replay = Replay(routes, by_reporter)
    with ReplayServer(replay) as base_url:
        # 4 records is the limit here: the two-reporter answer is full, so it is split
        made = request(tmp_path, base_url, record_cap=4, records_per_line=1)
        report = comtrade.run(made, client())
        rerun_client = client()
        comtrade.run(made, rerun_client)
    assert [r["query"]["reporterCode"] for r in replay.requests] == ["156,699", "156", "699"]
    assert report.partial == [query.Piece("final", "A", (156,), ("2010",), ("TOTAL",)).piece_id]
    assert rerun_client.requests_made == 0
    loaded = dataset.load([tmp_path])
    assert loaded.stats["rows_used"] == plain_count([CHINA_2010, INDIA_USA]) == 5
    partial = json.loads(next(tmp_path.glob("*r156*.meta.json")).read_text())
    assert "limit" in partial["partial"]


def test_429_waits_for_retry_after_then_succeeds(tmp_path):
    routes = {"156|2010": [Reply(429, b'{"statusCode": 429, "message": "Rate limit"}',
                                 {"Retry-After": "7"}), ok(CHINA_2010)]}
    replay = Replay(routes, by_reporter)
    sleeper = client()
    with ReplayServer(replay) as base_url:
        report = comtrade.run(request(tmp_path, base_url, reporters=(156,)), sleeper)
    assert sleeper.sleep == [7.0]
    assert report.records == 4 and len(replay.requests) == 2


def test_a_wait_longer_than_allowed_stops_with_rate_limited(tmp_path):
    routes = {"156|2010": [Reply(429, b"{}", {"Retry-After": "3600"})]}
    with ReplayServer(Replay(routes, by_reporter)) as base_url, pytest.raises(
            FetchError) as raised:
        comtrade.run(request(tmp_path, base_url, reporters=(156,)), client())
    assert raised.value.failure.reason is Failure.RATE_LIMITED
    assert "3,600 s" in raised.value.failure.message


def test_401_stops_at_once_as_a_bad_key(tmp_path):
    body = (b'{ "statusCode": 401, "message": "Access denied due to invalid subscription key.'
            b' Make sure to provide a valid key for an active subscription." }')
    replay = Replay({"156|2010": [Reply(401, body)]}, by_reporter)
    with ReplayServer(replay) as base_url, pytest.raises(FetchError) as raised:
        comtrade.run(request(tmp_path, base_url, reporters=(156,)), client())
    assert raised.value.failure.reason is Failure.BAD_KEY
    assert "invalid subscription key" in raised.value.failure.message
    assert len(replay.requests) == 1


def test_a_truncated_body_is_retried_then_reported(tmp_path):
    cut = Reply(200, CHINA_2010.read_bytes(), cut_at=1000)
    replay = Replay({"156|2010": [cut]}, by_reporter)
    retrying = client(max_attempts=3)
    with ReplayServer(replay) as base_url, pytest.raises(FetchError) as raised:
        comtrade.run(request(tmp_path, base_url, reporters=(156,)), retrying)
    assert raised.value.failure.reason is Failure.TRUNCATED
    assert "1,000 bytes" in raised.value.failure.message
    assert retrying.sleep == [2.0, 4.0] and len(replay.requests) == 3
    assert not list(tmp_path.glob("*.json"))


def test_an_outage_backs_off_exponentially_then_says_so(tmp_path):
    replay = Replay({"156|2010": [Reply(503, b"Service Unavailable")]}, by_reporter)
    retrying = client(max_attempts=4, backoff_seconds=1.5)
    with ReplayServer(replay) as base_url, pytest.raises(FetchError) as raised:
        comtrade.run(request(tmp_path, base_url, reporters=(156,)), retrying)
    assert raised.value.failure.reason is Failure.OUTAGE
    assert retrying.sleep == [1.5, 3.0, 6.0]


def test_without_a_key_the_preview_endpoint_is_used_without_a_key_header(tmp_path):
    replay = Replay({"699|2010": [ok(INDIA_WORLD)]}, by_reporter)
    with ReplayServer(replay) as base_url:
        comtrade.run(request(tmp_path, base_url, key=None, reporters=(699,)), client())
    sent = replay.requests[0]
    assert sent["path"] == "/public/v1/preview/C/A/HS"
    assert sent["query"]["maxRecords"] == "500"
    assert "Ocp-Apim-Subscription-Key" not in sent["headers"]


def test_update_asks_only_for_periods_newer_than_the_folder_holds(tmp_path):
    routes = {"156|2010": [ok(CHINA_2010)], "156|2011": [ok(EMPTY)],
              "156|2012": [ok(EMPTY)]}
    replay = Replay(routes, by_reporter)
    with ReplayServer(replay) as base_url:
        comtrade.run(request(tmp_path, base_url, reporters=(156,)), client())
        later = request(tmp_path, base_url, reporters=(156,), last_year=2012, update=True)
        report = comtrade.run(later, client())
        again = comtrade.run(later, client())  # empty years are asked for again
    assert [r["query"]["period"] for r in replay.requests] == [
        "2010", "2011", "2012", "2011", "2012"]
    assert report.notes == ["update: the folder holds periods up to 2010;"
                            " asking for 2 newer period(s)"]
    assert again.fetched == 2


def test_monthly_plans_hold_at_most_12_months_and_never_cross_a_year():
    months = query.periods(2019, 2020, "M")
    pieces = query.plan("final", "M", (156, 392), months, query.RARE_EARTHS, 250_000)
    assert [len(p.periods) for p in pieces] == [12, 12]
    assert {p.periods[0][:4] == p.periods[-1][:4] for p in pieces} == {True}
    assert {p.reporters for p in pieces} == {(156, 392)}
    preview = query.plan("preview", "M", (156,), months, query.RARE_EARTHS, 500)
    # 500 records at ~100 per line: 5 lines a call, so codes split 5 + 2, one month each
    assert len(preview) == 24 * 2
    assert sorted({p.commodities for p in preview}) == [
        ("280530", "284610", "284690", "850511", "2805"), ("2846", "8505")]


def test_reporters_and_codes_from_the_command_line():
    assert query.reporter_codes("CHN,usa,FRA,IND") == (156, 842, 251, 699)
    assert query.reporter_codes("all") == ()
    assert query.commodity_codes("2846.90, 850511") == ("284690", "850511")
    with pytest.raises(ValueError, match="XYZ"):
        query.reporter_codes("XYZ")
    with pytest.raises(ValueError, match="28469"):
        query.commodity_codes("2846x,28469")


@live_comtrade
def test_live_final_data_for_china_rare_earth_compounds_loads(tmp_path):
    made = comtrade.ComtradeRequest(tmp_path, 2023, 2023, "A", ("284690",), (156,),
                                    key=os.environ["COMTRADE_KEY"])
    report = comtrade.run(made, HttpClient())
    loaded = dataset.load([tmp_path])
    assert loaded.stats["rows_used"] == report.records > 0

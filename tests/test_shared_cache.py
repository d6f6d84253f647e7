"""Scale-out: rendered views cached in a real Redis server, shared by two workers."""

from __future__ import annotations

import pytest
import redis
from callback_requests import tab_request
from gunicorn_server import free_port


@pytest.fixture(scope="module")
def redis_url(redis_server) -> str:
    return redis_server[0]


def post(app, query: str) -> dict:
    response = app.server.test_client().post("/_dash-update-component",
                                             json=tab_request(app, "map.figure", query))
    assert response.status_code == 200, response.data[:300]
    return response.get_json()


def test_two_workers_share_rendered_views_through_redis(redis_url, make_app):
    workers = [make_app(redis_url=redis_url) for _ in range(2)]
    client = redis.Redis.from_url(redis_url)
    client.flushdb()
    query = "?commodity=280530&period=2023&baseline=2022&perspective=reporter&partner=CHN"
    first = post(workers[0], query)
    keys = client.keys("rare-earth:*")
    assert keys, "the first worker stored its rendered view in Redis"
    second = post(workers[1], query)
    assert second == first  # the second worker answered from the shared entry
    assert client.keys("rare-earth:*") == keys
    other = post(workers[1], query.replace("2023", "2024"))
    assert other != first and len(client.keys("rare-earth:*")) > len(keys)


def test_without_redis_each_worker_caches_in_process(make_app):
    app = make_app()
    query = "?commodity=280530&period=2023&perspective=reporter"
    assert post(app, query) == post(app, query)


def test_an_unreachable_redis_slows_answers_but_never_breaks_them(make_app):
    app = make_app(redis_url=f"redis://127.0.0.1:{free_port()}/0")
    answer = post(app, "?commodity=280530&period=2023")
    assert answer["response"]["map"]["figure"]["data"]

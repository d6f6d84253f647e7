"""Scale-out: rendered views cached in a real Redis server, shared by two workers."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time

import pytest
import redis
from callback_requests import tab_request


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory):
    server = shutil.which("redis-server")
    if not server:
        pytest.fail("redis-server is not installed: run scripts/test.sh, which installs it")
    port, folder = free_port(), tmp_path_factory.mktemp("redis")
    process = subprocess.Popen([server, "--port", str(port), "--bind", "127.0.0.1",
                                "--save", "", "--appendonly", "no", "--dir", str(folder)],
                               stdout=subprocess.DEVNULL)
    client = redis.Redis(port=port)
    deadline = time.monotonic() + 10
    while True:
        try:
            client.ping()
            break
        except redis.ConnectionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)
    yield f"redis://127.0.0.1:{port}/0"
    process.terminate()
    process.wait(10)


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

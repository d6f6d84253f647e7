"""Static files go out brotli-compressed at quality 11 (dashboard/web/precompressed.py):
made once per file content, kept in memory and on disk, never made by a request's own
thread; clients that do not accept br get Flask-Compress's answer or the plain file."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import brotli
import pytest
from flask import Flask, jsonify
from flask_compress import Compress

from dashboard.web.precompressed import BROTLI_QUALITY, BrotliBodies, register

ASSETS = Path(__file__).resolve().parents[1] / "assets"
SCRIPT = "/static/app.js"
BR = {"Accept-Encoding": "gzip, deflate, br, zstd"}  # what Chromium sends


class Deferred:
    """A `run` that keeps the jobs until the test runs them (the background thread's place)."""

    def __init__(self):
        self.jobs = []

    def __call__(self, job) -> None:
        self.jobs.append(job)

    def run_all(self) -> None:
        while self.jobs:
            self.jobs.pop(0)()


@pytest.fixture
def script_bytes() -> bytes:
    # Varied enough that quality 11 beats Flask-Compress's fast levels.
    return b"".join(b"function f%d(a){return a*%d+'%s';}\n" % (i, i * 7, str(i * i).encode())
                    for i in range(4000))


def small_app(folder: Path, bodies: BrotliBodies, script: bytes) -> Flask:
    (folder / "static").mkdir()
    (folder / "static" / "app.js").write_bytes(script)
    app = Flask("static_test", static_folder=str(folder / "static"))
    Compress(app)  # as Dash(compress=True) does, before our hook is registered

    @app.route("/api/numbers")
    def numbers():
        return jsonify(values=list(range(2000)))

    register(app, ["/static/"], bodies)
    return app


def test_the_first_answer_does_not_wait_and_later_ones_are_brotli(tmp_path, script_bytes):
    deferred = Deferred()
    app = small_app(tmp_path, BrotliBodies(tmp_path / "br", deferred, memory={}), script_bytes)
    client = app.test_client()
    first = client.get(SCRIPT, headers=BR)
    assert first.headers.get("Content-Encoding") != "br"  # Flask-Compress's, made at once
    assert len(deferred.jobs) == 1
    assert len(client.get(SCRIPT, headers=BR).get_data()) and len(deferred.jobs) == 1
    deferred.run_all()
    answer = client.get(SCRIPT, headers=BR)
    assert answer.headers["Content-Encoding"] == "br"
    body = answer.get_data()
    assert brotli.decompress(body) == script_bytes
    assert body == brotli.compress(script_bytes, quality=BROTLI_QUALITY, lgwin=22)
    assert int(answer.headers["Content-Length"]) == len(body)
    assert "Accept-Encoding" in answer.headers["Vary"]
    raw_etag = client.get(SCRIPT, headers={"Accept-Encoding": "identity"}).headers["ETag"]
    assert answer.headers["ETag"] == raw_etag[:-1] + ':br"'


def test_clients_without_br_get_gzip_or_the_plain_file(tmp_path, script_bytes):
    bodies = BrotliBodies(tmp_path / "br", lambda job: job(), memory={})
    client = small_app(tmp_path, bodies, script_bytes).test_client()
    assert client.get(SCRIPT, headers=BR).headers["Content-Encoding"] == "br"
    for accepted in ("gzip", "gzip, deflate", "br;q=0, gzip"):
        answer = client.get(SCRIPT, headers={"Accept-Encoding": accepted})
        assert answer.headers["Content-Encoding"] == "gzip", accepted
        assert gzip.decompress(answer.get_data()) == script_bytes
        assert int(answer.headers["Content-Length"]) == len(answer.get_data())
    for accepted in ({"Accept-Encoding": "identity"}, {}):
        answer = client.get(SCRIPT, headers=accepted)
        assert "Content-Encoding" not in answer.headers
        assert answer.get_data() == script_bytes


def test_a_revalidation_and_a_head_request(tmp_path, script_bytes):
    bodies = BrotliBodies(tmp_path / "br", lambda job: job(), memory={})
    client = small_app(tmp_path, bodies, script_bytes).test_client()
    answer = client.get(SCRIPT, headers=BR)
    again = client.get(SCRIPT, headers={**BR, "If-None-Match": answer.headers["ETag"]})
    assert again.status_code == 304 and again.get_data() == b""
    head = client.head(SCRIPT, headers=BR)
    assert head.headers["Content-Encoding"] == "br"
    assert int(head.headers["Content-Length"]) == len(answer.get_data())


def test_made_once_then_read_from_disk_by_another_process(tmp_path, script_bytes):
    first = BrotliBodies(tmp_path / "br", lambda job: job(), memory={})
    small_app(tmp_path, first, script_bytes).test_client().get(SCRIPT, headers=BR)
    assert first.made == 1
    assert [p.suffix for p in (tmp_path / "br").iterdir()] == [".br"]
    # Another worker: its own memory, the same folder, and a `run` that must not be needed.
    other = BrotliBodies(tmp_path / "br", lambda job: pytest.fail("compressed again"),
                         memory={})
    assert brotli.decompress(other.get(script_bytes)) == script_bytes
    assert other.made == 0


def test_dynamic_answers_are_left_to_flask_compress(tmp_path, script_bytes):
    deferred = Deferred()
    app = small_app(tmp_path, BrotliBodies(tmp_path / "br", deferred, memory={}), script_bytes)
    answer = app.test_client().get("/api/numbers", headers=BR)
    assert answer.headers["Content-Encoding"] == "zstd"  # Flask-Compress's first choice
    assert deferred.jobs == []


def test_the_app_sends_its_plotly_bundle_as_brotli(make_app):
    app = make_app()
    app.server.extensions["brotli_bodies"].run = lambda job: job()
    client = app.server.test_client()
    page = client.get("/").get_data(as_text=True)
    url = re.search(r'src="(/assets/plotly/plotly-partial\.min\.js\?m=[^"]+)"', page)[1]
    answer = client.get(url, headers=BR)
    assert answer.headers["Content-Encoding"] == "br"
    bundle = (ASSETS / "plotly" / "plotly-partial.min.js").read_bytes()
    assert brotli.decompress(answer.get_data()) == bundle
    assert len(answer.get_data()) < 0.3 * len(bundle)
    assert "immutable" in answer.headers["Cache-Control"]  # still a versioned asset
    bodies = app.server.extensions["brotli_bodies"]
    made = bodies.made
    assert client.get("/_dash-layout", headers=BR).status_code == 200  # made per request
    assert bodies.made == made  # so not kept

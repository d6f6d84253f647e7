"""The rendered-view caches have a budget and hold nothing executable.

Keys come from the canonical view (junk parameters are refused, equivalent spellings are
one entry); the in-process cache is bounded in bytes; Redis values are checked frames, so
a poisoned or junk value is a miss, and a paused Redis only makes answers slower.
"""

from __future__ import annotations

import os
import pickle
import signal
import time

import pytest
import redis
from callback_requests import tab_request

from dashboard import chart_files
from dashboard.settings import Settings
from dashboard.web import view_cache
from dashboard.web.app import create_app

MAP_HTML = "/export/map.html?commodity=280530&period=2024"


def local_store(app) -> view_cache.LocalCache:
    return app.server.extensions["view_cache"].store


# -- keys from the canonical view -----------------------------------------------------------

def test_a_junk_parameter_flood_adds_no_cache_entry(small_data, tmp_path):
    app = create_app(Settings(cache_dir=tmp_path), small_data)
    client, store = app.server.test_client(), local_store(app)
    first = client.get(MAP_HTML)
    assert first.status_code == 200
    assert (len(store), store.bytes) == (1, store.bytes)
    one_entry_bytes = store.bytes
    assert one_entry_bytes > len(first.data)  # the file and its frame
    statuses = {client.get(f"{MAP_HTML}&j={n}").status_code for n in range(600)}
    assert statuses == {400}  # unknown parameters are refused, never rendered or stored
    assert (len(store), store.bytes) == (1, one_entry_bytes)


def test_equivalent_spellings_of_one_view_are_one_entry(small_data, tmp_path):
    """Parameter order, number spellings and unknown upload tokens change no file."""
    app = create_app(Settings(cache_dir=tmp_path), small_data)
    client, store = app.server.test_client(), local_store(app)
    first = client.get(MAP_HTML).data
    variants = [f"/export/map.html?period=2024&commodity=280530&floor=1.{'0' * n}"
                f"&dataset=forged-{n}" for n in range(600)]
    assert all(client.get(url).data == first for url in variants)
    assert len(store) == 1


def test_image_size_spellings_are_one_render(small_data, tmp_path, monkeypatch):
    drawn = []
    monkeypatch.setattr(chart_files, "to_image",
                        lambda fig, fmt, width, height, scale: drawn.append(
                            (width, height, scale)) or b"PNG")
    app = create_app(Settings(cache_dir=tmp_path), small_data)
    client = app.server.test_client()
    png = "/export/map.png?commodity=280530&period=2024"
    for url in (f"{png}&width=1200", f"{png}&width=1200.0", f"{png}&scale=1&width=1.2e3",
                f"{png}&height=700"):
        assert client.get(url).data == b"PNG"
    assert drawn == [(1200, 700, 1)] and len(local_store(app)) == 1


def test_embeds_are_cached_by_their_canonical_view(small_data, tmp_path):
    app = create_app(Settings(cache_dir=tmp_path), small_data)
    client, store = app.server.test_client(), local_store(app)
    pages = [client.get(f"/embed/map?period=2024&junk{n}=1") for n in range(50)]
    assert {page.status_code for page in pages} == {200}
    assert "Unknown link parameter &#x27;junk7&#x27;" in pages[7].get_data(as_text=True)
    assert len(store) == 1  # one figure; the notices are the link's own words, not cached


# -- a byte budget ----------------------------------------------------------------------------

def test_the_local_cache_keeps_its_byte_budget_least_recently_used_first():
    store = view_cache.LocalCache(max_bytes=1000, max_item_bytes=400)
    for name in "abcd":
        assert store.set(name, name.encode() * 300)
    assert (len(store), store.bytes) == (3, 900)  # "a" went to make room for "d"
    assert store.get("a") is None and store.get("b") == b"b" * 300
    store.set("e", b"e" * 300)  # "b" was just used: "c" goes
    assert store.get("c") is None and store.get("b") is not None
    assert store.set("big", b"x" * 401) is False and store.get("big") is None
    assert store.bytes == sum(len(store.get(k)) for k in "bde") == 900


def test_the_app_cache_stays_inside_its_budget(small_data, tmp_path):
    app = create_app(Settings(cache_dir=tmp_path, cache_mb=0.5, cache_item_mb=0.4),
                     small_data)
    client, store = app.server.test_client(), local_store(app)
    sizes = []
    for period in ("2023", "2024", "2023-Q1", "2024-Q2", "2024-03"):
        response = client.get(f"/export/map.csv?commodity=280530&period={period}")
        assert response.status_code == 200
        sizes.append(len(response.data))
    assert store.bytes <= 500_000 and len(store) == 5  # small CSVs all fit
    html = client.get(MAP_HTML)  # the standalone HTML (plotly.js inside) is over 0.4 MB
    assert html.status_code == 200 and len(html.data) > 400_000
    assert len(store) == 5 and store.bytes <= 500_000


# -- values are checked frames, never pickles ---------------------------------------------------

def test_a_frame_written_for_another_key_or_secret_is_refused():
    blob = view_cache.pack("k1", [1, 2], view_cache.JSON, b"s")
    assert view_cache.unpack("k1", blob, view_cache.JSON, b"s") == [1, 2]
    for key, secret, junk in (("k2", b"s", blob), ("k1", b"", blob), ("k1", b"s", blob[:-1]),
                              ("k1", b"s", b"\x80\x04junk"), ("k1", b"s", b"")):
        with pytest.raises(view_cache.BadEntry):
            view_cache.unpack(key, junk, view_cache.JSON, secret)


class RunsCode:
    """A pickle that, when loaded, creates a file: proof that something ran."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.mkdir, (str(self.marker),))


@pytest.mark.parametrize("secret", ["", "a shared secret"])
def test_a_poisoned_redis_value_is_a_miss_never_code_or_a_500(redis_server, small_data,
                                                              tmp_path, caplog, secret):
    url, _ = redis_server
    client = redis.Redis.from_url(url)
    client.flushdb()
    app = create_app(Settings(cache_dir=tmp_path, redis_url=url, cache_secret=secret),
                     small_data)
    http = app.server.test_client()
    fresh = http.get(MAP_HTML).data
    query = "?commodity=280530&period=2024"
    tab = http.post("/_dash-update-component", json=tab_request(app, "map.figure", query))
    keys = client.keys("rare-earth:*")
    assert len(keys) == 2  # the export and the tab
    marker = tmp_path / "code-ran"
    for poison in (b"!" + pickle.dumps(RunsCode(marker)), pickle.dumps(RunsCode(marker)),
                   b"junk", view_cache.MAGIC + b"\x00" * 40):
        for key in keys:
            client.set(key, poison)
        assert http.get(MAP_HTML).data == fresh
        again = http.post("/_dash-update-component", json=tab_request(app, "map.figure", query))
        assert again.status_code == 200 and again.get_json() == tab.get_json()
        assert not marker.exists()
    assert "cache entry" in caplog.text and "ignored" in caplog.text
    assert all(client.get(key).startswith(view_cache.MAGIC) for key in keys)  # rewritten


def test_a_paused_redis_makes_answers_slower_never_errors(redis_server, small_data, tmp_path):
    url, process = redis_server
    settings = Settings(cache_dir=tmp_path, redis_url=url, redis_timeout_s=0.2)
    app = create_app(settings, small_data)
    http, store = app.server.test_client(), app.server.extensions["view_cache"].store
    assert http.get(MAP_HTML).status_code == 200  # connected, stored
    process.send_signal(signal.SIGSTOP)
    try:
        seconds = []
        for period in ("2023", "2024", "2023", "2024-Q1"):
            start = time.monotonic()
            response = http.get(f"/export/map.csv?commodity=280530&period={period}")
            seconds.append(time.monotonic() - start)
            assert response.status_code == 200 and b"280530" in response.data
        assert store.closed_until > time.monotonic()  # the breaker is open: Redis skipped
        # One call waited for the timeout; every later one skipped Redis (not ~10 s each).
        assert max(seconds) < 5, seconds
    finally:
        process.send_signal(signal.SIGCONT)
    store.closed_until = 0.0
    assert http.get(MAP_HTML).status_code == 200

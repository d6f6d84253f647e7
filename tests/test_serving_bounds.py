"""What one cheap request may cost, and what it may claim: image budgets and queues, view
links from trusted hosts only, malformed callbacks, debug routes and unknown paths."""

from __future__ import annotations

import json
import logging
import threading
from pathlib import Path

import pytest
from callback_requests import tab_request

from dashboard import chart_files
from dashboard.settings import Settings
from dashboard.web.app import create_app

VIEW = "commodity=280530&period=2024"
ASSETS = Path(__file__).resolve().parents[1] / "assets"


def client_for(data, tmp_path, **settings):
    return create_app(Settings(cache_dir=tmp_path, **settings), data).server.test_client()


def error_of(response, status: int) -> dict:
    assert response.status_code == status, response.data[:300]
    assert response.mimetype == "application/json"
    body = json.loads(response.data)
    assert list(body) == ["error"] and body["error"]["status"] == status
    return body["error"]


@pytest.fixture
def drawn(monkeypatch) -> list[tuple]:
    """Image renders asked of Chromium (each answered with b"PNG", without drawing)."""
    calls: list[tuple] = []
    monkeypatch.setattr(chart_files, "to_image", lambda fig, fmt, width, height, scale:
                        calls.append((fmt, width, height, scale)) or b"PNG")
    return calls


# -- images: a pixel budget and a queue -------------------------------------------------------

@pytest.mark.parametrize("sizes", ["width=4000&height=4000&scale=4",
                                   "width=4000&height=4000&scale=1.1",
                                   "width=2001&height=2000&scale=2"])
def test_an_image_over_the_pixel_budget_is_refused_before_drawing(small_data, tmp_path,
                                                                  drawn, sizes):
    client = client_for(small_data, tmp_path, image_megapixels=16)
    for fmt in ("png", "svg"):
        error = error_of(client.get(f"/export/map.{fmt}?{VIEW}&{sizes}"), 400)
        assert "over the limit of 16 million" in error["detail"]
        assert all(name in error["detail"] for name in ("width=", "height=", "scale="))
    assert drawn == []


def test_the_largest_image_in_the_budget_is_drawn_at_its_size(small_data, tmp_path, drawn):
    client = client_for(small_data, tmp_path, image_megapixels=16)
    response = client.get(f"/export/map.png?{VIEW}&width=2000&height=2000&scale=2")
    assert response.status_code == 200 and response.data == b"PNG"
    assert drawn == [("png", 2000, 2000, 2)]  # 2000 x 2000 x 2² = 16 million pixels


def test_images_over_the_render_limit_get_a_503_with_retry_after(small_data, tmp_path,
                                                                  monkeypatch):
    started, release = threading.Event(), threading.Event()

    def slow_image(fig, fmt, width, height, scale):
        started.set()
        release.wait(30)
        return b"PNG"

    monkeypatch.setattr(chart_files, "to_image", slow_image)
    client = client_for(small_data, tmp_path, image_renders=1, image_wait_s=0.01)
    answers = []
    first = threading.Thread(target=lambda: answers.append(
        client.get(f"/export/map.png?{VIEW}&width=800")))
    first.start()
    try:
        assert started.wait(30)
        busy = client.get(f"/export/map.png?{VIEW}&width=900")
        assert "too many images" in error_of(busy, 503)["detail"]
        assert int(busy.headers["Retry-After"]) > 0
        assert client.get(f"/export/map.csv?{VIEW}").status_code == 200  # not images: served
    finally:
        release.set()
        first.join(30)
    assert answers[0].status_code == 200
    assert client.get(f"/export/map.png?{VIEW}&width=900").status_code == 200  # place free


# -- honest hosts ---------------------------------------------------------------------------

def test_a_forged_host_gets_no_view_link_in_exports_or_embeds(small_data, tmp_path):
    client = client_for(small_data, tmp_path)
    forged = {"Host": "evil.example"}
    for url in (f"/export/map.csv?{VIEW}", f"/export/map.html?{VIEW}", f"/embed/map?{VIEW}"):
        text = client.get(url, headers=forged).get_data(as_text=True)
        assert "evil.example" not in text
    trusted = client.get(f"/export/map.csv?{VIEW}", headers={"Host": "localhost:8050"})
    assert f"http://localhost:8050/?{VIEW}" in trusted.get_data(as_text=True)


def test_the_configured_public_url_is_the_link_whatever_the_host(small_data, tmp_path):
    client = client_for(small_data, tmp_path, public_url="https://trade.example.org/ree")
    csv = client.get(f"/export/map.csv?{VIEW}", headers={"Host": "evil.example"})
    text = csv.get_data(as_text=True)
    assert f"https://trade.example.org/ree/?{VIEW}" in text and "evil.example" not in text
    embed = client.get(f"/embed/map?{VIEW}", headers={"Host": "evil.example"})
    figure = embed.get_data(as_text=True).split("id='figure'>")[1].split("</script>")[0]
    assert "https://trade.example.org/ree/?" in json.dumps(json.loads(figure))
    assert "evil.example" not in embed.get_data(as_text=True)


def test_cached_exports_vary_on_the_link_they_draw(small_data, tmp_path):
    client = client_for(small_data, tmp_path, allowed_hosts=("a.example", "b.example"))
    answers = {host: client.get(f"/export/map.csv?{VIEW}", headers={"Host": host})
               for host in ("a.example", "b.example", "evil.example")}
    assert "http://a.example/?" in answers["a.example"].get_data(as_text=True)
    assert "http://b.example/?" in answers["b.example"].get_data(as_text=True)
    assert len({answer.headers["ETag"] for answer in answers.values()}) == 3


# -- malformed callbacks, debug routes, unknown paths -------------------------------------------

@pytest.fixture(scope="module")
def app(small_data, tmp_path_factory):
    return create_app(Settings(cache_dir=tmp_path_factory.mktemp("cache")), small_data)


@pytest.mark.parametrize("change", [
    {"changedPropIds": None}, {"changedPropIds": 5}, {"changedPropIds": [["url.search"]]},
    {"changedPropIds": [None]}, {"changedPropIds": "url.search"},
    {"inputs": None}, {"state": 5}, {"outputs": None}, {"output": ["map.figure"]},
])
def test_malformed_callback_payloads_are_a_400_without_a_traceback(app, caplog, change):
    body = tab_request(app, "map.figure", f"?{VIEW}") | change
    with caplog.at_level(logging.INFO):
        response = app.server.test_client().post("/_dash-update-component", json=body)
    error_of(response, 400)
    assert "Traceback" not in caplog.text and not [r for r in caplog.records if r.exc_info]


@pytest.mark.parametrize("missing", ["changedPropIds", "inputs", "outputs", "output"])
def test_a_callback_payload_missing_a_key_is_a_400_or_runs(app, caplog, missing):
    body = tab_request(app, "map.figure", f"?{VIEW}")
    del body[missing]
    response = app.server.test_client().post("/_dash-update-component", json=body)
    # Without changedPropIds Dash runs the callback (nothing triggered); the rest are 400s.
    assert response.status_code == (200 if missing == "changedPropIds" else 400)
    assert not [r for r in caplog.records if r.exc_info]


def test_a_clientside_callback_named_by_a_request_is_a_400(app):
    clientside = next(name for name, spec in app.callback_map.items()
                      if "callback" not in spec)
    error = error_of(app.server.test_client().post(
        "/_dash-update-component", json={"output": clientside, "inputs": []}), 400)
    assert "names no callback" in error["detail"]


def test_the_reload_hash_route_is_off_unless_debugging(small_data, tmp_path):
    assert client_for(small_data, tmp_path).get("/_reload-hash").status_code == 404
    debugging = client_for(small_data, tmp_path / "debug", debug=True).get("/_reload-hash")
    assert debugging.status_code != 404


@pytest.mark.parametrize("base", ["/", "/rare-earths/"])
def test_unknown_paths_are_404s_and_the_app_s_own_paths_answer(small_data, tmp_path, base):
    client = client_for(small_data, tmp_path, base_path=base)
    asset = next(p for p in ASSETS.iterdir() if p.suffix == ".css").name
    for path in ("", "methods", f"export/map.csv?{VIEW}", f"embed/map?{VIEW}", "healthz",
                 "_dash-layout", "_dash-dependencies", f"assets/{asset}",
                 "embed-assets/host.js"):
        assert client.get(f"{base}{path}").status_code == 200, path
    for path in ("nope", "wp-admin/setup.php", "methods/x", "index.html", "_reload-hash"):
        assert "no page" in error_of(client.get(f"{base}{path}"), 404)["detail"], path
    assert client.get(f"{base}embed/nope").status_code == 404

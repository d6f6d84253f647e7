"""The demo app on a loopback port (`server_url` in tests/conftest.py), asked over plain
HTTP: image exports of a view and the error shape of an unknown embed.
"""

from __future__ import annotations

import json
import struct

import pytest
from gunicorn_server import get

from dashboard import chart_files

# A view that differs from the default one in every way the map shows.
VIEW = ("commodity=28469016&period=2024&perspective=mirror&partner=CHN&baseline=2023"
        "&measure=weight&change=percent")


@pytest.mark.skipif(chart_files.find_browser() is None, reason="no Chromium for image export")
def test_image_exports_of_the_view(server_url):
    status, headers, png = get(f"{server_url}/export/map.png?width=800&height=500&{VIEW}")
    assert status == 200, png[:300]
    assert headers["Content-Type"] == "image/png"
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and png[12:16] == b"IHDR"
    assert struct.unpack(">II", png[16:24]) == (800, 500)
    status, headers, svg = get(f"{server_url}/export/map.svg?{VIEW}")
    text = svg.decode("utf-8")
    assert status == 200 and headers["Content-Type"].startswith("image/svg+xml")
    assert "Net weight: change, 2024 against 2023" in text
    assert "Source: Synthetic demo data" in text
    assert f"View: {server_url}/?commodity=28469016" in text


def test_unknown_embed_is_the_json_404_naming_the_charts(server_url):
    """The error shape of every other bad request: status, title, detail."""
    status, headers, body = get(f"{server_url}/embed/nope")
    assert status == 404 and headers["Content-Type"].startswith("application/json")
    error = json.loads(body)["error"]
    assert set(error) == {"status", "title", "detail"} and error["status"] == 404
    assert "no chart named 'nope'" in error["detail"] and "gauges" in error["detail"]

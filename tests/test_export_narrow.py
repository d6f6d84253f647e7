"""An image narrower than NARROW_IMAGE_PX is drawn as the phone's page is: the caption in
short lines, and at least as tall as those lines need (never a squeezed plot)."""

from __future__ import annotations

import re
import struct

import pytest
from test_export import needs_chromium

from dashboard import chart_files
from dashboard.ingest import dataset
from dashboard.settings import DEFAULT_DATA, Settings
from dashboard.web.app import create_app
from dashboard.web.exports import NARROW_IMAGE_PX


@pytest.fixture(scope="module")
def http(tmp_path_factory):
    app = create_app(Settings(cache_dir=tmp_path_factory.mktemp("cache")),
                     dataset.load([DEFAULT_DATA]))
    yield app.server.test_client()
    chart_files.shutdown()


def svg(client, width: int, height: int) -> tuple[str, int]:
    """The exported SVG of the gauges and its drawn height (px)."""
    answer = client.get(f"/export/gauges.svg?tab=dependency&width={width}&height={height}")
    assert answer.status_code == 200, answer.data[:300]
    text = answer.get_data(as_text=True)
    return text, int(float(re.search(r'<svg[^>]* height="([0-9.]+)"', text).group(1)))


@needs_chromium
def test_a_narrow_image_gets_the_phone_layout_and_its_height(http):
    narrow, narrow_height = svg(http, NARROW_IMAGE_PX - 200, 300)
    wide, wide_height = svg(http, 1200, 300)
    assert wide_height == 300  # as asked
    assert narrow_height > 300  # 300 px would squeeze the gauges under the caption's lines
    # The subtitle's first line ends where the phone's 46 characters end, not the wide 88.
    assert "scandium and</tspan>" in narrow and "scandium and</tspan>" not in wide


@needs_chromium
def test_a_narrow_png_is_as_tall_as_its_caption_needs(http):
    answer = http.get("/export/series.png?tab=series&width=400&height=300")
    assert answer.status_code == 200
    width, height = struct.unpack(">II", answer.data[16:24])
    assert width == 400 and height > 300

"""Exports: CSV that spreadsheets cannot run, offline standalone HTML, PNG/SVG via kaleido."""

from __future__ import annotations

import io
import json
import logging
import os
import re
import signal
import struct
import subprocess
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest
from purity import top_level_imports

from dashboard import chart_files
from dashboard.figures.caption import Caption
from dashboard.figures.choropleth import MapSpec, build_map

ROOT = Path(__file__).resolve().parents[1]
TITLE = "Export test map"
SOURCE_LINE = "Source: synthetic export test rows."
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]

needs_chromium = pytest.mark.skipif(
    chart_files.find_browser() is None,
    reason="no Chromium: install Debian's chromium (/usr/bin/chromium) or set BROWSER_PATH")


def map_figure() -> go.Figure:
    """A small real map from the real builder; Singapore needs the 50m geometry."""
    table = pd.DataFrame(
        {"country_name": ["Japan", "South Korea", "Singapore", "Germany"],
         "value": [12000.0, 3000.0, 500.0, 0.0], "row_count": [2, 1, 1, 1],
         "reported_by_text": ["Japan", "South Korea", "Singapore", "Germany"]},
        index=pd.Index(["JPN", "KOR", "SGP", "DEU"], name="iso3"))
    spec = MapSpec("value", "t", "Net weight", "Q1 2025", "from China")
    caption = Caption(TITLE, "Imports of rare-earth metals", SOURCE_LINE, "2025-03",
                      synthetic=True)
    return build_map(table, spec, caption)


def rows() -> pd.DataFrame:
    return pd.DataFrame(
        {"country_name": ["Japan", "=HYPERLINK(\"http://x\",\"y\")",
                          "<img src=x onerror=alert(1)>", None],
         "value": [1.5, -2.5, np.nan, 3.0], "row_count": [1, -2, 3, 4],
         "estimated": [True, False, True, False]},
        index=pd.Index(["JPN", "KOR", "XXX", "USA"], name="iso3"))


def header(**changes) -> dict[str, str]:
    base = chart_files.make_header(
        source="UN Comtrade (synthetic demo)", units="t", filters="Imports from China, Q1 2025",
        view_url="http://intranet/dash/?measure=weight&period=2025-Q1", synthetic=True,
        generated=datetime(2025, 4, 1, 12, 0, tzinfo=UTC))
    return {**base, **changes}


# --- CSV --------------------------------------------------------------------------------

@pytest.mark.parametrize(("cell", "expected"), [
    ("=1+1", "'=1+1"),
    ("+1", "'+1"),
    ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
    ("@SUM(A1)", "'@SUM(A1)"),
    ("\t=1", "'\t=1"),
    ("\r=1", "'\r=1"),
    ("-2.5", "'-2.5"),  # text that looks like a number is still text
    ("Japan", "Japan"),
    ("<img src=x onerror=alert(1)>", "<img src=x onerror=alert(1)>"),
    ("", ""),
    (-2.5, -2.5),  # a real number stays a number
    (-3, -3),
    (None, None),
])
def test_neutralise_cell(cell, expected):
    assert chart_files.neutralise_cell(cell) == expected


def test_csv_has_a_header_block_and_exactly_the_rows_readable_by_pandas():
    text = chart_files.to_csv(rows(), header())
    comments = [line for line in text.splitlines() if line.startswith("#")]
    parsed = dict(line[2:].split(": ", 1) for line in comments)
    assert parsed == header()
    assert list(parsed) == ["source", "units", "filters", "view_url", "generated", "synthetic"]
    back = pd.read_csv(io.StringIO(text), comment="#")
    assert list(back.columns) == ["iso3", "country_name", "value", "row_count", "estimated"]
    assert list(back["iso3"]) == ["JPN", "KOR", "XXX", "USA"]
    assert len(back) == len(rows())


def test_csv_keeps_numbers_numeric_and_neutralises_only_text():
    text = chart_files.to_csv(rows(), header())
    back = pd.read_csv(io.StringIO(text), comment="#")
    assert back["value"].dtype == np.float64 and back["value"][1] == -2.5
    assert back["row_count"].dtype == np.int64 and back["row_count"][1] == -2
    assert back["country_name"][1] == "'=HYPERLINK(\"http://x\",\"y\")"
    assert back["country_name"][2] == "<img src=x onerror=alert(1)>"  # plain text, untouched
    assert ',-2.5,-2,' in text  # written bare, so a spreadsheet reads a number
    assert list(back["estimated"]) == [True, False, True, False]


def test_csv_neutralises_column_names_and_header_values():
    frame = pd.DataFrame({"=cmd": ["a"], "ok": ["@x"]})
    text = chart_files.to_csv(frame, header(filters="=HYPERLINK(1), +evil; @x\nsecond line"))
    assert "# filters: '=HYPERLINK(1), '+evil; '@x second line\n" in text
    back = pd.read_csv(io.StringIO(text), comment="#")
    assert list(back.columns) == ["'=cmd", "ok"]
    assert back["ok"][0] == "'@x"
    assert len([line for line in text.splitlines() if line.startswith("#")]) == 6


def test_csv_drops_a_plain_range_index():
    text = chart_files.to_csv(pd.DataFrame({"a": [1, 2]}), {})
    assert text == '"a"\n1\n2\n'


def test_sidecar_json_is_the_header():
    assert json.loads(chart_files.sidecar_json(header())) == header()


# --- standalone HTML -------------------------------------------------------------------

def test_required_topojson_follows_each_geo_subplot():
    fig = map_figure()
    assert chart_files.required_topojson(fig) == {"world_50m"}
    fig.add_trace(go.Scattergeo(lon=[0], lat=[0], geo="geo2"))
    assert chart_files.required_topojson(fig) == {"world_50m", "world_110m"}
    assert chart_files.required_topojson(go.Figure(go.Bar(y=[1]))) == set()


def _unpacked(page: str, element_id: str) -> str:
    import base64
    import gzip

    start = page.index(f'id="{element_id}">') + len(f'id="{element_id}">')
    text = page[start:page.index("</script>", start)].strip()
    return gzip.decompress(base64.b64decode(text)).decode("utf-8") if text else ""


def test_standalone_html_inlines_the_partial_bundle_and_geometry_and_loads_nothing():
    config = {"topojsonURL": "/assets/topojson/", "showSendToCloud": True,
              "displaylogo": True, "toImageButtonOptions": {"filename": "map"}}
    page = chart_files.standalone_html(map_figure(), "Map <export> & more", config)
    assert page.startswith("<!doctype html>")
    assert "<title>Map &lt;export&gt; &amp; more</title>" in page
    assert _unpacked(page, "plotly-gz") == chart_files.PLOTLY_BUNDLE.read_text(encoding="utf-8")
    assert "partial bundle" in _unpacked(page, "plotly-gz")[:200]
    assert list(json.loads(_unpacked(page, "geometry-gz"))) == ["world_50m"]
    assert "Plotly.newPlot" in page and "DecompressionStream" in page
    assert not re.search(r"<script[^>]*\ssrc=", page)
    assert "/assets/topojson/" not in page
    assert '"showSendToCloud": false' in page and '"displaylogo": false' in page
    assert '"responsive": true' in page
    assert len(page.encode("utf-8")) <= 2_000_000  # was 4.8-5.7 MB with the full bundle


def test_standalone_html_fills_its_window_but_keeps_the_figure_height():
    page = chart_files.standalone_html(map_figure(), "t", {})
    start = page.index('id="figure">') + len('id="figure">')
    figure = json.loads(page[start:page.index("</script>", start)])
    assert figure["layout"]["autosize"] is True and "height" not in figure["layout"]
    height = int(map_figure().layout.height or 450)
    assert f"min-height: {height}px" in page and "100vh" in page


def test_standalone_html_geometry_is_the_committed_file():
    page = chart_files.standalone_html(map_figure(), "t", {})
    inlined = json.loads(_unpacked(page, "geometry-gz"))["world_50m"]
    assert inlined == json.loads((ROOT / "assets/topojson/world_50m.json").read_text())


def test_standalone_html_config_strings_cannot_close_the_script():
    config = {"toImageButtonOptions": {"filename": "</script><script>alert(1)</script>"}}
    page = chart_files.standalone_html(go.Figure(go.Bar(y=[1])), "t", config)
    assert "<script>alert(1)" not in page
    assert _unpacked(page, "geometry-gz") == ""  # no map, nothing to inline


def test_standalone_html_refuses_geometry_it_does_not_have():
    fig = go.Figure(go.Choropleth(locations=["FRA"], z=[1], locationmode="ISO-3"))
    fig.update_geos(scope="europe")
    with pytest.raises(ValueError, match="europe_110m"):
        chart_files.standalone_html(fig, "t", {})


# --- images ----------------------------------------------------------------------------

def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


@pytest.fixture(scope="module")
def image_server():
    yield
    chart_files.shutdown()


def test_bad_image_requests_fail_before_chromium():
    fig = go.Figure()
    for kwargs in ({"fmt": "pdf"}, {"width": 10}, {"height": 100_000}, {"scale": 0},
                   {"scale": 10}):
        with pytest.raises(ValueError):
            chart_files.to_image(fig, **kwargs)


@needs_chromium
def test_png_of_a_map_has_the_requested_pixel_size(image_server):
    data = chart_files.to_image(map_figure(), "png", width=500, height=320, scale=2)
    assert png_size(data) == (1000, 640)


@needs_chromium
def test_svg_of_a_map_has_its_title_and_source_line(image_server):
    svg = chart_files.to_image(map_figure(), "svg", width=900, height=500).decode()
    assert svg.lstrip().startswith("<svg")
    assert TITLE in svg and SOURCE_LINE in svg
    assert "choroplethlocation" in svg  # countries drawn: the local geometry was found


@needs_chromium
def test_concurrent_renders_each_get_their_own_image(image_server):
    results: dict[int, bytes] = {}

    def render(width: int) -> None:
        results[width] = chart_files.to_image(go.Figure(go.Bar(y=[1, 2])), "png", width, 200)

    threads = [threading.Thread(target=render, args=(w,)) for w in (300, 400, 500)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert {w: png_size(data)[0] for w, data in results.items()} == {300: 300, 400: 400,
                                                                     500: 500}


def chromium_children() -> list[int]:
    """Processes this test process started to run kaleido's Chromium (its pipe wrapper)."""
    found = []
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            parent = int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1])
            command = (proc / "cmdline").read_bytes().decode(errors="replace")
        except (OSError, IndexError, ValueError):
            continue
        if parent == os.getpid() and "chromium" in command:
            found.append(int(proc.name))
    return found


@needs_chromium
@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux /proc")
def test_a_dead_chromium_fails_one_export_then_is_replaced(image_server):
    fig = go.Figure(go.Bar(y=[1, 2]))
    chart_files.to_image(fig, "png", 300, 200)
    children = chromium_children()
    assert children, "kaleido's Chromium should be a child of this process"
    for pid in children:
        os.kill(pid, signal.SIGKILL)
    with pytest.raises(chart_files.ImageExportError):
        chart_files.to_image(fig, "png", 300, 200)
    assert png_size(chart_files.to_image(fig, "png", 300, 200)) == (300, 200)


# --- purity ----------------------------------------------------------------------------

def test_export_never_imports_dash():
    imported, = top_level_imports([ROOT / "dashboard" / "chart_files.py"]).values()
    assert "plotly" in imported, "the reader sees the imports"
    assert not imported & {"dash", "dash_ag_grid", "flask"}
    code = ("import sys, dashboard.chart_files; "
            "assert not {'dash', 'flask'} & set(sys.modules), sorted(sys.modules)")
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)


def test_abandoned_kaleido_tasks_are_logged_in_one_line(caplog):
    """No traceback is formatted from a task finalizer (it can break a running ast.parse)."""
    chart_files.start_image_server()
    try:
        raise ConnectionError("Executor is closed.")
    except ConnectionError:
        logging.getLogger("asyncio").error("Task exception was never retrieved",
                                           exc_info=True)
    record = next(r for r in caplog.records if "never retrieved" in r.getMessage())
    assert record.exc_info is None
    assert "ConnectionError('Executor is closed.')" in record.getMessage()

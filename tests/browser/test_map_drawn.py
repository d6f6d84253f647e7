"""What Chromium drew on the map: the grey marks off the scale, a small focused country's
own colour, the focus callout."""

from __future__ import annotations

import struct
import zlib

import numpy as np
import pytest
from browser_helpers import SCREENSHOTS, value_locations

from dashboard.web.ids import ID

pytestmark = pytest.mark.browser

CHANGE_VIEW = ("/?commodity=28469015&period=2025-Q1&baseline=2024-Q1&change=percent"
               "&perspective=mirror&partner=CHN&focus=KOR")
# Viet Nam reports HS 2805.30 only annually in 2020: grey on a quarter's map.
VALUE_VIEW = "/?commodity=280530&period=2020-Q1&baseline=&perspective=reporter"


def parse(colour: str) -> tuple[int, int, int]:
    """"rgb(1, 2, 3)" or "#010203" -> (1, 2, 3)."""
    if colour.startswith("#"):
        return tuple(int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return tuple(int(float(p)) for p in colour[colour.index("(") + 1:-1].split(",")[:3])


def lab(rgb) -> np.ndarray:
    c = np.array(rgb, float) / 255
    c = np.where(c > 0.04045, ((c + 0.055) / 1.055) ** 2.4, c / 12.92)
    xyz = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722],
                    [0.0193, 0.1192, 0.9505]]) @ c / np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > 0.008856, np.cbrt(xyz), 7.787 * xyz + 16 / 116)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def trace_fills(page, name: str) -> list[str]:
    """Computed fills of one choropleth trace's country paths."""
    return page.evaluate(
        """([map, name]) => { const g = document.querySelector(map + ' .js-plotly-plot');
           const k = g.data.filter(t => t.type === 'choropleth').findIndex(t => t.name === name);
           if (k < 0) return [];
           const trace = document.querySelectorAll(map + ' .choroplethlayer .trace')[k];
           return Array.from(trace.querySelectorAll('path'), p => getComputedStyle(p).fill); }""",
        [f"#{ID.MAP}", name])


def colour_bar_stops(page) -> list[str]:
    """The colours of the drawn colour bar: its gradient's stops."""
    return page.evaluate(
        f"() => Array.from(document.querySelectorAll('#{ID.MAP} linearGradient stop'),"
        " s => s.getAttribute('stop-color') || getComputedStyle(s).stopColor)")


def land_fill(page) -> str:
    return page.evaluate("() => getComputedStyle(document.querySelector("
                         f"'#{ID.MAP} .geo .layer.backplot .land path, #{ID.MAP} .geo"
                         " .land')).fill")


@pytest.mark.parametrize("path", [CHANGE_VIEW, VALUE_VIEW],
                         ids=["percent change", "value"])
def test_grey_countries_are_drawn_off_the_scale(open_page, path):
    page = open_page(path).page
    gaps = {parse(fill) for fill in trace_fills(page, "coarser data only")}
    stops = [parse(stop) for stop in colour_bar_stops(page)]
    assert gaps and len(stops) >= 5
    for gap in gaps:
        nearest = min(np.linalg.norm(lab(gap) - lab(stop)) for stop in stops)
        assert nearest >= 15, (gap, nearest)
        assert np.linalg.norm(lab(gap) - lab(parse(land_fill(page)))) >= 15


def png_pixels(data: bytes) -> np.ndarray:
    """RGB pixels of an 8-bit, non-interlaced PNG (what Chromium's screenshots are)."""
    chunks, at = {}, 8
    while at < len(data):
        size, kind = struct.unpack(">I4s", data[at:at + 8])
        chunks[kind] = chunks.get(kind, b"") + data[at + 8:at + 8 + size]
        at += 12 + size
    width, height, depth, colour_type = struct.unpack(">IIBB", chunks[b"IHDR"][:10])
    assert depth == 8 and colour_type in (2, 6)
    channels = 4 if colour_type == 6 else 3
    raw, stride = zlib.decompress(chunks[b"IDAT"]), width * channels
    rows, previous = [], bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1:start + 1 + stride])
        for x in range(stride):
            a = line[x - channels] if x >= channels else 0
            b, c = previous[x], previous[x - channels] if x >= channels else 0
            line[x] = (line[x] + (0, a, b, (a + b) // 2, _paeth(a, b, c))[kind]) & 255
        rows.append(line)
        previous = line
    return np.array(rows, dtype=np.uint8).reshape(height, width, channels)[:, :, :3]


def _paeth(a: int, b: int, c: int) -> int:
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    return a if pa <= pb and pa <= pc else (b if pb <= pc else c)


def test_a_focused_small_country_keeps_its_colour(open_page):
    """South Korea is about 6x9 px at 1366 px: an outline over it once left no colour."""
    page = open_page(CHANGE_VIEW).page
    korea = value_locations(page).index("KOR")
    own = parse(trace_fills(page, "value")[korea])
    assert parse(trace_fills(page, "focus_fill")[0]) == own  # drawn again over the ring
    box = page.evaluate(
        """([map, i]) => { const g = document.querySelector(map + ' .js-plotly-plot');
           const k = g.data.findIndex(t => t.name === 'value');
           const path = document.querySelectorAll(map + ' .choroplethlayer .trace')[k]
               .querySelectorAll('path')[i];
           const r = path.getBoundingClientRect();
           return {x: r.x, y: r.y, width: r.width, height: r.height}; }""", [f"#{ID.MAP}", korea])
    pixels = png_pixels(page.screenshot(clip=box)).reshape(-1, 3)
    close = [np.linalg.norm(lab(own) - lab(p)) < 6 for p in pixels]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "map-focus-kor.png"),
                    clip={"x": box["x"] - 40, "y": box["y"] - 40, "width": box["width"] + 80,
                          "height": box["height"] + 80})
    # Measured at 1366 px: 35% of the bounding box (sea and islands take the rest) is the
    # country's own colour; with the old outline drawn over the fill, 24%.
    assert sum(close) / len(close) >= 0.3, (box, sum(close) / len(close), own)


def test_the_focus_callout_names_the_country_and_its_change(open_page):
    page = open_page(CHANGE_VIEW).page
    texts = page.evaluate("() => Array.from(document.querySelectorAll("
                          f"'#{ID.MAP} .annotation-text'), t => t.textContent)")
    callout = next(text for text in texts if text.startswith("South Korea"))
    assert "%" in callout and "now" in callout and " t" in callout
    # it sits in the map's top-right corner, clear of every country the map colours
    boxes = page.evaluate(
        """(map) => { const t = Array.from(document.querySelectorAll(map + ' .annotation'))
               .find(a => a.textContent.startsWith('South Korea')).getBoundingClientRect();
           const paths = document.querySelectorAll(map + ' .choroplethlayer path');
           return [[t.left, t.top, t.right, t.bottom], Array.from(paths, p => {
               const r = p.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom];
           })]; }""", f"#{ID.MAP}")
    callout_box, countries = boxes
    overlapping = [c for c in countries if c[0] < callout_box[2] and callout_box[0] < c[2]
                   and c[1] < callout_box[3] and callout_box[1] < c[3] and c[2] - c[0] < 500]
    assert overlapping == []

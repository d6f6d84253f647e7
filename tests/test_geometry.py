"""The map's simplified geometry (scripts/simplify_geometry.py) still draws every country
the data names: each has an outline with an area in assets/topojson/world_50m.json."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from dashboard.ingest.countries import DRAWN_AS, is_aggregate

GEOMETRY = Path(__file__).resolve().parents[1] / "assets" / "topojson" / "world_50m.json"


def ring_areas(topology: dict) -> dict[str, float]:
    """Per country id: its outline's area in square degrees (sum over rings, shoelace)."""
    scale = np.array(topology["transform"]["scale"])
    arcs = [np.cumsum(np.array(arc, dtype=np.int64), axis=0) * scale for arc in topology["arcs"]]
    areas = {}
    for geometry in topology["objects"]["countries"]["geometries"]:
        polygons = geometry["arcs"] if geometry["type"] == "MultiPolygon" else [
            geometry.get("arcs") or []]
        total = 0.0
        for ring in (ring for polygon in polygons for ring in polygon):
            points = np.vstack([arcs[i] if i >= 0 else arcs[~i][::-1] for i in ring])
            x, y = points[:, 0], points[:, 1]
            total += abs(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))) / 2
        areas[geometry.get("id")] = total
    return areas


@pytest.fixture(scope="module")
def topology() -> dict:
    return json.loads(GEOMETRY.read_text(encoding="utf-8"))


def test_the_served_geometry_is_the_simplified_one(topology):
    assert topology["simplified"] == {"tolerance_deg": 0.02, "grid": 100_000}
    assert GEOMETRY.stat().st_size < 600_000  # bytes; the exact arcs were 859,453


def test_every_country_of_the_data_keeps_an_outline(topology, demo_data):
    areas = ring_areas(topology)
    names = demo_data.frame["reporter"].astype(str).tolist() + demo_data.frame[
        "partner"].astype(str).tolist()
    drawn = {DRAWN_AS.get(code, code) for code in set(names)
             if not is_aggregate(code) or code in DRAWN_AS}
    assert len(drawn) > 20
    missing = sorted(code for code in drawn if areas.get(code, 0) <= 0)
    assert missing == []


def test_small_places_that_matter_for_re_exports_keep_their_size(topology):
    """Singapore, Hong Kong, Macao, Malta, Bahrain (what 110m lacks), and Monaco, whose two
    arcs each fell to a straight line before rings were checked: areas in square degrees
    within 30 % of plotly's exact 50m outlines (measured on the exact arcs of
    geometry.mjs's output)."""
    exact = {"SGP": 0.0345126, "HKG": 0.0554515, "MAC": 0.0014939, "MLT": 0.0340893,
             "BHR": 0.0523596, "MCO": 0.0002341}
    areas = ring_areas(topology)
    for code, area in exact.items():
        assert areas[code] == pytest.approx(area, rel=0.3), code

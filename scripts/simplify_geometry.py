"""Simplify the map's 50m geometry once, at build time: fewer bytes on every first page.

    .venv/bin/python scripts/simplify_geometry.py [--tolerance 0.02] [--grid 100000]

Reads assets/topojson/world_50m.json as frontend/plotly-partial/geometry.mjs writes it
(plotly.js's own 50m geometry, layers pruned, exact arcs) and rewrites it with:
- each arc simplified by Douglas-Peucker to `--tolerance` degrees (0.02 deg is about
  1/20 of a pixel on the page's world map, 1/5 on a 2x PNG export), its end points kept,
  so arcs shared by two countries stay shared (the borders still meet);
- coordinates on a `--grid` of the world's extent (100,000 steps: 0.0036 deg of
  longitude) instead of plotly's 1,000,000, repeated points dropped.
A ring that would fall under four points keeps its four farthest-apart points, so no
country vanishes: every country of the source still has an outline with an area, and one
whose outline moved by more than `--tolerance` (its bounding box) stops the script.
The result carries a "simplified" entry, and a file that has one is left alone: run
geometry.mjs first to start again from the exact arcs.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

TARGET = Path(__file__).resolve().parents[1] / "assets" / "topojson" / "world_50m.json"
MIN_RING = 4  # a closed ring: three corners and the point that closes it


def absolute_arcs(topology: dict) -> list[np.ndarray]:
    """Each arc as absolute quantized integer points (topojson stores deltas)."""
    return [np.cumsum(np.array(arc, dtype=np.int64), axis=0) for arc in topology["arcs"]]


def douglas_peucker(points: np.ndarray, tolerance: float) -> np.ndarray:
    """Indices of the points kept, first and last always; `tolerance` in point units."""
    keep = np.zeros(len(points), bool)
    keep[[0, -1]] = True
    stack = [(0, len(points) - 1)]
    while stack:
        start, end = stack.pop()
        if end - start < 2:
            continue
        segment = points[end] - points[start]
        offsets = points[start + 1:end] - points[start]
        length = np.hypot(*segment)
        if length == 0:  # a closed arc: distance to the shared end point
            distances = np.hypot(offsets[:, 0], offsets[:, 1])
        else:
            distances = np.abs(segment[0] * offsets[:, 1] - segment[1] * offsets[:, 0]) / length
        far = int(np.argmax(distances))
        if distances[far] > tolerance:
            middle = start + 1 + far
            keep[middle] = True
            stack += [(start, middle), (middle, end)]
    return np.flatnonzero(keep)


def ring_corners(points: np.ndarray) -> np.ndarray:
    """Indices of four points of a closed arc spread around it: the start, the point
    farthest from it, and one farthest from that chord on each side."""
    start = points[0]
    far = int(np.argmax(np.hypot(*(points - start).T)))
    chord = points[far] - start
    side = chord[0] * (points[:, 1] - start[1]) - chord[1] * (points[:, 0] - start[0])
    return np.unique([0, int(np.argmax(side)), far, int(np.argmin(side)), len(points) - 1])


def simplify_arc(points: np.ndarray, tolerance: float, factor: int) -> np.ndarray:
    """The arc simplified, then snapped to a grid `factor` times coarser, repeats dropped."""
    closed = len(points) > 2 and (points[0] == points[-1]).all()
    kept = points[douglas_peucker(points.astype(float), tolerance)]
    if closed and len(kept) < MIN_RING:
        kept = points[ring_corners(points)]
    snapped = np.rint(kept / factor).astype(np.int64)
    moves = np.any(np.diff(snapped, axis=0) != 0, axis=1)
    snapped = snapped[np.concatenate([[True], moves])]
    if len(snapped) == 1:
        snapped = np.vstack([snapped, snapped])  # a two-point arc: topojson needs both ends
    if closed and len(snapped) < MIN_RING:  # smaller than the grid: keep its exact corners
        return np.rint(points[ring_corners(points)] / factor).astype(np.int64)
    return snapped


def arcs_of_flat_rings(topology: dict, arcs: list[np.ndarray]) -> set[int]:
    """Arcs of the rings that lost their area (Monaco: one arc shared with France, one of
    coast, each down to its two end points)."""
    flat: set[int] = set()
    for geometry in topology["objects"]["countries"]["geometries"]:
        polygons = geometry["arcs"] if geometry["type"] == "MultiPolygon" else [
            geometry.get("arcs") or []]
        for ring in (ring for polygon in polygons for ring in polygon):
            points = np.vstack([arcs[i] if i >= 0 else arcs[~i][::-1] for i in ring])
            if ring_area(points.astype(float)) == 0:
                flat.update(i if i >= 0 else ~i for i in ring)
    return flat


def ring_area(points: np.ndarray) -> float:
    x, y = points[:, 0], points[:, 1]
    return abs(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))) / 2


def outlines(topology: dict, arcs: list[np.ndarray], scale: np.ndarray) -> dict[str, tuple]:
    """Per country: (bounding box in degrees, summed absolute ring area in square degrees)."""
    out = {}
    for geometry in topology["objects"]["countries"]["geometries"]:
        if not geometry.get("arcs"):
            continue
        polygons = geometry["arcs"] if geometry["type"] == "MultiPolygon" else [geometry["arcs"]]
        area, boxes = 0.0, []
        for polygon in polygons:
            for ring in polygon:
                points = np.vstack([arcs[i] if i >= 0 else arcs[~i][::-1] for i in ring])
                degrees = points * scale
                area += ring_area(degrees)
                boxes.append(np.r_[degrees.min(0), degrees.max(0)])
        box = np.vstack(boxes)
        out[geometry["id"]] = (np.r_[box[:, :2].min(0), box[:, 2:].max(0)], area)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tolerance", type=float, default=0.02, help="degrees")
    parser.add_argument("--grid", type=int, default=100_000, help="steps across the world")
    parser.add_argument("--file", type=Path, default=TARGET)
    args = parser.parse_args()
    topology = json.loads(args.file.read_text(encoding="utf-8"))
    if "simplified" in topology:
        sys.exit(f"{args.file} is simplified already ({topology['simplified']}); run"
                 " frontend/plotly-partial/geometry.mjs first to start from the exact arcs")
    scale = np.array(topology["transform"]["scale"])
    factor = round(1 / (scale[0] * args.grid / 360))  # 1e6 steps -> 1e5: factor 10
    tolerance = args.tolerance / scale[0]  # degrees of longitude -> source units
    source = absolute_arcs(topology)
    simple = [simplify_arc(points, tolerance, factor) for points in source]
    for index in arcs_of_flat_rings(topology, simple):  # a ring of several arcs gone flat
        simple[index] = simplify_arc(source[index], tolerance / 8, factor)
    check(outlines(topology, source, scale),
          outlines(topology, [a * factor for a in simple], scale), args.tolerance + 360 / args.grid)
    topology["arcs"] = [np.vstack([arc[:1], np.diff(arc, axis=0)]).tolist() for arc in simple]
    topology["transform"]["scale"] = (scale * factor).tolist()
    topology["simplified"] = {"tolerance_deg": args.tolerance, "grid": args.grid}
    text = json.dumps(topology, separators=(",", ":"))
    before = args.file.stat().st_size
    args.file.write_text(text, encoding="utf-8")
    print(f"{args.file}: {sum(map(len, source)):,} -> {sum(map(len, simple)):,} points,"
          f" {before / 1024:,.0f} -> {len(text) / 1024:,.0f} KB")


def check(exact: dict, simple: dict, bound: float) -> None:
    """Every country keeps an outline with an area, within `bound` degrees of its own."""
    lost = sorted(iso for iso in exact if iso not in simple or simple[iso][1] <= 0)
    moved = sorted(iso for iso in exact if iso in simple
                   and np.abs(simple[iso][0] - exact[iso][0]).max() > bound)
    if lost or moved:
        sys.exit(f"countries lost: {lost}; moved by more than {bound:g} deg: {moved}")
    ratios = {iso: simple[iso][1] / exact[iso][1] for iso in exact if exact[iso][1] > 0}
    worst = sorted(ratios, key=lambda iso: abs(np.log(ratios[iso])))[-5:]
    print(f"{len(simple)} countries, all with an outline; largest area changes:",
          ", ".join(f"{iso} x{ratios[iso]:.2f}" for iso in worst))


if __name__ == "__main__":
    main()

"""The map's colour scales, on fig.to_dict(): "no change" sits at 0% / 1x / 0 t whatever the
range, clipped ends say so, and the grey of "no comparable figure" is on no scale."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from plotly.colors import get_colorscale, hex_to_rgb, sample_colorscale, unlabel_rgb

from dashboard.figures.caption import Caption
from dashboard.figures.choropleth import MapSpec, build_map
from dashboard.figures.style import (
    DIVERGING_SCALE,
    GAP_COLOUR,
    NO_DATA_COLOUR,
    SEQUENTIAL_SCALE,
)

CAPTION = Caption("Title", "Subtitle", "Source: test rows.")
NAMES = {"KOR": "South Korea", "JPN": "Japan"}
NEUTRAL = sample_colorscale(get_colorscale(DIVERGING_SCALE), [0.5])[0]  # PuOr's white


def change_table(values: dict[str, float], baseline: float = 10.0) -> pd.DataFrame:
    """A change table as `country_table` gives it; `values` maps ISO3 -> value now."""
    now = pd.Series(values, dtype=float)
    return pd.DataFrame({
        "country_name": [NAMES.get(c, c) for c in now.index], "country_kind": "country",
        "value": now,
        "baseline": baseline, "absolute": now - baseline, "ratio": now / baseline,
        "percent": (now / baseline - 1) * 100, "change_note": "", "coverage": "complete",
        "row_count": 1}, index=pd.Index(now.index, name="iso3"))


def value_trace(table: pd.DataFrame, column: str, unit: str = "t", focus: str = "") -> dict:
    spec = MapSpec(column, unit, "Net weight", "Q1 2025", "from China", focus=focus)
    fig = build_map(table, spec, CAPTION).to_dict()
    return next(t for t in fig["data"] if t["name"] == "value")


def colour_at(trace: dict, z: float) -> str:
    """The colour plotly gives value z: its place on zmin..zmax, read off the scale."""
    place = (z - trace["zmin"]) / (trace["zmax"] - trace["zmin"])
    return sample_colorscale([list(step) for step in trace["colorscale"]], [place])[0]


def rgb(colour: str) -> tuple[float, ...]:
    return unlabel_rgb(colour) if colour.startswith("rgb") else hex_to_rgb(colour)


# Rises only, falls only, both and lopsided: the white must sit at "no change" each time.
RANGES = {"rises only": {"KOR": 11, "JPN": 40, "USA": 90, "PHL": 12},
          "falls only": {"KOR": 9, "JPN": 3, "USA": 1, "PHL": 6},
          "lopsided": {"KOR": 10.94, "JPN": 3.1, "USA": 500, "PHL": 14, "IND": 20}}
NO_CHANGE_Z = {"percent": 0.0, "ratio": 0.0, "absolute": 0.0}  # ratio's z is log2(ratio)


@pytest.mark.parametrize("column", ["percent", "ratio", "absolute"])
@pytest.mark.parametrize("values", RANGES.values(), ids=RANGES.keys())
def test_no_change_is_drawn_white_whatever_the_range(column, values):
    trace = value_trace(change_table(values), column)
    assert trace["zmin"] < NO_CHANGE_Z[column] < trace["zmax"]
    assert colour_at(trace, NO_CHANGE_Z[column]) == NEUTRAL
    # and a rise is on the other side of white from a fall (orange: more red than blue)
    red, _, blue = rgb(colour_at(trace, trace["zmax"] / 10))
    assert red > blue
    red, _, blue = rgb(colour_at(trace, trace["zmin"] / 10))
    assert blue > red


def test_a_small_rise_is_not_drawn_as_a_fall_on_a_lopsided_percent_scale():
    """The issue's case: +9.4% beside a +4,900% outlier was drawn the purple of -69%."""
    trace = value_trace(change_table(RANGES["lopsided"]), "percent")
    korea = trace["z"][trace["locations"].index("KOR")]
    assert korea == pytest.approx(9.4)
    red, _, blue = rgb(colour_at(trace, korea))
    assert red > blue


@pytest.mark.parametrize(("column", "unit", "top", "bottom"), [
    ("percent", "t", "+800% or more", "-100%"),  # 95th percentile 760% -> 800%
    ("ratio", "t", "16x or more", "0.0625x"),  # 8.6x -> 2^4, symmetric
    ("absolute", "t", "+80 t or more", "-80 t"),
    ("absolute", "USD", "+USD 80 or more", "-USD 80"),
])
def test_clipped_values_are_marked_on_the_colour_bar(column, unit, top, bottom):
    values = {f"C{i:02d}": 10 + 4 * i for i in range(20)} | {"KOR": 4010.0}  # one outlier
    trace = value_trace(change_table(values), column, unit)
    labels = trace["colorbar"]["ticktext"]
    assert labels[-1] == top and labels[0] == bottom
    assert max(trace["z"]) == trace["zmax"]  # the outlier is drawn at the end, not beyond


def test_clipped_falls_say_or_less():
    values = {f"C{i:02d}": 10 - 0.2 * i for i in range(20)} | {"KOR": 0.0001}
    assert value_trace(change_table(values), "ratio")["colorbar"]["ticktext"][0] == (
        "0.5x or less")
    stopped = change_table({f"C{i:02d}": 10.0 + i for i in range(20)} | {"KOR": -990.0})
    assert value_trace(stopped, "absolute")["colorbar"]["ticktext"][0] == "-20 t or less"


def test_nothing_clipped_says_nothing():
    labels = value_trace(change_table(RANGES["rises only"]), "percent")["colorbar"]["ticktext"]
    assert not any("or" in label for label in labels)


def lab(colour: str) -> np.ndarray:
    """CIELAB (D65) of an sRGB colour: distances there follow what eyes tell apart."""
    c = np.array(rgb(colour), float) / 255
    c = np.where(c > 0.04045, ((c + 0.055) / 1.055) ** 2.4, c / 12.92)
    xyz = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722],
                    [0.0193, 0.1192, 0.9505]]) @ c / np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > 0.008856, np.cbrt(xyz), 7.787 * xyz + 16 / 116)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def scale_colours(name: str) -> list[str]:
    return sample_colorscale(get_colorscale(name), list(np.linspace(0, 1, 257)))


MIN_DISTANCE = 15  # CIELAB delta E; about 2.3 is "just noticeable" side by side


@pytest.mark.parametrize("scale", [SEQUENTIAL_SCALE, DIVERGING_SCALE])
def test_the_gap_grey_is_on_no_scale(scale):
    gap = lab(GAP_COLOUR)
    nearest = min(np.linalg.norm(gap - lab(colour)) for colour in scale_colours(scale))
    assert nearest >= MIN_DISTANCE, (scale, nearest)
    assert np.linalg.norm(gap - lab(NO_DATA_COLOUR)) >= MIN_DISTANCE


def test_the_sequential_scale_has_no_grey_middle():
    """cividis' middle is grey (what made ~350 t importers look like "annual only")."""
    for colour in scale_colours(SEQUENTIAL_SCALE)[64:193]:
        _, a, b = lab(colour)
        assert np.hypot(a, b) > 15, colour  # chroma: a grey has none


def test_the_key_names_why_grey_countries_have_no_figure():
    table = change_table({"KOR": 11, "JPN": 40})
    extra = pd.DataFrame({"country_name": ["United States", "Ghana"], "country_kind": "country",
                          "value": [5.0, 3.0], "baseline": [np.nan, 0.0],
                          "absolute": [np.nan, 3.0], "ratio": np.nan, "percent": np.nan,
                          "change_note": ["no comparable figures: only annual data, too coarse"
                                          " for Q1 2024", "new: no rows in Q1 2024"],
                          "coverage": ["period: complete; baseline: annual data only",
                                       "complete"], "row_count": 1},
                         index=pd.Index(["USA", "GHA"], name="iso3"))
    spec = MapSpec("percent", "t", "Net weight", "Q1 2025", "from China")
    fig = build_map(pd.concat([table, extra]), spec, CAPTION).to_dict()
    [key] = [a for a in fig["layout"]["annotations"] if a["name"] == "no_data_key"]
    assert "no rows in this selection" in key["text"]
    assert "annual data only" in key["text"] and "no baseline" in key["text"]
    assert "measure not reported" not in key["text"]
    [gaps] = [t for t in fig["data"] if t["name"] == "coarser data only"]
    assert sorted(gaps["locations"]) == ["GHA", "USA"]
    assert gaps["colorscale"][0][1] == GAP_COLOUR


def test_the_focus_keeps_its_fill_and_is_named_in_a_callout():
    table = change_table({"KOR": 10.94, "JPN": 3.1, "USA": 500})
    spec = MapSpec("percent", "t", "Net weight", "Q1 2025", "from China", focus="KOR")
    fig = build_map(table, spec, CAPTION).to_dict()
    names = [t["name"] for t in fig["data"]]
    assert names == ["value", "focus", "focus_fill"]  # ring over the map, fill over the ring
    value, ring, fill = fig["data"]
    assert ring["marker"]["line"]["width"] >= 2 and ring["hoverinfo"] == "skip"
    korea = value["locations"].index("KOR")
    assert fill["locations"] == ["KOR"] and fill["z"] == [value["z"][korea]]
    assert (fill["zmin"], fill["zmax"]) == (value["zmin"], value["zmax"])
    assert fill["colorscale"] == value["colorscale"]
    [callout] = [a for a in fig["layout"]["annotations"] if a["name"] == "focus_callout"]
    assert "South Korea" in callout["text"] and "+9.4%" in callout["text"]
    assert "10.9 t" in callout["text"]

"""Shared look and the one graph-config helper every chart goes through."""

from __future__ import annotations

import os
from datetime import datetime

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
from _plotly_utils.utils import convert_to_base64

FONT_FAMILY = ("system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, "
               "'Noto Sans', 'Liberation Sans', sans-serif")
# Colour-blind-safe scales: sequential viridis for amounts, diverging purple-orange for change.
# Not cividis: its middle is a neutral grey (#7c7b78 at ~1/2), so mid-sized importers looked
# like the map's "no comparable figure" grey. viridis is as perceptually uniform and CVD-safe
# and holds no grey anywhere (yellow -> green -> teal -> blue -> purple); reversed, so more is
# darker. PuOr's middle is white: "no change", placed at 0 / 1x / 0 t by the map.
SEQUENTIAL_SCALE = "viridis_r"
DIVERGING_SCALE = "PuOr_r"
NO_DATA_COLOUR = "#e9e9e9"
# Map countries with rows but no figure the map can colour (annual data only for a month or
# quarter, the measure not reported, a change with no baseline): a mid grey that is on neither
# scale (CIELAB distance >= 22 from every viridis and PuOr colour, 30 from NO_DATA_COLOUR;
# tests/test_map_scale.py), drawn with a dark border so the mark does not rest on hue alone.
GAP_COLOUR = "#969696"
GAP_BORDER_COLOUR = "#3c3c3c"
FOCUS_COLOUR = "#111111"
BORDER_COLOUR = "#9a9a9a"
SYNTHETIC_BADGE_COLOUR = "#b3261e"
TEXT_COLOUR = "#1f1f1f"
MUTED_TEXT = "#5f5f5f"
# Okabe-Ito, the one palette every chart draws from: distinguishable with every common
# colour-vision deficiency (Okabe & Ito, "Color Universal Design", 2008).
BLUE = "#0072B2"
VERMILLION = "#D55E00"
GREEN = "#009E73"
REDDISH_PURPLE = "#CC79A7"
ORANGE = "#E69F00"
SKY_BLUE = "#56B4E9"
YELLOW = "#F0E442"
BLACK = "#000000"
QUALITATIVE = [BLUE, VERMILLION, GREEN, REDDISH_PURPLE, ORANGE, SKY_BLUE, YELLOW, BLACK]


def graph_config(topojson_url: str, filename: str = "rare-earth-trade") -> dict:
    """Plotly config for every graph: offline geometry, no cloud button, no logo.

    plotly.js 4 shows a "Share chart" button that uploads the chart to an outside
    server: `showSendToCloud` must be off on every graph, and Dash has no global default.
    """
    return {
        "topojsonURL": topojson_url,
        "showSendToCloud": False,
        "displaylogo": False,
        "responsive": True,
        # SVG: the caption, source line and link are drawn in the figure, so they travel.
        "toImageButtonOptions": {"format": "svg", "filename": filename},
        "modeBarButtonsToRemove": ["lasso2d", "select2d"],
    }


# plotly's validation of a whole figure costs ~10 ms a map (more than the map's analytics);
# the test suite turns it on (tests/conftest.py), so every figure a test builds is checked.
VALIDATE_FIGURES = os.environ.get("RARE_EARTH_VALIDATE_FIGURES", "") == "1"


def figure_from(spec: dict) -> go.Figure:
    """A figure from a complete plain spec ({"data": [...], "layout": {...}}) in one step."""
    return SpecFigure(spec, _validate=VALIDATE_FIGURES)


def plotly_json(spec: dict) -> dict:
    """`figure_from(spec).to_plotly_json()` without building the figure (2-5 ms a chart,
    plus the copy): the containers copied, numpy arrays as plotly's base64 typed arrays,
    plotly's default template added unless the layout names one. Equal as JSON to the
    reference (tests/test_fast_paths.py, tests/test_figures_fast.py); keys keep the spec's
    order, not plotly's (the same JSON object; plotly.js reads it the same).
    """
    # plotly's constructors leave a trace's or the layout's own None properties unset.
    out = {"data": [_copied(_set(trace)) for trace in spec.get("data") or []],
           "layout": _copied(_set(spec.get("layout") or {}))}
    convert_to_base64(out)
    layout = out["layout"]
    if layout.get("template") is None and pio.templates.default is not None:
        # Added after the walk: the template holds no arrays; copied, as plotly's is.
        layout["template"] = _copied(_default_template(pio.templates.default))
    return out


def _set(properties: dict) -> dict:
    return {key: value for key, value in properties.items() if value is not None}


_TEMPLATES: dict[str, dict] = {}


def load_default_template() -> None:
    """Load plotly's default template now (~300 ms, once per process): at start-up, not in
    the first request that draws a chart."""
    if pio.templates.default is not None:
        _default_template(pio.templates.default)


def _default_template(name) -> dict:
    """The default template as plain JSON, made once per name, not once per figure."""
    if not isinstance(name, str):
        return name.to_plotly_json()
    if name not in _TEMPLATES:
        _TEMPLATES[name] = go.Figure().to_plotly_json()["layout"]["template"]
    return _TEMPLATES[name]


def message_spec(text: str) -> dict:
    """A figure with nothing to draw: axes hidden, one centred message (named "no_data")."""
    return {"data": [], "layout": {
        "annotations": [{"text": text, "xref": "paper", "yref": "paper", "x": 0.5, "y": 0.5,
                         "showarrow": False, "font": {"size": 15, "color": MUTED_TEXT},
                         "name": "no_data"}],
        "xaxis": {"visible": False}, "yaxis": {"visible": False}}}


class SpecFigure(go.Figure):
    """A `go.Figure` whose `to_dict` copies its plain dicts and lists directly.

    plotly's `to_dict` deep-copies the whole figure with `copy.deepcopy` (3-10 ms a chart;
    exports and tests build figures, the page takes `plotly_json`); a figure built from a spec
    holds only dicts, lists and immutable values, so copying the containers is the same copy.
    """

    def to_dict(self) -> dict:
        out = {"data": _copied(self._data), "layout": _copied(self._layout)}
        frames = _copied([frame._props for frame in self._frame_objs])
        if frames:
            out["frames"] = frames
        convert_to_base64(out)
        return out


def _copied(value):
    """A copy of nested dicts and lists; other values (str, numbers, arrays) shared, dates
    as the ISO text plotly's JSON makes of them (so orjson takes the figure as it is)."""
    if isinstance(value, dict):
        return {key: _copied(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_copied(item) for item in value] if isinstance(value, list) else tuple(
            _copied(item) for item in value)
    if isinstance(value, datetime):
        return None if value is pd.NaT else value.isoformat()
    return value

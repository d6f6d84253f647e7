"""World choropleth of one measure (or its change) per country.

Input is a per-country table (index ISO3) from `analytics.country_table.country_table`;
this module only draws. Countries absent from the table keep the plain "no data" land
colour; a reported zero is coloured at the bottom of the scale, so the two never look alike.
Only countries are drawn, and Other Asia, nes (Comtrade's partner 490, in practice Taiwan)
on Taiwan's shape; other areas and historical entities stay in the table beside the map.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.colors import get_colorscale

from dashboard.figures.caption import Caption, caption_layout
from dashboard.figures.style import (
    BORDER_COLOUR,
    DIVERGING_SCALE,
    MUTED_TEXT,
    NO_DATA_COLOUR,
    SEQUENTIAL_SCALE,
    figure_from,
)
from dashboard.figures.text import format_amount
from dashboard.ingest.countries import DRAWN_AS

# As lists: plotly.js knows few scale names ("cividis_r" is plotly.py's), and the map's
# plain spec is not validated (which is where plotly.py would resolve a name).
SCALES = {name: get_colorscale(name) for name in (SEQUENTIAL_SCALE, DIVERGING_SCALE)}

GAP_COLOUR = "#bdbdbd"


@dataclass(frozen=True)
class MapSpec:
    column: str  # "value", or a change column: "absolute", "percent", "ratio"
    unit: str  # display unit of `value`: "t", "USD", "USD/kg"
    measure_name: str
    period_text: str  # "Q1 2025", or the comparison's description
    counterpart_text: str  # "from China", "from all partners"
    focus: str = ""  # ISO3 outlined in black, "" for none


GEO = {
    "projection": {"type": "natural earth"}, "showframe": False, "showcoastlines": False,
    "showcountries": True, "countrycolor": "white", "showland": True,
    "landcolor": NO_DATA_COLOUR, "showocean": False, "showlakes": False, "resolution": 50,
    "fitbounds": False, "lataxis": {"range": [-58, 84]}, "lonaxis": {"range": [-170, 190]},
}
NO_DATA_KEY = {
    "text": "Light grey: no data reported<br>Mid grey: annual data only", "xref": "paper",
    "yref": "paper", "x": 0, "y": 0, "xanchor": "left", "yanchor": "bottom", "align": "left",
    "showarrow": False, "font": {"size": 11, "color": MUTED_TEXT}, "name": "no_data_key"}


def build_map(table: pd.DataFrame, spec: MapSpec, caption: Caption) -> go.Figure:
    """Choropleth figure; table holds country rows only (aggregates filtered upstream).

    Assembled as one plain spec (the map is the page's most frequent render).
    """
    table = drawable(table)
    shown = table[table[spec.column].notna()]
    gaps = table[table[spec.column].isna()]
    traces = []
    if len(gaps):
        traces.append(_gap_trace(gaps, spec))
    if len(shown):
        traces.append(_value_trace(shown, spec))
    if spec.focus:
        traces.append(_focus_outline(DRAWN_AS.get(spec.focus, spec.focus)))
    layout, annotations = caption_layout(caption, extra_bottom=70)
    layout |= {"height": 480, "dragmode": False, "hoverlabel": {"align": "left"}, "geo": GEO,
               "annotations": [*annotations, NO_DATA_KEY]}
    return figure_from({"data": traces, "layout": layout})


def drawable(table: pd.DataFrame) -> pd.DataFrame:
    """The rows the map can draw, indexed by the ISO3 shape each is drawn on.

    Countries on their own shape; an area drawn as a country (Other Asia, nes -> Taiwan)
    on that country's shape unless the country has its own row; nothing else.
    """
    kinds = table["country_kind"] if "country_kind" in table else pd.Series(
        "country", index=table.index)
    shapes = pd.Series(table.index.map(lambda code: DRAWN_AS.get(str(code), str(code))),
                       index=table.index)
    own = set(table.index[kinds == "country"])
    keep = (kinds == "country") | (table.index.isin(list(DRAWN_AS)) & ~shapes.isin(own))
    drawn = table[keep.to_numpy()].copy()
    drawn["listed_as"] = drawn.index
    drawn.index = pd.Index(shapes[keep.to_numpy()], name=table.index.name)
    return drawn


def _hover(table: pd.DataFrame, spec: MapSpec) -> list[str]:
    texts = []
    for iso, row in table.iterrows():
        code = row.get("listed_as", iso)
        lines = [f"<b>{row['country_name']}</b> ({code})"]
        if code != iso:
            lines.append(f"Published by UN Comtrade under this area, not under {iso}'s own code;"
                         f" drawn on {iso}'s shape")
        lines.append(f"{spec.measure_name}, {spec.period_text}, {spec.counterpart_text}")
        lines.append(f"Value: {format_amount(row['value'], spec.unit)}")
        if "baseline" in row and not pd.isna(row.get("baseline", np.nan)):
            lines.append(f"Baseline: {format_amount(row['baseline'], spec.unit)}")
        if spec.column in ("absolute", "percent", "ratio"):
            lines.append(_change_text(row, spec.unit))
        if row.get("estimated"):
            lines.append("Includes estimated weights (flagged by the reporter)")
        if row.get("coverage", "complete") != "complete":
            lines.append(f"Coverage: {row['coverage']}")
        lines += _allocation_lines(row, spec)
        lines.append(f"Reported by: {row.get('reported_by_text', '')}")
        lines.append(f"Source rows: {row.get('row_count', 0)}")
        texts.append("<br>".join(lines))
    return texts


def _allocation_lines(row: pd.Series, spec: MapSpec) -> list[str]:
    """What the partner sum leaves out: value without weight, World not allocated."""
    lines = []
    without = row.get("value_without_weight_usd", 0.0)
    if without and without > 0 and spec.unit != "USD":
        lines.append(f"Value reported without a weight, left out: {format_amount(without, 'USD')}")
    world = {"t": row.get("world_kg", np.nan) / 1000, "USD": row.get("world_usd", np.nan)}.get(
        spec.unit, np.nan)
    if spec.column == "value" and not pd.isna(world) and not pd.isna(row["value"]):
        gap = world - row["value"]
        if gap > max(abs(world) * 0.005, 0.001):
            lines.append(f"World total reported: {format_amount(world, spec.unit)};"
                         f" {format_amount(gap, spec.unit)} ({gap / world:.0%}) not allocated to"
                         " a partner in the file (confidential, unspecified, or partners the"
                         " download left out)")
    return lines


def _change_text(row: pd.Series, unit: str) -> str:
    note = f" ({row['change_note']})" if row.get("change_note") else ""
    if pd.isna(row["absolute"]):
        return f"Change: n/a{note}"
    sign = "+" if row["absolute"] > 0 else ""
    difference = f"Change: {sign}{format_amount(row['absolute'], unit)}"
    if pd.isna(row["ratio"]):
        return difference + note
    return f"{difference}; {row['percent']:+,.0f}%; ratio {row['ratio']:,.2f}x{note}"


def _value_trace(table: pd.DataFrame, spec: MapSpec) -> dict:
    colouring = _colouring(table[spec.column], spec)
    return {"type": "choropleth", "locations": [str(iso) for iso in table.index],
            "locationmode": "ISO-3", **colouring,
            "marker": {"line": {"color": BORDER_COLOUR, "width": 0.4}},
            "text": _hover(table, spec), "hovertemplate": "%{text}<extra></extra>",
            "customdata": [float(v) for v in table[spec.column]], "name": "value"}


def _gap_trace(table: pd.DataFrame, spec: MapSpec) -> dict:
    return {"type": "choropleth", "locations": [str(iso) for iso in table.index],
            "locationmode": "ISO-3", "z": [0] * len(table),
            "colorscale": [[0, GAP_COLOUR], [1, GAP_COLOUR]], "showscale": False,
            "marker": {"line": {"color": BORDER_COLOUR, "width": 0.4}},
            "text": _hover(table, spec), "hovertemplate": "%{text}<extra></extra>",
            "name": "coarser data only"}


def _focus_outline(focus: str) -> dict:
    return {"type": "choropleth", "locations": [focus], "z": [0], "locationmode": "ISO-3",
            "showscale": False, "colorscale": [[0, "rgba(0,0,0,0)"], [1, "rgba(0,0,0,0)"]],
            "marker": {"line": {"color": "#111111", "width": 1.6}}, "hoverinfo": "skip",
            "name": "focus"}


def _colouring(values: pd.Series, spec: MapSpec) -> dict:
    """Trace settings for colour: z, its range, the scale and the colour bar."""
    if spec.column == "ratio":
        return _log_ticks(values, base=2, title="ratio (x)", diverging=True)
    if spec.column == "percent":
        # A fall cannot pass -100%: the scale runs -100..+limit. plotly ignores zmid once
        # zmin and zmax are set, so white is put at 0 in the scale itself (two slopes).
        limit = max(float(np.nanpercentile(values.clip(lower=0), 95)), 100.0)
        ticks = [-100, -50, 0, limit / 2, limit]
        labels = [f"{t:+,.0f}%" if t else "0%" for t in ticks]
        if (values > limit).any():
            labels[-1] = f"{limit:+,.0f}% or more"
        return {"z": [float(v) for v in values.clip(-100, limit)], "zmin": -100,
                "zmax": limit, "colorscale": centred_scale(SCALES[DIVERGING_SCALE], -100, limit),
                "colorbar": {**_colorbar("change (%)"), "tickvals": ticks, "ticktext": labels}}
    if spec.column == "absolute":
        limit = float(np.nanpercentile(np.abs(values), 95)) or 1.0
        return {"z": [float(v) for v in values.clip(-limit, limit)], "zmin": -limit, "zmax": limit,
                "colorscale": SCALES[DIVERGING_SCALE],
                "colorbar": _colorbar(f"change ({spec.unit})")}
    return _log_ticks(values, base=10, title=spec.unit, diverging=False)


def centred_scale(scale: list, low: float, high: float, mid: float = 0.0) -> list:
    """A diverging colour scale stretched so its middle colour falls at `mid` on low..high.

    >>> centred_scale([[0, "a"], [0.5, "w"], [1, "b"]], -100, 300)
    [[0.0, 'a'], [0.25, 'w'], [1.0, 'b']]
    """
    centre = (mid - low) / (high - low)
    return [[float(p) * 2 * centre if p <= 0.5 else centre + (float(p) - 0.5) * 2 * (1 - centre),
             colour] for p, colour in scale]


def _log_ticks(values: pd.Series, base: int, title: str, diverging: bool):
    """Log colour (trade sizes span orders of magnitude) with ticks in real units."""
    positive = values[values > 0]
    floor = positive.min() / base if len(positive) else 1.0
    logs = np.log(values.where(values > 0, floor)) / np.log(base)
    low, high = int(np.floor(logs.min())), int(np.ceil(logs.max()))
    if diverging:
        low, high = min(low, -1), max(high, 1)
        bound = max(-low, high)
        low, high = -bound, bound
    ticks = list(range(low, high + 1))
    labels = [_tick_label(base**t, diverging) for t in ticks]
    if not diverging and len(positive) < len(values):
        labels[0] = f"0 / <{labels[0]}"
    colorbar = {**_colorbar(title), "tickvals": ticks, "ticktext": labels}
    return {"z": [float(v) for v in logs], "zmin": low, "zmax": high, "colorbar": colorbar,
            "colorscale": SCALES[DIVERGING_SCALE if diverging else SEQUENTIAL_SCALE]}


def _colorbar(title: str) -> dict:
    """A horizontal bar under the map: the map keeps the full width, also on a phone."""
    return {"title": {"text": title, "side": "top"}, "orientation": "h", "len": 0.6,
            "thickness": 12, "x": 0.5, "xanchor": "center", "y": 0, "yanchor": "top",
            "ypad": 0}


def _tick_label(number: float, is_ratio: bool) -> str:
    if is_ratio:
        return f"{number:g}x"
    return format_amount(number, "")

"""World choropleth of one measure (or its change) per country.

Input is a per-country table (index ISO3) from `analytics.country_table.country_table`;
this module only draws. Countries absent from the table keep the plain "no data" land
colour; a reported zero is coloured at the bottom of the scale, so the two never look alike.
Only countries are drawn, and Other Asia, nes (Comtrade's partner 490, in practice Taiwan)
on Taiwan's shape; other areas and historical entities stay in the table beside the map.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.colors import get_colorscale

from dashboard.figures.caption import Caption, caption_layout, narrow_height
from dashboard.figures.map_rows import SHAPE, drawn_rows, ends_early_flags, hover_texts
from dashboard.figures.style import (
    BORDER_COLOUR,
    DIVERGING_SCALE,
    FOCUS_COLOUR,
    GAP_BORDER_COLOUR,
    GAP_COLOUR,
    MUTED_TEXT,
    NO_DATA_COLOUR,
    SEQUENTIAL_SCALE,
    TEXT_COLOUR,
    figure_from,
)
from dashboard.figures.text import format_amount, format_change, is_missing
from dashboard.ingest.countries import DRAWN_AS, CountryLookupError, from_iso

# As lists: plotly.js knows few scale names ("cividis_r" is plotly.py's), and the map's
# plain spec is not validated (which is where plotly.py would resolve a name).
SCALES = {name: get_colorscale(name) for name in (SEQUENTIAL_SCALE, DIVERGING_SCALE)}


@dataclass(frozen=True)
class MapSpec:
    column: str  # "value", or a change column: "absolute", "percent", "ratio"
    unit: str  # display unit of `value`: "t", "USD", "USD/kg"
    measure_name: str
    period_text: str  # "Q1 2025", or the comparison's description
    counterpart_text: str  # "from China", "from all partners"
    focus: str = ""  # ISO3 outlined and named in a callout, "" for none


GEO = {
    "projection": {"type": "natural earth"}, "showframe": False, "showcoastlines": False,
    "showcountries": True, "countrycolor": "white", "showland": True,
    "landcolor": NO_DATA_COLOUR, "showocean": False, "showlakes": False, "resolution": 50,
    "fitbounds": False, "lataxis": {"range": [-58, 84]}, "lonaxis": {"range": [-170, 190]},
}
# The key to the two marks that are not on the colour bar; its text is `no_data_key`'s.
NARROW_MAP_PX = 200  # a phone's world: 348 px wide at natural earth's 2:1
NARROW_CALLOUT_PX = 44  # the focus callout's two lines, above the map on a phone
NO_DATA_KEY = {
    "xref": "paper", "yref": "paper", "x": 0, "y": 0, "xanchor": "left", "yanchor": "bottom",
    "align": "left", "showarrow": False, "font": {"size": 11, "color": MUTED_TEXT},
    "name": "no_data_key"}


def build_map(table: pd.DataFrame, spec: MapSpec, caption: Caption) -> go.Figure:
    """`choropleth_spec` as a figure."""
    return figure_from(choropleth_spec(table, spec, caption))


def choropleth_spec(table: pd.DataFrame, spec: MapSpec, caption: Caption) -> dict:
    """Choropleth figure; table holds country rows only (aggregates filtered upstream).

    Assembled as one plain spec (the map is the page's most frequent render), from the
    drawable rows as plain Python values (`map_rows.drawn_rows`).
    """
    rows = drawn_rows(table, spec.column)
    through = [row.get("reported_through") for row in rows]
    missing = [is_missing(row[spec.column]) or early
               for row, early in zip(rows, ends_early_flags(through), strict=True)]
    shown = [row for row, gap in zip(rows, missing, strict=True) if not gap]
    gaps = [row for row, gap in zip(rows, missing, strict=True) if gap]
    colouring = _colouring(np.array([row[spec.column] for row in shown], dtype=float),
                           spec) if shown else {}
    traces = []
    if gaps:
        traces.append(_gap_trace(gaps, spec))
    if shown:
        traces.append(_value_trace(shown, spec, colouring))
    # On a phone the focus callout sits above the map (over it, it hid East Asia).
    callout_room = NARROW_CALLOUT_PX if caption.narrow and spec.focus else 0
    layout, annotations = caption_layout(caption, top=84 + callout_room, extra_bottom=70)
    annotations = [*annotations, no_data_key(gaps, spec)]
    if spec.focus:
        shape = DRAWN_AS.get(spec.focus, spec.focus)
        traces += _focus_traces(shape, [row[SHAPE] for row in shown],
                                {row[SHAPE] for row in gaps}, colouring)
        annotations.append(_focus_callout(shape, rows, spec, caption.narrow))
    height = narrow_height(layout, NARROW_MAP_PX) if caption.narrow else 480
    layout |= {"height": height, "dragmode": False, "hoverlabel": {"align": "left"},
               "geo": GEO, "annotations": annotations}
    if caption.narrow:
        for trace in traces:
            if "colorbar" in trace:
                trace["colorbar"] = _narrow_colorbar(trace["colorbar"])
    return {"data": traces, "layout": layout}


def _value_trace(rows: list[dict], spec: MapSpec, colouring: dict) -> dict:
    return {"type": "choropleth", "locations": [row[SHAPE] for row in rows],
            "locationmode": "ISO-3", **colouring,
            "marker": {"line": {"color": BORDER_COLOUR, "width": 0.4}},
            "text": hover_texts(rows, spec), "hovertemplate": "%{text}<extra></extra>",
            "customdata": [float(row[spec.column]) for row in rows], "name": "value"}


def _gap_trace(rows: list[dict], spec: MapSpec) -> dict:
    return {"type": "choropleth", "locations": [row[SHAPE] for row in rows],
            "locationmode": "ISO-3", "z": [0] * len(rows),
            "colorscale": [[0, GAP_COLOUR], [1, GAP_COLOUR]], "showscale": False,
            "marker": {"line": {"color": GAP_BORDER_COLOUR, "width": 0.8}},
            "text": hover_texts(rows, spec), "hovertemplate": "%{text}<extra></extra>",
            "name": "coarser data only"}


def no_data_key(gaps: list[dict], spec: MapSpec) -> dict:
    """The key to the marks that are not on the colour bar, naming why figures are missing
    (`gaps`: the grey rows, as `drawn_rows` gives them)."""
    lines = [f"<span style='color:{NO_DATA_COLOUR}'>■</span> light grey: no rows in this"
             " selection"]
    reasons = _gap_reasons(gaps, spec)
    if reasons:  # "no change" would read as 0%: say "not comparable"
        what = "change not comparable" if spec.column != "value" else "no figure for the period"
        lines.append(f"<span style='color:{GAP_COLOUR}'>■</span> grey, dark border: {what}:"
                     "<br>   " + "; ".join(reasons))
    return {**NO_DATA_KEY, "text": "<br>".join(lines)}


def _text_or_blank(value) -> str:
    """A cell as `fillna("").astype(str)` makes it."""
    return "" if is_missing(value) else str(value)


def _gap_reasons(gaps: list[dict], spec: MapSpec) -> list[str]:
    """Why the grey countries have no figure, in a fixed order (hover says it per country)."""
    notes = [_text_or_blank(row.get("change_note", "")) for row in gaps]
    coverage = [_text_or_blank(row.get("coverage", "")) for row in gaps]
    coarse = ["data only" in cover or "only annual" in note
              for cover, note in zip(coverage, notes, strict=True)]
    new = [spec.column != "value" and note.startswith("new:") for note in notes]
    early = ends_early_flags([row.get("reported_through") for row in gaps])
    rest = zip(coarse, new, early, strict=True)
    found = {"annual data only": any(c and "annual" in cover
                                     for c, cover in zip(coarse, coverage, strict=True))
             or any("only annual" in note for note in notes),
             "quarterly data only": any(c and "quarterly" in cover
                                        for c, cover in zip(coarse, coverage, strict=True)),
             "new trade: no baseline to compare with": any(new),
             "the reporter's rows end before the period's (not reported yet?)": any(early),
             "measure not reported": any(not (c or n or e) for c, n, e in rest)}
    return [reason for reason, present in found.items() if present]


def _focus_traces(shape: str, shown: list[str], gaps: set[str], colouring: dict) -> list[dict]:
    """The focus as a ring outside the country, its fill left whole.

    A small country (South Korea is 6x9 px at 1366 px) under an outline is all outline: a
    wide stroke is drawn, then the country's own fill again on top of it, which hides the
    stroke's inner half. plotly.js has no outer stroke, and this needs no second colour.
    """
    ring = {"type": "choropleth", "locations": [shape], "z": [0], "locationmode": "ISO-3",
            "showscale": False, "colorscale": [[0, "rgba(0,0,0,0)"], [1, "rgba(0,0,0,0)"]],
            "marker": {"line": {"color": FOCUS_COLOUR, "width": 3}}, "hoverinfo": "skip",
            "name": "focus"}
    fill = {"type": "choropleth", "locations": [shape], "locationmode": "ISO-3",
            "showscale": False, "hoverinfo": "skip", "name": "focus_fill",
            "marker": {"line": {"color": BORDER_COLOUR, "width": 0.4}}}
    if shape in shown:
        fill |= {key: colouring[key] for key in ("zmin", "zmax", "colorscale")}
        fill["z"] = [colouring["z"][shown.index(shape)]]
    else:
        colour = GAP_COLOUR if shape in gaps else NO_DATA_COLOUR
        fill |= {"z": [0], "colorscale": [[0, colour], [1, colour]]}
    return [ring, fill]


def _focus_callout(shape: str, rows: list[dict], spec: MapSpec,
                   narrow: bool = False) -> dict:
    """The focus country's name and figure, in the map's top-right corner.

    A callout with an arrow to the country needs a scattergeo trace, which the partial
    plotly bundle (assets/plotly/) leaves out; paper annotations cannot point at a
    longitude. The corner is empty at every width: natural earth's rounded edge leaves the
    domain's corners blank, and what lies under them is the Arctic Ocean.
    """
    row = next((row for row in rows if row[SHAPE] == shape), None)
    name = row["country_name"] if row is not None else _country_name(shape)
    return {"text": f"<b>{html.escape(str(name))}</b> (outlined)<br>"
                    f"{html.escape(_focus_figure(row, spec))}",
            "xref": "paper", "yref": "paper", "x": 1, "y": 1, "xanchor": "right",
            "yanchor": "bottom" if narrow else "top", "align": "left", "showarrow": False,
            "bgcolor": "rgba(255,255,255,0.92)", "bordercolor": FOCUS_COLOUR,
            "borderwidth": 1, "borderpad": 4, "font": {"size": 12, "color": TEXT_COLOUR},
            "name": "focus_callout"}


def _country_name(shape: str) -> str:
    try:
        return from_iso(shape).name
    except CountryLookupError:
        return shape


def _focus_figure(row: Mapping | None, spec: MapSpec) -> str:
    """"+9.4% (now 41.2 t)": the figure the map colours the country by."""
    if row is None:
        return "no rows in this selection"
    if pd.isna(row[spec.column]):
        why = row.get("change_note") or row.get("coverage") or "measure not reported"
        return f"no figure on the map: {why}"
    now = format_amount(row["value"], spec.unit)
    if spec.column == "value":
        return now
    unit = {"percent": "%", "ratio": "x"}.get(spec.column, spec.unit)
    change = (format_amount if spec.column == "ratio" else format_change)(row[spec.column], unit)
    return f"{change} (now {now})"


def _colouring(values: np.ndarray, spec: MapSpec) -> dict:
    """Trace settings for colour: z, its range, the scale and the colour bar (`values`:
    the shown rows' figures, none missing).

    Every change scale puts its white ("no change") at 0% / 1x / 0 t whatever the range,
    and a clipped end says so ("+300% or more").
    """
    if spec.column == "ratio":
        return _ratio_colouring(values)
    if spec.column == "percent":
        # A fall cannot pass -100%: the scale runs -100..+limit.
        limit = nice_ceiling(max(float(np.nanpercentile(np.clip(values, 0, None), 95)), 100.0))
        ticks = [-100, -50, 0, limit / 2, limit]
        labels = [format_change(t, "%") for t in ticks]
        return _diverging(values, -100, limit, ticks, labels, "change (%)")
    if spec.column == "absolute":
        limit = nice_ceiling(float(np.nanpercentile(np.abs(values), 95)))
        ticks = [-limit, -limit / 2, 0, limit / 2, limit]
        labels = [format_change(t, spec.unit) for t in ticks]
        return _diverging(values, -limit, limit, ticks, labels, f"change ({spec.unit})")
    return _log_ticks(values, base=10, title=spec.unit)


def _ratio_colouring(values: np.ndarray) -> dict:
    """Ratios on a log2 scale, symmetric (a halving as strong as a doubling), clipped at
    the 95th percentile of |log2| so one 1,000x outlier does not wash out the rest."""
    positive = values[values > 0]
    floor = positive.min() / 2 if len(positive) else 0.5  # trade that stopped (0x)
    logs = np.log2(np.where(values > 0, values, floor))
    bound = max(1, math.ceil(float(np.nanpercentile(np.abs(logs), 95))))
    step = max(1, math.ceil(bound / 3))
    half = [*range(step, bound, step), bound]
    ticks = [-t for t in reversed(half)] + [0] + half
    labels = [format_amount(2.0**t, "x") for t in ticks]
    return _diverging(logs, -bound, bound, ticks, labels, "ratio (x)")


def _diverging(z: np.ndarray, low: float, high: float, ticks: list, labels: list[str],
               title: str) -> dict:
    """A diverging colouring with its white at z=0, values beyond low..high clipped and the
    clipped end labelled "or less" / "or more" (plotly ignores zmid once zmin and zmax are
    set, so the centre is built into the scale itself)."""
    labels = list(labels)
    if (z < low).any():
        labels[0] += " or less"
    if (z > high).any():
        labels[-1] += " or more"
    return {"z": np.clip(z, low, high).tolist(), "zmin": low, "zmax": high,
            "colorscale": centred_scale(SCALES[DIVERGING_SCALE], low, high),
            "colorbar": {**_colorbar(title), "tickvals": ticks, "ticktext": labels}}


def nice_ceiling(number: float) -> float:
    """The smallest round number (1, 1.5, 2, 2.5, 3, 4, 5, 6, 8 x 10^k) at or above `number`.

    >>> nice_ceiling(295.0), nice_ceiling(0.0042), nice_ceiling(0.0)
    (300.0, 0.005, 1.0)
    """
    if not number > 0:
        return 1.0
    power = 10.0 ** math.floor(math.log10(number))
    for step in (1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10):
        if step * power >= number * (1 - 1e-12):
            return float(f"{step * power:.12g}")
    return 10 * power


def centred_scale(scale: list, low: float, high: float, mid: float = 0.0) -> list:
    """A diverging colour scale stretched so its middle colour falls at `mid` on low..high.

    >>> centred_scale([[0, "a"], [0.5, "w"], [1, "b"]], -100, 300)
    [[0.0, 'a'], [0.25, 'w'], [1.0, 'b']]
    """
    centre = (mid - low) / (high - low)
    return [[float(p) * 2 * centre if p <= 0.5 else centre + (float(p) - 0.5) * 2 * (1 - centre),
             colour] for p, colour in scale]


def _log_ticks(values: np.ndarray, base: int, title: str) -> dict:
    """Log colour (trade sizes span orders of magnitude) with ticks in real units."""
    positive = values[values > 0]
    floor = positive.min() / base if len(positive) else 1.0
    logs = np.log(np.where(values > 0, values, floor)) / np.log(base)
    low, high = int(np.floor(np.nanmin(logs))), int(np.ceil(np.nanmax(logs)))
    high = max(high, low + 1)
    ticks = list(range(low, high + 1))
    labels = [format_amount(base**t, "") for t in ticks]
    if len(positive) < len(values):
        labels[0] = f"0 / <{labels[0]}"
    colorbar = {**_colorbar(title), "tickvals": ticks, "ticktext": labels}
    return {"z": logs.tolist(), "zmin": low, "zmax": high, "colorbar": colorbar,
            "colorscale": SCALES[SEQUENTIAL_SCALE]}


def _narrow_colorbar(colorbar: dict) -> dict:
    """A phone's colour bar: most of the width, and "+300% or more" as "≥ +300%" (the
    long end label did not fit beside its rotated neighbours and plotly dropped it)."""
    labels = [label.replace(" or more", "") if label.endswith(" or more") else label
              for label in colorbar.get("ticktext", [])]
    if labels and labels[-1] != colorbar["ticktext"][-1]:
        labels[-1] = f"\u2265 {labels[-1]}"
    return colorbar | {"len": 0.8} | ({"ticktext": labels} if labels else {})


def _colorbar(title: str) -> dict:
    """A horizontal bar under the map: the map keeps the full width, also on a phone."""
    return {"title": {"text": title, "side": "top"}, "orientation": "h", "len": 0.6,
            "thickness": 12, "x": 0.5, "xanchor": "center", "y": 0, "yanchor": "top",
            "ypad": 0}


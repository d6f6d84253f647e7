"""Provenance drawn into every figure: title, subtitle, source line, date, synthetic badge.

They are layout annotations, not page HTML, so they survive a PNG or SVG export and a
cropped screenshot.
"""

from __future__ import annotations

import html
import textwrap
from dataclasses import dataclass

import plotly.graph_objects as go

from dashboard.figures.style import (
    FONT_FAMILY,
    MUTED_TEXT,
    SYNTHETIC_BADGE_COLOUR,
    TEXT_COLOUR,
    figure_from,
)

SYNTHETIC_BADGE = "SYNTHETIC DEMO DATA - not real trade statistics"


@dataclass(frozen=True)
class Caption:
    title: str
    subtitle: str
    source_line: str
    data_date: str = ""
    synthetic: bool = False
    view_url: str = ""


SUBTITLE_WIDTH = 88  # characters per line; long subtitles wrap instead of running off
NOTE_WIDTH = 120


def wrapped(text: str, width: int) -> list[str]:
    """Lines of at most `width` characters, HTML-escaped (data text is never markup)."""
    return [html.escape(line, quote=False) for line in textwrap.wrap(text, width)] or [""]


def url_lines(url: str, width: int) -> list[str]:
    """A long link broken after "&" so it prints whole: "View: http://...?a=1&" / "b=2"."""
    lines, line = [], "View: "
    for piece in url.replace("&", "&\n").split("\n"):
        if len(line) + len(piece) > width and line.strip():
            lines.append(line)
            line = ""
        line += piece
    lines.append(line)
    return [html.escape(text, quote=False) for text in lines]


CARTESIAN = {"bar", "scatter", "scattergl", "histogram", "box", "heatmap"}
AXIS_ROOM = 56  # x tick labels and the axis title sit between the plot and the notes


def apply_caption(fig: go.Figure, caption: Caption, top: int = 84, bottom: int = 64,
                  extra_bottom: int | None = None) -> go.Figure:
    """The figure with the caption in its layout; margins grow with the wrapped lines.

    The notes (source, date, link) sit at the very bottom; `extra_bottom` is the room kept
    above them (x axis labels by default on charts with axes, a colour bar on a map).
    Returns a new figure, merged as plain dicts: plotly's `update_layout` and
    `add_annotation` cost ~7-14 ms a chart, more than most of the analytics.
    """
    if extra_bottom is None:
        has_axes = any(trace.type in CARTESIAN for trace in fig.data)
        extra_bottom = AXIS_ROOM if has_axes else 8
    layout, annotations = caption_layout(caption, top, bottom, extra_bottom)
    spec = fig.to_plotly_json()
    merged = _merged(spec.get("layout", {}), layout)
    merged["annotations"] = [*spec.get("layout", {}).get("annotations", []), *annotations]
    return figure_from({"data": spec.get("data", []), "layout": merged})


def _merged(base: dict, patch: dict) -> dict:
    """`patch` over `base`, nested dicts merged key by key (what `update_layout` does)."""
    out = dict(base)
    for key, value in patch.items():
        out[key] = (_merged(out[key], value) if isinstance(value, dict)
                    and isinstance(out.get(key), dict) else value)
    return out


def caption_layout(caption: Caption, top: int = 84, bottom: int = 64,
                   extra_bottom: int = 8) -> tuple[dict, list[dict]]:
    """The caption as plain layout: title, margins, font and meta; and its annotations."""
    notes = wrapped(caption.source_line, NOTE_WIDTH)
    if caption.data_date:
        notes.append(f"Data as of {html.escape(caption.data_date)}.")
    if caption.view_url:
        notes += url_lines(caption.view_url, NOTE_WIDTH)
    subtitle = wrapped(caption.subtitle, SUBTITLE_WIDTH)
    title = "<br>".join(wrapped(caption.title, SUBTITLE_WIDTH - 20))
    badge_room = 32 if caption.synthetic else 0  # the badge's row, and clear air under it
    top = max(top, 44 + 18 * (len(subtitle) + title.count("<br>"))) + badge_room
    bottom = max(bottom, 12 + 14 * len(notes) + extra_bottom)
    layout = {
        "title": {"text": f"<b>{title}</b><br><span style='font-size:13px;color:{MUTED_TEXT}'>"
                          + "<br>".join(subtitle) + "</span>",
                  "xref": "container", "x": 0.01, "xanchor": "left",
                  "yref": "container", "y": 1, "yanchor": "top", "pad": {"t": 8 + badge_room},
                  "font": {"size": 17}},
        "margin": {"t": top, "b": bottom, "l": 10, "r": 10},
        "font": {"family": FONT_FAMILY, "color": TEXT_COLOUR},
        "paper_bgcolor": "white",
        "meta": {"source_line": caption.source_line, "synthetic": caption.synthetic},
    }
    annotations = [{
        "text": "<br>".join(notes), "xref": "paper", "yref": "paper", "x": 0, "y": 0,
        "yshift": -bottom + 6, "xanchor": "left", "yanchor": "bottom", "align": "left",
        "showarrow": False, "font": {"size": 11, "color": MUTED_TEXT}, "name": "source_line"}]
    if caption.synthetic:
        # On its own row above the title, at the right: it never covers the title, whatever
        # the width of the axis labels that decide where the plot (paper x=0) starts.
        annotations.append({
            "text": f"<b>{SYNTHETIC_BADGE}</b>", "xref": "paper", "yref": "paper", "x": 1,
            "y": 1, "yshift": top - 2, "xanchor": "right", "yanchor": "top",
            "showarrow": False, "font": {"size": 11, "color": "white"},
            "bgcolor": SYNTHETIC_BADGE_COLOUR, "borderpad": 3, "name": "synthetic_badge"})
    return layout, annotations

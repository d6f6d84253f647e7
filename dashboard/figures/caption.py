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
    narrow: bool = False  # drawn on a phone (about 360 px): short lines, fixed left margin


@dataclass(frozen=True)
class LineWidths:
    """Characters per line: long text wraps instead of running off the figure's edge."""

    title: int
    subtitle: int
    note: int


WIDE = LineWidths(title=68, subtitle=88, note=120)
# About 350 px of text: 17 px bold title, 13 px subtitle, 11 px notes.
NARROW = LineWidths(title=30, subtitle=46, note=52)
SUBTITLE_WIDTH, NOTE_WIDTH = WIDE.subtitle, WIDE.note
NARROW_LEFT = 52  # px left of a phone's plot: numeric y ticks and a rotated axis title
NARROW_LABEL = 16  # characters per line of a category label on a phone (about 95 px)


def widths(caption: Caption) -> LineWidths:
    return NARROW if caption.narrow else WIDE


WIDE_LABEL = 80  # characters of a category label on a wide chart (a name is rarely longer)


def middle_cut(text: str, limit: int) -> str:
    """`text` in at most `limit` characters, cut in the middle: its end (often a code, as
    in "... (HS 2846)") stays readable.

    >>> middle_cut("Compounds of rare-earth metals, of yttrium or of scandium (HS 2846)", 30)
    'Compounds of rare-e… (HS 2846)'
    """
    if len(text) <= limit:
        return text
    tail = min(10, limit // 3)
    return f"{text[:limit - tail - 1]}…{text[-tail:]}"


def category_label(text: str, caption: Caption, lines: int = 2) -> str:
    """A country or flow name as an axis label: whole on a wide chart (up to WIDE_LABEL
    characters: a 20,000-character name made a 4,000 px margin); on a phone wrapped to
    NARROW_LABEL characters and at most `lines` lines. Hover and table keep it whole."""
    if not caption.narrow:
        return middle_cut(text, WIDE_LABEL)
    wrapped_lines = textwrap.wrap(text, NARROW_LABEL) or [""]
    if len(wrapped_lines) > lines:
        wrapped_lines = [*wrapped_lines[:lines - 1],
                         textwrap.shorten(" ".join(wrapped_lines[lines - 1:]), NARROW_LABEL,
                                          placeholder="...")]
    return "<br>".join(wrapped_lines)


def category_labels(texts, caption: Caption, lines: int = 2) -> list[str]:
    """`category_label` of each text, kept distinct: two names cut to the same label
    would become one bar. A repeat gets its position, e.g. "Other Asia... (2)"."""
    labels: list[str] = []
    seen: set[str] = set()
    for text in texts:
        label = category_label(str(text), caption, lines)
        if label in seen:
            label = f"{label} ({len(labels) + 1})"
        seen.add(label)
        labels.append(label)
    return labels


def wrapped(text: str, width: int) -> list[str]:
    """Lines of at most `width` characters, HTML-escaped (data text is never markup)."""
    return [html.escape(line, quote=False) for line in textwrap.wrap(text, width)] or [""]


def url_lines(url: str, width: int) -> list[str]:
    """A long link broken after "&" so it prints whole: "View: http://...?a=1&" / "b=2"."""
    prefix = "View: "
    lines, line = [], prefix
    for piece in url.replace("&", "&\n").split("\n"):
        if len(line) + len(piece) > width and line not in ("", prefix):
            lines.append(line)
            line = ""
        line += piece
        while len(line) > width:  # one piece longer than a line: cut it, it is a link
            lines.append(line[:width])
            line = line[width:]
    lines.append(line)
    return [html.escape(text, quote=False) for text in lines]


CARTESIAN = {"bar", "scatter", "scattergl", "histogram", "box", "heatmap"}
AXIS_ROOM = 56  # x tick labels and the axis title sit between the plot and the notes


def apply_caption(fig: go.Figure, caption: Caption, top: int = 84, bottom: int = 64,
                  extra_bottom: int | None = None, narrow_left: int = NARROW_LEFT
                  ) -> go.Figure:
    """`captioned` for a figure: a new figure with the caption in its layout."""
    return figure_from(captioned(fig.to_plotly_json(), caption, top, bottom, extra_bottom,
                                 narrow_left))


def captioned(spec: dict, caption: Caption, top: int = 84, bottom: int = 64,
              extra_bottom: int | None = None, narrow_left: int = NARROW_LEFT) -> dict:
    """The plain figure spec with the caption in its layout; margins grow with the lines.

    The notes (source, date, link) sit at the very bottom; `extra_bottom` is the room kept
    above them (x axis labels by default on charts with axes, a colour bar on a map).
    Merged as plain dicts, and the builders hand over a spec, not a figure: plotly's
    `update_layout` cost ~7-14 ms a chart, and a figure built twice 3-10 ms more.
    """
    has_axes = any(trace.get("type", "scatter") in CARTESIAN for trace in spec.get("data", []))
    if extra_bottom is None:
        extra_bottom = AXIS_ROOM if has_axes else 8
    left = narrow_left if caption.narrow and has_axes else 10
    layout, annotations = caption_layout(caption, top, bottom, extra_bottom, left)
    if caption.narrow and has_axes:
        layout["yaxis"] = {"automargin": False}
    merged = _merged(spec.get("layout", {}), layout)
    own = spec.get("layout", {}).get("annotations", [])
    merged["annotations"] = [*(_from_figure_edge(note, left) for note in own), *annotations]
    if caption.narrow:  # a phone's caption takes more lines: the figure grows, not the plot
        merged["height"] = narrow_height(merged)
    return {"data": spec.get("data", []), "layout": merged}


NARROW_PLOT_PX = 260  # the plot area's least height on a phone, under all caption lines


def narrow_height(layout: dict, plot_px: int = NARROW_PLOT_PX) -> int:
    """The figure's height with at least `plot_px` between its top and bottom margins."""
    margin = layout.get("margin", {})
    needed = margin.get("t", 0) + margin.get("b", 0) + plot_px
    return max(int(layout.get("height") or 0), needed)


def _from_figure_edge(note: dict, left: int) -> dict:
    """A builder's note at the plot's left edge (paper x=0, anchored left), moved to start
    where the title does when the plot is indented by a fixed margin (a phone's)."""
    if (left == 10 or "xshift" in note or note.get("xref") != "paper" or note.get("x") != 0
            or note.get("xanchor") != "left"):
        return note
    return {**note, "xshift": 10 - left}


def _merged(base: dict, patch: dict) -> dict:
    """`patch` over `base`, nested dicts merged key by key (what `update_layout` does)."""
    out = dict(base)
    for key, value in patch.items():
        out[key] = (_merged(out[key], value) if isinstance(value, dict)
                    and isinstance(out.get(key), dict) else value)
    return out


def caption_layout(caption: Caption, top: int = 84, bottom: int = 64,
                   extra_bottom: int = 8, left: int = 10) -> tuple[dict, list[dict]]:
    """The caption as plain layout: title, margins, font and meta; and its annotations.

    `left` is the plot's left margin in px; the notes start at the figure's edge whatever
    it is (xshift), where the title starts.
    """
    width = widths(caption)
    notes = wrapped(caption.source_line, width.note)
    if caption.data_date:
        notes.append(f"Data as of {html.escape(caption.data_date)}.")
    if caption.view_url:
        notes += url_lines(caption.view_url, width.note)
    subtitle = wrapped(caption.subtitle, width.subtitle)
    title = "<br>".join(wrapped(caption.title, width.title))
    # Plotly draws a top-anchored title 16 px above its pad (measured in Chromium for 2-6
    # lines): with no room, the title of real data began 8 px above the figure, cut off.
    # The synthetic badge's row, and clear air under it; else that 16 px.
    badge_room = 32 if caption.synthetic else 16
    # `top` beyond the default is the builder's own room over the plot (a legend, a rule):
    # kept above the plot whatever the caption's lines take.
    own = max(0, top - 84)
    top = max(top, 44 + 18 * (len(subtitle) + title.count("<br>")) + own) + badge_room
    bottom = max(bottom, 12 + 14 * len(notes) + extra_bottom)
    layout = {
        "title": {"text": f"<b>{title}</b><br><span style='font-size:13px;color:{MUTED_TEXT}'>"
                          + "<br>".join(subtitle) + "</span>",
                  "xref": "container", "x": 0.01, "xanchor": "left",
                  "yref": "container", "y": 1, "yanchor": "top", "pad": {"t": 8 + badge_room},
                  "font": {"size": 17}},
        # On a phone the margins hold everything by design: plotly's autoexpand found the
        # legend above the plot and scaled both margins down, so the caption overran.
        "margin": {"t": top, "b": bottom, "l": left, "r": 10}
                  | ({"autoexpand": False} if caption.narrow else {}),
        "font": {"family": FONT_FAMILY, "color": TEXT_COLOUR},
        "paper_bgcolor": "white",
        "meta": {"source_line": caption.source_line, "synthetic": caption.synthetic},
    }
    annotations = [{
        "text": "<br>".join(notes), "xref": "paper", "yref": "paper", "x": 0, "y": 0,
        "yshift": -bottom + 6, "xanchor": "left", "yanchor": "bottom", "align": "left",
        "showarrow": False, "font": {"size": 11, "color": MUTED_TEXT}, "name": "source_line"}]
    if left != 10:
        annotations[0]["xshift"] = 10 - left  # from the plot's edge to the figure's
    if caption.synthetic:
        # On its own row above the title, at the right: it never covers the title, whatever
        # the width of the axis labels that decide where the plot (paper x=0) starts.
        annotations.append({
            "text": f"<b>{SYNTHETIC_BADGE}</b>", "xref": "paper", "yref": "paper", "x": 1,
            "y": 1, "yshift": top - 2, "xanchor": "right", "yanchor": "top",
            "showarrow": False, "font": {"size": 11, "color": "white"},
            "bgcolor": SYNTHETIC_BADGE_COLOUR, "borderpad": 3, "name": "synthetic_badge"})
    return layout, annotations

"""Provenance drawn into every figure: title, subtitle, source line, date, synthetic badge.

They are layout annotations, not page HTML, so they survive a PNG or SVG export and a
cropped screenshot.
"""

from __future__ import annotations

from dataclasses import dataclass

import plotly.graph_objects as go

from dashboard.figures.style import FONT_FAMILY, MUTED_TEXT, SYNTHETIC_BADGE_COLOUR, TEXT_COLOUR

SYNTHETIC_BADGE = "SYNTHETIC DEMO DATA - not real trade statistics"


@dataclass(frozen=True)
class Caption:
    title: str
    subtitle: str
    source_line: str
    data_date: str = ""
    synthetic: bool = False
    view_url: str = ""


def apply_caption(fig: go.Figure, caption: Caption, top: int = 84, bottom: int = 64) -> go.Figure:
    """Put the caption into the figure's layout (margins reserved for it)."""
    notes = [caption.source_line]
    if caption.data_date:
        notes.append(f"Data as of {caption.data_date}.")
    if caption.view_url:
        notes.append(caption.view_url)
    fig.update_layout(
        title={"text": f"<b>{caption.title}</b><br><span style='font-size:13px;color:{MUTED_TEXT}'>"
                       f"{caption.subtitle}</span>", "x": 0.01, "xanchor": "left", "y": 0.98,
               "yanchor": "top", "font": {"size": 17}},
        margin={"t": top + (22 if caption.synthetic else 0), "b": bottom, "l": 10, "r": 10},
        font={"family": FONT_FAMILY, "color": TEXT_COLOUR},
        paper_bgcolor="white",
        meta={"source_line": caption.source_line, "synthetic": caption.synthetic},
    )
    fig.add_annotation(
        text="<br>".join(notes), xref="paper", yref="paper", x=0, y=0, yshift=-bottom + 6,
        xanchor="left", yanchor="bottom", align="left", showarrow=False,
        font={"size": 11, "color": MUTED_TEXT}, name="source_line")
    if caption.synthetic:
        fig.add_annotation(
            text=f"<b>{SYNTHETIC_BADGE}</b>", xref="paper", yref="paper", x=1, y=1,
            yshift=top - 4, xanchor="right", yanchor="top", showarrow=False,
            font={"size": 12, "color": "white"}, bgcolor=SYNTHETIC_BADGE_COLOUR, borderpad=4,
            name="synthetic_badge")
    return fig

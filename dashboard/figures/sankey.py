"""Sankey of who ships how many tonnes to whom, from `analytics.bilateral.top_flows`.

Suppliers sit on the left and receivers on the right. A country that is on both sides
gets two nodes, so the diagram never loops. Each node's customdata is its code (ISO3 for
a country, "S19" for Other Asia, nes, "_OTHER_SRC" / "_OTHER_DST" for the folds), so a
click on a node can focus that country.
"""

from __future__ import annotations

import html

import pandas as pd
import plotly.graph_objects as go

from dashboard.analytics.bilateral import OTHER_SOURCE, OTHER_TARGET
from dashboard.analytics.orientation import Direction
from dashboard.figures.caption import WIDE_LABEL, Caption, captioned, middle_cut
from dashboard.figures.style import MUTED_TEXT, QUALITATIVE, figure_from, message_spec
from dashboard.figures.text import format_amount, format_share

NODE_COLOURS = QUALITATIVE  # folds are grey
TARGET_COLOUR = "#7a7a7a"
OTHER_COLOUR = "#bdbdbd"
SIDE_HEADINGS = {Direction.IMPORTS: ("Suppliers", "Importers"),
                 Direction.EXPORTS: ("Exporters", "Destinations")}


def build_sankey(flows: pd.DataFrame, caption: Caption,
                 direction: Direction = Direction.IMPORTS) -> go.Figure:
    """`sankey_spec` as a figure."""
    return figure_from(sankey_spec(flows, caption, direction))


def sankey_spec(flows: pd.DataFrame, caption: Caption,
                direction: Direction = Direction.IMPORTS) -> dict:
    """Sankey figure; link width is net weight in tonnes, hover gives t, USD and source rows."""
    # A plain spec, built once: plotly's add_* and update_* cost milliseconds each.
    if flows.empty:
        return captioned(message_spec("No flows with data for this selection and period."),
                         caption)
    nodes = _nodes(flows)
    index = {(side, code): i for i, (side, code, _, _) in enumerate(nodes)}
    source_colour = {code: colour for side, code, _, colour in nodes if side == "source"}
    total_t = float(flows["weight_t"].sum())
    # "fixed": a draggable node ("snap", the default) takes the mouse down for its drag,
    # and plotly.js then never reports a click on it (checked in Chromium), so a click
    # could not focus the country. Hover still works on fixed nodes.
    sankey = {
        "type": "sankey", "name": "flows", "arrangement": "fixed", "valueformat": ",.1f",
        "valuesuffix": " t",
        "node": {"label": [label for _, _, label, _ in nodes],
              "customdata": [code for _, code, _, _ in nodes],
              "color": [colour for _, _, _, colour in nodes], "pad": 14, "thickness": 16,
              "line": {"width": 0},
              "hovertemplate": "<b>%{label}</b><br>Net weight: %{value:,.1f} t"
                               "<extra></extra>"},
        "link": {"source": [index[("source", code)] for code in flows["source"]],
              "target": [index[("target", code)] for code in flows["target"]],
              "value": [float(w) if pd.notna(w) else 0.0 for w in flows["weight_t"]],
              "color": [_fade(source_colour[code]) for code in flows["source"]],
              "customdata": [[row.source, row.target, _link_hover(row, total_t)]
                             for row in flows.itertuples(index=False)],
              "hovertemplate": "%{customdata[2]}<extra></extra>"},
    }
    layout = {"annotations": _side_headings(Direction(direction)),
              "height": max(420, 150 + 34 * max(flows["source"].nunique(),
                                                 flows["target"].nunique())),
              "hoverlabel": {"align": "left"}}
    return captioned({"data": [sankey], "layout": layout}, caption, top=110)


def _nodes(flows: pd.DataFrame) -> list[tuple[str, str, str, str]]:
    """(side, code, label, colour) per node: sources heaviest first, then targets."""
    nodes = []
    for side in ("source", "target"):
        tonnes = flows.groupby([side, f"{side}_name"], sort=False)["weight_t"].sum()
        ranked = tonnes.reset_index().sort_values("weight_t", ascending=False, kind="stable")
        for i, (code, name) in enumerate(zip(ranked[side], ranked[f"{side}_name"])):
            if code in (OTHER_SOURCE, OTHER_TARGET):
                colour = OTHER_COLOUR
            else:
                colour = NODE_COLOURS[i % len(NODE_COLOURS)] if side == "source" else (
                    TARGET_COLOUR)
            # Cut like an axis label: a 20,000-character name pushed the diagram off the
            # figure. The flows' table under the chart keeps it whole.
            nodes.append((side, str(code), html.escape(middle_cut(str(name), WIDE_LABEL)),
                          colour))
    return nodes


def _link_hover(row, total_t: float) -> str:
    share = f" ({format_share(row.weight_t / total_t)} of the total shown)" if total_t > 0 else ""
    unit_value = (row.value_usd / (row.weight_t * 1000)
                  if pd.notna(row.value_usd) and row.weight_t > 0 else float("nan"))
    lines = [f"<b>{html.escape(str(row.source_name))} \u2192 {html.escape(str(row.target_name))}"
             "</b>",
             f"Net weight: {format_amount(row.weight_t, 't')}{share}",
             f"Value: {format_amount(row.value_usd, 'USD')}",
             f"Unit value: {format_amount(unit_value, 'USD/kg')}",
             f"Source rows: {row.row_count} ({html.escape(_short(row.source_rows))})"]
    return "<br>".join(lines)


def _short(text: str, limit: int = 90) -> str:
    return text if len(text) <= limit else text[:limit - 3] + "..."


def _side_headings(direction: Direction) -> list[dict]:
    left, right = SIDE_HEADINGS[direction]
    return [{"text": f"<b>{text}</b>", "xref": "paper", "yref": "paper", "x": x, "y": 1,
             "yshift": 18, "xanchor": anchor, "yanchor": "bottom", "showarrow": False,
             "font": {"size": 12, "color": MUTED_TEXT}, "name": f"sankey_{anchor}_heading"}
            for text, x, anchor in ((left, 0, "left"), (right, 1, "right"))]


def _fade(hex_colour: str, alpha: float = 0.4) -> str:
    red, green, blue = (int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgba({red},{green},{blue},{alpha})"

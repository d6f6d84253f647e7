"""The Sankey's per-row definitions, in pandas: what `sankey.sankey_spec` follows.

`sankey.sankey_spec` builds its nodes and hover text from the links' columns as plain
Python values (pandas per small frame cost more than the drawing); this is the same spec
written the direct way, a groupby per side and itertuples per link.
tests/test_sankey_fast.py checks that the two agree exactly. Nothing in the app calls
this module.
"""

from __future__ import annotations

import html

import pandas as pd

from dashboard.analytics.bilateral import OTHER_SOURCE, OTHER_TARGET
from dashboard.analytics.orientation import Direction
from dashboard.figures.caption import WIDE_LABEL, Caption, captioned, middle_cut
from dashboard.figures.sankey import (
    NODE_COLOURS,
    OTHER_COLOUR,
    TARGET_COLOUR,
    fade,
    side_headings,
)
from dashboard.figures.style import message_spec
from dashboard.figures.text import format_amount, format_share, short_trace


def sankey_spec_reference(flows: pd.DataFrame, caption: Caption,
                          direction: Direction = Direction.IMPORTS) -> dict:
    """`sankey.sankey_spec`, in pandas."""
    if flows.empty:
        return captioned(message_spec("No flows with data for this selection and period."),
                         caption)
    nodes = _nodes(flows)
    index = {(side, code): i for i, (side, code, _, _) in enumerate(nodes)}
    source_colour = {code: colour for side, code, _, colour in nodes if side == "source"}
    total_t = float(flows["weight_t"].sum())
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
              "color": [fade(source_colour[code]) for code in flows["source"]],
              "customdata": [[row.source, row.target, _link_hover(row, total_t)]
                             for row in flows.itertuples(index=False)],
              "hovertemplate": "%{customdata[2]}<extra></extra>"},
    }
    layout = {"annotations": side_headings(Direction(direction)),
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
             f"Source rows: {row.row_count} ({html.escape(short_trace(row.source_rows))})"]
    return "<br>".join(lines)

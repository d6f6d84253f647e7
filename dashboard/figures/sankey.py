"""Sankey of who ships how many tonnes to whom, from `analytics.bilateral.top_flows`.

Suppliers sit on the left and receivers on the right. A country that is on both sides
gets two nodes, so the diagram never loops. Each node's customdata is its code (ISO3 for
a country, "S19" for Other Asia, nes, "_OTHER_SRC" / "_OTHER_DST" for the folds), so a
click on a node can focus that country.
"""

from __future__ import annotations

import html

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from dashboard.analytics.bilateral import OTHER_SOURCE, OTHER_TARGET
from dashboard.analytics.group_sums import first_seen_ids, grouped_sums
from dashboard.analytics.orientation import Direction
from dashboard.figures.caption import WIDE_LABEL, Caption, captioned, middle_cut
from dashboard.figures.style import MUTED_TEXT, QUALITATIVE, figure_from, message_spec
from dashboard.figures.text import format_amount, format_share, is_missing, short_trace

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
    links = {name: flows[name].tolist() for name in LINK_COLUMNS}
    nodes = _nodes(flows, links)
    index = {(side, code): i for i, (side, code, _, _) in enumerate(nodes)}
    source_colour = {code: colour for side, code, _, colour in nodes if side == "source"}
    faded = {code: fade(colour) for code, colour in source_colour.items()}
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
        "link": {"source": [index[("source", code)] for code in links["source"]],
              "target": [index[("target", code)] for code in links["target"]],
              "value": [0.0 if is_missing(w) else float(w) for w in links["weight_t"]],
              "color": [faded[code] for code in links["source"]],
              "customdata": [[source, target, hover] for source, target, hover in zip(
                  links["source"], links["target"], _link_hovers(links, total_t),
                  strict=True)],
              "hovertemplate": "%{customdata[2]}<extra></extra>"},
    }
    layout = {"annotations": side_headings(Direction(direction)),
              "height": max(420, 150 + 34 * max(_distinct(links["source"]),
                                                 _distinct(links["target"]))),
              "hoverlabel": {"align": "left"}}
    return captioned({"data": [sankey], "layout": layout}, caption, top=110)


LINK_COLUMNS = ("source", "source_name", "target", "target_name", "weight_t", "value_usd",
                "row_count", "source_rows")


def _nodes(flows: pd.DataFrame, links: dict[str, list]) -> list[tuple[str, str, str, str]]:
    """(side, code, label, colour) per node: sources heaviest first, then targets; a node
    per (code, name), as `groupby([side, name], sort=False)` keeps them."""
    weight_t = flows["weight_t"].to_numpy(dtype=np.float64)
    nodes = []
    for side in ("source", "target"):
        ids, groups = first_seen_ids(
            None if is_missing(code) or is_missing(name) else (code, name)
            for code, name in zip(links[side], links[f"{side}_name"], strict=True))
        tonnes = grouped_sums(ids, weight_t, len(groups)).tolist()
        ranked = sorted(range(len(groups)), key=lambda at: -tonnes[at])  # stable, as pandas
        for i, at in enumerate(ranked):
            code, name = groups[at]
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


def _link_hovers(links: dict[str, list], total_t: float) -> list[str]:
    """Each link's hover: who to whom, tonnes and share, USD, USD/kg, the source rows."""
    texts = []
    for source_name, target_name, weight_t, value_usd, row_count, source_rows in zip(
            *(links[name] for name in ("source_name", "target_name", "weight_t",
                                       "value_usd", "row_count", "source_rows")),
            strict=True):
        share = (f" ({format_share(weight_t / total_t)} of the total shown)" if total_t > 0
                 else "")
        unit_value = (value_usd / (weight_t * 1000)
                      if not is_missing(value_usd) and weight_t > 0 else float("nan"))
        texts.append(
            f"<b>{html.escape(str(source_name))} \u2192 {html.escape(str(target_name))}</b>"
            f"<br>Net weight: {format_amount(weight_t, 't')}{share}"
            f"<br>Value: {format_amount(value_usd, 'USD')}"
            f"<br>Unit value: {format_amount(unit_value, 'USD/kg')}"
            f"<br>Source rows: {row_count} ({html.escape(short_trace(source_rows))})")
    return texts


def _distinct(codes: list) -> int:
    """`Series.nunique()`: distinct values, missing ones left out."""
    return len({code for code in codes if not is_missing(code)})


def side_headings(direction: Direction) -> list[dict]:
    left, right = SIDE_HEADINGS[direction]
    return [{"text": f"<b>{text}</b>", "xref": "paper", "yref": "paper", "x": x, "y": 1,
             "yshift": 18, "xanchor": anchor, "yanchor": "bottom", "showarrow": False,
             "font": {"size": 12, "color": MUTED_TEXT}, "name": f"sankey_{anchor}_heading"}
            for text, x, anchor in ((left, 0, "left"), (right, 1, "right"))]


def fade(hex_colour: str, alpha: float = 0.4) -> str:
    """"#1f77b4" -> "rgba(31,119,180,0.4)": a link in its source's colour, see-through."""
    red, green, blue = (int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgba({red},{green},{blue},{alpha})"

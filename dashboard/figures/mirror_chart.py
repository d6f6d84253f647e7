"""Mirror chart: importer-reported beside exporter-reported tonnes, pair by pair.

Input is `analytics.mirror.mirror_gap` output. The pairs with the largest gaps are drawn
(for a flow only one side reported, the whole reported amount is the gap). A one-sided
flow whose silent side reports nothing of the product at all says nothing about
discrepancies (that party is simply not in the data), so it is left out and counted in a
note, except for areas such as Other Asia, nes, which can never report: flows to them are
the classic sign of transshipment. Each bar's customdata is [importer, exporter] (ISO3),
so a click can focus either side.
"""

from __future__ import annotations

import html
import textwrap

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from dashboard.analytics.mirror import BOTH, EXPORTER_ONLY
from dashboard.figures.caption import (
    Caption,
    captioned,
    category_labels,
    widths,
)
from dashboard.figures.style import BLUE, MUTED_TEXT, ORANGE, figure_from, message_spec
from dashboard.figures.text import format_amount, format_change, short_trace

IMPORTER_COLOUR = BLUE
EXPORTER_COLOUR = ORANGE
SIDES = {"importer": "Reported by the importer (imports, CIF)",
         "exporter": "Reported by the exporter (exports, FOB)"}


def drawable(gaps: pd.DataFrame) -> pd.Series:
    """True for pairs worth a bar: both sides, or a one-sided flow that is a real omission."""
    silent_kind = gaps["importer_kind"].where(gaps["status"] == EXPORTER_ONLY,
                                              gaps["exporter_kind"])
    return ((gaps["status"] == BOTH) | gaps["other_side_reports"].astype(bool)
            | (silent_kind == "area_nes"))


def largest_gaps(gaps: pd.DataFrame, top: int = 15) -> pd.DataFrame:
    """The `top` drawable pairs by |gap_t|; a one-sided flow counts with its whole tonnes."""
    gaps = gaps[drawable(gaps)]
    unmatched = gaps["importer_t"].where(gaps["status"] != BOTH).fillna(
        gaps["exporter_t"].where(gaps["status"] != BOTH))
    size = gaps["gap_t"].abs().where(gaps["status"] == BOTH, unmatched)
    return gaps.assign(_size=size.fillna(0)).sort_values("_size", ascending=False,
                                                         kind="stable").head(top)


def build_mirror_chart(gaps: pd.DataFrame, caption: Caption, top: int = 15) -> go.Figure:
    """`mirror_chart_spec` as a figure."""
    return figure_from(mirror_chart_spec(gaps, caption, top))


def mirror_chart_spec(gaps: pd.DataFrame, caption: Caption, top: int = 15) -> dict:
    """Horizontal paired bars (t) per importer <- exporter pair, largest gap at the top."""
    drawn = _drawable_mask(gaps)
    hidden = int((~drawn).sum())
    # Positions and row dicts from columns: `largest_gaps` on arrays (pandas costs more
    # than the drawing for a few dozen pairs); the rows as to_dict("records") gives them.
    shown = _largest_positions(gaps, drawn, top)
    if not len(shown):
        text = "No flow reported by an importer or an exporter for this product and period."
        if hidden:
            text = (f"No mirror comparison: {hidden} flow(s) reported by one side only,<br>"
                    "whose partner reports no trade of this product in this period.")
        return captioned(message_spec(text), caption)
    rows = _records(gaps, shown)
    labels = category_labels([_pair_label(row) for row in rows], caption, 4)
    hovers = [_hover(row) for row in rows]
    pairs = [[row["importer"], row["exporter"]] for row in rows]
    traces = [{"type": "bar", "y": labels,
               "x": [None if pd.isna(row[f"{side}_t"]) else float(row[f"{side}_t"])
                     for row in rows],
               "orientation": "h", "name": SIDES[side], "marker": {"color": colour},
               "customdata": pairs, "text": hovers, "textposition": "none",
               "hovertemplate": "%{text}<extra></extra>"}
              for side, colour in (("importer", IMPORTER_COLOUR), ("exporter", EXPORTER_COLOUR))]
    layout = {
        "annotations": _note_hidden(hidden, caption),
        "barmode": "group", "height": max(380, 170 + (56 if caption.narrow else 44) * len(rows)),
        "plot_bgcolor": "white",
        "hoverlabel": {"align": "left"}, "bargap": 0.25,
        # On a phone from the figure's edge: from the plot's, the entries ran off the right.
        "legend": {"orientation": "h", "x": 0, "y": 1, "yanchor": "bottom"}
                  | ({"xref": "container", "x": 0.03, "xanchor": "left"} if caption.narrow
                     else {}),
        "xaxis": {"title": {"text": "Net weight (t)"}, "gridcolor": "#e6e6e6",
                  "rangemode": "tozero"},
        "yaxis": {"autorange": "reversed", "automargin": True}}
    # On a phone the two legend entries stack, and the note above them wraps.
    return captioned({"data": traces, "layout": layout}, caption,
                         top=206 if caption.narrow else 120, narrow_left=NARROW_LABEL_PX)


def _drawable_mask(gaps: pd.DataFrame) -> np.ndarray:
    """`drawable` as an array (kinds are never missing: mirror_gap pairs listed kinds only)."""
    status = gaps["status"].to_numpy(dtype=object)
    kinds = [gaps[f"{side}_kind"].to_numpy(dtype=object, na_value="")
             for side in ("importer", "exporter")]
    silent_kind = np.where(status == EXPORTER_ONLY, *kinds)
    return ((status == BOTH) | gaps["other_side_reports"].to_numpy(dtype=bool)
            | (silent_kind == "area_nes"))


def _largest_positions(gaps: pd.DataFrame, drawn: np.ndarray, top: int) -> np.ndarray:
    """Row positions of `largest_gaps(gaps, top)`, in its order."""
    positions = np.flatnonzero(drawn)
    both = gaps["status"].to_numpy(dtype=object)[positions] == BOTH
    imported, exported, gap = (gaps[name].to_numpy(dtype=np.float64)[positions]
                               for name in ("importer_t", "exporter_t", "gap_t"))
    size = np.where(both, np.abs(gap), np.where(np.isnan(imported), exported, imported))
    order = np.argsort(-np.nan_to_num(size, nan=0.0), kind="stable")  # ties: table order
    return positions[order[:top]]


def _records(gaps: pd.DataFrame, positions: np.ndarray) -> list[dict]:
    """The rows at `positions` as to_dict("records") gives them (Python scalars)."""
    columns = {name: gaps[name].take(positions).tolist() for name in gaps.columns}
    return [dict(zip(columns, row, strict=True)) for row in zip(*columns.values(), strict=True)]


NARROW_LABEL_PX = 112  # a phone's left margin: pair names wrapped to four short lines
HIDDEN_NOTE = ("Not drawn: {hidden} flow(s) reported by one side whose partner reports no"
               " trade of this product in this period (not in the data, no mirror).")


def _note_hidden(hidden: int, caption: Caption) -> list[dict]:
    """The note on flows left out (as a list of annotations: none when nothing is)."""
    if not hidden:
        return []
    text = HIDDEN_NOTE.format(hidden=hidden)
    if caption.narrow:
        text = "<br>".join(textwrap.wrap(text, widths(caption).note))
    return [{"text": text, "xref": "paper", "yref": "paper", "x": 0, "y": 1,
             "yshift": 26 + (40 if caption.narrow else 0), "xanchor": "left",
             "yanchor": "bottom", "showarrow": False, "font": {"size": 10, "color": MUTED_TEXT},
             "name": "hidden_flows", **({"align": "left"} if caption.narrow else {})}]


def _pair_label(row: dict) -> str:
    importer, exporter = (html.escape(str(row[f"{s}_name"])) for s in ("importer", "exporter"))
    label = f"{importer} \u2190 {exporter}"
    return label if row["status"] == BOTH else f"{label} ({row['status']})"


def _hover(row: dict) -> str:
    """Both sides in t and USD, the gaps, the CIF/FOB ratio, the note and the source rows."""
    lines = [f"<b>{html.escape(str(row['importer_name']))} imports from "
             f"{html.escape(str(row['exporter_name']))}</b>"]
    for side, valuation in (("importer", "CIF"), ("exporter", "FOB")):
        if row[f"{side}_row_count"] > 0:
            lines.append(f"{SIDES[side].split(' (')[0]}: {format_amount(row[f'{side}_t'], 't')}"
                         f", {valuation} {format_amount(row[f'{side}_value_usd'], 'USD')}")
        else:
            lines.append(f"{SIDES[side].split(' (')[0]}: not reported")
    if row["status"] == BOTH:
        lines.append(f"Gap (importer - exporter): {_signed(row['gap_t'], 't')}"
                     f" ({_signed(row['gap_pct'], '%')} of the exporter's figure)")
        lines.append(f"Value gap: {_signed(row['value_gap_pct'], '%')}; CIF/FOB ratio "
                     f"{_ratio(row['cif_fob_ratio'])}; after the 1.06 factor "
                     f"{_signed(row['adjusted_value_gap_pct'], '%')}")
    lines += [html.escape(line) for line in textwrap.wrap(str(row["note"]), 80)]
    for side in ("importer", "exporter"):
        if row[f"{side}_source_rows"]:
            trace = html.escape(short_trace(row[f"{side}_source_rows"]))
            lines.append(f"Source rows ({side}): {trace}")
    return "<br>".join(lines)


def _signed(number: float, unit: str) -> str:
    return "n/a" if pd.isna(number) else format_change(number, unit)


def _ratio(number: float) -> str:
    return "n/a" if pd.isna(number) else format_amount(number, "x")



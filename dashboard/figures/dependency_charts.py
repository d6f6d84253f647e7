"""Supplier-dependency figures: gauges for one importer, a ranking of importers by exposure.

Computed measures and published figures are kept apart: a published figure (e.g. KIEP's
95.1% for Korea) is a separate, labelled annotation and never a gauge value. The EU CRMA
65% line is drawn as a benchmark, with the caveat that it is about consumption, not imports.
"""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from dashboard.analytics.consistency import UNALLOCATED_CAUSES, beyond_rounding
from dashboard.analytics.dependency import (
    CONCENTRATED_HHI,
    CRMA_BENCHMARK_SHARE,
    MODERATE_HHI,
    DependencyMetrics,
)
from dashboard.analytics.period_rows import describe_period
from dashboard.figures.caption import Caption, captioned, category_labels, widths
from dashboard.figures.plain_wrap import wrapped_lines
from dashboard.figures.style import (
    BLUE,
    MUTED_TEXT,
    NO_DATA_COLOUR,
    TEXT_COLOUR,
    VERMILLION,
    figure_from,
)
from dashboard.figures.text import format_amount, format_number, format_share, is_missing

CRMA_TEXT = ("EU CRMA benchmark: 65% of consumption (not imports) from one country,"
             " Reg. (EU) 2024/1252")
PUBLISHED_HEADING = "Published figure, not computed from this data"
# Okabe-Ito blue and vermillion (colour-blind-safe); HHI bands in three greys.
BAR_COLOUR = BLUE
ABOVE_BENCHMARK_COLOUR = VERMILLION
BAND_COLOURS = ("#f2f2f2", "#d9d9d9", "#bdbdbd")
_GAUGE_Y = (0.0, 0.9)
_NARROW_ROWS = ((0.58, 0.92), (0.0, 0.34))  # a phone's two rows, each under its titles
NARROW_NOTE = 46


NOTE_LINE_PX = 16  # a 12 px line of the notes under the gauges
GAUGES_PX = 300  # the gauges' own height in the page; the notes under them add to it


def _wrap(text: str, width: int = 110) -> str:
    return wrapped_lines(text, width)


def _note(layout: dict, text: str, y: float, name: str, x: float = 0, **style) -> None:
    layout["annotations"].append({
        "text": text, "xref": "paper", "yref": "paper", "x": x, "y": y, "xanchor": "left",
        "yanchor": "top", "align": "left", "showarrow": False, "name": name,
        "font": {"size": 12, "color": style.pop("colour", TEXT_COLOUR)}, **style})


def _notes_below(layout: dict, notes: list[tuple[str, str, dict]]) -> int:
    """Notes stacked under the plot area, placed in pixels from its bottom edge.

    Pixels, not paper fractions: a fraction lands somewhere else at every figure height
    (page, 1200x700 and 800x500 exports), which is how the published-figure box came to
    cover the source line. Returns the room they take, for the bottom margin.
    """
    shift = 6
    for name, text, style in notes:
        lines = text.count("<br>") + 1
        boxed = "bordercolor" in style
        colour = style.pop("colour", TEXT_COLOUR)
        layout["annotations"].append({
            "text": text, "xref": "paper", "yref": "paper", "x": 0, "y": 0, "yshift": -shift,
            "xanchor": "left", "yanchor": "top", "align": "left", "showarrow": False,
            "name": name, "font": {"size": 12, "color": colour}, **style})
        shift += NOTE_LINE_PX * lines + (16 if boxed else 4)
    return shift


def build_dependency_gauges(metrics: DependencyMetrics | None, reference: pd.DataFrame,
                            caption: Caption) -> go.Figure:
    """`dependency_gauges_spec` as a figure."""
    return figure_from(dependency_gauges_spec(metrics, reference, caption))


def dependency_gauges_spec(metrics: DependencyMetrics | None, reference: pd.DataFrame,
                           caption: Caption) -> dict:
    """Top-supplier share, top-3 share (%), HHI (0-1) and supplier count for one importer.

    `reference` is `reference_figures` output (may be empty): shown as its own annotation,
    labelled as published, never as a gauge. The gauges fill the plot area; every note
    sits under it, so none can cover a gauge, another note or the source line.
    """
    # A plain spec, built once: plotly's add_* and update_* cost milliseconds each.
    layout: dict = {"annotations": []}
    traces: list[dict] = []
    notes: list[tuple[str, str, dict]] = []
    width = NARROW_NOTE if caption.narrow else 110  # characters per line of 12 px notes
    if metrics is None:
        _note(layout, "<b>No supplier data for this country and period</b>: no imports with a"
                   " net weight, so no shares can be computed.", 0.75, "no_data", x=0.02)
    else:
        traces = _gauges(metrics, caption.narrow)
        notes += [("crma_benchmark", _wrap(f"Line on the first gauge: {CRMA_TEXT}.", width),
                   {"colour": MUTED_TEXT}),
                  ("computed_basis", _wrap(_basis_text(metrics), width),
                   {"colour": MUTED_TEXT})]
    if len(reference):
        notes.append(("published_figures", _published_text(reference, width),
                      {"bgcolor": "#fafafa", "bordercolor": MUTED_TEXT, "borderwidth": 1,
                       "borderpad": 6}))
    room = _notes_below(layout, notes)
    gauges_px = 2 * GAUGES_PX - 120 if caption.narrow else GAUGES_PX  # two rows on a phone
    layout |= {"xaxis": {"visible": False}, "yaxis": {"visible": False},
               "height": gauges_px + room + 150, "plot_bgcolor": "white"}
    return captioned({"data": traces, "layout": layout}, caption,
                         extra_bottom=room)


def _gauges(m: DependencyMetrics, narrow: bool = False) -> list[dict]:
    # Wide gaps between gauges, and no tick label at an arc's ends: "0%" and "100%" stick
    # out sideways and ran into the next gauge's labels at 1366 px; inner ticks do not.
    # On a phone, two rows of two: four in a row left each gauge 80 px.
    def domain(i: int) -> dict:
        if narrow:
            row = _NARROW_ROWS[i // 2]
            return {"x": [(i % 2) * 0.5 + 0.06, (i % 2) * 0.5 + 0.44], "y": list(row)}
        return {"x": [i * 0.25 + 0.04, i * 0.25 + 0.21], "y": list(_GAUGE_Y)}

    def title(text: str, sub: str) -> dict:
        if narrow:
            sub = "<br>".join(textwrap.wrap(sub, 24))
        return {"text": f"{text}<br><span style='font-size:11px;color:{MUTED_TEXT}'>{sub}</span>",
                "font": {"size": 14}}

    percent_axis = {"range": [0, 100], "tickvals": [25, 50, 75],
                    "ticktext": ["25%", "50%", "75%"],
                    "tickfont": {"size": 10}}
    return [
        {"type": "indicator",
         "mode": "gauge+number", "value": 100 * m.top_supplier_share, "domain": domain(0),
         "number": {"suffix": "%", "valueformat": ".1f"}, "name": "top_supplier_share",
         "title": title("Top supplier share", f"{m.top_supplier_name} ({m.top_supplier}),"
                                              " % of tonnes"),
         "gauge": {"axis": percent_axis, "bar": {"color": BAR_COLOUR},
                   "threshold": {"value": 100 * CRMA_BENCHMARK_SHARE, "thickness": 0.9,
                                 "line": {"color": ABOVE_BENCHMARK_COLOUR, "width": 3}}}},
        {"type": "indicator",
         "mode": "gauge+number", "value": 100 * m.top3_share, "domain": domain(1),
         "number": {"suffix": "%", "valueformat": ".1f"}, "name": "top3_share",
         "title": title("Top-3 suppliers' share", "% of tonnes"),
         "gauge": {"axis": dict(percent_axis), "bar": {"color": BAR_COLOUR}}},
        {"type": "indicator",
         "mode": "gauge+number", "value": m.hhi, "domain": domain(2), "name": "hhi",
         "number": {"valueformat": ".2f"},
         "title": title("HHI, 0-1 scale", m.concentration_band),
         "gauge": {"axis": {"range": [0, 1], "tickvals": [MODERATE_HHI, CONCENTRATED_HHI,
                                                          0.5], "tickfont": {"size": 10}},
                   "bar": {"color": BAR_COLOUR},
                   "steps": [{"range": [0, MODERATE_HHI], "color": BAND_COLOURS[0]},
                             {"range": [MODERATE_HHI, CONCENTRATED_HHI],
                              "color": BAND_COLOURS[1]},
                             {"range": [CONCENTRATED_HHI, 1], "color": BAND_COLOURS[2]}]}},
        {"type": "indicator",
         "mode": "number", "value": m.supplier_count, "domain": domain(3),
         "name": "supplier_count",
         "title": title("Number of suppliers", "partners with net weight above 0")},
    ]


def _basis_text(m: DependencyMetrics) -> str:
    who = f"{m.country_name} ({m.country})" if m.country_name else m.country
    text = (f"Computed from {format_amount(m.total_t, 't')} of imports (net weight) by {who}"
            f" from all partners in {describe_period(m.period)}; World and country groups"
            " left out. HHI bands (Statistics Netherlands): below 0.15 unconcentrated,"
            " 0.15-0.25 moderately concentrated, 0.25 and above concentrated.")
    text = f"{text} {m.coverage_note}." if m.coverage_note else text
    return f"{text} {world_text(m)}" if not np.isnan(m.world_t) else text


def world_text(m: DependencyMetrics) -> str:
    """The importer's own World total against the partners' sum, and what that allows."""
    who = m.country_name or m.country
    if not beyond_rounding(m.unallocated_t * 1000, m.world_t * 1000):  # rule in kg
        return (f"The partners add up to the World total {who} reports"
                f" ({format_amount(m.world_t, 't')}).")
    if m.unallocated_t < 0:
        return (f"The partners add up to {format_amount(-m.unallocated_t, 't')} more than the"
                f" World total {who} reports ({format_amount(m.world_t, 't')}): the file's"
                " World row is not the sum of its partners.")
    return (f"{who} reports a World total of"
            f" {format_amount(m.world_t, 't')}: {format_share(m.allocated_share)} is allocated to"
            f" partners in the file, {format_amount(m.unallocated_t, 't')} is not"
            f" ({UNALLOCATED_CAUSES}), so"
            f" {m.top_supplier_name}'s share of the World total lies between"
            f" {format_share(m.top_share_of_world_low)} and"
            f" {format_share(m.top_share_of_world_high)}.")


def _published_text(reference: pd.DataFrame, width: int = 110) -> str:
    lines = [f"<b>{PUBLISHED_HEADING}</b>"]
    # The columns drawn as lists, not iterrows (a Series per row): "" where a fact has no
    # value, as fillna("") gives.
    drawn = ("value", "unit", "year", "source", "citation", "secondary", "statement")
    for values in zip(*(reference[name].tolist() for name in drawn), strict=True):
        fact = {name: "" if is_missing(value) else value
                for name, value in zip(drawn, values, strict=True)}
        value = f"{fact['value']}{'' if str(fact['unit']).startswith('%') else ' '}{fact['unit']}"
        when = f", {fact['year']}" if fact["year"] else ""
        source = f"{fact['source']}, via {fact['citation']}" if fact["citation"] else fact["source"]
        second = " (secondary report)" if str(fact["secondary"]).lower() == "true" else ""
        head = f"{value}: " if fact["value"] else ""
        lines.append(_wrap(f"{head}{fact['statement']}{when} - {source}{second}", width))
    return "<br>".join(lines)


def build_dependency_ranking(ranking: pd.DataFrame, supplier_name: str, caption: Caption,
                             top: int = 30) -> go.Figure:
    """`dependency_ranking_spec` as a figure."""
    return figure_from(dependency_ranking_spec(ranking, supplier_name, caption, top))


def dependency_ranking_spec(ranking: pd.DataFrame, supplier_name: str, caption: Caption,
                            top: int = 30) -> dict:
    """Horizontal bars: each importer's share (%) of net weight from one supplier.

    `ranking` is `dependency_ranking` output (index iso3). The 65% CRMA line is drawn with
    its caveat; hover gives tonnes from the supplier and from all partners.
    """
    shown = ranking.head(top)
    layout: dict = {"annotations": []}
    if shown.empty:
        _note(layout, f"No importer has tonnes from all partners to compare with"
                      f" {supplier_name}.", 0.6, "no_data", x=0.02)
        layout |= {"xaxis": {"visible": False}, "yaxis": {"visible": False}}
        return captioned({"data": [], "layout": layout}, caption)
    percent = (100 * shown["supplier_share"]).tolist()
    percent_texts = [format_amount(p, "%") for p in percent]  # also `format_share` of each
    labels = category_labels(shown["country_name"], caption, lines=1)
    bars = {
        "type": "bar", "x": percent, "y": labels, "orientation": "h",
        "name": "supplier_share", "customdata": shown.index.tolist(),
        "marker": {"color": [ABOVE_BENCHMARK_COLOUR if p > 100 * CRMA_BENCHMARK_SHARE
                             else BAR_COLOUR for p in percent]},
        "text": percent_texts, "textposition": "outside",
        "cliponaxis": False, "hovertext": _ranking_hover(shown, supplier_name, percent_texts),
        "hovertemplate": "%{hovertext}<extra></extra>"}
    # layer "above": a shape is drawn under the traces by default, hidden by long bars
    layout["shapes"] = [{"type": "line", "xref": "x", "yref": "paper", "x0": 65, "x1": 65,
                         "y0": 0, "y1": 1, "layer": "above", "name": "crma_line",
                         "line": {"color": ABOVE_BENCHMARK_COLOUR, "width": 2, "dash": "dash"}}]
    # On a phone the benchmark's words run from the figure's edge, not centred on the line.
    place = (NARROW_CRMA if caption.narrow
             else {"xref": "x", "x": 65, "xanchor": "center"})
    layout["annotations"].append({
        "text": _wrap(CRMA_TEXT, widths(caption).note if caption.narrow else 60),
        "yref": "paper", "y": 1, "yanchor": "bottom", "showarrow": False,
        "font": {"size": 11, "color": MUTED_TEXT}, "name": "crma_benchmark", **place})
    title = f"share of imports (net weight) from {supplier_name}, %"
    layout |= {"yaxis": {"categoryorder": "array", "categoryarray": labels[::-1]},
               "xaxis": {"range": [0, 112], "ticksuffix": "%", "gridcolor": NO_DATA_COLOUR,
                         "title": {"text": _wrap(title, 40) if caption.narrow else title}},
               "height": max(360, 200 + 24 * len(shown)), "showlegend": False,
               "plot_bgcolor": "white", "hoverlabel": {"align": "left"}}
    return captioned({"data": [bars], "layout": layout}, caption, top=120,
                         narrow_left=NARROW_LABEL_PX)


NARROW_LABEL_PX = 104  # a phone's left margin: one line of a short country name
NARROW_CRMA = {"xref": "paper", "x": 0, "xanchor": "left", "align": "left"}


def _ranking_hover(shown: pd.DataFrame, supplier_name: str,
                   share_texts: list[str]) -> list[str]:
    """Hover text per importer, from the columns (no row objects). `share_texts` are the
    bars' texts: `format_share(share)` is `format_amount(100 * share, "%")`, made once."""
    tonnes: dict[float, str] = {}  # each distinct amount formatted once

    def amount(number: float) -> str:
        if number not in tonnes:
            tonnes[number] = format_amount(number, "t")
        return tonnes[number]

    return ["<br>".join([
        f"<b>{name}</b> ({iso})",
        f"From {supplier_name}: {amount(supplier_t)} of {amount(total_t)} from all partners "
        f"({share_text} of net weight)",
        f"HHI, 0-1 scale: {format_number(hhi)}",
        _wrap(f"Source rows: {rows}", 90)])
        for iso, name, supplier_t, total_t, share_text, hhi, rows in zip(
            shown.index.tolist(), *(shown[c].tolist() for c in (
                "country_name", "supplier_t", "total_t")), share_texts,
            *(shown[c].tolist() for c in ("hhi", "source_rows")), strict=True)]

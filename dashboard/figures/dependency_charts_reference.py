"""The dependency tab's figure specs as first written (pandas rows, textwrap, every number
formatted where it is drawn): the definitions `dependency_charts.dependency_gauges_spec` and
`dependency_ranking_spec` are tested equal to (tests/test_dependency_tab_fast.py). Nothing
on the page calls them.
"""

from __future__ import annotations

import textwrap

import pandas as pd

from dashboard.analytics.dependency import CRMA_BENCHMARK_SHARE, DependencyMetrics
from dashboard.figures.caption import Caption, captioned, category_labels, widths
from dashboard.figures.dependency_charts import (  # the shared look, not what is tested
    ABOVE_BENCHMARK_COLOUR,
    BAR_COLOUR,
    CRMA_TEXT,
    GAUGES_PX,
    NARROW_CRMA,
    NARROW_LABEL_PX,
    NARROW_NOTE,
    PUBLISHED_HEADING,
    _basis_text,
    _gauges,
    _note,
    _notes_below,
)
from dashboard.figures.style import MUTED_TEXT, NO_DATA_COLOUR
from dashboard.figures.text import format_amount, format_number, format_share


def _wrap(text: str, width: int = 110) -> str:
    return "<br>".join(textwrap.wrap(text, width))


def dependency_gauges_spec_reference(metrics: DependencyMetrics | None,
                                     reference: pd.DataFrame, caption: Caption) -> dict:
    """`dependency_charts.dependency_gauges_spec`, as first written."""
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


def _published_text(reference: pd.DataFrame, width: int = 110) -> str:
    lines = [f"<b>{PUBLISHED_HEADING}</b>"]
    for _, fact in reference.fillna("").iterrows():
        value = f"{fact['value']}{'' if str(fact['unit']).startswith('%') else ' '}{fact['unit']}"
        when = f", {fact['year']}" if fact["year"] else ""
        source = f"{fact['source']}, via {fact['citation']}" if fact["citation"] else fact["source"]
        second = " (secondary report)" if str(fact["secondary"]).lower() == "true" else ""
        head = f"{value}: " if fact["value"] else ""
        lines.append(_wrap(f"{head}{fact['statement']}{when} - {source}{second}", width))
    return "<br>".join(lines)


def dependency_ranking_spec_reference(ranking: pd.DataFrame, supplier_name: str,
                                      caption: Caption, top: int = 30) -> dict:
    """`dependency_charts.dependency_ranking_spec`, as first written."""
    shown = ranking.head(top)
    layout: dict = {"annotations": []}
    if shown.empty:
        _note(layout, f"No importer has tonnes from all partners to compare with"
                      f" {supplier_name}.", 0.6, "no_data", x=0.02)
        layout |= {"xaxis": {"visible": False}, "yaxis": {"visible": False}}
        return captioned({"data": [], "layout": layout}, caption)
    percent = (100 * shown["supplier_share"]).tolist()
    labels = category_labels(shown["country_name"], caption, lines=1)
    bars = {
        "type": "bar", "x": percent, "y": labels, "orientation": "h",
        "name": "supplier_share", "customdata": shown.index.tolist(),
        "marker": {"color": [ABOVE_BENCHMARK_COLOUR if p > 100 * CRMA_BENCHMARK_SHARE
                             else BAR_COLOUR for p in percent]},
        "text": [format_amount(p, "%") for p in percent], "textposition": "outside",
        "cliponaxis": False, "hovertext": _ranking_hover(shown, supplier_name),
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


def _ranking_hover(shown: pd.DataFrame, supplier_name: str) -> list[str]:
    """Hover text per importer, from the columns (no row objects)."""
    return ["<br>".join([
        f"<b>{name}</b> ({iso})",
        f"From {supplier_name}: {format_amount(supplier_t, 't')} of "
        f"{format_amount(total_t, 't')} from all partners "
        f"({format_share(share)} of net weight)",
        f"HHI, 0-1 scale: {format_number(hhi)}",
        _wrap(f"Source rows: {rows}", 90)])
        for iso, name, supplier_t, total_t, share, hhi, rows in zip(
            shown.index.tolist(), *(shown[c].tolist() for c in (
                "country_name", "supplier_t", "total_t", "supplier_share", "hhi",
                "source_rows")), strict=True)]

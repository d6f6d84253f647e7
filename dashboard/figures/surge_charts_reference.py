"""The surge charts' specs from the frames directly (pandas selections, every number
formatted where it is drawn): the reference definitions `surge_charts.surge_chart_spec` and
`country_series_spec` are tested equal to (tests/test_surges_tab_fast.py). Nothing on the
page calls them.

Surge charts: which countries cross the rule's threshold, and each country's whole series.

A flag compares end points; the series chart puts it back in its trend (Argentina -
Footwear, WT/DS121/AB/R: "recent, sudden, sharp and significant"). Both take tables from
`analytics.surges` and only draw.
"""

from __future__ import annotations

import math
import textwrap

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from dashboard.analytics.period_rows import describe_period
from dashboard.analytics.surge_rules import SurgeParams, SurgeRule, threshold
from dashboard.analytics.surge_text import reference_label, rule_words
from dashboard.figures.caption import (
    Caption,
    captioned,
    category_labels,
    widths,
)
from dashboard.figures.style import (
    MUTED_TEXT,
    NO_DATA_COLOUR,
    figure_from,
    message_spec,
)
from dashboard.figures.surge_charts import (  # the shared look, not what is tested
    CALM_COLOUR,
    DRAWN,
    FLAG_COLOUR,
    HOVER_WIDTH,
    NARROW_KEY,
    NARROW_LABEL_PX,
    PERIOD_SHADE,
    SERIES_KIND,
)
from dashboard.figures.text import format_amount, format_number
from dashboard.ingest.period_labels import label_end, label_start

_HOVER_LINES = textwrap.TextWrapper(width=HOVER_WIDTH)


def _wrap(text: str) -> str:
    """`textwrap.wrap(text, 90)` joined with <br>. Hover texts are mostly plain words and
    single spaces ("Source rows: f.csv lines 2, 3, ..."): those are packed here greedily,
    as textwrap packs them, at a fraction of its regex's cost; anything else (hyphens, other
    whitespace, a word longer than a line) goes to textwrap itself."""
    if not text:
        return ""
    words = text.split(" ")
    if ("-" in text or "" in words or not text.isprintable()
            or max(map(len, words)) > HOVER_WIDTH):
        return "<br>".join(_HOVER_LINES.wrap(text))
    lines, line = [], words[0]
    for word in words[1:]:
        if len(line) + 1 + len(word) <= HOVER_WIDTH:
            line += " " + word
        else:
            lines.append(line)
            line = word
    lines.append(line)
    return "<br>".join(lines)


def _no_data(layout: dict, message: str) -> None:
    """`message_spec`'s message and hidden axes, added to a layout with notes of its own."""
    empty = message_spec(message)["layout"]
    layout["annotations"] += empty["annotations"]
    layout["xaxis"], layout["yaxis"] = empty["xaxis"], empty["yaxis"]


def build_surge_chart(table: pd.DataFrame, params: SurgeParams, caption: Caption,
                      top: int = 15) -> go.Figure:
    """`surge_chart_spec` as a figure."""
    return figure_from(surge_chart_spec(table, params, caption, top))


def surge_chart_spec(table: pd.DataFrame, params: SurgeParams, caption: Caption,
                     top: int = 15) -> dict:
    """Bars of each country's score (the ratio, or robust z) against the rule's threshold.

    `table` is `detect_surges` output. Flagged countries first, then the nearest misses;
    countries below the floor or without enough history are counted in a note, not drawn.
    """
    # Positions, then one take: boolean frames and index look-ups cost more than the spec.
    drawable = np.isin(table["status"].to_numpy(dtype=object), [s.value for s in DRAWN])
    drawn = table.iloc[np.flatnonzero(drawable)[:top]]
    # The rule in short words (the page prints the full paragraph with its citations). On a
    # phone the legend gives way to words in the rule's lines: beside it, they overlapped.
    rule = (f"Rule: {describe_period(params.period)} {rule_words(params)};"
            f" floor {format_amount(params.floor_t, 't')}")
    if caption.narrow:
        rule = "<br>".join(textwrap.wrap(f"{rule}. {NARROW_KEY}", widths(caption).note))
    # On a phone the rule spans the width: it sits over the threshold's label, not beside.
    # A plain spec, built once: plotly's add_* and update_* cost milliseconds each.
    layout: dict = {"annotations": [{
        "text": rule, "xref": "paper", "yref": "paper", "x": 0, "y": 1,
        "yshift": 24 if caption.narrow else 8, "xanchor": "left", "yanchor": "bottom",
        "align": "left", "showarrow": False, "font": {"size": 11, "color": MUTED_TEXT},
        "name": "rule"}]}
    traces: list[dict] = []
    if drawn.empty:
        _no_data(layout, f"No country reaches the floor with a reference for "
                         f"{describe_period(params.period)}.")
    else:
        traces = _draw_scores(layout, drawn, params, caption)
    _note_left_out(layout, table, drawable, top, params)
    row_px = 40 if caption.narrow else 30  # a phone's names take two lines
    layout |= {"height": max(360, 170 + row_px * len(drawn)), "showlegend": not caption.narrow,
               "legend": {"orientation": "h", "x": 1, "xanchor": "right", "y": 1.0,
                          "yanchor": "bottom"}, "hoverlabel": {"align": "left"},
               "plot_bgcolor": "white"}
    rule_room = 14 * rule.count("<br>") + 16 * caption.narrow
    return captioned({"data": traces, "layout": layout}, caption,
                         top=110 + rule_room, bottom=84, narrow_left=NARROW_LABEL_PX)


def _draw_scores(layout: dict, drawn: pd.DataFrame, params: SurgeParams,
                 caption: Caption) -> list[dict]:
    """The bars (flagged, then the rest), and the threshold's axis, line and label in
    `layout`."""
    is_ratio = params.rule != SurgeRule.ROBUST
    limit = threshold(params)
    score = drawn["score"].to_numpy(dtype=float)
    finite = score[np.isfinite(score)]
    cap = max(float(finite.max()) if finite.size else 0.0, limit) * 1.5
    plotted = _clipped(score, 1e-3 if is_ratio else None, cap)
    labels = category_labels(drawn["country_name"], caption)
    columns = {name: drawn[name].tolist() for name in (
        "country_name", "status", "current_t", "reference_t", "score", "threshold",
        "explanation", "source_rows", "reference_source_rows")}
    columns |= {"iso3": drawn.index.tolist(), "plotted": plotted.tolist(), "label": labels}
    flags = drawn["flagged"].to_numpy(dtype=bool)
    traces = []
    for flagged, name, colour in ((True, "surge", FLAG_COLOUR), (False, "no surge", CALM_COLOUR)):
        rows = np.flatnonzero(flags == flagged).tolist()
        if not rows:
            continue
        part = {column: [values[i] for i in rows] for column, values in columns.items()}
        traces.append({
            "type": "bar", "x": part["plotted"], "y": part["label"],
            "orientation": "h", "name": name,
            "marker": {"color": colour, "pattern": {"shape": "/" if flagged else ""}},
            "text": [f"{format_amount(now, 't')} vs {format_amount(ref, 't')}" for now, ref
                     in zip(part["current_t"], part["reference_t"], strict=True)],
            "textposition": "outside", "cliponaxis": False,
            **({"textfont": {"size": 10}} if caption.narrow else {}),
            "customdata": part["iso3"], "hovertext": _hover(part, params),
            "hovertemplate": "%{hovertext}<extra></extra>"})
    order = labels[::-1]  # first row at the top
    title = ("ratio to the reference (x), log scale" if is_ratio
             else "highest monthly robust z-score (no unit)")
    layout["yaxis"] = {"categoryorder": "array", "categoryarray": order, "title": {}}
    low, high = min(float(plotted.min()), limit), max(float(plotted.max()), limit)
    # Room on the right for the "41.2 t vs 38.0 t" labels outside the bars: a phone's
    # plot is a third as wide, so the labels need a larger share of it.
    room = 0.6 if caption.narrow else 0.3
    if is_ratio:  # a log axis range is given in log10 units
        left, right = math.log10(low / 1.5), math.log10(high * 1.5)
        span = [left, right + room * (right - left)]
    else:
        span = [min(0.0, low * 1.1), high * (1.75 if caption.narrow else 1.45)]
    layout["xaxis"] = {"type": "log" if is_ratio else "linear", "title": {"text": title},
                       "gridcolor": NO_DATA_COLOUR, "zeroline": False, "range": span}
    layout["shapes"] = [{"type": "line", "xref": "x", "yref": "paper", "x0": limit,
                         "x1": limit, "y0": 0, "y1": 1, "name": "threshold",
                         "line": {"color": MUTED_TEXT, "width": 2, "dash": "dash"}}]
    layout["annotations"].append({
        "text": f"threshold {format_amount(limit, 'x' if is_ratio else '')}", "xref": "x",
        "yref": "paper", "x": math.log10(limit) if is_ratio else limit, "y": 1,
        "yanchor": "bottom", "showarrow": False, "font": {"size": 11, "color": MUTED_TEXT},
        "name": "threshold_label"})
    return traces


def _clipped(score: np.ndarray, lower: float | None, upper: float) -> np.ndarray:
    """`Series.clip(lower, upper)`: bounds given the wrong way round are swapped first."""
    if lower is not None and lower > upper:
        lower, upper = upper, lower
    return np.clip(score, lower, upper)


def _hover(part: dict[str, list], params: SurgeParams) -> list[str]:
    """Hover text per bar, from the columns' values (no row objects: this runs on every
    request)."""
    score = "z" if params.rule == SurgeRule.ROBUST else "ratio"
    period, reference = describe_period(params.period), reference_label(params)
    columns = [part[c] for c in ("iso3", "country_name", "status", "current_t", "reference_t",
                                 "score", "threshold", "explanation", "source_rows",
                                 "reference_source_rows")]
    return ["<br>".join([
        f"<b>{name}</b> ({iso}): {status}",
        f"{period}: {format_amount(now, 't')}",
        f"{reference}: {format_amount(ref, 't')}",
        f"{score} {format_number(value)} (threshold {format_number(limit)})",
        _wrap(why), _wrap(f"Source rows: {rows}"), _wrap(f"Reference rows: {ref_rows or 'none'}")])
        for iso, name, status, now, ref, value, limit, why, rows, ref_rows
        in zip(*columns, strict=True)]


def _note_left_out(layout: dict, table: pd.DataFrame, drawable: np.ndarray, top: int,
                   params: SurgeParams) -> None:
    """A note counting the countries not drawn, by status (`drawable`: rows that could be
    drawn; the first `top` of them are)."""
    rest = ~drawable
    rest[np.flatnonzero(drawable)[top:]] = True
    if not rest.any():
        return
    counts = table["status"].iloc[np.flatnonzero(rest)].value_counts()
    parts = [f"{n} {status}" for status, n in counts.items()]
    floor = format_amount(params.floor_t, "t")
    layout["annotations"].append({
        "text": f"Not drawn: {', '.join(parts)} (floor {floor}).", "xref": "paper",
        "yref": "paper", "x": 1, "y": 0, "yshift": -40, "xanchor": "right", "yanchor": "top",
        "showarrow": False, "font": {"size": 11, "color": MUTED_TEXT}, "name": "not_drawn"})


def build_country_series_chart(series: pd.DataFrame, country_label: str, period: str,
                               caption: Caption, reference_periods: list[str] | None = None,
                               ) -> go.Figure:
    """`country_series_spec` as a figure."""
    return figure_from(country_series_spec(series, country_label, period, caption,
                                           reference_periods))


def country_series_spec(series: pd.DataFrame, country_label: str, period: str,
                        caption: Caption, reference_periods: list[str] | None = None,
                        ) -> dict:
    """One country's whole series in t per month, the compared period shaded.

    `series` is `country_series` output; years with only annual (or quarterly) data are drawn
    as their monthly average over the whole year (or quarter), so bars are comparable.
    `reference_periods` (from `analytics.surge_rules.reference_periods`) are shaded grey.
    """
    layout: dict = {"annotations": []}
    if series.empty:
        _no_data(layout, f"No rows for {country_label}.")
        return captioned({"data": [], "layout": layout}, caption)
    inside = (series["period_start"] >= label_start(period)) & (
        series["period_start"] < label_end(period))
    starts = pd.to_datetime(series["period_start"])
    ends = pd.to_datetime(series["period"].map(label_end))
    middles = (starts + (ends - starts) / 2).dt.strftime("%Y-%m-%dT%H:%M:%S")
    bars = {  # dates as ISO text (what plotly's JSON makes of them), so orjson needs no cleaning
        "type": "bar", "x": middles.tolist(),
        "y": series["weight_t_per_month"].tolist(),
        "width": [0.9 * d.total_seconds() * 1000 for d in ends - starts],
        "marker": {"color": [PERIOD_SHADE if i else CALM_COLOUR for i in inside]},
        "name": country_label, "customdata": series["period"].tolist(),
        "hovertext": _series_hover(series), "hovertemplate": "%{hovertext}<extra></extra>"}
    layout["shapes"] = []
    for span in _spans(reference_periods or []):
        _shade(layout, span, "reference", NO_DATA_COLOUR, 0.6, "reference_period")
    [span] = _spans([period])
    # On a phone a year is ~30 px: the two labels would run into each other on one row.
    _shade(layout, span, f"compared: {describe_period(period)}", PERIOD_SHADE, 0.2,
           "compared_period", row=1 if caption.narrow else 0)
    layout |= {"yaxis": {"title": {"text": "net weight, t per month"},
                         "gridcolor": NO_DATA_COLOUR, "rangemode": "tozero"},
               "xaxis": {"type": "date", "title": {}}, "height": 380, "showlegend": False,
               "plot_bgcolor": "white", "hoverlabel": {"align": "left"}, "bargap": 0}
    return captioned({"data": [bars], "layout": layout}, caption,
                         top=84 + 14 * caption.narrow)


def _shade(layout: dict, span: tuple[str, str], label: str, colour: str, opacity: float,
           name: str, row: int = 0) -> None:
    """A shaded date span (a shape named `name`, as plotly's `add_vrect` draws it) with its
    label above the plot, `row` label rows up."""
    layout["shapes"].append({"type": "rect", "x0": span[0], "x1": span[1], "xref": "x",
                             "y0": 0, "y1": 1, "yref": "y domain", "fillcolor": colour,
                             "opacity": opacity, "line": {"width": 0}, "layer": "below",
                             "name": name})
    layout["annotations"].append({
        "text": label, "x": span[0], "xref": "x", "yref": "paper", "y": 1, "xanchor": "left",
        "yanchor": "bottom", "showarrow": False, "name": f"{name}_label",
        "font": {"size": 11, "color": MUTED_TEXT}, **({"yshift": 14 * row} if row else {})})




def _series_hover(series: pd.DataFrame) -> list[str]:
    """Hover text per period, from the columns (no row objects)."""
    texts = []
    for label, freq, months, weight, per_month, value, rows in zip(
            *(series[c].tolist() for c in ("period", "freq", "months", "weight_t",
                                           "weight_t_per_month", "value_usd", "source_rows")),
            strict=True):
        lines = [f"<b>{describe_period(label)}</b> ({SERIES_KIND[freq]})",
                 f"{format_amount(weight, 't')} in the period"]
        if months > 1:
            lines.append(f"{format_amount(per_month, 't')} a month on average")
        lines.append(f"Value: {format_amount(value, 'USD')}")
        lines.append(_wrap(f"Source rows: {rows}"))
        texts.append("<br>".join(lines))
    return texts


def _spans(labels: list[str]) -> list[tuple[str, str]]:
    """Contiguous date spans covering the labels (24 window months become one span)."""
    spans: list[tuple[pd.Timestamp, pd.Timestamp]] = []
    for start, end in sorted((label_start(p), label_end(p)) for p in labels):
        if spans and start <= spans[-1][1]:
            spans[-1] = (spans[-1][0], max(end, spans[-1][1]))
        else:
            spans.append((start, end))
    return [(_day(start), _day(end)) for start, end in spans]


def _day(moment: pd.Timestamp) -> str:
    return moment.strftime("%Y-%m-%d")

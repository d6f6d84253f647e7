"""Surge charts: which countries cross the rule's threshold, and each country's whole series.

A flag compares end points; the series chart puts it back in its trend (Argentina -
Footwear, WT/DS121/AB/R: "recent, sudden, sharp and significant"). Both take tables from
`analytics.surges` and only draw.
"""

from __future__ import annotations

import math
import textwrap
from collections import Counter
from functools import lru_cache

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from dashboard.analytics.period_rows import describe_period
from dashboard.analytics.surge_rules import SurgeParams, SurgeRule, SurgeStatus, threshold
from dashboard.analytics.surge_text import reference_label, rule_words
from dashboard.figures.caption import (
    Caption,
    captioned,
    category_labels,
    widths,
)
from dashboard.figures.plain_wrap import wrapped_lines
from dashboard.figures.style import (
    BLUE,
    MUTED_TEXT,
    NO_DATA_COLOUR,
    ORANGE,
    VERMILLION,
    figure_from,
    message_spec,
)
from dashboard.figures.text import format_amount, format_number
from dashboard.ingest.period_labels import label_end, label_start

# Flagged bars also
# carry a hatch pattern, so the flag never depends on colour alone.
FLAG_COLOUR = VERMILLION
CALM_COLOUR = BLUE
PERIOD_SHADE = ORANGE
DRAWN = (SurgeStatus.SURGE, SurgeStatus.BELOW_THRESHOLD)
NARROW_KEY = "Hatched orange bars: surge; blue: no surge"
NARROW_LABEL_PX = 112  # a phone's left margin: country names wrapped to two short lines


HOVER_WIDTH = 90  # characters per hover line


# The same countries, numbers and source lines come back view after view of a tab (another
# rule, floor or threshold on the same selection): their words are made once.
_TEXTS_KEPT = 4096


@lru_cache(maxsize=_TEXTS_KEPT)
def _amount(number: float, unit: str) -> str:
    """`format_amount(number, unit)`."""
    return format_amount(number, unit)


@lru_cache(maxsize=_TEXTS_KEPT)
def _number(number: float) -> str:
    """`format_number(number)`."""
    return format_number(number)


@lru_cache(maxsize=_TEXTS_KEPT)
def _wrap(text: str) -> str:
    """The text in hover lines of at most HOVER_WIDTH characters, joined with <br>."""
    return wrapped_lines(text, HOVER_WIDTH)


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
    Built from the table's columns as lists (`surge_charts_reference`: the same spec from
    the frame, tested equal).
    """
    statuses = table["status"].tolist()
    drawable = [i for i, status in enumerate(statuses) if status in _DRAWN_VALUES]
    shown = drawable[:top]
    # The rule in short words (the page prints the full paragraph with its citations). On a
    # phone the legend gives way to words in the rule's lines: beside it, they overlapped.
    rule = (f"Rule: {describe_period(params.period)} {rule_words(params)};"
            f" floor {_amount(params.floor_t, 't')}")
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
    if not shown:
        _no_data(layout, f"No country reaches the floor with a reference for "
                         f"{describe_period(params.period)}.")
    else:
        traces = _draw_scores(layout, _rows_of(table, shown), params, caption)
    _note_left_out(layout, statuses, drawable, top, params)
    row_px = 40 if caption.narrow else 30  # a phone's names take two lines
    layout |= {"height": max(360, 170 + row_px * len(shown)), "showlegend": not caption.narrow,
               "legend": {"orientation": "h", "x": 1, "xanchor": "right", "y": 1.0,
                          "yanchor": "bottom"}, "hoverlabel": {"align": "left"},
               "plot_bgcolor": "white"}
    rule_room = 14 * rule.count("<br>") + 16 * caption.narrow
    return captioned({"data": traces, "layout": layout}, caption,
                         top=110 + rule_room, bottom=84, narrow_left=NARROW_LABEL_PX)


_DRAWN_VALUES = frozenset(status.value for status in DRAWN)
_BAR_COLUMNS = ("country_name", "status", "current_t", "reference_t", "score", "threshold",
                "flagged", "explanation", "source_rows", "reference_source_rows")


def _rows_of(table: pd.DataFrame, rows: list[int]) -> dict[str, list]:
    """The bars' columns of `table` at the positions `rows`, as lists (iso3: the index)."""
    picked = {name: table[name].tolist() for name in _BAR_COLUMNS}
    picked["iso3"] = table.index.tolist()
    return {name: [values[i] for i in rows] for name, values in picked.items()}


def _draw_scores(layout: dict, drawn: dict[str, list], params: SurgeParams,
                 caption: Caption) -> list[dict]:
    """The bars (flagged, then the rest) of the `drawn` rows' columns, and the threshold's
    axis, line and label in `layout`."""
    is_ratio = params.rule != SurgeRule.ROBUST
    limit = threshold(params)
    score = np.array(drawn["score"], dtype=float)
    finite = score[np.isfinite(score)]
    cap = max(float(finite.max()) if finite.size else 0.0, limit) * 1.5
    plotted = _clipped(score, 1e-3 if is_ratio else None, cap)
    labels = category_labels(drawn["country_name"], caption)
    columns = drawn | {"plotted": plotted.tolist(), "label": labels}
    traces = []
    for flagged, name, colour in ((True, "surge", FLAG_COLOUR), (False, "no surge", CALM_COLOUR)):
        rows = [i for i, flag in enumerate(drawn["flagged"]) if bool(flag) == flagged]
        if not rows:
            continue
        part = {column: [values[i] for i in rows] for column, values in columns.items()}
        traces.append({
            "type": "bar", "x": part["plotted"], "y": part["label"],
            "orientation": "h", "name": name,
            "marker": {"color": colour, "pattern": {"shape": "/" if flagged else ""}},
            "text": [f"{_amount(now, 't')} vs {_amount(ref, 't')}" for now, ref
                     in zip(part["current_t"], part["reference_t"], strict=True)],
            "textposition": "outside", "cliponaxis": False,
            **({"textfont": {"size": 10}} if caption.narrow else {}),
            "customdata": part["iso3"], "hovertext": _hover(part, params),
            "hovertemplate": "%{hovertext}<extra></extra>"})
    _score_axis(layout, plotted, labels, limit, is_ratio, caption)
    return traces


def _score_axis(layout: dict, plotted: np.ndarray, labels: list[str], limit: float,
                is_ratio: bool, caption: Caption) -> None:
    """The bars' category order, the score axis, and the threshold's line and label."""
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
        "text": f"threshold {_amount(limit, 'x' if is_ratio else '')}", "xref": "x",
        "yref": "paper", "x": math.log10(limit) if is_ratio else limit, "y": 1,
        "yanchor": "bottom", "showarrow": False, "font": {"size": 11, "color": MUTED_TEXT},
        "name": "threshold_label"})


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
        f"{period}: {_amount(now, 't')}",
        f"{reference}: {_amount(ref, 't')}",
        f"{score} {_number(value)} (threshold {_number(limit)})",
        _wrap(why), _wrap(f"Source rows: {rows}"), _wrap(f"Reference rows: {ref_rows or 'none'}")])
        for iso, name, status, now, ref, value, limit, why, rows, ref_rows
        in zip(*columns, strict=True)]


def _note_left_out(layout: dict, statuses: list[str], drawable: list[int], top: int,
                   params: SurgeParams) -> None:
    """A note counting the countries not drawn, by status, most first (ties in table
    order, as `value_counts` orders them); `drawable`: positions of rows that could be
    drawn, the first `top` of them are."""
    drawn = set(drawable[:top])
    counts = Counter(status for i, status in enumerate(statuses) if i not in drawn)
    if not counts:
        return
    parts = [f"{n} {status}" for status, n in counts.most_common()]
    floor = _amount(params.floor_t, "t")
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
    Built from the table's columns as lists (`surge_charts_reference`: the same spec from
    the frame, tested equal).
    """
    layout: dict = {"annotations": []}
    if series.empty:
        _no_data(layout, f"No rows for {country_label}.")
        return captioned({"data": [], "layout": layout}, caption)
    columns = {name: series[name].tolist() for name in _SERIES_COLUMNS}
    first, last = label_start(period), label_end(period)
    bars_at = [_bar_at(start, label) for start, label
               in zip(columns["period_start"], columns["period"], strict=True)]
    bars = {  # dates as ISO text (what plotly's JSON makes of them), so orjson needs no cleaning
        "type": "bar", "x": [middle for middle, _ in bars_at],
        "y": columns["weight_t_per_month"], "width": [width for _, width in bars_at],
        "marker": {"color": [PERIOD_SHADE if first <= start < last else CALM_COLOUR
                             for start in columns["period_start"]]},
        "name": country_label, "customdata": columns["period"],
        "hovertext": _series_hover(columns), "hovertemplate": "%{hovertext}<extra></extra>"}
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


SERIES_KIND = {"M": "monthly data", "Q": "quarterly data", "A": "annual data"}


_SERIES_COLUMNS = ("period", "freq", "period_start", "months", "weight_t",
                   "weight_t_per_month", "value_usd", "source_rows")


@lru_cache(maxsize=4096)
def _bar_at(start: pd.Timestamp, label: str) -> tuple[str, float]:
    """A period's bar from its first day and label: the middle of the period as ISO text,
    and its width (90% of the period, ms)."""
    start = pd.Timestamp(start)
    length = label_end(label) - start
    return (start + length / 2).strftime("%Y-%m-%dT%H:%M:%S"), 0.9 * length.total_seconds() * 1000


def _series_hover(columns: dict[str, list]) -> list[str]:
    """Hover text per period, from the series' columns as lists."""
    texts = []
    for label, freq, months, weight, per_month, value, rows in zip(
            *(columns[c] for c in ("period", "freq", "months", "weight_t",
                                   "weight_t_per_month", "value_usd", "source_rows")),
            strict=True):
        lines = [f"<b>{describe_period(label)}</b> ({SERIES_KIND[freq]})",
                 f"{_amount(weight, 't')} in the period"]
        if months > 1:
            lines.append(f"{_amount(per_month, 't')} a month on average")
        lines.append(f"Value: {_amount(value, 'USD')}")
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

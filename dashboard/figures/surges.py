"""Surge charts: which countries cross the rule's threshold, and each country's whole series.

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

from dashboard.analytics.periods import describe_period
from dashboard.analytics.surge_rules import SurgeParams, SurgeRule, SurgeStatus, threshold
from dashboard.analytics.surge_text import reference_label, rule_words
from dashboard.figures.caption import (
    Caption,
    apply_caption,
    category_labels,
    edge_shift,
    widths,
)
from dashboard.figures.style import MUTED_TEXT, NO_DATA_COLOUR
from dashboard.figures.text import format_amount, format_number
from dashboard.ingest.periods import label_end, label_start

# Okabe-Ito colours (safe for the common colour-vision deficiencies); flagged bars also
# carry a hatch pattern, so the flag never depends on colour alone.
FLAG_COLOUR = "#D55E00"  # vermillion
CALM_COLOUR = "#0072B2"  # blue
PERIOD_SHADE = "#E69F00"  # orange
DRAWN = (SurgeStatus.SURGE, SurgeStatus.BELOW_THRESHOLD)
NARROW_KEY = "Hatched orange bars: surge; blue: no surge"
NARROW_LABEL_PX = 112  # a phone's left margin: country names wrapped to two short lines


def _wrap(text: str, width: int = 90) -> str:
    return "<br>".join(textwrap.wrap(text, width)) if text else ""


def _no_data(fig: go.Figure, message: str) -> None:
    fig.add_annotation(text=message, xref="paper", yref="paper", x=0.5, y=0.5,
                       showarrow=False, font={"size": 15, "color": MUTED_TEXT}, name="no_data")
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)


def build_surge_chart(table: pd.DataFrame, params: SurgeParams, caption: Caption,
                      top: int = 15) -> go.Figure:
    """Bars of each country's score (the ratio, or robust z) against the rule's threshold.

    `table` is `detect_surges` output. Flagged countries first, then the nearest misses;
    countries below the floor or without enough history are counted in a note, not drawn.
    """
    drawn = table[table["status"].isin(DRAWN)].head(top)
    fig = go.Figure()
    # The rule in short words (the page prints the full paragraph with its citations). On a
    # phone the legend gives way to words in the rule's lines: beside it, they overlapped.
    rule = (f"Rule: {describe_period(params.period)} {rule_words(params)};"
            f" floor {format_amount(params.floor_t, 't')}")
    if caption.narrow:
        rule = "<br>".join(textwrap.wrap(f"{rule}. {NARROW_KEY}", widths(caption).note))
    shift = edge_shift(caption, NARROW_LABEL_PX)
    # On a phone the rule spans the width: it sits over the threshold's label, not beside.
    fig.add_annotation(text=rule, xref="paper", yref="paper", x=0, y=1,
                       yshift=24 if caption.narrow else 8,
                       xanchor="left", yanchor="bottom", align="left", showarrow=False,
                       font={"size": 11, "color": MUTED_TEXT}, name="rule",
                       **({"xshift": shift} if shift else {}))
    if drawn.empty:
        _no_data(fig, f"No country reaches the floor with a reference for "
                      f"{describe_period(params.period)}.")
    else:
        _draw_scores(fig, drawn, params, caption)
    _note_left_out(fig, table, drawn, params)
    row_px = 40 if caption.narrow else 30  # a phone's names take two lines
    fig.update_layout(height=max(360, 170 + row_px * len(drawn)), showlegend=not caption.narrow,
                      legend={"orientation": "h", "x": 1, "xanchor": "right", "y": 1.0,
                              "yanchor": "bottom"}, hoverlabel={"align": "left"},
                      plot_bgcolor="white")
    rule_room = 14 * rule.count("<br>") + 16 * caption.narrow
    return apply_caption(fig, caption, top=110 + rule_room, bottom=84,
                         narrow_left=NARROW_LABEL_PX)


def _draw_scores(fig: go.Figure, drawn: pd.DataFrame, params: SurgeParams,
                 caption: Caption) -> None:
    is_ratio = params.rule != SurgeRule.ROBUST
    finite = drawn["score"].replace([np.inf, -np.inf], np.nan)
    cap = max(float(finite.max()) if finite.notna().any() else 0.0, threshold(params)) * 1.5
    plotted = drawn["score"].clip(lower=1e-3 if is_ratio else None, upper=cap)
    labels = pd.Series(category_labels(drawn["country_name"], caption), index=drawn.index)
    for flagged, name, colour in ((True, "surge", FLAG_COLOUR), (False, "no surge", CALM_COLOUR)):
        part = drawn[drawn["flagged"] == flagged]
        if part.empty:
            continue
        fig.add_trace(go.Bar(
            x=list(plotted[part.index]), y=labels[part.index].tolist(), orientation="h",
            name=name, marker={"color": colour, "pattern": {"shape": "/" if flagged else ""}},
            text=[_bar_text(row) for _, row in part.iterrows()], textposition="outside",
            cliponaxis=False, **({"textfont": {"size": 10}} if caption.narrow else {}),
            customdata=list(part.index), hovertext=_hover(part, params),
            hovertemplate="%{hovertext}<extra></extra>"))
    order = labels.tolist()[::-1]  # first row at the top
    title = ("ratio to the reference (x), log scale" if is_ratio
             else "highest monthly robust z-score (no unit)")
    fig.update_yaxes(categoryorder="array", categoryarray=order, title=None)
    limit = threshold(params)
    low, high = min(float(plotted.min()), limit), max(float(plotted.max()), limit)
    # Room on the right for the "41.2 t vs 38.0 t" labels outside the bars: a phone's
    # plot is a third as wide, so the labels need a larger share of it.
    room = 0.6 if caption.narrow else 0.3
    if is_ratio:  # a log axis range is given in log10 units
        left, right = math.log10(low / 1.5), math.log10(high * 1.5)
        span = [left, right + room * (right - left)]
    else:
        span = [min(0.0, low * 1.1), high * (1.75 if caption.narrow else 1.45)]
    fig.update_xaxes(type="log" if is_ratio else "linear", title={"text": title},
                     gridcolor=NO_DATA_COLOUR, zeroline=False, range=span)
    fig.add_shape(type="line", xref="x", yref="paper", x0=limit, x1=limit, y0=0, y1=1,
                  line={"color": MUTED_TEXT, "width": 2, "dash": "dash"}, name="threshold")
    fig.add_annotation(text=f"threshold {format_amount(limit, 'x' if is_ratio else '')}", xref="x",
                       yref="paper", x=math.log10(limit) if is_ratio else limit, y=1,
                       yanchor="bottom", showarrow=False, font={"size": 11, "color": MUTED_TEXT},
                       name="threshold_label")


def _bar_text(row: pd.Series) -> str:
    return f"{format_amount(row['current_t'], 't')} vs {format_amount(row['reference_t'], 't')}"


def _hover(part: pd.DataFrame, params: SurgeParams) -> list[str]:
    texts = []
    for iso, row in part.iterrows():
        score = "z" if params.rule == SurgeRule.ROBUST else "ratio"
        lines = [f"<b>{row['country_name']}</b> ({iso}): {row['status']}",
                 f"{describe_period(params.period)}: {format_amount(row['current_t'], 't')}",
                 f"{reference_label(params)}: {format_amount(row['reference_t'], 't')}",
                 f"{score} {format_number(row['score'])}"
                 f" (threshold {format_number(row['threshold'])})",
                 _wrap(row["explanation"]),
                 _wrap(f"Source rows: {row['source_rows']}"),
                 _wrap(f"Reference rows: {row['reference_source_rows'] or 'none'}")]
        texts.append("<br>".join(lines))
    return texts


def _note_left_out(fig: go.Figure, table: pd.DataFrame, drawn: pd.DataFrame,
                   params: SurgeParams) -> None:
    rest = table[~table.index.isin(drawn.index)]
    if rest.empty:
        return
    counts = rest["status"].value_counts()
    parts = [f"{n} {status}" for status, n in counts.items()]
    floor = format_amount(params.floor_t, "t")
    fig.add_annotation(text=f"Not drawn: {', '.join(parts)} (floor {floor}).", xref="paper",
                       yref="paper", x=1, y=0, yshift=-40, xanchor="right", yanchor="top",
                       showarrow=False, font={"size": 11, "color": MUTED_TEXT}, name="not_drawn")


def build_country_series_chart(series: pd.DataFrame, country_label: str, period: str,
                               caption: Caption, reference_periods: list[str] | None = None,
                               ) -> go.Figure:
    """One country's whole series in t per month, the compared period shaded.

    `series` is `country_series` output; years with only annual (or quarterly) data are drawn
    as their monthly average over the whole year (or quarter), so bars are comparable.
    `reference_periods` (from `analytics.surge_rules.reference_periods`) are shaded grey.
    """
    fig = go.Figure()
    if series.empty:
        _no_data(fig, f"No rows for {country_label}.")
        return apply_caption(fig, caption)
    inside = (series["period_start"] >= label_start(period)) & (
        series["period_start"] < label_end(period))
    starts = pd.to_datetime(series["period_start"])
    ends = pd.to_datetime(series["period"].map(label_end))
    fig.add_trace(go.Bar(
        x=list(starts + (ends - starts) / 2), y=list(series["weight_t_per_month"]),
        width=[0.9 * d.total_seconds() * 1000 for d in ends - starts],
        marker={"color": [PERIOD_SHADE if i else CALM_COLOUR for i in inside]},
        name=country_label, customdata=list(series["period"]),
        hovertext=[_series_hover(row) for _, row in series.iterrows()],
        hovertemplate="%{hovertext}<extra></extra>"))
    for span in _spans(reference_periods or []):
        _shade(fig, span, "reference", NO_DATA_COLOUR, 0.6, "reference_period")
    [span] = _spans([period])
    # On a phone a year is ~30 px: the two labels would run into each other on one row.
    _shade(fig, span, f"compared: {describe_period(period)}", PERIOD_SHADE, 0.2,
           "compared_period", row=1 if caption.narrow else 0)
    fig.update_yaxes(title={"text": "net weight, t per month"}, gridcolor=NO_DATA_COLOUR,
                     rangemode="tozero")
    fig.update_xaxes(type="date", title=None)
    fig.update_layout(height=380, showlegend=False, plot_bgcolor="white",
                      hoverlabel={"align": "left"}, bargap=0)
    return apply_caption(fig, caption, top=84 + 14 * caption.narrow)


def _shade(fig: go.Figure, span: tuple[str, str], label: str, colour: str, opacity: float,
           name: str, row: int = 0) -> None:
    """A shaded date span (a shape named `name`) with its label above the plot, `row`
    label rows up."""
    fig.add_vrect(x0=span[0], x1=span[1], fillcolor=colour, opacity=opacity, line_width=0,
                  layer="below", name=name)
    fig.add_annotation(text=label, x=span[0], xref="x", yref="paper", y=1, xanchor="left",
                       yanchor="bottom", showarrow=False, name=f"{name}_label",
                       font={"size": 11, "color": MUTED_TEXT}, **({"yshift": 14 * row}
                                                                  if row else {}))


def _series_hover(row: pd.Series) -> str:
    kind = {"M": "monthly data", "Q": "quarterly data", "A": "annual data"}[row["freq"]]
    lines = [f"<b>{describe_period(row['period'])}</b> ({kind})",
             f"{format_amount(row['weight_t'], 't')} in the period"]
    if row["months"] > 1:
        lines.append(f"{format_amount(row['weight_t_per_month'], 't')} a month on average")
    lines.append(f"Value: {format_amount(row['value_usd'], 'USD')}")
    lines.append(_wrap(f"Source rows: {row['source_rows']}"))
    return "<br>".join(lines)


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

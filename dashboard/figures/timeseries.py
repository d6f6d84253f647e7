"""Volume lines for up to five countries with the policy timeline drawn over them.

Input is `analytics.timeseries.volume_series` output and `events_in_range` output. The
focus country is drawn heavier. Years with data coarser than the chart (annual data only)
are not on the lines: an open marker sits mid-year at the average period, and its hover
says so. Policy events are dashed vertical lines with a short label; shapes have no
hover, so a faint marker trace named "policy events" carries date, event and source.
"""

from __future__ import annotations

import html
import textwrap

import pandas as pd
import plotly.graph_objects as go

from dashboard.analytics.periods import describe_period
from dashboard.analytics.timeseries import COMPLETE, SeriesMode, series_span
from dashboard.figures.caption import Caption, apply_caption
from dashboard.figures.style import MUTED_TEXT, figure_from
from dashboard.figures.text import format_amount

# Okabe-Ito (safe for the common colour-vision deficiencies), the focus country first.
SERIES_COLOURS = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00"]
EVENT_COLOUR = "#6a3d9a"
EVENT_TRACE = "policy events"
Y_TITLES = {SeriesMode.TONNES: "Net weight (t)", SeriesMode.SHARE: "Share of total (%)"}
LABEL_CHARS = 26
LABEL_WIDTH = 0.22  # a label's share of the x range, roughly: closer labels go one row down
LABEL_ROWS = 6


def build_timeseries(series: pd.DataFrame, events: pd.DataFrame | None, mode: str,
                     caption: Caption, focus: str | None = None) -> go.Figure:
    """Line chart: one line per country (focus emphasised; default the first country)."""
    mode = SeriesMode(mode)
    if series.empty:
        fig = go.Figure()
        _no_data(fig)
        return apply_caption(fig, caption)
    # Assembled as plain dicts and built once: plotly's add_* calls cost more than the data.
    traces: list[dict] = []
    countries = list(dict.fromkeys(series["country"]))
    focus = focus if focus in countries else countries[0]
    for i, country in enumerate(countries):
        rows = series[series["country"] == country]
        colour = SERIES_COLOURS[i % len(SERIES_COLOURS)]
        traces += _country_traces(rows, mode, colour, emphasised=country == focus)
    start, end = series_span(series)
    layout = {
        "height": 460, "hovermode": "closest", "plot_bgcolor": "white",
        "hoverlabel": {"align": "left"},
        "legend": {"orientation": "h", "x": 0, "y": -0.12, "yanchor": "top"},
        "yaxis": {"title": {"text": Y_TITLES[mode]}, "rangemode": "tozero",
                  "gridcolor": "#e6e6e6"},
        "yaxis2": {"overlaying": "y", "range": [0, 1], "visible": False, "fixedrange": True},
        # the data's span, so a long event (a suspension running a year on) never widens it
        "xaxis": {"type": "date", "gridcolor": "#f0f0f0",
                  "range": [start - pd.Timedelta(days=20), end + pd.Timedelta(days=20)]},
        "shapes": [], "annotations": [],
    }
    if events is not None and len(events):
        traces.append(_events(layout, events, start, end))
    if (series["coverage"] != COMPLETE).any():
        layout["annotations"].append({
            "text": "Open markers: years with coarser data only (e.g. annual), drawn at the"
                    " average period, not as a spike", "xref": "paper", "yref": "paper",
            "x": 1, "y": 1, "yshift": 4, "xanchor": "right", "yanchor": "bottom",
            "showarrow": False, "font": {"size": 10, "color": MUTED_TEXT},
            "name": "coverage_key"})
    fig = figure_from({"data": traces, "layout": layout})
    return apply_caption(fig, caption, top=110, bottom=110)


def _country_traces(rows: pd.DataFrame, mode: SeriesMode, colour: str,
                    emphasised: bool) -> list[dict]:
    name = str(rows["country_name"].iloc[0])
    country = str(rows["country"].iloc[0])
    complete = rows[rows["coverage"] == COMPLETE]
    scale = 100 if mode == SeriesMode.SHARE else 1
    traces = [{
        "type": "scatter", "x": list(complete["period_start"]),
        "y": [float(v) for v in complete["value"] * scale],
        "mode": "lines+markers", "name": name, "legendgroup": country,
        "line": {"color": colour, "width": 3.5 if emphasised else 1.6},
        "marker": {"size": 7 if emphasised else 4}, "opacity": 1.0 if emphasised else 0.8,
        "customdata": [country] * len(complete),
        "text": [_hover(row, mode) for _, row in complete.iterrows()],
        "hovertemplate": "%{text}<extra></extra>"}]
    coarse = rows[rows["coverage"] != COMPLETE]
    if len(coarse):
        middle = [start + ((start + pd.DateOffset(months=int(months))) - start) / 2
                  for start, months in zip(coarse["period_start"], coarse["months"])]
        traces.append({
            "type": "scatter", "x": middle,
            "y": [float(v) for v in coarse["average_value"] * scale], "mode": "markers",
            "name": f"{name}: coarser data", "legendgroup": country, "showlegend": False,
            "marker": {"symbol": "circle-open", "size": 10, "color": colour,
                       "line": {"width": 2}},
            "customdata": [country] * len(coarse),
            "text": [_hover(row, mode) for _, row in coarse.iterrows()],
            "hovertemplate": "%{text}<extra></extra>"})
    return traces


def _hover(row: pd.Series, mode: SeriesMode) -> str:
    """Country, period, the figure with its unit, and the rows it was summed from."""
    lines = [f"<b>{html.escape(str(row['country_name']))}</b>", describe_period(row["period"])]
    if row["coverage"] != COMPLETE:
        lines.append(f"{row['coverage'].capitalize()}: {format_amount(row['weight_t'], 't')}"
                     " in the whole period")
        if mode == SeriesMode.TONNES:
            lines.append(f"Drawn at the average: {format_amount(row['average_value'], 't')}"
                         " per period, not a real figure for any one period")
    if mode == SeriesMode.SHARE:
        share = row["average_value"] if row["coverage"] != COMPLETE else row["value"]
        lines.append(f"Share of total: {_percent(share)} "
                     f"({format_amount(row['weight_t'], 't')} of "
                     f"{format_amount(row['total_t'], 't')})")
    elif row["coverage"] == COMPLETE:
        lines.append(f"Net weight: {format_amount(row['weight_t'], 't')}")
    lines.append(f"Source rows: {row['row_count']} ({html.escape(_short(row['source_rows']))})")
    return "<br>".join(lines)


def _percent(share: float) -> str:
    return "no data" if pd.isna(share) else f"{share * 100:,.1f}%"


def _short(text: str, limit: int = 90) -> str:
    text = str(text)
    return text if len(text) <= limit else text[:limit - 3] + "..."


def _label_places(dates: pd.Series, start: pd.Timestamp,
                  end: pd.Timestamp) -> list[tuple[int, bool]]:
    """(row, leftwards) per event label, so that no two labels in a row overlap.

    A label covers about LABEL_WIDTH of the x range, to the right of its line, or to the
    left near the right edge (so it is not cut off).

    >>> days = pd.to_datetime(pd.Series(["2020-01-01", "2020-02-01", "2024-12-01"]))
    >>> _label_places(days, pd.Timestamp("2020-01-01"), pd.Timestamp("2025-01-01"))
    [(0, False), (1, False), (0, True)]
    """
    span = max((end - start).days, 1)
    taken: list[list[tuple[float, float]]] = [[] for _ in range(LABEL_ROWS)]
    places = []
    for date in pd.to_datetime(dates):
        at = (date - start).days / span
        leftwards = at > 1 - LABEL_WIDTH
        low, high = (at - LABEL_WIDTH, at) if leftwards else (at, at + LABEL_WIDTH)
        overlap = [sum(max(0.0, min(high, b) - max(low, a)) for a, b in spans)
                   for spans in taken]
        row = overlap.index(min(overlap))  # the first free row, else the least crowded
        taken[row].append((low, high))
        places.append((row, leftwards))
    return places


def _events(layout: dict, events: pd.DataFrame, start: pd.Timestamp,
            end: pd.Timestamp) -> dict:
    """Dashed lines with short labels and shading for events with an end date (added to
    `layout`); returns the hover trace."""
    events = events.sort_values("date")
    places = _label_places(events["date"], start, end)
    for (row, leftwards), event in zip(places, events.itertuples(index=False)):
        if pd.notna(event.end_date):
            layout["shapes"].append({
                "type": "rect", "xref": "x", "yref": "paper", "x0": event.date,
                "x1": min(pd.Timestamp(event.end_date), end), "y0": 0, "y1": 1,
                "fillcolor": EVENT_COLOUR, "opacity": 0.07, "line": {"width": 0},
                "layer": "below", "name": "policy_event_span"})
        layout["shapes"].append({
            "type": "line", "xref": "x", "yref": "paper", "x0": event.date, "x1": event.date,
            "y0": 0, "y1": 1, "line": {"color": EVENT_COLOUR, "width": 1, "dash": "dash"},
            "name": "policy_event"})
        layout["annotations"].append({
            "text": html.escape(_short(event.event, LABEL_CHARS)), "x": event.date,
            "xref": "x", "yref": "paper", "y": 1 - 0.07 * row,
            "xanchor": "right" if leftwards else "left", "yanchor": "top",
            "showarrow": False, "xshift": -2 if leftwards else 2, "bgcolor": "white",
            "opacity": 0.85, "font": {"size": 10, "color": EVENT_COLOUR},
            "name": "policy_event_label"})
    return {
        "type": "scatter", "x": list(events["date"]), "y": [0.985] * len(events),
        "yaxis": "y2", "mode": "markers", "name": EVENT_TRACE,
        "marker": {"symbol": "triangle-down", "size": 11, "color": EVENT_COLOUR,
                   "opacity": 0.35},
        "text": [_event_hover(event) for event in events.itertuples(index=False)],
        "hovertemplate": "%{text}<extra></extra>"}


def _event_hover(event) -> str:
    when = pd.Timestamp(event.date).strftime("%Y-%m-%d")
    if pd.notna(event.end_date):
        when += f" to {pd.Timestamp(event.end_date).strftime('%Y-%m-%d')}"
    lines = [f"<b>{when}</b>: {html.escape(str(event.event))}"]
    lines += [html.escape(line) for line in textwrap.wrap(str(event.detail or ""), 70)]
    lines.append(f"Source: {html.escape(str(event.source or 'not given'))}")
    return "<br>".join(lines)


def _no_data(fig: go.Figure) -> None:
    fig.add_annotation(text="No rows with data for these countries.", xref="paper",
                       yref="paper", x=0.5, y=0.5, showarrow=False,
                       font={"size": 15, "color": MUTED_TEXT}, name="no_data")
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)

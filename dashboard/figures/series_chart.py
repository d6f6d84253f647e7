"""Volume lines for up to five countries with the policy timeline drawn over them.

Input is `analytics.timeseries.volume_series` output and `events_in_range` output. The
focus country is drawn heavier. Years with data coarser than the chart (annual data only)
are not on the lines: an open marker sits mid-year at the average period, and its hover
says so. Policy events are dashed vertical lines with a numbered tag at the top (numbers
of close events are staggered down in pixel rows); the numbered list under the chart
and the hover give date, event and source. Shapes have no hover, so a faint marker trace
named "policy events" carries the hover too.

Everything that is not data is placed in pixels from an edge of the plot area (the
legend right of it, the notes under it), never in fractions of the figure: a fraction
lands elsewhere at each height (page, 1200x700 and 800x500 exports), which is how the
legend came to cover the source line in the PNG.
"""

from __future__ import annotations

import html
import textwrap
from collections import namedtuple
from functools import lru_cache

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from dashboard.analytics.timeseries import COMPLETE, SeriesMode, series_span
from dashboard.figures.caption import Caption, captioned, widths, wrapped
from dashboard.figures.series_hover import trace_hover
from dashboard.figures.style import MUTED_TEXT, QUALITATIVE, figure_from, message_spec

# The focus country first.
SERIES_COLOURS = QUALITATIVE[:5]  # a focus and up to four peers
EVENT_COLOUR = "#6a3d9a"
EVENT_TRACE = "policy events"
Y_TITLES = {SeriesMode.TONNES: "Net weight (t)", SeriesMode.SHARE: "Share of total (%)"}
LABEL_WIDTH = 0.05  # a number tag's share of the x range (~17 px of a phone's plot)
LABEL_ROWS = 6
ROW_PX = 18  # one row of number tags
NOTE_WIDTH = 110  # characters per line of the notes under the chart
LEGEND_ROW_PX = 20  # one row of a phone's legend, two entries a row
NOTE_LINE_PX = 14
AXIS_PX = 40  # the date tick labels under the plot


def build_timeseries(series: pd.DataFrame, events: pd.DataFrame | None, mode: str,
                     caption: Caption, focus: str | None = None) -> go.Figure:
    """`timeseries_spec` as a figure."""
    return figure_from(timeseries_spec(series, events, mode, caption, focus))


def timeseries_spec(series: pd.DataFrame, events: pd.DataFrame | None, mode: str,
                    caption: Caption, focus: str | None = None) -> dict:
    """Line chart: one line per country (focus emphasised; default the first country)."""
    mode = SeriesMode(mode)
    if series.empty:
        return captioned(message_spec("No rows with data for these countries."), caption)
    # Assembled as plain dicts and built once: plotly's add_* calls cost more than the data.
    traces: list[dict] = []
    # One conversion per column (`to_dict("list")` boxes every value); rows picked by position.
    columns = {name: series[name].tolist() for name in series.columns}
    countries = list(dict.fromkeys(columns["country"]))
    focus = focus if focus in countries else countries[0]
    country_of_row = series["country"].to_numpy(dtype=object)
    complete = (series["coverage"] == COMPLETE).to_numpy()
    for i, country in enumerate(countries):
        mine = country_of_row == country
        colour = SERIES_COLOURS[i % len(SERIES_COLOURS)]
        traces += _country_traces(columns, [np.flatnonzero(mine & complete),
                                            np.flatnonzero(mine & ~complete)],
                                  mode, colour, emphasised=country == focus)
    start, end = series_span(series)
    # Right of the plot, top-aligned: it pushes the right margin (pixels), so it can cover
    # neither the x axis nor the notes at any figure size. On a phone, above the plot in
    # rows: beside it, it took half the width.
    legend = ({"orientation": "h", "x": 0, "xanchor": "left", "y": 1, "yanchor": "bottom"}
              if caption.narrow else
              {"orientation": "v", "x": 1.01, "xanchor": "left", "y": 1, "yanchor": "top"})
    layout = {
        "height": 460, "hovermode": "closest", "plot_bgcolor": "white",
        "hoverlabel": {"align": "left"}, "legend": legend,
        "yaxis": {"title": {"text": Y_TITLES[mode]}, "rangemode": "tozero",
                  "gridcolor": "#e6e6e6"},
        "yaxis2": {"overlaying": "y", "range": [0, 1], "visible": False, "fixedrange": True},
        # the data's span, so a long event (a suspension running a year on) never widens it
        "xaxis": {"type": "date", "gridcolor": "#f0f0f0",
                  "range": [start - pd.Timedelta(days=20), end + pd.Timedelta(days=20)]},
        "shapes": [], "annotations": [],
    }
    notes: list[tuple[str, list[str]]] = []
    note_width = widths(caption).note if caption.narrow else NOTE_WIDTH
    if events is not None and len(events):
        events = events.sort_values("date")
        records = _records(events)
        traces.append(_events(layout, events["date"], records, start, end))
        notes.append(("policy_event_list", list(_event_list(
            tuple((event.date, event.event) for event in records), note_width))))
    if (series["coverage"] != COMPLETE).any():
        notes.append(("coverage_key", wrapped(
            "Open markers: years with coarser data only (e.g. annual), drawn at the average"
            " period, not as a spike.", note_width)))
    room = _notes_below(layout, notes)
    spec = {"data": traces, "layout": layout}
    entries = len(countries) + bool(events is not None and len(events))
    legend_room = LEGEND_ROW_PX * -(-entries // 2) if caption.narrow else 0
    return captioned(spec, caption, top=110 + legend_room, extra_bottom=room)


def _notes_below(layout: dict, notes: list[tuple[str, list[str]]]) -> int:
    """Notes stacked under the date axis, in pixels; returns the room they take."""
    shift = AXIS_PX
    for name, lines in notes:
        layout["annotations"].append({
            "text": "<br>".join(lines), "xref": "paper", "yref": "paper", "x": 0, "y": 0,
            "yshift": -shift, "xanchor": "left", "yanchor": "top", "align": "left",
            "showarrow": False, "font": {"size": 11, "color": MUTED_TEXT}, "name": name})
        shift += NOTE_LINE_PX * len(lines) + 4
    return shift


@lru_cache(maxsize=64)
def _event_list(events: tuple[tuple[pd.Timestamp, str], ...],
                width: int = NOTE_WIDTH) -> tuple[str, ...]:
    """"Policy events: 1 2023-07-03 China: ...; 2 ..." wrapped, numbered as on the chart;
    `events`: (date, event) in date order (kept: the same few events on every view)."""
    items = [f"{number} {pd.Timestamp(date).strftime('%Y-%m-%d')} {event}"
             for number, (date, event) in enumerate(events, 1)]
    return tuple(wrapped("Policy events (numbered on the chart): " + "; ".join(items) + ".",
                         width))


def _country_traces(columns: dict[str, list], rows: list[np.ndarray], mode: SeriesMode,
                    colour: str, emphasised: bool) -> list[dict]:
    """A country's line (its complete periods) and open markers (coarser years); `columns`:
    the series table as lists, `rows`: the positions of the country's complete and coarse
    rows. The hover is one template per trace (`series_hover`)."""
    on_line, off_line = rows
    first = int(on_line[0] if len(on_line) else off_line[0])
    name, country = str(columns["country_name"][first]), str(columns["country"][first])
    scale = 100 if mode == SeriesMode.SHARE else 1
    traces = [{
        "type": "scatter", "x": [columns["period_start"][i] for i in on_line],
        "y": [float(columns["value"][i] * scale) for i in on_line],
        "mode": "lines+markers", "name": name, "legendgroup": country,
        "line": {"color": colour, "width": 3.5 if emphasised else 1.6},
        "marker": {"size": 7 if emphasised else 4}, "opacity": 1.0 if emphasised else 0.8,
        **trace_hover(columns, on_line, mode, complete=True)}]
    if len(off_line):
        coarse = [columns["period_start"][i] for i in off_line]
        middle = [start + ((start + pd.DateOffset(months=int(columns["months"][i]))) - start) / 2
                  for start, i in zip(coarse, off_line, strict=True)]
        traces.append({
            "type": "scatter", "x": middle,
            "y": [float(columns["average_value"][i] * scale) for i in off_line],
            "mode": "markers",
            "name": f"{name}: coarser data", "legendgroup": country, "showlegend": False,
            "marker": {"symbol": "circle-open", "size": 10, "color": colour,
                       "line": {"width": 2}},
            **trace_hover(columns, off_line, mode, complete=False)})
    return traces


def _label_rows(dates: pd.Series, start: pd.Timestamp, end: pd.Timestamp) -> list[int]:
    """The pixel row of each event's number tag, so that no two tags in a row overlap.

    A tag covers about LABEL_WIDTH of the x range, centred on its line.

    >>> days = pd.to_datetime(pd.Series(["2020-01-01", "2020-02-01", "2024-12-01"]))
    >>> _label_rows(days, pd.Timestamp("2020-01-01"), pd.Timestamp("2025-01-01"))
    [0, 1, 0]
    """
    span = max((end - start).days, 1)
    taken: list[list[tuple[float, float]]] = [[] for _ in range(LABEL_ROWS)]
    rows = []
    for date in pd.to_datetime(dates):
        at = (date - start).days / span
        low, high = at - LABEL_WIDTH / 2, at + LABEL_WIDTH / 2
        overlap = [sum(max(0.0, min(high, b) - max(low, a)) for a, b in spans)
                   for spans in taken]
        row = overlap.index(min(overlap))  # the first free row, else the least crowded
        taken[row].append((low, high))
        rows.append(row)
    return rows


def _events(layout: dict, dates: pd.Series, records: list, start: pd.Timestamp,
            end: pd.Timestamp) -> dict:
    """Dashed lines with number tags and shading for events with an end date (added to
    `layout`); returns the hover trace. `records`: the events in date order, `dates`
    their dates."""
    rows = _label_rows(dates, start, end)
    hovers = [_event_hover(event, number) for number, event in enumerate(records, 1)]
    for number, (row, event, hover) in enumerate(zip(rows, records, hovers), 1):
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
            "text": f"<b>{number}</b>", "x": event.date, "xref": "x", "yref": "paper",
            "y": 1, "yshift": -2 - ROW_PX * row, "xanchor": "center", "yanchor": "top",
            "showarrow": False, "bgcolor": "white", "bordercolor": EVENT_COLOUR,
            "borderwidth": 1, "borderpad": 1, "font": {"size": 10, "color": EVENT_COLOUR},
            "hovertext": hover, "name": "policy_event_label"})
    return {
        "type": "scatter", "x": list(dates), "y": [0.985] * len(records),
        "yaxis": "y2", "mode": "markers", "name": EVENT_TRACE,
        "marker": {"symbol": "triangle-down", "size": 11, "color": EVENT_COLOUR,
                   "opacity": 0.35},
        "text": hovers,
        "hovertemplate": "%{text}<extra></extra>"}


def _records(events: pd.DataFrame) -> list:
    """`events.itertuples(index=False)` from column lists (the same values, a tenth of the
    time: itertuples builds its rows through pandas)."""
    record = _record_type(tuple(events.columns))
    return [record(*values) for values in
            zip(*(events[name].tolist() for name in events.columns), strict=True)]


@lru_cache(maxsize=8)
def _record_type(columns: tuple[str, ...]) -> type:
    """The events' record class (kept: building a namedtuple class costs more than the rows;
    records compare by value, so `_event_hover` finds them kept across classes too)."""
    return namedtuple("Event", list(columns), rename=True)  # type: ignore[misc]


@lru_cache(maxsize=256)
def _event_hover(event, number: int) -> str:
    """Number, dates, event, its detail wrapped, and its source (kept: the same few events
    on every view; `event` a record, compared by value)."""
    when = pd.Timestamp(event.date).strftime("%Y-%m-%d")
    if pd.notna(event.end_date):
        when += f" to {pd.Timestamp(event.end_date).strftime('%Y-%m-%d')}"
    lines = [f"<b>{number}. {when}</b>: {html.escape(str(event.event))}"]
    lines += [html.escape(line) for line in textwrap.wrap(str(event.detail or ""), 70)]
    lines.append(f"Source: {html.escape(str(event.source or 'not given'))}")
    return "<br>".join(lines)


"""The series chart's hover as one text per point: the definition `series_hover` must draw.

`hover_text` is the hover each point carried as its own `text` before the chart sent one
template per trace (tests/test_series_hover.py holds the two equal, point by point).
`drawn_hovers` fills a trace's template in Python the way plotly.js fills it in the
browser, for the placeholders `series_hover` writes: %{customdata[i]} and %{x|<d3 date
format>} with %B, %Y and %q (tests/browser/test_series_hover.py checks a drawn label).
"""

from __future__ import annotations

import html
import re

import pandas as pd

from dashboard.analytics.period_rows import describe_period
from dashboard.analytics.timeseries import COMPLETE, SeriesMode
from dashboard.figures.text import format_amount, format_share, short_trace

_PLACEHOLDER = re.compile(r"%\{(customdata\[(\d+)\]|x\|([^}]*))\}")


def hover_text(row: dict, mode: SeriesMode) -> str:
    """Country, period, the figure with its unit, and the rows it was summed from (`row`:
    a record of the `volume_series` table)."""
    lines = [f"<b>{html.escape(str(row['country_name']))}</b>", describe_period(row["period"])]
    if row["coverage"] != COMPLETE:
        lines.append(f"{row['coverage'].capitalize()}: {format_amount(row['weight_t'], 't')}"
                     " in the whole period")
        if mode == SeriesMode.TONNES:
            lines.append(f"Drawn at the average: {format_amount(row['average_value'], 't')}"
                         " per period, not a real figure for any one period")
    if mode == SeriesMode.SHARE:
        share = row["average_value"] if row["coverage"] != COMPLETE else row["value"]
        lines.append(f"Share of total: {format_share(share)} "
                     f"({format_amount(row['weight_t'], 't')} of "
                     f"{format_amount(row['total_t'], 't')})")
    elif row["coverage"] == COMPLETE:
        lines.append(f"Net weight: {format_amount(row['weight_t'], 't')}")
    trace = html.escape(short_trace(row["source_rows"]))
    lines.append(f"Source rows: {row['row_count']} ({trace})")
    return "<br>".join(lines)


def drawn_hovers(trace: dict) -> list[str]:
    """Each point's hover text from the trace's `hovertemplate`, as plotly.js fills it
    (without "<extra></extra>", which only hides the trace-name box)."""
    template = trace["hovertemplate"].removesuffix("<extra></extra>")

    def filled(at: int) -> str:
        def value(match: re.Match) -> str:
            if match.group(2) is not None:
                return str(trace["customdata"][at][int(match.group(2))])
            start = pd.Timestamp(trace["x"][at])
            quarter = str((start.month - 1) // 3 + 1)
            return start.strftime(match.group(3).replace("%q", quarter))
        return _PLACEHOLDER.sub(value, template)

    return [filled(at) for at in range(len(trace["x"]))]

"""The series lines' hover: one template per trace, per point only what differs.

A person reads the same hover as `series_hover_reference.hover_text` writes for the row
(tests/test_series_hover.py fills the templates and compares every point). Text that is the
same for a whole trace (the country's name, the words) is written once, in the trace's
`hovertemplate`; what differs travels per point in `customdata` (the ISO3 code first, as
before, for a click).

Numbers are formatted here, not by plotly's d3-format: no one d3 format writes the house
rule (3 significant digits below 100, whole numbers from 100: 1234.5 t is "1,235 t", where
",.3r" gives "1,230"). The period of a complete point is the exception: its start is the
point's x, and the d3 date formats below write `describe_period`'s words from it.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from functools import lru_cache

import numpy as np

from dashboard.analytics.period_rows import describe_period
from dashboard.analytics.timeseries import SeriesMode
from dashboard.figures.text import format_amount, format_share, short_trace

# Months in a period -> the d3-time-format that writes `describe_period` of its first day
# ("March 2025", "Q1 2025"); plotly.js formats %{x|...} in UTC, as the dates are sent.
PERIOD_FORMATS = {1: "%B %Y", 3: "Q%q %Y"}
Fragment = str | list[str]  # template text, or one value per point
# What plotly.js fills in a hovertemplate (src/lib/index.js, hovertemplateString).
PLOTLY_PLACEHOLDER = re.compile(r"%{([^\s%{}:]*)([:|][^}]*)?}")


def trace_hover(columns: dict[str, list], rows: np.ndarray, mode: SeriesMode,
                complete: bool) -> dict:
    """{"hovertemplate", "customdata"} of one trace: the series rows at `rows` (positions in
    `columns`, the `volume_series` table as lists), all complete or all coarse."""
    tonnes, share = _tonnes, _share
    pick = rows.tolist()
    names = _distinct_texts([columns["country_name"][i] for i in pick],
                            lambda name: html.escape(str(name)))
    period = 3  # the period's place in `fragments`
    fragments: list[Fragment] = ["<b>", names, "</b><br>", _period(columns, pick, complete)]
    weights = [tonnes(columns["weight_t"][i]) for i in pick]
    if not complete:
        words = _distinct_texts([columns["coverage"][i] for i in pick], str.capitalize)
        fragments += ["<br>", words, ": ", weights, " in the whole period"]
        if mode == SeriesMode.TONNES:
            fragments += ["<br>Drawn at the average: ",
                          [tonnes(columns["average_value"][i]) for i in pick],
                          " per period, not a real figure for any one period"]
    if mode == SeriesMode.SHARE:
        shares = columns["value" if complete else "average_value"]
        fragments += ["<br>Share of total: ",
                      [f"{share(shares[i])} ({weight} of "
                       f"{tonnes(columns['total_t'][i])})"
                       for i, weight in zip(pick, weights, strict=True)]]
    elif complete:
        fragments += ["<br>Net weight: ", weights]
    fragments += ["<br>Source rows: ", [str(columns["row_count"][i]) for i in pick], " (",
                  _distinct_texts([columns["source_rows"][i] for i in pick],
                                  lambda rows: html.escape(short_trace(rows))), ")"]
    codes = [columns["country"][i] for i in pick]
    hover = _template(fragments, codes)
    if hover is None:  # text from the data that plotly.js would fill as a placeholder
        fragments[period] = _period(columns, pick, from_x=False)
        hover = _per_point(fragments, codes)
    return hover


def _period(columns: dict[str, list], pick: list[int], from_x: bool) -> Fragment:
    """The period's words: from x when every point is a whole period of one known length
    (x is then its start), else each point's label in words."""
    months = {columns["months"][i] for i in pick}
    if from_x and len(months) == 1 and (length := months.pop()) in PERIOD_FORMATS:
        return f"%{{x|{PERIOD_FORMATS[length]}}}"
    return _distinct_texts([columns["period"][i] for i in pick], describe_period)


def _template(fragments: list[Fragment], codes: list) -> dict | None:
    """Template text for what every point shares (a fragment's common start and end too:
    "file.csv lines " of "file.csv lines 3, 4"); customdata columns (after the ISO3 code)
    and their placeholders for the rest. Filled in, each point's text is the fragments'.
    None when text from the data would be read as a placeholder."""
    parts, varying, placeholders = [], [], []
    for fragment in fragments:
        if isinstance(fragment, str):
            parts.append(fragment)
            placeholders += PLOTLY_PLACEHOLDER.findall(fragment)
            continue
        head, middle, tail = _common_ends(fragment)
        parts.append(head)
        if any(middle):
            varying.append(middle)
            parts.append(f"%{{customdata[{len(varying)}]}}")
            placeholders.append((f"customdata[{len(varying)}]", ""))
        parts.append(tail)
    template = "".join(parts)
    if PLOTLY_PLACEHOLDER.findall(template) != placeholders:
        return None
    return {"customdata": [list(point) for point in zip(codes, *varying, strict=True)],
            "hovertemplate": template + "<extra></extra>"}


def _per_point(fragments: list[Fragment], codes: list) -> dict:
    """Each point's whole text in customdata (plotly.js does not read a filled-in value
    again); `fragments` without placeholders."""
    texts = ["".join(f if isinstance(f, str) else f[at] for f in fragments)
             for at in range(len(codes))]
    return {"customdata": [[code, text] for code, text in zip(codes, texts, strict=True)],
            "hovertemplate": "%{customdata[1]}<extra></extra>"}


def _common_ends(values: list[str]) -> tuple[str, list[str], str]:
    """(the start every value shares, each value's rest, the end every rest shares)."""
    head = _common_start(values)
    rests = [value[len(head):] for value in values]
    tail = _common_start([rest[::-1] for rest in rests])[::-1]
    return head, [rest[:len(rest) - len(tail)] for rest in rests], tail


def _common_start(values: list[str]) -> str:
    """The characters every value starts with (the first and last in order bound them)."""
    if not values:
        return ""
    first, last = min(values), max(values)
    shared = next((at for at, (a, b) in enumerate(zip(first, last)) if a != b), len(first))
    return first[:shared]


def _distinct_texts(values: list, text) -> list[str]:
    """`text(value)` for each value, computed once per distinct value."""
    done = {value: text(value) for value in set(values)}
    return [done[value] for value in values]


def _once_per_number(format) -> Callable[[float], str]:
    """`format(number)`, kept for the last numbers formatted: a view's weights come back in
    the next view (the other mode, frequency or countries), a share's weight and total are
    often the same figure, a country's shares often all 100%. NaN (never equal to itself,
    so never found) and zero (0.0 and -0.0 are one key) are formatted each time."""
    kept = lru_cache(maxsize=FORMATTED_KEPT)(format)

    def formatted(number: float) -> str:
        return kept(number) if number == number and number != 0 else format(number)

    return formatted


FORMATTED_KEPT = 8192  # numbers per formatter, a few dozen views' worth (~1 MB)
_tonnes = _once_per_number(lambda tonnes: format_amount(tonnes, "t"))
_share = _once_per_number(format_share)

"""The surges tab's sentences from the tables by pandas selections: the reference
definitions `sentences.surge_sentence` and `sentences.series_sentence` are tested equal to
(tests/test_surges_tab_fast.py). Nothing on the page calls them.
"""

from __future__ import annotations

import pandas as pd

from dashboard.analytics.period_rows import describe_period
from dashboard.figures.text import format_amount, plural


def _names(rows: pd.DataFrame, limit: int = 4) -> str:
    names = [str(n) for n in rows["country_name"].head(limit)]
    more = len(rows) - len(names)
    text = ", ".join(names[:-1]) + (f" and {names[-1]}" if len(names) > 1 else names[0])
    return text + (f" (and {more} more)" if more > 0 else "")


def surge_sentence(table: pd.DataFrame, words: dict[str, str], params) -> str:
    """"Rule: ... 2 countries flagged: South Korea (Q1 2025: 10.5 t; all of 2024: 9.6 t ...)"."""
    what = f"{words['commodity']} {words['counterpart']}"
    flagged = table[table["flagged"]]
    if flagged.empty:
        assessed = int((table["status"] != "below floor").sum())
        return (f"No country's {what} in {describe_period(params.period)} meets the rule"
                f" ({plural(assessed, 'country')} assessed above the"
                f" {format_amount(params.floor_t, 't')} floor).")
    first = flagged.iloc[0]
    return (f"{plural(len(flagged), 'country')} flagged for "
            f"{what}: {_names(flagged)}. {first['country_name']}: {first['explanation']}")


def series_sentence(series: pd.DataFrame, name: str, period: str) -> str:
    if series.empty:
        return f"No rows for {name} in this selection: focus a country to see its series."
    peak = series.loc[series["weight_t_per_month"].idxmax()]
    return (f"{name}'s series runs from {describe_period(series['period'].iloc[0])} to "
            f"{describe_period(series['period'].iloc[-1])}; its highest monthly rate was "
            f"{format_amount(peak['weight_t_per_month'], 't')} per month in "
            f"{describe_period(peak['period'])}. The compared period, "
            f"{describe_period(period)}, is shaded.")

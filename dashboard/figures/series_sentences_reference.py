"""The series tab's sentence from the table by pandas grouping and row access: the reference
definition `sentences.timeseries_sentence` (from column lists) is tested equal to
(tests/test_series_tab_fast.py). Nothing on the page calls it.
"""

from __future__ import annotations

import pandas as pd

from dashboard.analytics.period_rows import describe_period
from dashboard.figures.text import format_amount, format_share


def timeseries_sentence_reference(series: pd.DataFrame, mode: str) -> str:
    if series.empty:
        return "No series: focus a country (click the map) or add comparison countries."
    parts = []
    for name, rows in series.groupby("country_name", sort=False):
        rows = rows.dropna(subset=["value"])
        if rows.empty:
            continue
        last = rows.iloc[-1]
        value = (format_share(last["value"]) if mode == "share"
                 else format_amount(last["value"], "t"))
        parts.append(f"{name} {value} in {describe_period(str(last['period']))}")
    return "Latest: " + "; ".join(parts) + ". Dashed lines mark policy events (hover for sources)."

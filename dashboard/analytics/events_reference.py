"""`timeseries.events_in_range` by pandas selection and sort on the parsed table: the
reference definition its array path is tested equal to (tests/test_series_tab_fast.py).
Nothing on the page calls it.
"""

from __future__ import annotations

import pandas as pd

from dashboard.analytics.timeseries import EVENT_COLUMNS, _parsed_events


def events_in_range_reference(events: pd.DataFrame, start=None, end=None) -> pd.DataFrame:
    if events is None or events.empty:
        return pd.DataFrame({c: pd.Series(dtype="datetime64[ns]" if c.endswith("date")
                                          else "object") for c in EVENT_COLUMNS})
    table = _parsed_events(events)
    last_day = table["end_date"].fillna(table["date"])
    inside = pd.Series(True, index=table.index)
    if end is not None:
        inside &= table["date"] <= pd.Timestamp(end)
    if start is not None:
        inside &= last_day >= pd.Timestamp(start)
    return table[inside].sort_values("date").reset_index(drop=True)

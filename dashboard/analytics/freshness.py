"""How recent each reporter's data is: a country that has not reported since March must not
read as a collapse in its trade after March."""

from __future__ import annotations

import numpy as np
import pandas as pd

from dashboard.analytics.kept import KeptPerFrame
from dashboard.ingest.period_labels import month_labels, month_number, month_of_number

FRESHNESS_COLUMNS = ["reporter_name", "latest_month", "months_behind", "rows"]


def latest_by_reporter(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per reporting country (index: reporter ISO3), most behind first.

    latest_month: the last month its rows cover ("2025-03"; an annual row covers December,
    a quarterly row its third month); months_behind: months between that and the latest
    month any reporter covers; rows: its rows in the data.

    >>> frame = pd.DataFrame({"reporter": ["KOR", "KOR", "JPN"],
    ...     "reporter_name": ["South Korea", "South Korea", "Japan"],
    ...     "reporter_kind": ["country"] * 3, "freq": ["M", "M", "Q"],
    ...     "period": ["2025-01", "2025-03", "2024-Q4"]})
    >>> latest_by_reporter(frame).reset_index().values.tolist()
    [['JPN', 'Japan', '2024-12', 3, 1], ['KOR', 'South Korea', '2025-03', 0, 2]]
    """
    return _LATEST.get(frame, "all rows", lambda: _latest_table(frame)).copy()


# Customs offices publish a month one to a few months late. A reporter whose monthly or
# quarterly rows stop at most this many months before everyone else's is most likely late;
# one whose rows stopped years earlier may simply not trade these goods, and is not marked.
# Annual rows say nothing of it: a year missing from an annual file is as often no trade.
REPORTING_LAG_MONTHS = 12


def reported_before_end(frame: pd.DataFrame, countries: pd.Index, period: str) -> pd.Series:
    """Of `countries` (reporters), those whose rows end before `period` does, while other
    reporters' rows go on (up to REPORTING_LAG_MONTHS longer), with the last month each
    covers: their period may not be reported yet, so its figure is incomplete, not a fall.

    Inferred from the monthly and quarterly rows (a file holds no row for "not reported").
    A period past the end of everyone's rows is the data's coverage, said by each figure's
    coverage instead.
    """
    table = _LATEST.get(frame, "sub-annual rows", lambda: _latest_table(frame, annual=False))
    if table.empty:
        return table["latest_month"]
    lagging = table[table["months_behind"] <= REPORTING_LAG_MONTHS]["latest_month"]
    through = lagging.reindex(countries).dropna()
    return through[through < min(month_labels(period)[-1], table["latest_month"].max())]


# Read on every map request (the page header and each reporter-side view): built once a frame.
_LATEST: KeptPerFrame[pd.DataFrame] = KeptPerFrame(kept=4)


def _latest_table(frame: pd.DataFrame, annual: bool = True) -> pd.DataFrame:
    # Only the columns used are taken (a take of every column costs seconds at 5M rows).
    keep = frame["reporter_kind"] == "country"
    if not annual:
        keep &= frame["freq"] != "A"
    rows = frame.loc[keep, ["reporter", "reporter_name", "period"]]
    if rows.empty:
        return pd.DataFrame(columns=FRESHNESS_COLUMNS, index=pd.Index([], name="reporter"))
    # The last month of each distinct period label (a few dozen), then per row by its code:
    # a lookup per row over millions of rows took 0.7 s of start-up at 5M.
    codes, labels = pd.factorize(rows["period"])
    last_of = np.array([month_number(month_labels(str(label))[-1]) for label in labels],
                       dtype=np.int64)
    who, reporters = pd.factorize(rows["reporter"])
    last = np.full(len(reporters), -1, dtype=np.int64)
    np.maximum.at(last, who, last_of[codes])
    _, first_row = np.unique(who, return_index=True)
    table = pd.DataFrame({
        "reporter_name": rows["reporter_name"].to_numpy()[first_row].astype(str),
        "last": last, "rows": np.bincount(who, minlength=len(reporters))},
        index=pd.Index(np.asarray(reporters, dtype=str), name="reporter"))
    table["months_behind"] = table["last"].max() - table["last"]
    table["latest_month"] = [month_of_number(month) for month in table["last"]]
    table = table.sort_values(["months_behind", "reporter_name"], ascending=[False, True],
                              kind="stable")
    return table[FRESHNESS_COLUMNS]

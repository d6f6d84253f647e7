"""Volumes over time: up to five countries (a focus and four comparisons), one country's
whole history (`country_series`, beside a surge flag), and policy events.

Input is oriented rows (`country_table.selected_rows`): one commodity, one direction, the
selected partner (or all partners). Rows are counted once: for each series and year the
finest frequency the data has is used (`periods.finest_rows`).

Annual-only years are never drawn as a monthly spike. When a country's data for a year
is coarser than the chart's frequency (annual rows only, or quarterly rows on a monthly
chart), that year comes back as ONE row labelled with the coarser period ("2024"), with
`coverage` "annual data only" (or "quarterly data only"), `value` NaN so no line passes
through it, and `average_value` holding the average per chart period, so a figure can
mark it honestly (e.g. an open marker at the average month). Periods without any rows are
absent: not reported is not zero.
"""

from __future__ import annotations

from enum import StrEnum

import numpy as np
import pandas as pd

from dashboard.analytics.compare import COMPLETE, source_traces
from dashboard.analytics.kept import KeptPerFrame
from dashboard.analytics.period_rows import (
    FINENESS,
    FREQ_OF_FINENESS,
    containing_labels,
    finest_rows,
)
from dashboard.ingest.period_labels import MONTHS, freq_of, label_start

MAX_COUNTRIES = 5  # the focus country and four comparisons
COARSE_COVERAGE = {"A": "annual data only", "Q": "quarterly data only"}
SERIES_COLUMNS = ["country", "country_name", "period", "period_start", "months", "value",
                  "average_value", "weight_t", "total_t", "row_count", "coverage",
                  "source_rows"]
COUNTRY_SERIES_COLUMNS = ["period", "freq", "period_start", "months", "weight_t",
                          "weight_t_per_month", "value_usd", "row_count", "source_rows"]
EVENT_COLUMNS = ["date", "end_date", "event", "detail", "source", "url"]


class SeriesMode(StrEnum):
    TONNES = "tonnes"  # net weight, t per period
    SHARE = "share"  # 0..1, see volume_series


def volume_series(rows: pd.DataFrame, countries: list[str], freq: str = "M",
                  mode: str = SeriesMode.TONNES,
                  all_partner_rows: pd.DataFrame | None = None) -> pd.DataFrame:
    """Long table, one row per country and period: net weight (t) or a share (0..1).

    mode "tonnes": `value` is the net weight in t in the period.
    mode "share" with `all_partner_rows` (the same selection with ALL partners): `value`
    is the country's volume with the selected partner over its volume from all partners,
    e.g. Korea's imports from China / Korea's imports from everywhere.
    mode "share" without `all_partner_rows` (no partner selected): `value` is the
    country's share of the total of every country in `rows` in that period. That total
    holds only countries whose data has the chart's frequency that year (a country
    reporting annually cannot be split into months); `total_t` shows the denominator.

    Columns: country, country_name, period (label), period_start, months (1, 3, 12),
    value (t or share 0..1; NaN for coarse years), average_value (value per chart period,
    also for coarse years), weight_t (t), total_t (t, share denominator; NaN in tonnes
    mode), row_count, coverage ("complete", "annual data only", "quarterly data only"),
    source_rows. Ordered as `countries`, then by period.

    >>> rows = pd.DataFrame({"country": ["KOR", "KOR", "KOR", "JPN"],
    ...     "country_name": ["South Korea"] * 3 + ["Japan"], "counterpart": ["CHN"] * 4,
    ...     "flow": ["import"] * 4, "commodity_code": ["280530"] * 4,
    ...     "period": ["2024", "2025-01", "2025-02", "2025-01"], "freq": ["A", "M", "M", "M"],
    ...     "net_weight_kg": [24000.0, 1000.0, 3000.0, 3000.0],
    ...     "source_file": ["f.csv"] * 4, "source_line": [2, 3, 4, 5]})
    >>> kor = volume_series(rows, ["KOR"])
    >>> kor[["period", "value", "average_value", "coverage"]].values.tolist()[0]
    ['2024', nan, 2.0, 'annual data only']
    >>> kor["value"].tolist()[1:]
    [1.0, 3.0]
    >>> volume_series(rows, ["KOR"], mode="share")["value"].tolist()[1:]
    [0.25, 1.0]
    """
    if len(countries) > MAX_COUNTRIES:
        raise ValueError(f"at most {MAX_COUNTRIES} countries, got {len(countries)}")
    if freq not in ("M", "Q"):
        raise ValueError(f"freq must be 'M' or 'Q', got {freq!r}")
    mode = SeriesMode(mode)
    numerator = finest_rows(rows[rows["country"].isin(countries)])
    if numerator.empty:
        return pd.DataFrame(columns=SERIES_COLUMNS)
    mine = None
    if all_partner_rows is not None:
        mine = finest_rows(all_partner_rows[all_partner_rows["country"].isin(countries)])
    targets = _year_targets([numerator] if mine is None else [numerator, mine], freq)
    series = _sum_by_label(_labelled(numerator, targets), with_trace=True)
    series["total_t"] = np.nan
    if mode == SeriesMode.SHARE:
        series["total_t"] = _denominators(series, rows, mine, targets)
        series["value"] = series["weight_t"] / series["total_t"].where(series["total_t"] > 0)
    else:
        series["value"] = series["weight_t"]
    return _finish(series, countries, freq, mode)


def _year_targets(frames: list[pd.DataFrame], freq: str) -> pd.Series:
    """Fineness to label each (country, year) at: the chart's, or coarser if the data is."""
    parts = [f[["country"]].assign(year=f["period"].str.slice(0, 4),
                                   fineness=f["freq"].map(FINENESS)) for f in frames]
    both = pd.concat(parts)
    coarsest = both.groupby(["country", "year"])["fineness"].max()
    return coarsest.clip(lower=FINENESS[freq]).rename("target")


def _labelled(rows: pd.DataFrame, targets: pd.Series) -> pd.DataFrame:
    """Rows with `label`: the period of their (country, year) target frequency."""
    keyed = rows.assign(year=rows["period"].str.slice(0, 4))
    keyed = keyed.join(targets, on=["country", "year"])
    labels = [containing_labels(part, FREQ_OF_FINENESS[fineness])
              for fineness, part in keyed.groupby("target")]
    label = pd.concat(labels) if labels else pd.Series(dtype="string")
    return keyed.assign(label=label.reindex(keyed.index))


def _sum_by_label(rows: pd.DataFrame, with_trace: bool) -> pd.DataFrame:
    """Net weight (t), row count and source rows per (country, label)."""
    if rows.empty:
        return pd.DataFrame()
    grouped = rows.groupby(["country", "label"], sort=False)
    out = pd.DataFrame({
        "country_name": grouped["country_name"].first(),
        "weight_t": grouped["net_weight_kg"].sum(min_count=1) / 1000,
        "row_count": grouped.size(),
    })
    if with_trace:
        traces = source_traces(rows, ["country", "label"])
        out["source_rows"] = [traces.get(key, "") for key in out.index]
    return out.reset_index().rename(columns={"label": "period"})


def _denominators(series: pd.DataFrame, rows: pd.DataFrame, mine: pd.DataFrame | None,
                  targets: pd.Series) -> pd.Series:
    """Share denominator (t) per series row: own all-partner total, or all countries' total."""
    if mine is not None:
        totals = _sum_by_label(_labelled(mine, targets), with_trace=False)
        if totals.empty:
            return pd.Series(np.nan, index=series.index)
        lookup = totals.set_index(["country", "period"])["weight_t"]
        keys = pd.MultiIndex.from_arrays([series["country"], series["period"]])
        return pd.Series(lookup.reindex(keys).to_numpy(), index=series.index)
    every = finest_rows(rows)
    fineness = every["freq"].map(FINENESS)
    totals = {}
    for freq in {freq_of(label) for label in series["period"]}:
        usable = every[fineness <= FINENESS[freq]]
        by_label = usable.groupby(containing_labels(usable, freq))["net_weight_kg"].sum()
        totals |= (by_label / 1000).to_dict()
    return series["period"].map(totals).astype(float)


def _finish(series: pd.DataFrame, countries: list[str], freq: str,
            mode: SeriesMode) -> pd.DataFrame:
    """Coverage, period starts, averages for coarse years, order."""
    label_freq = series["period"].map(freq_of)
    series["months"] = label_freq.map(MONTHS)
    series["coverage"] = label_freq.map(COARSE_COVERAGE).where(label_freq != freq, COMPLETE)
    coarse = series["coverage"] != COMPLETE
    per_period = MONTHS[freq] / series["months"]
    # a share is already per period; tonnes of a coarse year are spread evenly over it
    scale = per_period if mode == SeriesMode.TONNES else 1.0
    series["average_value"] = series["value"] * scale
    series.loc[coarse, "value"] = np.nan
    starts = {label: label_start(label) for label in set(series["period"])}  # few labels
    series["period_start"] = [starts[label] for label in series["period"]]
    order = series["country"].map({c: i for i, c in enumerate(countries)})
    series = series.assign(_order=order).sort_values(["_order", "period_start"])
    return series[SERIES_COLUMNS].reset_index(drop=True)


def country_series(rows: pd.DataFrame, iso3: str) -> pd.DataFrame:
    """One country's whole history at the finest frequency each year allows.

    Columns: period, freq, period_start, months, weight_t (t in the period),
    weight_t_per_month (t/month, comparable across frequencies), value_usd (USD),
    row_count, source_rows; ordered by period. A year where some partners report only
    annually is one annual figure, so no partner's trade drops out of the series (the
    years of `volume_series` on a monthly chart, with every year's own frequency kept).

    >>> rows = pd.DataFrame({"country": ["KOR"] * 3, "country_name": ["South Korea"] * 3,
    ...     "counterpart": ["CHN", "JPN", "CHN"], "flow": ["import"] * 3,
    ...     "commodity_code": ["280530"] * 3, "period": ["2024-01", "2024", "2025-02"],
    ...     "freq": ["M", "A", "M"], "net_weight_kg": [1000.0, 24000.0, 3000.0],
    ...     "value_usd": [10.0, 240.0, 30.0],
    ...     "source_file": ["f.csv"] * 3, "source_line": [2, 3, 4]})
    >>> country_series(rows, "KOR")[["period", "weight_t", "weight_t_per_month"]].values.tolist()
    [['2024', 25.0, 2.0833333333333335], ['2025-02', 3.0, 3.0]]
    """
    fine = finest_rows(rows[rows["country"] == iso3])
    if fine.empty:
        return pd.DataFrame(columns=COUNTRY_SERIES_COLUMNS)
    labelled = _labelled(fine, _year_targets([fine], "M"))
    # One country: grouped by label alone (source_traces on one key is several times faster).
    grouped = labelled.groupby("label")
    series = pd.DataFrame({
        "freq": grouped["target"].first().map(FREQ_OF_FINENESS),
        "weight_t": grouped["net_weight_kg"].sum(min_count=1) / 1000,
        "value_usd": grouped["value_usd"].sum(min_count=1),
        "row_count": grouped.size(),
    })
    series["source_rows"] = source_traces(labelled, "label").reindex(series.index).fillna("")
    return finish_country_series(series)


def finish_country_series(series: pd.DataFrame) -> pd.DataFrame:
    """`country_series`'s table from its sums per label (index, sorted): freq, weight_t (t),
    value_usd (USD), row_count, source_rows; adds starts, months and t/month, in time order.
    Shared with the kept-array path (`series_index.selection_country_series`)."""
    series = series.rename_axis("period").reset_index()
    series["period_start"] = series["period"].map(label_start)
    series["months"] = series["freq"].map(MONTHS)
    series["weight_t_per_month"] = series["weight_t"] / series["months"]
    return series.sort_values("period_start").reset_index(drop=True)[COUNTRY_SERIES_COLUMNS]


def series_span(series: pd.DataFrame) -> tuple[pd.Timestamp | None, pd.Timestamp | None]:
    """(first day, first day after the last period) of a `volume_series` table.

    Pass it to `events_in_range` so the events shown match the chart's x range.
    """
    if series.empty:
        return None, None
    # Periods start on the first of a month: adding whole months in numpy is DateOffset's sum.
    first_days = series["period_start"]
    if first_days.dtype.kind != "M":
        first_days = pd.to_datetime(first_days)
    days = first_days.to_numpy()
    ends = days.astype("datetime64[M]") + series["months"].to_numpy(dtype=np.int64).astype(
        "timedelta64[M]")
    return pd.Timestamp(first_days.min()), pd.Timestamp(ends.max())


def events_in_range(events: pd.DataFrame, start=None, end=None) -> pd.DataFrame:
    """Policy events that overlap [start, end] (dates as str or Timestamp; None: open).

    `events` is data/policy_events.csv read with dtype=str: date (YYYY-MM-DD), end_date
    (may be blank), event, detail, source, url. An event with an end date overlaps when
    any day of it falls in the range. Returns the same columns with date and end_date as
    datetime64 (end_date NaT when blank), blank text as "", sorted by date. Rows whose
    date does not parse are dropped.

    >>> events = pd.DataFrame({"date": ["2010-09-21", "2025-04-04", "bad"],
    ...     "end_date": ["2010-11-20", None, ""], "event": ["Halt", "No. 18", "?"],
    ...     "detail": ["", "", ""], "source": ["Press", "MOFCOM/GAC", ""], "url": [""] * 3})
    >>> events_in_range(events, "2010-10-01", "2025-01-01")["event"].tolist()
    ['Halt']
    >>> events_in_range(events, "2025-01-01")["source"].tolist()
    ['MOFCOM/GAC']
    """
    if events is None or events.empty:
        return pd.DataFrame({c: pd.Series(dtype="datetime64[ns]" if c.endswith("date")
                                          else "object") for c in EVENT_COLUMNS})
    parsed = _PARSED_EVENTS.get(events, "parsed", lambda: _ParsedEvents(events))
    inside = np.ones(len(parsed.date), dtype=bool)
    if end is not None:
        inside &= parsed.date <= np.datetime64(pd.Timestamp(end))
    if start is not None:
        inside &= parsed.last_day >= np.datetime64(pd.Timestamp(start))
    rows = np.flatnonzero(inside)
    # `sort_values("date")`'s own sort (numpy's quicksort of the dates), so ties keep its order
    rows = rows[np.argsort(parsed.date[rows], kind="quicksort")]
    return parsed.table.take(rows).reset_index(drop=True)


class _ParsedEvents:
    """`_parsed_events(events)` with its dates and each event's last day as arrays."""

    def __init__(self, events: pd.DataFrame):
        self.table = _parsed_events(events)
        self.date = self.table["date"].to_numpy()
        self.last_day = self.table["end_date"].fillna(self.table["date"]).to_numpy()


# The events table is read once and asked for on every series view: parsed once, kept.
_PARSED_EVENTS: KeptPerFrame[_ParsedEvents] = KeptPerFrame(kept=2)


def _parsed_events(events: pd.DataFrame) -> pd.DataFrame:
    """`events` with text stripped, dates parsed, rows whose date does not parse dropped."""
    table = events.reindex(columns=EVENT_COLUMNS)
    text = [c for c in EVENT_COLUMNS if not c.endswith("date")]
    table[text] = table[text].fillna("").astype(str).apply(lambda s: s.str.strip())
    table["date"] = pd.to_datetime(table["date"], format="%Y-%m-%d", errors="coerce")
    table["end_date"] = pd.to_datetime(table["end_date"].replace("", None), format="%Y-%m-%d",
                                       errors="coerce")
    return table[table["date"].notna()]

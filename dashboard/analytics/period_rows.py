"""Which rows make up a period, counted once (label arithmetic: `ingest.period_labels`).

A file can hold annual rows (Comtrade refMonth 52) beside the monthly rows of the same
year. Summing both doubles the year. The rules here, for each flow series (reporter,
partner, flow, commodity) and year:
- a quarter or a month is read from the finest frequency the data has for that year (an
  annual row cannot be split, so it is set aside and the view says so);
- the year itself is read from the series' annual row where it has one: it is the
  reporter's own figure for the whole year, while its months may be incomplete or revised
  apart; else from its finest rows. Where both exist and the months cover the whole year,
  the two figures are compared and a difference is said, never hidden.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd

from dashboard.ingest.period_labels import freq_of, quarter_of_month

# A series is one flow between two parties; oriented frames name the parties differently.
PARTY_COLUMNS = ("reporter", "partner", "country", "counterpart")
FINENESS = {"M": 0, "Q": 1, "A": 2}  # finer is smaller: a month 0, a quarter 1, a year 2
FREQ_OF_FINENESS = {fineness: freq for freq, fineness in FINENESS.items()}


def finest_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows of the finest frequency per series and year (annual rows set aside where months exist).

    >>> rows = pd.DataFrame({"reporter": ["KOR"] * 3, "partner": ["CHN"] * 3,
    ...     "flow": ["import"] * 3, "commodity_code": ["280530"] * 3,
    ...     "period": ["2024", "2024-01", "2024-02"], "freq": ["A", "M", "M"],
    ...     "net_weight_kg": [30.0, 10.0, 20.0]})
    >>> finest_rows(rows)["net_weight_kg"].sum()
    np.float64(30.0)
    """
    if frame.empty:
        return frame
    year = frame["period"].str.slice(0, 4)
    fineness = frame["freq"].map(FINENESS)
    key = [c for c in (*PARTY_COLUMNS, "flow", "commodity_code") if c in frame.columns]
    best = fineness.groupby([frame[c] for c in key] + [year], observed=True,
                            sort=False).transform("min")
    return frame.loc[fineness == best]


def series_year_flags(frame: pd.DataFrame) -> pd.DataFrame:
    """Per row: `finest` (of its series-year's finest frequency), `year_use` (makes up its
    year's total: the annual row where the series-year has one, else the finest rows) and
    `beside` (its series-year has an annual row and finer rows covering all 12 months).

    >>> rows = pd.DataFrame({"reporter": ["KOR"] * 3, "partner": ["CHN"] * 3,
    ...     "flow": ["import"] * 3, "commodity_code": ["280530"] * 3,
    ...     "period": ["2024", "2024-01", "2024-02"], "freq": ["A", "M", "M"]})
    >>> flags = series_year_flags(rows).to_dict("list")
    >>> flags["finest"], flags["year_use"], flags["beside"]
    ([False, True, True], [True, False, False], [False, False, False])
    """
    if frame.empty:
        return pd.DataFrame({"finest": [], "year_use": [], "beside": []}, dtype=bool)
    key = [c for c in (*PARTY_COLUMNS, "flow", "commodity_code") if c in frame.columns]
    # One pass of pandas to number the series-years, then numpy per group (it runs on every
    # first view of a selection: ~5x faster than three groupby transforms).
    group = frame.groupby([frame[c] for c in key] + [frame["period"].str.slice(0, 4)],
                          observed=True, sort=False).ngroup().to_numpy()
    groups = int(group.max()) + 1
    fineness = frame["freq"].map(FINENESS).to_numpy(dtype=np.int64)
    best = np.full(groups, FINENESS["A"], dtype=np.int64)
    np.minimum.at(best, group, fineness)
    finest = fineness == best[group]
    annual = fineness == FINENESS["A"]
    has_annual = np.zeros(groups, dtype=bool)
    has_annual[group[annual]] = True
    covered = np.zeros(groups, dtype=np.int64)
    np.bitwise_or.at(covered, group[~annual & finest],
                     month_bits(frame["period"]).to_numpy()[~annual & finest])
    return pd.DataFrame({"finest": finest,
                         "year_use": annual | ~has_annual[group] & finest,
                         "beside": has_annual[group] & (covered[group] == 0xFFF)},
                        index=frame.index)


# Which months of its year a row covers, as 12 bits (bit 0 January): annual 0xFFF, a quarter
# three bits, a month one. Coverage of a period is the union of its rows' bits.
_QUARTER_BITS = [0b111 << (3 * q) for q in range(4)]


def month_bits(period: pd.Series) -> pd.Series:
    """The months of its year each row covers, as a 12-bit mask (bit 0 is January); from the
    canonical label, worked out once per distinct label.

    >>> month_bits(pd.Series(["2025", "2025-Q2", "2025-03"])).tolist()
    [4095, 56, 4]
    """
    codes, labels = pd.factorize(period)
    bits = np.array([period_bits(str(label)) for label in labels] or [0], dtype=np.int64)
    return pd.Series(bits[codes], index=period.index)


def period_bits(label: str) -> int:
    """The months of its year a period label spans, as a 12-bit mask."""
    freq = freq_of(label)
    if freq == "A":
        return 0xFFF
    if freq == "Q":
        return _QUARTER_BITS[int(label[6]) - 1]
    return 1 << (int(label[5:7]) - 1)


def year_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """The rows that make up their years' totals (see `series_year_flags`)."""
    return frame[series_year_flags(frame)["year_use"].to_numpy()] if len(frame) else frame


def year_of(frame: pd.DataFrame) -> pd.Series:
    return frame["period"].str.slice(0, 4)


def yearly_totals(frame: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """Net weight (kg) and value (USD) per year and the columns in `by`, counted once: each
    series' annual row where it has one, else its finest rows (the module's rules)."""
    rows = year_rows(frame)
    grouped = rows.assign(year=year_of(rows)).groupby([*by, "year"], observed=True)
    return grouped[["net_weight_kg", "value_usd"]].sum(min_count=1).reset_index()


@lru_cache(maxsize=4096)
def describe_period(label: str) -> str:
    """Words for a label: "2025-Q1" -> "Q1 2025", "2025-03" -> "March 2025"."""
    freq = freq_of(label)
    if freq == "A":
        return label
    if freq == "Q":
        return f"{label[5:]} {label[:4]}"
    return pd.Timestamp(f"{label}-01").strftime("%B %Y")


def containing_labels(rows: pd.DataFrame, freq: str) -> pd.Series:
    """The label of the period of frequency `freq` that holds each row's period."""
    period = rows["period"]
    if freq == "A":
        return period.str.slice(0, 4)
    if freq == "Q":
        month = pd.to_numeric(period.str.slice(5, 7), errors="coerce")
        quarter = quarter_of_month(month).astype("Int64").astype(str)
        from_month = period.str.slice(0, 4) + "-Q" + quarter
        return period.where(rows["freq"] == "Q", from_month)
    return period


def rows_of_year(rows: pd.DataFrame, year: str) -> pd.DataFrame:
    """The rows whose period falls in `year` ("2025": the year, its quarters and months)."""
    return rows[rows["period"].str.slice(0, 4) == year]


def rows_in_period(rows: pd.DataFrame, label: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Rows that make up `label` (finest frequency, counted once), and rows too coarse for it.

    A quarter cannot be read from an annual row: such rows come back in the second frame
    so a view can say why a country has no figure for that quarter. A year is read from
    each series' annual row where it has one (see the module's rules).
    """
    if freq_of(label) == "A" and len(rows):
        in_year = rows_of_year(rows, label)
        return in_year[series_year_flags(in_year)["year_use"].to_numpy()], in_year.iloc[0:0]
    # The year first: the finest-frequency rule is per series and year, so the other years
    # cannot change it, and grouping only this year's rows is several times cheaper.
    in_year = finest_rows(rows_of_year(rows, label[:4]))
    need = FINENESS[freq_of(label)]
    fine = in_year["freq"].map(FINENESS) <= need
    usable = in_year[fine]
    return usable[containing_labels(usable, freq_of(label)) == label], in_year[~fine]

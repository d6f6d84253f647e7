"""The kept-array series path as it was before its table was built once: the reference
`series_index.volume_series_from` is tested equal to (tests/test_series_tab_fast.py), beside
the definition itself, `timeseries.volume_series`. Nothing on the page calls it.

It builds a DataFrame of the sums, adds columns to it, reorders it with `iloc` and casts
every column with `astype`; the fast path computes the same columns as arrays, in order.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from dashboard.analytics.compare import MAX_TRACE_LINES
from dashboard.analytics.period_rows import FINENESS
from dashboard.analytics.series_index import FREQ_OF_MONTHS, SeriesIndex, _Targets
from dashboard.analytics.timeseries import (
    COARSE_COVERAGE,
    COMPLETE,
    MAX_COUNTRIES,
    SERIES_COLUMNS,
    SeriesMode,
)
from dashboard.ingest.period_labels import MONTHS, freq_of


def volume_series_from_reference(index: SeriesIndex, countries: list[str], freq: str = "M",
                                 mode: str = SeriesMode.TONNES,
                                 all_partners: SeriesIndex | None = None) -> pd.DataFrame:
    """`volume_series(rows, countries, freq, mode, all_partner_rows)` where `index` is
    `SeriesIndex(rows)` and `all_partners` is `SeriesIndex(all_partner_rows)`."""
    if len(countries) > MAX_COUNTRIES:
        raise ValueError(f"at most {MAX_COUNTRIES} countries, got {len(countries)}")
    if freq not in ("M", "Q"):
        raise ValueError(f"freq must be 'M' or 'Q', got {freq!r}")
    mode = SeriesMode(mode)
    rows, place = index.positions(countries)
    if not len(rows):
        return pd.DataFrame(columns=SERIES_COLUMNS)
    parts: list[tuple[SeriesIndex, np.ndarray, np.ndarray]] = [(index, rows, place)]
    if all_partners is not None:
        parts.append((all_partners, *all_partners.positions(countries)))
    targets = _Targets(parts, len(countries), FINENESS[freq])
    series = _sums(index, rows, place, targets.of(index.year[rows], place), countries)
    series["total_t"] = np.nan
    if mode == SeriesMode.SHARE:
        if all_partners is not None:
            _, their_rows, their_place = parts[1]
            series["total_t"] = _own_totals(series, all_partners, their_rows, their_place,
                                            targets, countries)
        else:
            totals: dict[str, float] = {}
            for label_freq in {freq_of(label) for label in series["period"]}:
                totals |= index.label_totals(label_freq)
            series["total_t"] = series["period"].map(totals).astype(float)
        series["value"] = series["weight_t"] / series["total_t"].where(series["total_t"] > 0)
    else:
        series["value"] = series["weight_t"]
    return _finished(index, series, freq, mode)


def _finished(index: SeriesIndex, series: pd.DataFrame, freq: str,
              mode: SeriesMode) -> pd.DataFrame:
    """`timeseries._finish` from the kept per-label months and starts: coverage, period
    starts, averages for coarse years, ordered by the country's place, then start."""
    code, place = series.pop("_label").to_numpy(), series.pop("_place").to_numpy()
    months = index.label_months[code]
    coarse = months != MONTHS[freq]
    dtypes = index.finished_dtypes[mode]
    months_column = pd.Series(months, dtype=dtypes["months"])
    # the reference's arithmetic on the same types, so NaN and NA come out as there
    scale = MONTHS[freq] / months_column if mode == SeriesMode.TONNES else 1.0
    series["average_value"] = series["value"] * scale
    series["value"] = series["value"].where(~coarse)
    series["months"] = months_column
    series["coverage"] = np.where(coarse, [COARSE_COVERAGE.get(FREQ_OF_MONTHS[m], "")
                                           for m in months], COMPLETE)
    starts = [index.label_starts[c] for c in code]
    series["period_start"] = starts
    order = np.lexsort((np.array(starts, dtype="datetime64[ns]"), place))
    table = series.iloc[order].reset_index(drop=True)[SERIES_COLUMNS]
    return table.astype(dtypes.to_dict())


def _groups(index: SeriesIndex, rows: np.ndarray, place: np.ndarray,
            target: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per row its group number; per group its place and label code. Groups are numbered
    in order of first appearance, as `groupby(sort=False)` numbers them: pandas' grouped
    sum takes another path (other last bits) when the numbers are not in that order."""
    code = index.label_code[target, rows]
    key = place * len(index.labels) + code
    unique, first, group = np.unique(key, return_index=True, return_inverse=True)
    appearance = np.argsort(first)
    renumber = np.empty_like(appearance)
    renumber[appearance] = np.arange(len(appearance))
    unique = unique[appearance]
    return renumber[group.reshape(-1)], unique // len(index.labels), unique % len(index.labels)


def _sums(index: SeriesIndex, rows: np.ndarray, place: np.ndarray, target: np.ndarray,
          countries: list[str]) -> pd.DataFrame:
    """`_sum_by_label` (with traces) of the rows, as the table before `_finish`."""
    group, group_place, group_label = _groups(index, rows, place, target)
    n = len(group_place)
    # pandas' grouped sum (compensated, in frame order) so that every bit is the reference's
    weight_t = pd.Series(index.weight[rows]).groupby(group).sum(min_count=1).to_numpy() / 1000
    names = index.name[rows]
    named = np.flatnonzero(pd.notna(names))
    first_named, at = np.unique(group[named], return_index=True)
    country_name = np.full(n, None, dtype=object)
    country_name[first_named] = names[named[at]]
    return pd.DataFrame({
        "country": pd.array([countries[p] for p in group_place], dtype=index.dtypes["country"]),
        "period": pd.array(index.labels[group_label], dtype=index.dtypes["period"]),
        "country_name": pd.array(country_name, dtype=index.dtypes["country_name"]),
        "weight_t": weight_t,
        "row_count": np.bincount(group, minlength=n).astype(np.int64),
        "source_rows": _traces(index, rows, group, n),
        "_label": group_label, "_place": group_place,
    })


def _traces(index: SeriesIndex, rows: np.ndarray, group: np.ndarray, n: int) -> list[str]:
    """`compare.source_traces` per group: "file.csv lines 3, 4 (+2 more)"; files by "; "."""
    files, lines = index.file[rows], index.line[rows]
    known = files >= 0
    group, files, lines = group[known], files[known], lines[known]
    order = np.lexsort((lines, files, group))
    group, files, lines = group[order], files[order], lines[order]
    texts = [""] * n
    starts = np.flatnonzero(np.r_[True, (group[1:] != group[:-1]) | (files[1:] != files[:-1])])
    ends = np.r_[starts[1:], len(group)]
    for start, end in zip(starts.tolist(), ends.tolist(), strict=True):
        extra = end - start - MAX_TRACE_LINES
        part = (f"{index.file_labels[files[start]]} lines "
                + ", ".join(map(str, lines[start:min(end, start + MAX_TRACE_LINES)].tolist()))
                + (f" (+{extra} more)" if extra > 0 else ""))
        at = int(group[start])
        texts[at] = f"{texts[at]}; {part}" if texts[at] else part
    return texts


def _own_totals(series: pd.DataFrame, index: SeriesIndex, rows: np.ndarray,
                place: np.ndarray, targets: _Targets, countries: list[str]) -> np.ndarray:
    """Each series row's country's all-partner tonnes in its period (NaN: none)."""
    if not len(rows):
        return np.full(len(series), np.nan)
    group, group_place, group_label = _groups(index, rows, place,
                                              targets.of(index.year[rows], place))
    weight_t = pd.Series(index.weight[rows]).groupby(group).sum(min_count=1).to_numpy() / 1000
    lookup = {(countries[p], index.labels[code]): total
              for p, code, total in zip(group_place.tolist(), group_label.tolist(), weight_t)}
    return np.array([lookup.get(key, np.nan) for key in zip(series["country"], series["period"])],
                    dtype=np.float64)



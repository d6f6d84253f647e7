"""Volume series from arrays: what `timeseries.volume_series` computes, from kept rows.

A series view asks for the same selection again and again (other countries, the other
frequency, tonnes or shares). `SeriesIndex` does once what does not depend on those: the
selection's rows, the finest-frequency rule (`finest_rows`: per series and year, so it does
not depend on which countries are drawn), each row's label at every frequency. A request
is then a mask, a dense table of each (country, year)'s coarsest frequency, one grouped
sum and a short loop that writes the source traces.

`volume_series` on the selected rows stays the reference definition: property tests
(tests/test_fast_series_mirror.py, tests/test_series_tab_fast.py, the latter also against
the older array path kept in `series_index_reference`) check that all give the same table.
The surges tab's one-country series (`country_series_from`, reference `country_series`)
reads the same kept arrays (tests/test_surge_series_fast.py).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import PurePath
from typing import NamedTuple

import numpy as np
import pandas as pd

from dashboard.analytics.compare import MAX_TRACE_LINES, Measure
from dashboard.analytics.country_table import Selection, selected_rows
from dashboard.analytics.group_sums import grouped_sums
from dashboard.analytics.kept import KeptPerFrame
from dashboard.analytics.period_rows import (
    FINENESS,
    FREQ_OF_FINENESS,
    containing_labels,
    finest_rows,
)
from dashboard.analytics.timeseries import (
    COARSE_COVERAGE,
    COMPLETE,
    COUNTRY_SERIES_COLUMNS,
    MAX_COUNTRIES,
    SERIES_COLUMNS,
    SeriesMode,
    _finish,
    finish_country_series,
)
from dashboard.ingest.period_labels import MONTHS, freq_of, is_label, label_start

FREQ_OF_MONTHS = {months: freq for freq, months in MONTHS.items()}
# Rows up to which a grouped sum is cheaper in Python (`group_sums`) than pandas' fixed cost.
SMALL_GROUPED_SUM = 2000


class SeriesIndex:
    """One selection's finest rows as arrays, ready for any countries, frequency and mode."""

    def __init__(self, rows: pd.DataFrame):
        fine = finest_rows(rows)
        self.rows = fine  # the share denominators are summed from these, per frequency
        self.dtypes = {c: fine[c].dtype for c in ("country", "country_name", "period")}
        codes, countries = pd.factorize(fine["country"])
        self.country_code = codes
        self.country_of = {str(c): i for i, c in enumerate(countries)}
        self.name = fine["country_name"].to_numpy(dtype=object, na_value=None)
        self.year = fine["period"].str.slice(0, 4).astype(int).to_numpy(dtype=np.int64) \
            if len(fine) else np.zeros(0, dtype=np.int64)
        self.fineness = fine["freq"].map(FINENESS).to_numpy(dtype=np.int64)
        # The row's label at a month (its own), a quarter and a year; a coarser row's label
        # at a finer frequency is never asked for (a year's target is its coarsest row's).
        at = [fine["period"], containing_labels(fine, "Q"), containing_labels(fine, "A")]
        flat = np.concatenate([s.to_numpy(dtype=object, na_value="") for s in at])
        label_codes, self.labels = pd.factorize(flat)
        self.label_code = label_codes.reshape(3, -1)
        # Each label's place in sorted order: `groupby(sort=True)` numbers groups so.
        self.label_rank = np.argsort(np.argsort(self.labels.astype(str), kind="stable"))
        self.weight = fine["net_weight_kg"].to_numpy(dtype=np.float64, na_value=np.nan)
        self.value_usd = fine["value_usd"].to_numpy(dtype=np.float64, na_value=np.nan)
        files, file_names = pd.factorize(fine["source_file"], sort=True)
        self.file = files
        self.file_labels = [PurePath(str(name)).name for name in file_names]
        self.line = fine["source_line"].to_numpy(dtype=np.int64)
        self._totals: dict[str, dict[str, float]] = {}
        # Per label: months it spans and its first day (a few dozen labels, parsed once).
        # A coarse row's label at a finer frequency is not a label ("2024-Q<NA>"), never used.
        usable = [is_label(str(label)) for label in self.labels]
        self.label_months = np.array([MONTHS[freq_of(str(label))] if ok else 0
                                      for label, ok in zip(self.labels, usable, strict=True)],
                                     dtype=np.int64)
        self.label_starts = [label_start(str(label)) if ok else pd.NaT
                             for label, ok in zip(self.labels, usable, strict=True)]
        self.label_start_ns = np.array([np.datetime64(start, "ns") if ok else np.datetime64("NaT")
                                        for start, ok in zip(self.label_starts, usable,
                                                             strict=True)],
                                       dtype="datetime64[ns]")
        self.finished_dtypes = {mode: _finish(self._sample(), ["X"], "M", mode).dtypes
                                for mode in SeriesMode}

    def _sample(self) -> pd.DataFrame:
        """A one-row table before `_finish`, with this selection's column types: `_finish`
        on it gives the types of the reference's table (they follow the frame's)."""
        return pd.DataFrame({
            "country": pd.array(["X"], dtype=self.dtypes["country"]),
            "period": pd.array(["2024-01"], dtype=self.dtypes["period"]),
            "country_name": pd.array(["x"], dtype=self.dtypes["country_name"]),
            "weight_t": [1.0], "row_count": np.ones(1, dtype=np.int64), "source_rows": ["f"],
            "total_t": [np.nan], "value": [1.0]})

    def positions(self, countries: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """Rows of `countries` (frame order) and each one's place in `countries`."""
        place = np.full(len(self.country_of) + 1, -1, dtype=np.int64)
        for i, country in enumerate(countries):  # a repeated country: its last place
            if country in self.country_of:
                place[self.country_of[country]] = i
        of_row = place[self.country_code]
        rows = np.flatnonzero(of_row >= 0)
        return rows, of_row[rows]

    def label_totals(self, freq: str) -> dict[str, float]:
        """Every country's tonnes per label of `freq`, from rows of that frequency or finer
        (the share denominator of `volume_series` without a partner)."""
        if freq not in self._totals:  # a race builds the same dict twice, harmlessly
            usable = self.rows[self.rows["freq"].map(FINENESS) <= FINENESS[freq]]
            by_label = usable.groupby(containing_labels(usable, freq))["net_weight_kg"].sum()
            self._totals[freq] = (by_label / 1000).to_dict()
        return self._totals[freq]


def volume_series_from(index: SeriesIndex, countries: list[str], freq: str = "M",
                       mode: str = SeriesMode.TONNES,
                       all_partners: SeriesIndex | None = None) -> pd.DataFrame:
    """`volume_series(rows, countries, freq, mode, all_partner_rows)` where `index` is
    `SeriesIndex(rows)` and `all_partners` is `SeriesIndex(all_partner_rows)`.

    Every column is computed as an array in the table's order and the table is built once
    (`series_index_reference` builds it early and edits it: the same table, tested)."""
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
    sums = _sums(index, rows, place, targets.of(index.year[rows], place))
    total_t = np.full(len(sums.place), np.nan)
    if mode == SeriesMode.SHARE:
        if all_partners is not None:
            total_t = _own_totals(sums, index, all_partners, *parts[1][1:], targets)
        else:
            total_t = _all_country_totals(sums, index)
        with np.errstate(all="ignore"):
            value = sums.weight_t / np.where(total_t > 0, total_t, np.nan)
    else:
        value = sums.weight_t
    return _table(index, sums, value, total_t, countries, freq, mode)


def _table(index: SeriesIndex, sums: _Sums, value: np.ndarray, total_t: np.ndarray,
           countries: list[str], freq: str, mode: SeriesMode) -> pd.DataFrame:
    """`timeseries._finish` from the kept per-label months and starts: coverage, period
    starts, averages for coarse years, ordered by the country's place, then start; each
    column cast to the reference's type as it is made."""
    order = np.lexsort((index.label_start_ns[sums.label], sums.place))
    code, place = sums.label[order], sums.place[order]
    value, total_t = value[order], total_t[order]
    months = index.label_months[code]
    coarse = months != MONTHS[freq]
    dtypes = index.finished_dtypes[mode]
    months_column = _typed(months, dtypes["months"])
    # the reference's arithmetic on the same types, so NaN and NA come out as there
    average = (value * (MONTHS[freq] / months_column) if mode == SeriesMode.TONNES
               else value * 1.0)
    names = sums.country_name[order]
    return pd.DataFrame({
        "country": _text([countries[p] for p in place.tolist()], index.dtypes["country"],
                         dtypes["country"]),
        "country_name": _text(names, index.dtypes["country_name"], dtypes["country_name"]),
        "period": _text(index.labels[code], index.dtypes["period"], dtypes["period"]),
        "period_start": _typed(index.label_start_ns[code], dtypes["period_start"]),
        "months": _typed(months_column, dtypes["months"]),
        "value": _typed(np.where(coarse, np.nan, value), dtypes["value"]),
        "average_value": _typed(average, dtypes["average_value"]),
        "weight_t": _typed(sums.weight_t[order], dtypes["weight_t"]),
        "total_t": _typed(total_t, dtypes["total_t"]),
        "row_count": _typed(sums.row_count[order], dtypes["row_count"]),
        "coverage": _typed(_coverage(months, freq), dtypes["coverage"]),
        "source_rows": _typed([sums.traces[i] for i in order.tolist()],
                              dtypes["source_rows"]),
    }, copy=False)


def _text(values, built, final):
    """A text column typed as the reference's: made as `built`, cast to `final`."""
    return pd.array(values, dtype=built).astype(final, copy=False)


def _typed(values, dtype):
    """`values` as a column of `dtype` (what `DataFrame.astype` makes of it)."""
    if isinstance(dtype, np.dtype) and isinstance(values, np.ndarray):
        return values.astype(dtype, copy=False)
    return pd.array(values, dtype=dtype)


def _coverage(months: np.ndarray, freq: str) -> list[str]:
    """"complete", or the coarser frequency's words, per row of `months` months."""
    words = {m: COMPLETE if m == MONTHS[freq] else COARSE_COVERAGE.get(FREQ_OF_MONTHS[m], "")
             for m in set(months.tolist())}
    return [words[m] for m in months.tolist()]


class _Targets:
    """Fineness to label each (country place, year) at: the chart's, or the coarsest row's."""

    def __init__(self, sides: list[tuple[SeriesIndex, np.ndarray, np.ndarray]], places: int,
                 chart_fineness: int):
        years = np.concatenate([side.year[rows] for side, rows, _ in sides])
        self.first = int(years.min()) if len(years) else 0
        span = int(years.max()) - self.first + 1 if len(years) else 1
        self.table = np.full((places, span), chart_fineness, dtype=np.int64)
        for side, rows, place in sides:
            np.maximum.at(self.table, (place, side.year[rows] - self.first),
                          side.fineness[rows])

    def of(self, year: np.ndarray, place: np.ndarray) -> np.ndarray:
        return self.table[place, year - self.first]


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


class _Sums(NamedTuple):
    """Per (country place, label) group, in order of first appearance: the table's columns
    before their order and types."""

    place: np.ndarray  # the country's place in the countries asked for
    label: np.ndarray  # code into `SeriesIndex.labels`
    weight_t: np.ndarray  # t (NaN: no row with a weight)
    row_count: np.ndarray
    country_name: np.ndarray  # the first named row's name, else None
    traces: list[str]


def _weight_t(index: SeriesIndex, rows: np.ndarray, group: np.ndarray, n: int) -> np.ndarray:
    """Tonnes per group, every bit as pandas' grouped sum (min_count=1) gives them."""
    if len(rows) <= SMALL_GROUPED_SUM:  # pandas' fixed cost outweighs the sum
        return grouped_sums(group, index.weight[rows], n, min_count=1) / 1000
    return pd.Series(index.weight[rows]).groupby(group).sum(min_count=1).to_numpy() / 1000


def _sums(index: SeriesIndex, rows: np.ndarray, place: np.ndarray,
          target: np.ndarray) -> _Sums:
    """`_sum_by_label` (with traces) of the rows, as arrays."""
    group, group_place, group_label = _groups(index, rows, place, target)
    n = len(group_place)
    names = index.name[rows]
    named = np.flatnonzero(pd.notna(names))
    first_named, at = np.unique(group[named], return_index=True)
    country_name = np.full(n, None, dtype=object)
    country_name[first_named] = names[named[at]]
    return _Sums(group_place, group_label, _weight_t(index, rows, group, n),
                 np.bincount(group, minlength=n).astype(np.int64), country_name,
                 _traces(index, rows, group, n))


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


def _own_totals(sums: _Sums, index: SeriesIndex, their: SeriesIndex, rows: np.ndarray,
                place: np.ndarray, targets: _Targets) -> np.ndarray:
    """Each series row's country's all-partner tonnes in its period (NaN: none); `their`
    is the all-partner `SeriesIndex`, `rows` and `place` its rows of the countries."""
    if not len(rows):
        return np.full(len(sums.place), np.nan)
    group, group_place, group_label = _groups(their, rows, place,
                                              targets.of(their.year[rows], place))
    weight_t = _weight_t(their, rows, group, len(group_place))
    lookup = {(p, their.labels[code]): total for p, code, total
              in zip(group_place.tolist(), group_label.tolist(), weight_t.tolist())}
    keys = zip(sums.place.tolist(), index.labels[sums.label].tolist())
    return np.array([lookup.get(key, np.nan) for key in keys], dtype=np.float64)


def _all_country_totals(sums: _Sums, index: SeriesIndex) -> np.ndarray:
    """Each series row's period's tonnes of every country (`SeriesIndex.label_totals`)."""
    codes = np.unique(sums.label).tolist()
    labels = [str(index.labels[code]) for code in codes]
    totals: dict[str, float] = {}
    for label_freq in {freq_of(label) for label in labels}:
        totals |= index.label_totals(label_freq)
    of_code = np.full(len(index.labels), np.nan)
    of_code[codes] = [totals.get(label, np.nan) for label in labels]
    return of_code[sums.label]


# The last selections' series rows, per frame: a change of countries, frequency or mode then
# costs array work on the kept rows, not a selection of the whole frame and a pandas pass.
_SERIES: KeptPerFrame[SeriesIndex] = KeptPerFrame(kept=8)


def series_index(frame: pd.DataFrame, selection: Selection) -> SeriesIndex:
    """`SeriesIndex(selected_rows(frame, selection))`, kept (any measure)."""
    key = replace(selection, measure=Measure.WEIGHT)
    return _SERIES.get(frame, key, lambda: SeriesIndex(selected_rows(frame, key)))


# The last series tables built: the page asks for the same view again (a tab switched
# back, a resize, the narrow layout, an export), and a table is a few hundred rows.
_VOLUME_SERIES: KeptPerFrame[pd.DataFrame] = KeptPerFrame(kept=32)


def selection_volume_series(frame: pd.DataFrame, selection: Selection, countries: list[str],
                            freq: str = "M", mode: str = SeriesMode.TONNES) -> pd.DataFrame:
    """`volume_series(selected_rows(frame, selection), countries, freq, mode,
    all_partner_rows=...)`, the all-partner rows given when the selection has a partner;
    from the kept `SeriesIndex`es (the same table: tests/test_fast_series_mirror.py), kept
    per view; a copy, so a caller's change never reaches the next request."""
    key = (replace(selection, measure=Measure.WEIGHT), tuple(countries), freq, str(mode))

    def build() -> pd.DataFrame:
        everything = (series_index(frame, selection.with_every_partner())
                      if selection.partner else None)
        return volume_series_from(series_index(frame, selection), countries, freq, mode,
                                  everything)

    return _VOLUME_SERIES.get(frame, key, build).copy()


def country_series_from(index: SeriesIndex, iso3: str) -> pd.DataFrame:
    """`timeseries.country_series(rows, iso3)` where `index` is `SeriesIndex(rows)`."""
    rows, place = index.positions([iso3])
    if not len(rows):
        return pd.DataFrame(columns=COUNTRY_SERIES_COLUMNS)
    target = _Targets([(index, rows, place)], 1, FINENESS["M"]).of(index.year[rows], place)
    code = index.label_code[target, rows]
    # groups numbered in sorted label order, as the reference's groupby("label") numbers
    # them: pandas' grouped sums then take the reference's path (see `_groups`)
    ranks, first, group = np.unique(index.label_rank[code], return_index=True,
                                    return_inverse=True)
    group = group.reshape(-1)
    labels = index.labels[code[first]]
    sums = pd.DataFrame({"weight_kg": index.weight[rows], "value_usd": index.value_usd[rows]}
                        ).groupby(group).sum(min_count=1)
    series = pd.DataFrame({
        "freq": [FREQ_OF_FINENESS[f] for f in target[first].tolist()],
        "weight_t": sums["weight_kg"].to_numpy() / 1000,
        "value_usd": sums["value_usd"].to_numpy(),
        "row_count": np.bincount(group, minlength=len(ranks)).astype(np.int64),
        "source_rows": _traces(index, rows, group, len(ranks)),
    }, index=pd.Index(pd.array(labels, dtype=index.dtypes["period"]), name="label"))
    return finish_country_series(series)


# The last focus countries' series: the surges tab draws the same one again for every
# rule, floor and threshold (it depends on none of them).
_COUNTRY_SERIES: KeptPerFrame[pd.DataFrame] = KeptPerFrame(kept=16)


def selection_country_series(frame: pd.DataFrame, selection: Selection,
                             iso3: str) -> pd.DataFrame:
    """`country_series(selected_rows(frame, selection), iso3)` from the kept `SeriesIndex`
    (the same table: tests/test_surge_series_fast.py), kept per selection and country; a
    copy, so a caller's change never reaches the next request."""
    key = replace(selection, measure=Measure.WEIGHT)
    return _COUNTRY_SERIES.get(frame, (key, iso3), lambda: country_series_from(
        series_index(frame, key), iso3)).copy()

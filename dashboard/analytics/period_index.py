"""Period totals from arrays: what `compare.period_totals` computes, without pandas per call.

A map view asks for the same selection's totals again and again, for a period and its
baseline, in every comparison. `PeriodIndex` does the work that does not depend on the
period once (the finest-frequency rule, sorting, parsing labels into numbers) and keeps
plain numpy arrays; a period's totals are then masks and `bincount`s over a few thousand
numbers and a short loop that writes source traces for the rows used.

`compare.period_totals` stays the reference definition: a property test checks that
both give the same table.
"""

from __future__ import annotations

from pathlib import PurePath

import numpy as np
import pandas as pd

from dashboard.analytics.compare import (
    MAX_TRACE_LINES,
    TOTALS_COLUMNS,
    coverage_texts,
)
from dashboard.analytics.period_rows import FINENESS, PARTY_COLUMNS, period_bits, series_year_flags
from dashboard.ingest.period_labels import freq_of, months_in, quarter_of_month


class PeriodIndex:
    """One selection's rows (finest frequency kept), grouped by `by`, ready for any period."""

    def __init__(self, rows: pd.DataFrame, by: str = "country"):
        self.by = by
        # Only the columns used: finest_rows copies what it keeps (memory peaks at 5M rows).
        wanted = {by, *PARTY_COLUMNS, "flow", "commodity_code", "period", "freq",
                  "net_weight_kg", "value_usd", "weight_estimated", "source_file", "source_line",
                  "value_eur", "usd_per_eur"}
        narrow = rows[[c for c in rows.columns if c in wanted]]
        flags = series_year_flags(narrow)
        keep = (flags["finest"] | flags["year_use"]).to_numpy()
        finest = narrow[keep]
        # Codes from pandas' hashing (not np.unique over Python strings: ~10x slower), and
        # labels parsed once per distinct period (a few dozen), not per row.
        group, keys = pd.factorize(finest[by], sort=True)
        files, file_names = pd.factorize(finest["source_file"], sort=True)
        line = finest["source_line"].to_numpy(dtype=np.int64)
        order = np.lexsort((line, files, group))  # (key, file, line): runs are contiguous
        self.keys = np.asarray(keys.astype(str), dtype=object)
        self.group = group[order]
        self.file = files[order]
        self.file_labels = [PurePath(str(name)).name for name in file_names]
        self.run = self.group.astype(np.int64) * max(len(file_names), 1) + self.file
        self.line = line[order]
        # Each kept row's position in `rows`: other columns of the rows, in this order.
        self.position = np.flatnonzero(keep)[order]
        labels, periods = pd.factorize(finest["period"])
        parsed = np.array([_parse(str(p)) for p in periods], dtype=np.int64).reshape(-1, 3)
        year, month, quarter = (parsed[labels, i][order] for i in range(3))
        self.year, self.month = year, month
        self.bits = np.array([period_bits(str(p)) for p in periods],
                             dtype=np.int64).reshape(-1)[labels][order]
        at, freqs = pd.factorize(finest["freq"])  # looked up once per frequency, not per row
        self.fineness = np.array([FINENESS[f] for f in freqs], dtype=np.int64)[at][order]
        # The rules of `periods`: sub-year periods from the finest rows, years from each
        # series' annual row where it has one; `beside`: annual rows with complete months.
        self.is_finest, self.year_use, self.beside = (
            flags[name].to_numpy()[keep][order] for name in ("finest", "year_use", "beside"))
        self.quarter = quarter
        self.weight = finest["net_weight_kg"].to_numpy(dtype=np.float64, na_value=np.nan)[order]
        self.value = finest["value_usd"].to_numpy(dtype=np.float64, na_value=np.nan)[order]
        self.estimated = finest["weight_estimated"].to_numpy(dtype=bool,
                                                             na_value=False)[order]
        eur, rate = (finest[name].to_numpy(dtype=np.float64, na_value=np.nan)[order]
                     if name in finest else np.full(len(order), np.nan)
                     for name in ("value_eur", "usd_per_eur"))
        self.converted = ~np.isnan(eur) & ~np.isnan(rate) & ~np.isnan(self.value)
        self.eur = np.where(self.converted, eur, np.nan)

    def masks(self, label: str) -> tuple[np.ndarray, np.ndarray]:
        """Rows that make up `label`, and rows of that year too coarse for it."""
        in_year = self.year == int(label[:4])
        freq = freq_of(label)
        if freq == "A":
            return in_year & self.year_use, np.zeros_like(in_year)
        in_year &= self.is_finest
        fine = self.fineness <= FINENESS[freq]
        used = in_year & fine
        if freq == "Q":
            used &= self.quarter == int(label[6])
        elif freq == "M":
            used &= self.month == int(label[5:7])
        return used, in_year & ~fine

    def totals(self, label: str) -> pd.DataFrame:
        """The same table as `compare.period_totals(rows, label, by)`.

        Every column is computed as an array and the table is built once: inserting columns
        one by one into a frame costs more than all the sums here.
        """
        used, coarse = self.masks(label)
        n = len(self.keys)
        group, weight, value = self.group[used], self.weight[used], self.value[used]
        count = np.bincount(group, minlength=n)
        no_weight = np.isnan(weight)
        both = ~no_weight & ~np.isnan(value)
        covered = np.zeros(n, dtype=np.int64)
        np.bitwise_or.at(covered, group, self.bits[used] & period_bits(label))
        excluded = np.bincount(self.group[coarse], minlength=n)
        annual_only = (count == 0) & (excluded > 0)
        beside = self.beside & (self.year == int(label[:4])) & (freq_of(label) == "A")
        annual = self.fineness == FINENESS["A"]
        traces = np.full(n, "", dtype=object)
        traces[count > 0] = self._traces(used)
        columns = {
            "net_weight_kg": _sum_min_count_1(group, weight, n),
            "value_usd": _sum_min_count_1(group, value, n),
            "row_count": count.astype(np.int64),
            "estimated": np.bincount(group, weights=self.estimated[used], minlength=n) > 0,
            "weight_with_value_kg": _sum_min_count_1(group, np.where(both, weight, np.nan), n),
            "value_with_weight_usd": _sum_min_count_1(group, np.where(both, value, np.nan), n),
            "value_without_weight_usd": _sum(group, np.where(no_weight, value, np.nan), n),
            "rows_without_weight": np.bincount(group[no_weight], minlength=n).astype(np.int64),
            "months_with_rows": _bit_counts(covered),
            "months_in_period": np.full(n, months_in(label), dtype=np.int64),
            "excluded_rows": excluded.astype(np.int64),
            "excluded_kg": _sum(self.group[coarse], self.weight[coarse], n),
            "annual_only": annual_only,
            "annual_beside_kg": _sum(*self._of(beside & annual & self.year_use), n),
            "months_beside_kg": _sum(*self._of(beside & ~annual & self.is_finest), n),
            "converted_eur": _sum(group, self.eur[used], n),
            "converted_usd": _sum(group, np.where(self.converted[used], value, np.nan), n),
            "source_rows": traces,
        }
        # Keys with rows first, then keys with only coarser rows: the reference's order.
        keep = np.r_[np.flatnonzero(count > 0), np.flatnonzero(annual_only)]
        table = pd.DataFrame({name: column[keep] for name, column in columns.items()},
                             index=pd.Index(self.keys[keep], name=self.by, dtype="string"))
        table["coverage"] = pd.Series(coverage_texts(table, label), index=table.index,
                                      dtype=object)
        return table[TOTALS_COLUMNS]

    def sums(self, label: str) -> tuple[np.ndarray, np.ndarray]:
        """Per key (`self.keys`): net weight (kg) and value (USD) of the rows of `label`,
        NaN where a key has none: `totals(label)`'s two sums without the rest."""
        used, _ = self.masks(label)
        group, n = self.group[used], len(self.keys)
        return (_sum_min_count_1(group, self.weight[used], n),
                _sum_min_count_1(group, self.value[used], n))

    def key_numbers(self, keys: pd.Index) -> np.ndarray:
        """The position in `self.keys` of each of `keys`, -1 for a key not among them."""
        number = {key: n for n, key in enumerate(self.keys.tolist())}
        return np.array([number.get(key, -1) for key in keys.tolist()], dtype=np.int64)

    def traces_by_key(self, rows: np.ndarray) -> np.ndarray:
        """The source-row text of each key's rows among `rows` (a mask), "" for keys without
        (`source_rows` of `totals`, for any set of rows)."""
        texts = np.full(len(self.keys), "", dtype=object)
        texts[np.bincount(self.group[rows], minlength=len(self.keys)) > 0] = self._traces(rows)
        return texts

    def _of(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return self.group[rows], self.weight[rows]

    def _traces(self, used: np.ndarray) -> list[str]:
        """"file.csv lines 3, 4, 5, 6, 7 (+2 more)" per key, files joined with "; "."""
        rows = np.flatnonzero(used)
        if not len(rows):
            return []
        runs = self.run[rows]
        starts = np.flatnonzero(np.r_[True, runs[1:] != runs[:-1]])
        ends = np.r_[starts[1:], len(rows)]
        texts: list[str] = []
        current_key = -1
        for start, end in zip(starts.tolist(), ends.tolist(), strict=True):
            first = rows[start]
            shown = ", ".join(map(str, self.line[rows[start:min(end, start + MAX_TRACE_LINES)]]))
            extra = end - start - MAX_TRACE_LINES
            part = (f"{self.file_labels[self.file[first]]} lines {shown}"
                    + (f" (+{extra} more)" if extra > 0 else ""))
            if self.group[first] == current_key:
                texts[-1] += "; " + part
            else:
                texts.append(part)
                current_key = self.group[first]
        return texts


def _parse(label: str) -> tuple[int, int, int]:
    """Year, month (0 unless monthly) and quarter (0 for a year) of a canonical label."""
    year = int(label[:4])
    if len(label) == 4:
        return year, 0, 0
    if label[5] == "Q":
        return year, 0, int(label[6])
    month = int(label[5:7])
    return year, month, quarter_of_month(month)


def _bit_counts(masks: np.ndarray) -> np.ndarray:
    """Set bits in each 12-bit month mask."""
    return np.unpackbits(masks.astype(">u2").view(np.uint8).reshape(-1, 2),
                         axis=1).sum(axis=1).astype(np.int64)


def _sum(group: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    """Per group sum of the non-missing values; 0 where a group has none."""
    return np.nan_to_num(_sum_min_count_1(group, values, n))


def _sum_min_count_1(group: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    """Per group sum of the non-missing values; NaN where a group has none (min_count=1)."""
    known = ~np.isnan(values)
    sums = np.bincount(group[known], weights=values[known], minlength=n)
    return np.where(np.bincount(group[known], minlength=n) > 0, sums, np.nan)

"""World against the sum of partners per period, from integer codes (`consistency.allocation_at`).

The dependency tab's first view of a product builds this for ~200k rows, and on the string
columns it cost ~0.25 s of CPU: a dozen groupbys, each factorizing the same strings again,
and copies of every column at each filter. Here each key column is factorized once (sorted
codes, so a combined int64 key sorts as the tuple of strings does), the counted-once rule,
coverage and flags are numpy on those codes, and only the few World rows and the answer's
rows are read back as strings. The sums stay pandas' own: a groupby on group ids numbered
in the key's sorted order forms the same groups in the same order over the same rows in the
same order as the reference's string groupby, so it takes the same summation branch (sorted
`reduceat` or compensated, see `group_sums`) and gives the same bits.

`consistency_reference.allocation_at_reference` is the definition; tests/test_allocation_fast.py
checks that both give equal tables, exactly.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

import numpy as np
import pandas as pd

from dashboard.analytics.compare import source_traces
from dashboard.analytics.period_rows import FINENESS, containing_labels, period_bits
from dashboard.ingest.period_labels import freq_of, is_label
from dashboard.ingest.schema import REAL_PARTY_KINDS

_KEYS = ["reporter", "partner", "partner_kind", "flow", "commodity_code", "period", "freq"]
# What `consistency._orphan_mask` reads: only group and country rows matter to it.
ORPHAN_INPUT = [*_KEYS, "period_start"]
ALL_MONTHS = 0xFFF


class _Rows:
    """The rows read: all of `frame`, or those at `positions`, one column at a time."""

    def __init__(self, frame: pd.DataFrame, positions: np.ndarray | None):
        self.frame, self.positions = frame, positions
        self._columns: dict[str, object] = {}
        self._runs: list[slice] | None = None
        if positions is not None and len(positions):
            # A partition is mostly a few runs of adjacent rows (one per file): Arrow columns
            # are then joined from zero-copy slices, not gathered row by row.
            breaks = np.flatnonzero(np.diff(positions) != 1) + 1
            if len(breaks) * 256 < len(positions):
                starts, ends = np.r_[0, breaks], np.r_[breaks, len(positions)]
                self._runs = [slice(positions[a], positions[b - 1] + 1)
                              for a, b in zip(starts.tolist(), ends.tolist(), strict=True)]

    def __len__(self) -> int:
        return len(self.frame) if self.positions is None else len(self.positions)

    def column(self, name: str):
        if name not in self._columns:
            values = self.frame[name].array
            if self.positions is None:
                self._columns[name] = values
            elif self._runs and isinstance(values, pd.arrays.ArrowExtensionArray):
                self._columns[name] = type(values)._concat_same_type(
                    [values[run] for run in self._runs])
            else:
                self._columns[name] = values.take(self.positions)
        return self._columns[name]

    def at(self, name: str, rows: np.ndarray) -> pd.Series:
        """The column's values at `rows` (0..len-1), dtype kept, index 0..len(rows)-1."""
        where = rows if self.positions is None else self.positions[rows]
        return pd.Series(self.frame[name].array.take(where), name=name)


@dataclass
class _Codes:
    """Per row: key codes (reporter, flow, commodity and container sorted as the strings
    are), fineness (0 month .. 2 year), the months of its year as 12 bits, the side."""

    reporter: np.ndarray
    flow: np.ndarray
    commodity: np.ndarray
    year: np.ndarray
    container: np.ndarray  # code of the `level` period holding the row; -1: coarser
    fineness: np.ndarray
    bits: np.ndarray
    pair: np.ndarray  # code of the row's (period, freq)
    containers: pd.Series  # per pair: the `level` label holding it (where not coarser)
    sizes: dict[str, int]


def _factorized(values, sort: bool = False) -> tuple[np.ndarray, Any] | None:
    """Codes and distinct values as `pd.factorize(values, sort=sort)` gives them; None
    where a value is missing."""
    if not len(values) or values.isna().any():
        return None if len(values) else (np.zeros(0, dtype=np.int64), values[:0])
    if bool((values == values[0]).all()):  # one value (a partition's flow): no hashing
        return np.zeros(len(values), dtype=np.int64), values[:1]
    codes, uniques = pd.factorize(values)
    if sort:  # as factorize's own sort (`safe_sort`: by `argsort`), without its rehashing
        order = uniques.argsort()
        rank = np.empty(len(order), dtype=np.int64)
        rank[order] = np.arange(len(order))
        return rank[codes], uniques.take(order)
    return codes.astype(np.int64), uniques


def _first_positions(codes: np.ndarray) -> np.ndarray:
    """Where each code (numbered in order of first appearance, as factorize does) first is."""
    seen = np.maximum.accumulate(np.r_[-1, codes[:-1]])
    return np.flatnonzero(codes > seen)


def combined(codes: list[np.ndarray], sizes: list[int]) -> np.ndarray:
    """One int64 per row, ordered as the rows' tuples of codes are.

    >>> combined([np.array([1, 0, 1]), np.array([0, 2, 1])], [2, 3]).tolist()
    [3, 2, 4]
    """
    key, span = np.zeros(len(codes[0]), dtype=np.int64), 1
    for part, size in zip(codes, sizes, strict=True):
        if span * max(size, 1) >= 2**62:  # rank the combinations so far: order kept
            key = np.unique(key, return_inverse=True)[1].astype(np.int64).ravel()
            span = int(key.max()) + 1
        key, span = key * size + part, span * max(size, 1)
    return key


def sorted_ids(key: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """`pd.factorize(key, sort=True)` for keys >= 0: ids numbered in sorted order of the key,
    and the distinct keys; without hashing where the keys span a small range.

    >>> ids, keys = sorted_ids(np.array([7, 2, 7, 4]))
    >>> ids.tolist(), keys.tolist()
    ([2, 0, 2, 1], [2, 4, 7])
    """
    if not len(key) or int(key.max()) > 4 * len(key) + 4096:
        ids, keys = pd.factorize(key, sort=True)
        return ids.astype(np.int64), keys
    seen = np.zeros(int(key.max()) + 1, dtype=bool)
    seen[key] = True
    return (np.cumsum(seen) - 1)[key], np.flatnonzero(seen)


def _period_codes(rows: _Rows, level: str) -> tuple[np.ndarray, dict] | None:
    """Per row the code of its (period, freq); per such pair its fineness, year code, bits,
    `level` label and that label's code (sorted; -1 where coarser than `level`). None where
    a label is not canonical for its frequency."""
    periods, freqs = _factorized(rows.column("period")), _factorized(rows.column("freq"))
    if periods is None or freqs is None:
        return None
    pair = periods[0] if len(freqs[1]) == 1 else pd.factorize(
        periods[0] * len(freqs[1]) + freqs[0])[0].astype(np.int64)
    few = pd.DataFrame({name: rows.at(name, _first_positions(pair)) for name in ("period", "freq")})
    labels, freq = few["period"].tolist(), few["freq"].tolist()
    if not all(is_label(p) and freq_of(p) == f for p, f in zip(labels, freq, strict=True)):
        return None
    year_codes: dict[str, int] = {}
    fineness = np.array([FINENESS[f] for f in freq], dtype=np.int64)
    usable = fineness <= FINENESS[level]
    containers = containing_labels(few, level)  # read only where usable
    container = np.full(len(labels), -1, dtype=np.int64)
    found = _factorized(containers.array[usable], sort=True)
    assert found is not None, "containing labels of canonical labels are never missing"
    container[usable] = found[0]
    return pair, {
        "fineness": fineness, "container": container, "containers": containers,
        "year": np.array([year_codes.setdefault(p[:4], len(year_codes)) for p in labels],
                         dtype=np.int64),
        "bits": np.array([period_bits(p) for p in labels], dtype=np.int64)}


def codes_of(rows: _Rows, level: str) -> _Codes | None:
    """The rows' codes, or None where the fast path does not apply (a missing key, a label
    not canonical): the reference then answers."""
    periods = _period_codes(rows, level)
    found = {name: _factorized(rows.column(name), sort=True)
             for name in ("reporter", "flow", "commodity_code")}
    if (periods is None or any(codes is None for codes in found.values())
            or rows.column("partner").isna().any()):
        return None
    keys = cast(dict[str, tuple[np.ndarray, Any]], found)  # none is None (checked above)
    pair, few = periods
    sizes = {name: len(found[1]) for name, found in keys.items()}
    sizes |= {"year": int(few["year"].max()) + 1, "container": int(few["container"].max()) + 1}
    return _Codes(
        reporter=keys["reporter"][0], flow=keys["flow"][0],
        commodity=keys["commodity_code"][0], year=few["year"][pair],
        container=few["container"][pair], fineness=few["fineness"][pair],
        bits=few["bits"][pair], pair=pair, containers=few["containers"], sizes=sizes)


def sides(rows: _Rows, orphan_mask: Callable[[pd.DataFrame], np.ndarray]
          ) -> tuple[np.ndarray, np.ndarray] | None:
    """World rows, and partner rows that count (real partners, groups without members)."""
    found = _factorized(rows.column("partner_kind"))
    if found is None:
        return None
    codes, kinds = found
    world = np.asarray(kinds == "world")[codes]
    counts = np.asarray(kinds.isin(REAL_PARTY_KINDS))[codes]
    groups = np.asarray(kinds == "group")[codes]
    if groups.any():
        around = np.flatnonzero(groups | np.asarray(kinds == "country")[codes])
        subset = pd.DataFrame({name: rows.at(name, around) for name in ORPHAN_INPUT})
        counts[around] |= np.asarray(orphan_mask(subset), dtype=bool)
    return world, counts


def counted_once(rows: _Rows, codes: _Codes, world: np.ndarray, used: np.ndarray,
                 level: str) -> np.ndarray:
    """Of the rows at `used`, those counted once at `level` (as `period_rows.finest_rows`,
    or for a year `period_rows.year_rows`), per side, series (reporter, partner, flow,
    commodity) and year."""
    fine = codes.fineness[used]
    if not len(used) or fine.min() == fine.max():  # one frequency: every row is finest
        return used
    partner, partners = pd.factorize(rows.column("partner"))
    parts = [world[used].astype(np.int64), codes.reporter[used], partner[used].astype(np.int64),
             codes.flow[used], codes.commodity[used], codes.year[used]]
    sizes = [2, codes.sizes["reporter"], len(partners),
             *(codes.sizes[k] for k in ("flow", "commodity_code", "year"))]
    group, found = sorted_ids(combined(parts, sizes))
    present = np.bincount(group * 3 + fine, minlength=3 * len(found)).reshape(-1, 3) > 0
    finest = fine == present.argmax(axis=1)[group]  # the finest fineness present
    if level == "A":
        return used[(fine == FINENESS["A"]) | (~present[group, FINENESS["A"]] & finest)]
    return used[finest]


def allocation_parts(frame: pd.DataFrame, level: str,
                     orphan_mask: Callable[[pd.DataFrame], np.ndarray],
                     positions: np.ndarray | None = None) -> pd.DataFrame | None:
    """Per reporter, flow, commodity and `level` period with World rows: the sums, flags
    and names `consistency._judge` reads (an empty frame when there are none); None where
    the fast path does not apply. `orphan_mask` marks group rows without members among the
    group and country rows it is given (columns `ORPHAN_INPUT`)."""
    rows = _Rows(frame, positions)
    found = sides(rows, orphan_mask)
    codes = codes_of(rows, level) if len(rows) else None
    if found is None or codes is None:
        return None if len(rows) else pd.DataFrame()
    world, counts = found
    kept = counted_once(rows, codes, world, np.flatnonzero(world | counts), level)
    usable = kept[codes.fineness[kept] <= FINENESS[level]]
    world_rows, partner_rows = usable[world[usable]], usable[~world[usable]]
    if not len(world_rows):
        return pd.DataFrame()
    table = _World(rows, codes, world_rows, level)
    partners = _Sums(codes, rows, partner_rows, table.key_of(partner_rows))
    columns = table.columns(world, kept) | partners.matched(table.sums.keys, "partners")
    columns["months_covered"] = table.months_covered(partners)
    columns["too_coarse"] = table.too_coarse(kept[~world[kept]])
    out = pd.DataFrame(columns)
    out["freq"] = level
    return out


class _Sums:
    """kg and USD per key (NaN where any row lacks the figure), rows, finest, coarsest."""

    def __init__(self, codes: _Codes, rows: _Rows, at: np.ndarray, key: np.ndarray):
        self.at = at
        self.ids, self.keys = sorted_ids(key)
        groups = len(self.keys)
        self.values: dict[str, np.ndarray] = {}
        values = pd.DataFrame({m: np.asarray(rows.column(m), dtype=np.float64)[at]
                               for m in ("net_weight_kg", "value_usd")})
        grouped = values.groupby(self.ids, sort=True)  # pandas' sums: its branch, its bits
        for measure, name in (("net_weight_kg", "kg"), ("value_usd", "usd")):
            sums = grouped[measure].sum(min_count=1).to_numpy()
            lacking = np.bincount(self.ids, weights=values[measure].isna().to_numpy(),
                                  minlength=groups) > 0
            self.values[name] = np.where(lacking, np.nan, sums)
        fine = codes.fineness[at]
        present = np.bincount(self.ids * 3 + fine, minlength=3 * groups).reshape(-1, 3) > 0
        self.values["rows"] = np.bincount(self.ids, minlength=groups)
        self.values["finest"] = present.argmax(axis=1)
        self.values["coarsest"] = 2 - present[:, ::-1].argmax(axis=1)

    def matched(self, keys: np.ndarray, prefix: str) -> dict[str, np.ndarray]:
        """The sums at `keys` (sorted), NaN where a key has no rows here (a left join)."""
        where = positions_in(self.keys, keys)
        return {f"{prefix}_{name}": np.where(where >= 0, values[where].astype(np.float64),
                                             np.nan) if len(values) else np.full(len(keys), np.nan)
                for name, values in self.values.items()}


def positions_in(sorted_keys: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """Where each of `keys` is in `sorted_keys`, -1 where it is not.

    >>> positions_in(np.array([2, 5, 9]), np.array([9, 3, 2])).tolist()
    [2, -1, 0]
    """
    if not len(sorted_keys):
        return np.full(len(keys), -1, dtype=np.intp)
    where = np.minimum(np.searchsorted(sorted_keys, keys), len(sorted_keys) - 1)
    return np.where(sorted_keys[where] == keys, where, -1)


class _World:
    """The World rows usable at `level`, summed per reporter, flow, commodity and period:
    one answer row each, in the reference's (sorted) order."""

    def __init__(self, rows: _Rows, codes: _Codes, at: np.ndarray, level: str):
        self.rows, self.codes, self.at, self.level = rows, codes, at, level
        self.sums = _Sums(codes, rows, at, self.key_of(at))
        self.first = at[np.unique(self.sums.ids, return_index=True)[1]]  # a row of each

    def key_of(self, at: np.ndarray, parts: tuple[str, ...] = (
            "reporter", "flow", "commodity_code", "container")) -> np.ndarray:
        """One int64 per row at `at` for its `parts`, sorted as their labels are."""
        codes = {"reporter": self.codes.reporter, "flow": self.codes.flow,
                 "commodity_code": self.codes.commodity, "container": self.codes.container,
                 "year": self.codes.year}
        return combined([codes[p][at] for p in parts], [self.codes.sizes[p] for p in parts])

    def columns(self, world: np.ndarray, kept: np.ndarray) -> dict:
        """Keys, World sums, source traces and names per answer row."""
        out = {name: self.rows.at(name, self.first).array
               for name in ("reporter", "flow", "commodity_code")}
        out["period"] = self.codes.containers.array.take(self.codes.pair[self.first])
        out |= {f"world_{name}": values for name, values in self.sums.values.items()}
        traced = pd.DataFrame({"group": self.sums.ids} | {
            name: self.rows.at(name, self.at) for name in ("source_file", "source_line")})
        out["source_rows"] = source_traces(traced, "group").reindex(
            range(len(self.sums.keys))).array
        # Names from each series' first World row counted once (as `consistency._first`).
        counted = kept[world[kept]]
        series = ("reporter", "flow", "commodity_code")
        keys, first = np.unique(self.key_of(counted, series), return_index=True)
        named = counted[first][np.searchsorted(keys, self.key_of(self.first, series))]
        out |= {name: self.rows.at(name, named).array
                for name in ("reporter_name", "commodity_name") if name in self.rows.frame}
        return out

    def months_covered(self, partners: _Sums) -> np.ndarray:
        """Distinct months the rows finer than `level` (both sides) cover per answer row;
        NaN where there are none."""
        finer = [self.codes.fineness[side.at] < FINENESS[self.level]
                 for side in (self.sums, partners)]
        row = np.r_[self.sums.ids[finer[0]],
                    positions_in(self.sums.keys, partners.keys)[partners.ids[finer[1]]]]
        bits = np.r_[self.codes.bits[self.at[finer[0]]],
                     self.codes.bits[partners.at[finer[1]]]]
        pairs = pd.unique(row[row >= 0] * (ALL_MONTHS + 1) + bits[row >= 0])
        row, bits = pairs // (ALL_MONTHS + 1), pairs % (ALL_MONTHS + 1)
        union = np.zeros(len(self.sums.keys), dtype=np.int64)
        np.bitwise_or.at(union, row, bits)
        months = sum((union >> month) & 1 for month in range(12))
        has = np.zeros(len(self.sums.keys), dtype=bool)
        has[row] = True
        return np.where(has, months, np.nan)

    def too_coarse(self, partners: np.ndarray) -> np.ndarray:
        """Per answer row: some counted partner row of its series-year is coarser than
        `level` (an annual row cannot be split into months)."""
        coarse = partners[self.codes.fineness[partners] > FINENESS[self.level]]
        series_year = ("reporter", "flow", "commodity_code", "year")
        return np.isin(self.key_of(self.first, series_year), self.key_of(coarse, series_year))

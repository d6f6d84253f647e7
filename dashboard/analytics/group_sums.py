"""Sums per group of a few hundred values, to the bit as pandas' groupby sums them.

A Sankey's links and nodes are sums over a few hundred rows, where one pandas groupby
costs more (~0.4 ms of fixed work) than the sum. pandas 3 sums a group one of two ways,
and the last bits differ between them: with numpy's `add.reduceat` (pairwise) when the
group ids come sorted and no value is NaN, else in row order with Kahan compensation (its
compiled `group_sum`). `grouped_sums` takes the same branch and does the same steps, so a
table summed here is equal, not merely close, to the pandas one; tests/test_sankey_fast.py
checks it against pandas itself on generated values (and fails if pandas changes its way).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable

import numpy as np


def first_seen_ids(keys: Iterable[Hashable | None]) -> tuple[np.ndarray, list]:
    """Group ids as `groupby(sort=False)` numbers them (in order of first appearance), -1
    for a None key (left out), and the groups in that order.

    >>> ids, groups = first_seen_ids(["b", "a", None, "b"])
    >>> ids.tolist(), groups
    ([0, 1, -1, 0], ['b', 'a'])
    """
    group_of: dict = {}
    ids = [-1 if key is None else group_of.setdefault(key, len(group_of)) for key in keys]
    return np.array(ids, dtype=np.intp), list(group_of)


def grouped_sums(ids: np.ndarray, values: np.ndarray, groups: int,
                 min_count: int = 0) -> np.ndarray:
    """Per group 0..groups-1, the sum of `values` (float64) over the rows with that id (-1:
    none), as pandas' `SeriesGroupBy.sum(min_count=...)` gives it for these ids: missing
    values skipped, NaN where fewer than `min_count` are present.

    >>> grouped_sums(np.array([0, 1, 0]), np.array([0.1, 5.0, 0.2]), 2).tolist()
    [0.30000000000000004, 5.0]
    >>> grouped_sums(np.array([0]), np.array([np.nan]), 1, min_count=1).tolist()
    [nan]
    """
    ids = np.asarray(ids, dtype=np.intp)
    values = np.asarray(values, dtype=np.float64)
    sorted_ids = bool(np.all(ids[1:] >= ids[:-1]))
    if sorted_ids and not np.isnan(values).any() and (ids >= 0).any():
        return _reduceat_sums(ids, values, groups, min_count)
    return _compensated_sums(ids.tolist(), values.tolist(), groups, min_count)


def _reduceat_sums(ids: np.ndarray, values: np.ndarray, groups: int,
                   min_count: int) -> np.ndarray:
    """pandas' branch for sorted ids: one `add.reduceat` over each run of an id."""
    kept = ids >= 0  # sorted: the left-out rows (-1) come first
    ids, values = ids[kept], values[kept]
    starts = np.flatnonzero(np.r_[True, ids[1:] != ids[:-1]])
    sums = np.zeros(groups)
    sums[ids[starts]] = np.add.reduceat(values, starts)
    if min_count > 0:
        present = np.zeros(groups, dtype=np.int64)
        present[ids[starts]] = np.diff(starts, append=len(ids))
        sums[present < min_count] = np.nan
    return sums


def _compensated_sums(ids: list[int], values: list[float], groups: int,
                      min_count: int) -> np.ndarray:
    """pandas' `group_sum`: in row order, Kahan-compensated, missing values skipped."""
    sums, compensation, present = [0.0] * groups, [0.0] * groups, [0] * groups
    for group, value in zip(ids, values, strict=True):
        if group < 0 or value != value:
            continue
        present[group] += 1
        step = value - compensation[group]
        running = sums[group] + step
        lost = running - sums[group] - step
        compensation[group] = 0.0 if lost != lost else lost  # an infinity: none
        sums[group] = running
    return np.array([total if count >= min_count else np.nan
                     for total, count in zip(sums, present, strict=True)])

"""The ROBUST surge rule's reference from arrays: a month of the period against the window.

A selection's monthly tonnes are summed once per country and month (`MonthlyTonnes`, kept
beside the selection's `PeriodIndex`); a request then takes the window's and the period's
columns and computes median, MAD and robust z in numpy over a few hundred countries. The
pandas steps are `surges_reference._robust_reference`, the definition this is tested
against (tests/test_surge_robust.py): the same numbers to the last bit.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from dashboard.analytics.period_index import PeriodIndex
from dashboard.analytics.period_rows import FINENESS, describe_period
from dashboard.analytics.surge_rules import (
    MAD_TO_SIGMA,
    MEAN_AD_TO_SIGMA,
    MIN_WINDOW_MONTHS,
    SurgeParams,
    reference_periods,
)
from dashboard.analytics.surge_text import robust_detail
from dashboard.ingest.period_labels import month_labels, month_number, months_in

# pandas (3.1, GH#51474) reduces a frame of fewer rows than this row by row.
_PANDAS_ROW_BY_ROW = 6


@dataclass(frozen=True)
class MonthlyTonnes:
    """Tonnes per key of a `PeriodIndex` and month, from its monthly rows of the finest
    frequency (what `surges_reference.monthly_rows` selects)."""

    tonnes: np.ndarray  # keys x months from `first_month`, t; NaN: no row with a weight
    first_month: int  # month number (year x 12 + month - 1) of column 0
    row_month: np.ndarray  # per row of the index: its month number, -1 if not such a row


def monthly_tonnes(index: PeriodIndex) -> MonthlyTonnes:
    """`index`'s monthly rows summed per key and month (sum with min_count=1, / 1000)."""
    monthly = index.is_finest & (index.fineness == FINENESS["M"])
    row_month = np.where(monthly, index.year * 12 + index.month - 1, -1).astype(np.int32)
    # In the rows' own order, summed by pandas: its compensated sums, as in the reference.
    rows = np.flatnonzero(monthly)
    rows = rows[np.argsort(index.position[rows], kind="stable")]
    first = int(row_month[rows].min()) if len(rows) else 0
    span = int(row_month[rows].max()) - first + 1 if len(rows) else 0
    cells = index.group[rows].astype(np.int64) * span + (row_month[rows] - first)
    sums = pd.Series(index.weight[rows]).groupby(cells).sum(min_count=1)
    tonnes = np.full(len(index.keys) * span, np.nan)
    tonnes[sums.index.to_numpy()] = sums.to_numpy() / 1000
    return MonthlyTonnes(tonnes.reshape(len(index.keys), span), first, row_month)


def _columns(kept: MonthlyTonnes, labels: list[str]) -> np.ndarray:
    """Tonnes of the months `labels` (columns in that order; NaN for months without rows)."""
    at = np.array([month_number(label) for label in labels], dtype=np.int64) - kept.first_month
    inside = (at >= 0) & (at < kept.tonnes.shape[1])
    out = np.full((kept.tonnes.shape[0], len(labels)), np.nan)
    out[:, inside] = kept.tonnes[:, at[inside]]
    return out


def robust_reference(index: PeriodIndex, kept: MonthlyTonnes, params: SurgeParams
                     ) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Per country: robust z of each month of the period against the trailing window; the
    countries' key numbers in `index`, and the columns over them.

    All months of the period are tested against the same window (the months before the
    period starts), so the period never sits in its own baseline; the highest z is the
    score. reference_t is the window's median month times the months in the period.
    `kept` is `monthly_tonnes(index)`.
    """
    window, inside = reference_periods(params), month_labels(params.period)
    past, now = _columns(kept, window), _columns(kept, inside)
    keep = ~np.isnan(past).all(axis=1) | ~np.isnan(now).all(axis=1)
    past, now = past[keep], now[keep]
    with warnings.catch_warnings():  # a country without window months: NaN, as pandas gives
        warnings.filterwarnings("ignore", "All-NaN slice encountered", RuntimeWarning)
        median = np.nanmedian(past, axis=1) if len(past) else np.full(0, np.nan)
        deviation = np.abs(past - median[:, None])
        mad = np.nanmedian(deviation, axis=1) if len(past) else np.full(0, np.nan)
    z = _robust_z(now, deviation, median, mad)
    counts = (~np.isnan(past)).sum(axis=1)
    gap = np.array([f"{n} months with data in the window, {MIN_WINDOW_MONTHS} needed"
                    if n < MIN_WINDOW_MONTHS else "" for n in counts.tolist()], dtype=object)
    gap[np.isnan(now).all(axis=1)] = "no monthly rows in the period"
    reference_t = median * months_in(params.period)
    lo, hi = month_number(window[0]), month_number(window[-1])  # the window is contiguous
    traces = index.traces_by_key((kept.row_month >= lo) & (kept.row_month <= hi))
    return np.flatnonzero(keep), {
        "reference_t": reference_t, "reference_kg": reference_t * 1000,
        "score": np.fmax.reduce(z, axis=1) if len(z) else np.full(0, np.nan),
        # Months without rows are unreported, by definition here: never "incomplete".
        "reference_partial": np.full(len(gap), "", dtype=object), "gap": gap,
        "detail": _robust_details(params, inside, now, z, counts, median, mad),
        "source_rows": traces[keep]}


def _robust_details(params: SurgeParams, inside: list[str], now: np.ndarray, z: np.ndarray,
                    counts: np.ndarray, median: np.ndarray, mad: np.ndarray) -> np.ndarray:
    """Per country: `robust_detail` for its peak month, or "" without a z or a window.

    The peak is `Series.idxmax` of the country's z: the first highest month with a z, even
    when every z is -inf (a flat window and only falls).
    """
    missing = np.isnan(z)
    has_detail = (~missing).any(axis=1) & (counts > 0)
    peak = np.where(missing, -np.inf, z).argmax(axis=1)
    rows = np.arange(len(peak))
    peak = np.where(missing[rows, peak], (~missing).argmax(axis=1), peak)
    words = [describe_period(label) for label in inside]
    return np.array([robust_detail(params, words[p], t, pz, m, d, n) if ok else ""
                     for ok, p, t, pz, m, d, n in zip(
                         has_detail, peak, now[rows, peak], z[rows, peak], median, mad, counts,
                         strict=True)], dtype=object)


def _robust_z(now: np.ndarray, deviation: np.ndarray, median: np.ndarray,
              mad: np.ndarray) -> np.ndarray:
    """0.6745 (x - median) / MAD; 1.2533 x mean absolute deviation when MAD is 0.

    `deviation` is |window month - median| (NaN for months without rows).
    """
    known = ~np.isnan(deviation)
    filled = np.where(known, deviation, 0.0)
    # The order of additions of pandas' `mean(axis=1)` on the reference's frame, so the same
    # last digit. The frame holds each country's months as one run (it was unstacked), which
    # numpy sums pairwise; but with a month missing anywhere, pandas fills the gaps in a
    # row-major copy, and from `_PANDAS_ROW_BY_ROW` countries on reduces that copy a month
    # at a time. Checked against pandas in tests/test_surge_robust.py.
    if len(filled) < _PANDAS_ROW_BY_ROW or known.all():
        total = np.ascontiguousarray(filled).sum(axis=1)
    else:
        total = np.zeros(len(filled))
        for column in filled.T:
            total += column
    counts = known.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean_ad = np.where(counts > 0, total / counts, np.nan)
        spread = np.where(mad > 0, mad / MAD_TO_SIGMA, mean_ad * MEAN_AD_TO_SIGMA)
        excess = now - median[:, None]
        z = excess / spread[:, None]
        flat = np.nan_to_num(spread) == 0  # a flat window: any rise is infinitely unusual
        signs = np.sign(excess[flat])
        z[flat] = np.where(signs == 0, signs, signs * np.inf)  # no change stays 0, NaN NaN
    return np.where(np.isnan(excess), np.nan, z)

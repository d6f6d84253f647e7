"""Import surges: which countries' volume in a period jumped, by a rule a reader can check.

The rules (what each compares) are in `surge_rules`, their words in `surge_text`; this
module detects. Every rule applies a volume floor first, so 2 kg -> 20 kg is never a
surge, and every flag carries its numbers in words and the source lines they were summed
from. A flag is an end-point comparison: show `timeseries.country_series` beside it
(Argentina - Footwear, WT/DS121/AB/R: an increase must be "recent, sudden, sharp and
significant").
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import numpy as np
import pandas as pd

from dashboard.analytics.compare import Measure, source_traces
from dashboard.analytics.country_table import (
    Selection,
    country_names,
    prepared_index,
    selected_rows,
)
from dashboard.analytics.kept import KeptPerFrame
from dashboard.analytics.period_index import PeriodIndex
from dashboard.analytics.period_rows import describe_period, finest_rows
from dashboard.analytics.surge_rules import (
    MAD_TO_SIGMA,
    MEAN_AD_TO_SIGMA,
    MIN_WINDOW_MONTHS,
    SurgeParams,
    SurgeRule,
    SurgeStatus,
    reference_periods,
    threshold,
)
from dashboard.analytics.surge_text import (
    explanation,
    reference_label,
    robust_detail,
    safeguard_detail,
)
from dashboard.ingest.period_labels import month_labels, months_in


def detect_surges(rows: pd.DataFrame, params: SurgeParams) -> pd.DataFrame:
    """One row per country with data in the period or its reference (index iso3).

    Columns: country_name, current_t, reference_t (t), ratio (current / reference),
    score (the tested value: the ratio, or the highest monthly z for ROBUST), threshold,
    flagged, status (a SurgeStatus value), explanation, source_rows, reference_source_rows.
    Sorted flagged first, then by score and volume, highest first.

    >>> rows = pd.DataFrame({"country": ["KOR"] * 3, "country_name": ["South Korea"] * 3,
    ...     "counterpart": ["CHN"] * 3, "flow": ["import"] * 3,
    ...     "commodity_code": ["280530"] * 3, "period": ["2024", "2025-01", "2025-02"],
    ...     "freq": ["A", "M", "M"], "net_weight_kg": [30_000.0, 20_000.0, 20_000.0],
    ...     "value_usd": [1.0] * 3, "weight_estimated": [False] * 3,
    ...     "source_file": ["f.csv"] * 3, "source_line": [2, 3, 4]})
    >>> surge = detect_surges(rows, SurgeParams(SurgeRule.PRIOR_YEAR, "2025-Q1")).loc["KOR"]
    >>> surge["current_t"], surge["reference_t"], surge["status"]
    (np.float64(40.0), np.float64(30.0), 'surge')
    >>> surge["explanation"].split(";")[0]  # two months already above the year: a lower bound
    'Q1 2025: 40.0 t (partial: 2 of 3 months'
    """
    names = rows.drop_duplicates("country").set_index("country")["country_name"]
    # One index for the period and every reference period.
    return surges_from(PeriodIndex(rows), names, params, lambda: monthly_rows(rows))


# The last selections' monthly rows (ROBUST's window): kept as the map keeps its index.
_MONTHLY: KeptPerFrame[pd.DataFrame] = KeptPerFrame(kept=8)


def selection_surges(frame: pd.DataFrame, selection: Selection,
                     params: SurgeParams) -> pd.DataFrame:
    """`detect_surges(selected_rows(frame, selection), params)`, from the selection's kept
    `PeriodIndex` and names (the map's), and for ROBUST its kept monthly rows."""
    every_measure = replace(selection, measure=Measure.WEIGHT)

    def months() -> pd.DataFrame:
        return _MONTHLY.get(frame, every_measure,
                            lambda: monthly_rows(selected_rows(frame, selection)))

    return surges_from(prepared_index(frame, selection), country_names(frame, selection),
                       params, months)


def monthly_rows(rows: pd.DataFrame) -> pd.DataFrame:
    """The monthly rows of the finest frequency (`finest_rows`), only the columns the
    ROBUST rule reads."""
    fine = finest_rows(rows)
    return fine.loc[fine["freq"] == "M", ["country", "period", "net_weight_kg", "source_file",
                                         "source_line"]]


def surges_from(index: PeriodIndex, names: pd.Series, params: SurgeParams,
                months: Callable[[], pd.DataFrame]) -> pd.DataFrame:
    """The `detect_surges` table from the rows' `PeriodIndex` by country, country name by
    ISO3, and their `monthly_rows` (asked for only by the ROBUST rule's window).

    Columns are computed as arrays over the countries and the table is built once (the
    steps in pandas: `surges_reference`, tested equal).
    """
    current = index.totals(params.period)
    reference = (_robust_reference(months(), params) if params.rule == SurgeRule.ROBUST
                 else _period_reference(index, params))
    countries = current.index.union(reference.index)
    now, ref = current.index.get_indexer(countries), reference.index.get_indexer(countries)
    current_kg = _taken(current["net_weight_kg"], now, 0.0)  # no rows: none reported
    columns = {"current_kg": current_kg, "current_t": current_kg / 1000,
               "current_partial": _taken(_partial_words(current), now, ""),
               **{name: _taken(reference[name], ref, np.nan)
                  for name in ("reference_t", "reference_kg", "score")},
               **{name: _taken(reference[name], ref, "")
                  for name in ("gap", "detail", "reference_partial")}}
    _judge(columns, params)
    iso3 = countries.rename("iso3")
    table = pd.DataFrame({
        "country_name": names.reindex(countries).array,
        **{name: columns[name] for name in ("current_t", "reference_t", "ratio", "score")},
        "threshold": np.full(len(countries), threshold(params)),
        "flagged": columns["status"] == SurgeStatus.SURGE.value,
        "status": pd.array(columns["status"], dtype="str"),
        # Objects, not inferred as "str": the text columns of the pandas steps.
        "source_rows": pd.Series(_taken(current["source_rows"], now, ""), index=iso3,
                                 dtype=object),
        "reference_source_rows": pd.Series(_taken(reference["source_rows"], ref, ""),
                                           index=iso3, dtype=object)}, index=iso3)
    table.insert(8, "explanation", columns["explanation"])  # a list: its dtype inferred
    return table.sort_values(["flagged", "score", "current_t"], ascending=False,
                             na_position="last")


def _taken(column: pd.Series, at: np.ndarray, missing: object) -> np.ndarray:
    """`column`'s values at positions `at` (-1: `missing`); text columns as objects, with
    `missing` for their missing values too."""
    text = isinstance(missing, str)
    values = column.to_numpy(dtype=object if text else float)
    out = values[at] if len(values) else np.full(len(at), missing, dtype=values.dtype)
    out[at < 0] = missing
    if text:
        out[pd.isna(out)] = missing
    return out


def _judge(columns: dict[str, np.ndarray], params: SurgeParams) -> None:
    """Add ratio, score, status and explanation (arrays over the countries, in place)."""
    gap, current_t, reference_t = columns["gap"], columns["current_t"], columns["reference_t"]
    if params.rule in (SurgeRule.SAFEGUARD, SurgeRule.ROBUST):  # rules that need history
        gap[(gap == "") & np.isnan(reference_t)] = "no rows in the reference periods"
    # From kilograms, not tonnes: 0.3 t / 0.1 t is 2.9999999999999996 in floating point,
    # so a period exactly at the threshold would not be flagged by "at least 3x".
    # reference_kg sums the reference periods (ROBUST: the median month x the months).
    periods = 1 if params.rule == SurgeRule.ROBUST else len(reference_periods(params))
    reference_kg = columns["reference_kg"]
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = columns["current_kg"] * periods / np.where(reference_kg > 0, reference_kg,
                                                           np.nan)
    columns["ratio"] = ratio
    if params.rule != SurgeRule.ROBUST:
        columns["score"] = ratio
    score, limit = columns["score"], threshold(params)
    over = score >= limit if params.rule == SurgeRule.YEAR_EARLIER else score > limit
    # A period that lacks months is a lower bound, so a flag on it still holds (and says it
    # is partial); a reference that lacks months is understated, so no flag can rest on it.
    status = np.select(
        [np.isnan(current_t), current_t < params.floor_t, gap != "",
         columns["reference_partial"] != "", np.isnan(score), over],
        [SurgeStatus.NOT_ENOUGH_HISTORY, SurgeStatus.BELOW_FLOOR, SurgeStatus.NOT_ENOUGH_HISTORY,
         SurgeStatus.PARTIAL_REFERENCE, SurgeStatus.NO_REFERENCE, SurgeStatus.SURGE],
        default=SurgeStatus.BELOW_THRESHOLD).astype(str)
    columns["status"] = status
    # Row dicts from the columns: a Series per row costs more than the sentence built.
    words = ("current_t", "current_partial", "reference_t", "detail", "ratio", "status",
             "gap", "reference_partial")
    columns["explanation"] = [explanation(dict(zip(words, row)), params)
                              for row in zip(*(columns[w].tolist() if w != "status"
                                               else status.tolist() for w in words))]


def _period_reference(period_index: PeriodIndex, params: SurgeParams) -> pd.DataFrame:
    """Reference volume (t) per country from whole periods: the ratio rules."""
    labels = reference_periods(params)
    totals = [period_index.totals(label) for label in labels]
    countries = pd.Index(sorted(set().union(*(t.index for t in totals))), name="country")
    at = [t.index.get_indexer(countries) for t in totals]
    # One row per country, one column per period: summed along rows, in the periods'
    # order, as pandas sums a row of a frame (the same last digit as the pandas steps).
    kg = np.ascontiguousarray(np.column_stack(
        [_taken(t["net_weight_kg"], a, np.nan) for t, a in zip(totals, at, strict=True)]
        ).reshape(len(countries), len(labels)))
    words = [describe_period(label) for label in labels]
    gaps = np.isnan(kg)
    reference_t = kg.sum(axis=1) / len(labels) / 1000
    history_rule = params.rule == SurgeRule.SAFEGUARD
    coarse = np.logical_or.reduce([_taken(t["annual_only"], a, np.nan) == 1
                                   for t, a in zip(totals, at, strict=True)])
    detail = (np.array(_safeguard_details(params, kg, words), dtype=object) if history_rule
              else np.full(len(countries), "", dtype=object))
    detail[coarse & np.isnan(reference_t)] = (
        f"{reference_label(params)}: only annual data, too coarse to compare")
    partial = [[f"{word}: {lacks}" if lacks else "" for lacks in _taken(_partial_words(t), a, "")]
               for word, t, a in zip(words, totals, at, strict=True)]
    traces = [_taken(t["source_rows"], a, "") for t, a in zip(totals, at, strict=True)]
    return pd.DataFrame({
        "reference_t": reference_t, "reference_kg": kg.sum(axis=1), "score": np.nan,
        "source_rows": ["; ".join(s for s in parts if s) for parts in zip(*traces)],
        # A missing single reference is "no reference", not a history gap.
        "gap": ["" if not history_rule or not gap.any() else "no usable rows for " + ", ".join(
            word for word, missing in zip(words, gap, strict=True) if missing)
            for gap in gaps],
        "detail": detail,
        "reference_partial": ["; ".join(w for w in parts if w) for parts in zip(*partial)]},
        index=countries)


def _safeguard_details(params: SurgeParams, kg: np.ndarray, words: list[str]) -> list[str]:
    """Per country (row of `kg`, kilograms per reference period, labelled `words`):
    `safeguard_detail`, or "" when a year lacks data."""
    reference = reference_label(params)
    means = kg.sum(axis=1) / kg.shape[1]
    whole = ~np.isnan(kg).any(axis=1)
    return [safeguard_detail(reference, list(zip(words, row, strict=True)), mean) if ok else ""
            for ok, row, mean in zip(whole, kg.tolist(), means.tolist(), strict=True)]


def _partial_words(totals: pd.DataFrame) -> pd.Series:
    """Per key, what a period's figure lacks ("2 of 3 months"); "" when it is whole."""
    partial = ((totals["months_with_rows"] < totals["months_in_period"])
               | (totals["excluded_rows"] > 0)) & ~totals["annual_only"]
    return totals["coverage"].where(partial, "").astype(object)


def _robust_reference(months: pd.DataFrame, params: SurgeParams) -> pd.DataFrame:
    """Per country: robust z of each month of the period against the trailing window.

    All months of the period are tested against the same window (the months before the
    period starts), so the period never sits in its own baseline; the highest z is the
    score. reference_t is the window's median month times the months in the period.
    `months` are the selection's `monthly_rows`.
    """
    window, inside = reference_periods(params), month_labels(params.period)
    # Only the months read below: the groupby over every month was most of the cost.
    months = months[months["period"].isin([*window, *inside])]
    tonnes = (months.groupby(["country", "period"])["net_weight_kg"].sum(min_count=1)
              .unstack("period") / 1000) if len(months) else pd.DataFrame()
    past = tonnes.reindex(columns=window)
    now = tonnes.reindex(columns=inside)
    keep = past.notna().any(axis=1) | now.notna().any(axis=1)
    past, now = past[keep], now[keep]
    median = past.median(axis=1)
    z = _robust_z(now, past, median)
    out = pd.DataFrame(index=past.index.rename("country"))
    out["reference_t"] = median * months_in(params.period)
    out["reference_kg"] = out["reference_t"] * 1000
    out["score"] = z.max(axis=1)
    out["reference_partial"] = ""  # months without rows are unreported, by definition here
    counts = past.notna().sum(axis=1)
    out["gap"] = np.where(counts < MIN_WINDOW_MONTHS,
                          [f"{n} months with data in the window, {MIN_WINDOW_MONTHS} needed"
                           for n in counts], "")
    out.loc[now.notna().sum(axis=1) == 0, "gap"] = "no monthly rows in the period"
    out["detail"] = _robust_details(params, now, z, past, median)
    in_window = months[months["period"].isin(window)]
    traces = source_traces(in_window, "country")
    out["source_rows"] = traces.reindex(out.index).fillna("")
    return out


def _robust_details(params: SurgeParams, now: pd.DataFrame, z: pd.DataFrame,
                    past: pd.DataFrame, median: pd.Series) -> list[str]:
    """Per country: `robust_detail` for its peak month, or "" without a z or a window.

    The peak is `Series.idxmax` of the country's z: the first highest month with a z, even
    when every z is -inf (a flat window and only falls).
    """
    z_values = z.to_numpy(dtype=float)
    missing = np.isnan(z_values)
    counts = past.notna().sum(axis=1).to_numpy()
    has_detail = (~missing).any(axis=1) & (counts > 0)
    peak = np.where(missing, -np.inf, z_values).argmax(axis=1)
    rows = np.arange(len(peak))
    peak = np.where(missing[rows, peak], (~missing).argmax(axis=1), peak)
    mad = past.sub(median, axis=0).abs().median(axis=1)
    words = [describe_period(label) for label in z.columns]
    return [robust_detail(params, words[p], t, pz, m, d, n) if ok else ""
            for ok, p, t, pz, m, d, n in zip(
                has_detail, peak, now.to_numpy(dtype=float)[rows, peak], z_values[rows, peak],
                median.to_numpy(), mad.to_numpy(), counts, strict=True)]


def _robust_z(now: pd.DataFrame, past: pd.DataFrame, median: pd.Series) -> pd.DataFrame:
    """0.6745 (x - median) / MAD; 1.2533 x mean absolute deviation when MAD is 0."""
    deviation = past.sub(median, axis=0).abs()
    mad = deviation.median(axis=1)
    spread = (mad / MAD_TO_SIGMA).where(mad > 0, deviation.mean(axis=1) * MEAN_AD_TO_SIGMA)
    excess = now.sub(median, axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = excess.div(spread, axis=0)
    flat = spread.fillna(0) == 0  # a perfectly flat window: any rise is infinitely unusual
    z.loc[flat] = np.sign(excess.loc[flat]).replace({1.0: np.inf, -1.0: -np.inf})
    return z.where(excess.notna())

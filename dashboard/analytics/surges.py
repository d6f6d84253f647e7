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
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from dashboard.analytics.compare import Measure
from dashboard.analytics.country_table import Selection, country_names, prepared_index
from dashboard.analytics.kept import KeptPerFrame
from dashboard.analytics.period_index import PeriodIndex
from dashboard.analytics.period_rows import describe_period
from dashboard.analytics.surge_robust import MonthlyTonnes, monthly_tonnes, robust_reference
from dashboard.analytics.surge_rules import (
    SurgeParams,
    SurgeRule,
    SurgeStatus,
    reference_periods,
    threshold,
)
from dashboard.analytics.surge_text import explanation, reference_label, safeguard_detail


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
    index = PeriodIndex(rows)
    return surges_from(index, names, params, lambda: monthly_tonnes(index),
                       lambda label: period_columns(index, label))


# The last selections' tonnes per country and month (ROBUST's window), beside their index.
_MONTHLY: KeptPerFrame[MonthlyTonnes] = KeptPerFrame(kept=8)


@dataclass(frozen=True)
class PeriodColumns:
    """The columns of `PeriodIndex.totals(label)` a surge rule reads, as arrays over the
    keys that have rows in the period (or only rows too coarse for it)."""

    at: np.ndarray  # those keys' numbers in the index
    kg: np.ndarray  # net weight, kg (NaN: no row with a weight)
    annual_only: np.ndarray  # 1.0 where the key has only rows too coarse for the period
    partial: np.ndarray  # what the figure lacks in words ("2 of 3 months"), "" when whole
    source_rows: np.ndarray  # source-row text


def period_columns(index: PeriodIndex, label: str) -> PeriodColumns:
    """`index.totals(label)`, the columns the rules read."""
    totals = index.totals(label)
    arrays = (index.key_numbers(totals.index), totals["net_weight_kg"].to_numpy(float),
              totals["annual_only"].to_numpy(float), _partial_words(totals),
              totals["source_rows"].to_numpy(object))
    for array in arrays:  # kept and shared between requests: never written
        array.setflags(write=False)
    return PeriodColumns(*arrays)


# The last selections' period columns: a tab's rules share periods (the period itself in
# all, its year before in three), and a change of floor or threshold reuses them all.
_PERIODS: KeptPerFrame[PeriodColumns] = KeptPerFrame(kept=48)


def selection_surges(frame: pd.DataFrame, selection: Selection,
                     params: SurgeParams) -> pd.DataFrame:
    """`detect_surges(selected_rows(frame, selection), params)`, from the selection's kept
    `PeriodIndex` and names (the map's), its kept period columns, and for ROBUST its kept
    monthly tonnes."""
    every_measure = replace(selection, measure=Measure.WEIGHT)
    index = prepared_index(frame, selection)

    def months() -> MonthlyTonnes:
        return _MONTHLY.get(frame, every_measure, lambda: monthly_tonnes(index))

    def period(label: str) -> PeriodColumns:
        return _PERIODS.get(frame, (every_measure, label), lambda: period_columns(index, label))

    return surges_from(index, country_names(frame, selection), params, months, period)


def surges_from(index: PeriodIndex, names: pd.Series, params: SurgeParams,
                months: Callable[[], MonthlyTonnes],
                period: Callable[[str], PeriodColumns]) -> pd.DataFrame:
    """The `detect_surges` table from the rows' `PeriodIndex` by country, country name by
    ISO3, `monthly_tonnes(index)` (asked for only by the ROBUST rule's window) and
    `period_columns(index, label)` per period label.

    Columns are computed as arrays over the index's keys (ISO3 codes as its key numbers)
    and the table is built once, in its order (the steps in pandas: `surges_reference`,
    tested equal).
    """
    current = period(params.period)
    now = current.at
    ref, reference = (robust_reference(index, months(), params)
                      if params.rule == SurgeRule.ROBUST
                      else _period_reference(len(index.keys), params, period))
    countries = np.union1d(now, ref)  # the keys are sorted: so are the countries
    keys = len(index.keys)

    def spread(at: np.ndarray, values: np.ndarray, missing: object) -> np.ndarray:
        return _at_keys(at, values, missing, keys)[countries]

    current_kg = spread(now, current.kg, 0.0)  # no rows: none
    columns = {"current_kg": current_kg, "current_t": current_kg / 1000,
               "current_partial": spread(now, current.partial, ""),
               **{name: spread(ref, reference[name], np.nan)
                  for name in ("reference_t", "reference_kg", "score")},
               **{name: spread(ref, reference[name], "")
                  for name in ("gap", "detail", "reference_partial")},
               "source_rows": spread(now, current.source_rows, ""),
               "reference_source_rows": spread(ref, reference["source_rows"], "")}
    _judge(columns, params)
    return _sorted_table(index.keys[countries], names, columns, threshold(params))


def _sorted_table(iso3: np.ndarray, names: pd.Series, columns: dict[str, np.ndarray],
                  limit: float) -> pd.DataFrame:
    """The table from the judged columns over the countries `iso3`, sorted as
    `sort_values(["flagged", "score", "current_t"])` sorts it, descending, NaN last."""
    flagged = columns["status"] == SurgeStatus.SURGE.value
    order = np.lexsort((-columns["current_t"], -columns["score"], ~flagged))  # NaN sorts last
    index = pd.Index(iso3[order], name="iso3", dtype="string")
    return pd.DataFrame({
        "country_name": names.reindex(index).array,
        **{name: columns[name][order] for name in ("current_t", "reference_t", "ratio",
                                                   "score")},
        "threshold": np.full(len(order), limit),
        "flagged": flagged[order],
        "status": pd.array(columns["status"][order], dtype="str"),
        "explanation": [columns["explanation"][i] for i in order.tolist()],  # dtype inferred
        # Objects, not inferred as "str": the text columns of the pandas steps.
        **{name: pd.Series(columns[name][order], index=index, dtype=object)
           for name in ("source_rows", "reference_source_rows")}}, index=index)


def _at_keys(at: np.ndarray, values: np.ndarray, missing: object, keys: int) -> np.ndarray:
    """`values` of the keys numbered `at`, over all `keys` keys (`missing` elsewhere); text
    as objects, with `missing` for its missing values too."""
    text = isinstance(missing, str)
    out = np.full(keys, missing, dtype=object if text else float)
    out[at] = values
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
    columns["explanation"] = [  # type: ignore[assignment]  # a list: the frame takes it as is
        explanation(dict(zip(words, row)), params)
        for row in zip(*(columns[w].tolist() for w in words))]


def _period_reference(keys: int, params: SurgeParams,
                      period: Callable[[str], PeriodColumns]
                      ) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Reference volume (t) per country from whole periods (the ratio rules), over `keys`
    keys with `period(label)` the period columns: the countries' key numbers, and the
    columns over them."""
    labels = reference_periods(params)
    totals = [period(label) for label in labels]
    at = [t.at for t in totals]
    countries = np.unique(np.concatenate(at)) if at else np.zeros(0, dtype=np.int64)

    def spread(numbers: np.ndarray, values: np.ndarray, missing: object) -> np.ndarray:
        return _at_keys(numbers, values, missing, keys)[countries]

    # One row per country, one column per period: summed along rows, in the periods'
    # order, as pandas sums a row of a frame (the same last digit as the pandas steps).
    kg = np.ascontiguousarray(np.column_stack(
        [spread(a, t.kg, np.nan)
         for t, a in zip(totals, at, strict=True)]).reshape(len(countries), len(labels)))
    words = [describe_period(label) for label in labels]
    gaps = np.isnan(kg)
    reference_t = kg.sum(axis=1) / len(labels) / 1000
    history_rule = params.rule == SurgeRule.SAFEGUARD
    coarse = np.logical_or.reduce([spread(a, t.annual_only, np.nan) == 1
                                   for t, a in zip(totals, at, strict=True)])
    detail = (np.array(_safeguard_details(params, kg, words), dtype=object) if history_rule
              else np.full(len(countries), "", dtype=object))
    detail[coarse & np.isnan(reference_t)] = (
        f"{reference_label(params)}: only annual data, too coarse to compare")
    partial = [[f"{word}: {lacks}" if lacks else "" for lacks in spread(
        a, t.partial, "")] for word, t, a in zip(words, totals, at, strict=True)]
    traces = [spread(a, t.source_rows, "")
              for t, a in zip(totals, at, strict=True)]
    return countries, {
        "reference_t": reference_t, "reference_kg": kg.sum(axis=1),
        "score": np.full(len(countries), np.nan),
        "source_rows": np.array(["; ".join(s for s in parts if s) for parts in zip(*traces)],
                                dtype=object),
        # A missing single reference is "no reference", not a history gap.
        "gap": np.array(["" if not history_rule or not gap.any() else "no usable rows for "
                         + ", ".join(word for word, missing in zip(words, gap, strict=True)
                                     if missing) for gap in gaps], dtype=object),
        "detail": detail,
        "reference_partial": np.array(["; ".join(w for w in parts if w)
                                       for parts in zip(*partial)], dtype=object)}


def _safeguard_details(params: SurgeParams, kg: np.ndarray, words: list[str]) -> list[str]:
    """Per country (row of `kg`, kilograms per reference period, labelled `words`):
    `safeguard_detail`, or "" when a year lacks data."""
    reference = reference_label(params)
    means = kg.sum(axis=1) / kg.shape[1]
    whole = ~np.isnan(kg).any(axis=1)
    return [safeguard_detail(reference, list(zip(words, row, strict=True)), mean) if ok else ""
            for ok, row, mean in zip(whole, kg.tolist(), means.tolist(), strict=True)]


def _partial_words(totals: pd.DataFrame) -> np.ndarray:
    """Per key, what a period's figure lacks ("2 of 3 months"); "" when it is whole."""
    partial = (((totals["months_with_rows"].to_numpy() < totals["months_in_period"].to_numpy())
                | (totals["excluded_rows"].to_numpy() > 0))
               & ~totals["annual_only"].to_numpy(dtype=bool))
    return np.where(partial, totals["coverage"].to_numpy(dtype=object), "").astype(object)

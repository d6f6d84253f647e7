"""`surges.detect_surges` in pandas, step by step: the reference definition its array
path (`surges.surges_from`, and `surge_robust` for the ROBUST rule) is tested against
(tests/test_surges_fast.py, tests/test_surge_robust.py).

Each step is a pandas operation on tables of one row per country; the array path computes
the same columns in one pass and builds the table once.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from dashboard.analytics.compare import source_traces
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


def detect_surges_reference(rows: pd.DataFrame, params: SurgeParams) -> pd.DataFrame:
    """The `surges.detect_surges` table, by the pandas steps below."""
    names = rows.drop_duplicates("country").set_index("country")["country_name"]
    return surges_from_reference(PeriodIndex(rows), names, params, monthly_rows(rows))


def monthly_rows(rows: pd.DataFrame) -> pd.DataFrame:
    """The monthly rows of the finest frequency (`finest_rows`), only the columns the
    ROBUST rule reads."""
    fine = finest_rows(rows)
    return fine.loc[fine["freq"] == "M", ["country", "period", "net_weight_kg", "source_file",
                                         "source_line"]]


def surges_from_reference(index: PeriodIndex, names: pd.Series, params: SurgeParams,
                          months: pd.DataFrame) -> pd.DataFrame:
    """The `detect_surges` table from the rows' `PeriodIndex` by country, country name by
    ISO3, and their `monthly_rows`."""
    current = index.totals(params.period)
    reference = (_robust_reference(months, params) if params.rule == SurgeRule.ROBUST
                 else _period_reference(index, params))
    table = pd.DataFrame(index=current.index.union(reference.index))
    table["current_kg"] = current["net_weight_kg"].reindex(table.index)
    table.loc[~table.index.isin(current.index), "current_kg"] = 0.0  # no rows: none reported
    table["current_t"] = table["current_kg"] / 1000
    table["current_partial"] = _partial_words(current).reindex(table.index).fillna("")
    table = table.join(reference[["reference_t", "reference_kg", "score", "gap", "detail",
                                  "reference_partial"]])
    table["reference_source_rows"] = _text(reference["source_rows"].reindex(table.index))
    table["source_rows"] = _text(current["source_rows"].reindex(table.index))
    _judge(table, params)
    table.insert(0, "country_name", names.reindex(table.index))
    table.index.name = "iso3"
    table = table.sort_values(["flagged", "score", "current_t"], ascending=False,
                              na_position="last")
    return table[["country_name", "current_t", "reference_t", "ratio", "score", "threshold",
                  "flagged", "status", "explanation", "source_rows", "reference_source_rows"]]


def _judge(table: pd.DataFrame, params: SurgeParams) -> None:
    """Add ratio, threshold, status, flagged and explanation (in place)."""
    table["gap"], table["detail"] = _text(table["gap"]), _text(table["detail"])
    table["reference_partial"] = _text(table["reference_partial"])
    if params.rule in (SurgeRule.SAFEGUARD, SurgeRule.ROBUST):  # rules that need history
        absent = table["gap"].eq("") & table["reference_t"].isna()
        table.loc[absent, "gap"] = "no rows in the reference periods"
    # From kilograms, not tonnes: 0.3 t / 0.1 t is 2.9999999999999996 in floating point,
    # so a period exactly at the threshold would not be flagged by "at least 3x".
    # reference_kg sums the reference periods (ROBUST: the median month x the months).
    periods = 1 if params.rule == SurgeRule.ROBUST else len(reference_periods(params))
    reference_kg = table["reference_kg"].where(table["reference_kg"] > 0)
    table["ratio"] = table["current_kg"] * periods / reference_kg
    if params.rule != SurgeRule.ROBUST:
        table["score"] = table["ratio"]
    table["threshold"] = threshold(params)
    over = (table["score"] >= table["threshold"] if params.rule == SurgeRule.YEAR_EARLIER
            else table["score"] > table["threshold"])
    # A period that lacks months is a lower bound, so a flag on it still holds (and says it
    # is partial); a reference that lacks months is understated, so no flag can rest on it.
    status = np.select(
        [table["current_t"].isna(), table["current_t"] < params.floor_t, table["gap"] != "",
         table["reference_partial"] != "", table["score"].isna(), over],
        [SurgeStatus.NOT_ENOUGH_HISTORY, SurgeStatus.BELOW_FLOOR, SurgeStatus.NOT_ENOUGH_HISTORY,
         SurgeStatus.PARTIAL_REFERENCE, SurgeStatus.NO_REFERENCE, SurgeStatus.SURGE],
        default=SurgeStatus.BELOW_THRESHOLD)
    table["status"] = pd.Series(status, index=table.index).astype(str)
    table["flagged"] = table["status"] == SurgeStatus.SURGE
    # Row dicts, not iterrows: a Series per row costs more than the sentence built from it.
    table["explanation"] = [explanation(row, params) for row in table.to_dict("records")]


def _period_reference(period_index: PeriodIndex, params: SurgeParams) -> pd.DataFrame:
    """Reference volume (t) per country from whole periods: the ratio rules."""
    labels = reference_periods(params)
    totals = [period_index.totals(label) for label in labels]
    countries = pd.Index(sorted(set().union(*(t.index for t in totals))), name="country")
    kg = pd.DataFrame({label: t["net_weight_kg"].reindex(countries)
                       for label, t in zip(labels, totals)})
    out = pd.DataFrame(index=countries)
    out["reference_t"] = kg.mean(axis=1, skipna=False) / 1000
    out["reference_kg"] = kg.sum(axis=1, skipna=False)  # of all reference periods: the ratio
    out["score"] = np.nan
    out["source_rows"] = ["; ".join(s for s in parts if isinstance(s, str) and s)
                          for parts in zip(*(t["source_rows"].reindex(countries) for t in totals))]
    words = [describe_period(label) for label in labels]
    out["gap"] = ["" if not any(gaps) else "no usable rows for " + ", ".join(
        word for word, gap in zip(words, gaps, strict=True) if gap)
        for gaps in kg.isna().to_numpy().tolist()]
    history_rule = params.rule == SurgeRule.SAFEGUARD
    if not history_rule:  # a missing single reference is "no reference", not a history gap
        out["gap"] = ""
    coarse = pd.concat([t["annual_only"].reindex(countries).fillna(False) for t in totals],
                       axis=1).any(axis=1)
    out["detail"] = _safeguard_details(params, kg) if history_rule else ""
    partial = pd.concat([_partial_words(t).reindex(countries).fillna("").map(
        lambda lacks, word=word: f"{word}: {lacks}" if lacks else "")
        for word, t in zip(words, totals, strict=True)], axis=1)
    out["reference_partial"] = ["; ".join(w for w in parts if w)
                                for parts in partial.itertuples(index=False)]
    out.loc[coarse & out["reference_t"].isna(), "detail"] = (
        f"{reference_label(params)}: only annual data, too coarse to compare")
    return out


def _safeguard_details(params: SurgeParams, kg: pd.DataFrame) -> list[str]:
    """Per country (row of `kg`, kilograms per reference period): `safeguard_detail`, or ""
    when a year lacks data."""
    reference, words = reference_label(params), [describe_period(p) for p in kg.columns]
    # Summed along each contiguous row, as Series.mean sums one country's years: the same
    # order of additions, so the same last digit as the reference definition.
    volumes = np.ascontiguousarray(kg.to_numpy(dtype=float))
    means = volumes.sum(axis=1) / volumes.shape[1]
    whole = ~np.isnan(volumes).any(axis=1)
    return [safeguard_detail(reference, list(zip(words, row, strict=True)), mean) if ok else ""
            for ok, row, mean in zip(whole, volumes, means, strict=True)]


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


def _text(column: pd.Series) -> pd.Series:
    """A text column with "" for missing (an all-missing column may come back as floats)."""
    return column.astype(object).where(column.notna(), "")

"""Import surges: which countries' volume in a period jumped, by a rule a reader can check.

Four rules, each a different statement (docs/methods.md#surge-rules), all on net weight in
tonnes:

- PRIOR_YEAR: the period above the whole previous year (Q1 2025 above all of 2024, the
  Adamas observation). A whole year is compared with the year before.
- YEAR_EARLIER: the period at least `ratio_threshold` times the same period a year earlier.
- SAFEGUARD: the period above `k` times the mean of the same period in the three preceding
  years, the volume trigger of the WTO Agreement on Agriculture, Art. 5.
- ROBUST: a month of the period far above the trailing window (median and MAD).

Every rule applies a volume floor first, so 2 kg -> 20 kg is never a surge, and every
flag carries its numbers in words and the source lines they were summed from. A flag is
an end-point comparison: show `country_series` beside it (Argentina - Footwear,
WT/DS121/AB/R: an increase must be "recent, sudden, sharp and significant").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import pandas as pd

# source_traces and _container are the one implementation of "source rows" text and of
# rolling months up to quarters; reused rather than copied.
from dashboard.analytics.compare import source_traces, tonnes_text
from dashboard.analytics.period_index import PeriodIndex
from dashboard.analytics.periods import (
    MONTHS,
    _container,
    describe_period,
    finest_rows,
    freq_of,
    label_end,
    label_start,
    months_in,
)

MIN_WINDOW_MONTHS = 12  # the robust rule needs at least this many months with data
MAD_TO_SIGMA = 0.6745  # z = 0.6745 (x - median) / MAD (Iglewicz and Hoaglin)
MEAN_AD_TO_SIGMA = 1.253314  # fallback when MAD is 0: z = (x - median) / (1.2533 mean AD)
_LABEL = re.compile(r"^\d{4}(-Q[1-4]|-(0[1-9]|1[0-2]))?$")


class SurgeRule(StrEnum):
    PRIOR_YEAR = "prior_year"
    YEAR_EARLIER = "year_earlier"
    SAFEGUARD = "safeguard"
    ROBUST = "robust"


class SurgeStatus(StrEnum):
    SURGE = "surge"
    BELOW_THRESHOLD = "below threshold"
    BELOW_FLOOR = "below floor"
    NOT_ENOUGH_HISTORY = "not enough history"
    NO_REFERENCE = "no reference"
    PARTIAL_REFERENCE = "reference incomplete"  # a reference period lacks months or rows


@dataclass(frozen=True)
class SurgeParams:
    """A rule and its settings; volumes in tonnes of net weight."""

    rule: SurgeRule
    period: str  # "2025", "2025-Q1" or "2025-03"
    floor_t: float = 1.0  # the period's volume must reach this to be assessed at all
    ratio_threshold: float = 2.0  # YEAR_EARLIER: flag when ratio >= this
    k: float = 1.25  # SAFEGUARD: flag when volume > k * mean of 3 preceding years
    z_threshold: float = 3.5  # ROBUST: flag when a month's robust z > this
    window_months: int = 24  # ROBUST: trailing window before the period

    def __post_init__(self) -> None:
        object.__setattr__(self, "rule", SurgeRule(self.rule))
        if not _LABEL.match(self.period):
            raise ValueError(f"not a period label: {self.period!r} (use 2025, 2025-Q1, 2025-03)")
        if self.window_months < MIN_WINDOW_MONTHS:
            raise ValueError(f"window_months must be at least {MIN_WINDOW_MONTHS}")


# Said wherever the rule is described: it borrows the trigger's shape, not its law.
SAFEGUARD_CAVEAT = (
    "Simplified from the volume trigger of the WTO Agreement on Agriculture, Art. 5 (special"
    " safeguard), which sets k by the import share of consumption (1.25, 1.10 or 1.05),"
    " compares a year's imports from all suppliers and applies only to products a member"
    " scheduled; here k is free and any period is compared per importer: a screening"
    " indicator, not a legal test (Methods: the safeguard rule).")

_RULE_WORDS = {
    SurgeRule.PRIOR_YEAR: "above the whole prior year",
    SurgeRule.YEAR_EARLIER: "at least {ratio_threshold:g}x the same period a year earlier",
    SurgeRule.SAFEGUARD: "above {k:g}x the mean of the same period in the 3 preceding years",
    SurgeRule.ROBUST: "a month's robust z-score above {z_threshold:g} against the "
                      "{window_months} months before",
}


def rule_words(params: SurgeParams) -> str:
    """Short words for the rule, as used inside explanations: "above the whole prior year"."""
    return _RULE_WORDS[params.rule].format(**vars(params))


def threshold(params: SurgeParams) -> float:
    """The value `score` is tested against: a ratio (x), or a robust z-score for ROBUST."""
    return {SurgeRule.PRIOR_YEAR: 1.0, SurgeRule.YEAR_EARLIER: params.ratio_threshold,
            SurgeRule.SAFEGUARD: params.k, SurgeRule.ROBUST: params.z_threshold}[params.rule]


def reference_periods(params: SurgeParams) -> list[str]:
    """Period labels the reference is computed from (for shading a series chart).

    >>> reference_periods(SurgeParams(SurgeRule.SAFEGUARD, "2025-Q1"))
    ['2022-Q1', '2023-Q1', '2024-Q1']
    >>> reference_periods(SurgeParams(SurgeRule.PRIOR_YEAR, "2025-03"))
    ['2024']
    """
    year = int(params.period[:4])
    if params.rule == SurgeRule.PRIOR_YEAR:
        return [str(year - 1)]
    if params.rule == SurgeRule.YEAR_EARLIER:
        return [_shift_year(params.period, -1)]
    if params.rule == SurgeRule.SAFEGUARD:
        return [_shift_year(params.period, -n) for n in (3, 2, 1)]
    first = pd.Period(_months_of(params.period)[0], freq="M")
    return [str(first - n) for n in range(params.window_months, 0, -1)]


def reference_label(params: SurgeParams) -> str:
    """What the period is compared with, in words: "all of 2024", "Q1 2024", ..."""
    labels = [describe_period(p) for p in reference_periods(params)]
    if params.rule == SurgeRule.PRIOR_YEAR:
        if freq_of(params.period) == "A":
            return f"{labels[0]} (a whole year is compared with the previous year)"
        return f"all of {labels[0]}"
    if params.rule == SurgeRule.YEAR_EARLIER:
        return labels[0]
    if params.rule == SurgeRule.SAFEGUARD:
        return f"mean of {labels[0]}, {labels[1]} and {labels[2]}"
    return f"{months_in(params.period)} x the median month of {labels[0]} - {labels[-1]}"


def rule_description(params: SurgeParams) -> str:
    """One paragraph for the UI: the rule with its numbers, why, and its citation."""
    period = describe_period(params.period)
    floor = (f" Volumes below {_t(params.floor_t)} in {period} are not assessed,"
             " so a jump from 2 kg to 20 kg is never a surge.")
    trend = (" A flag compares end points: check it against the whole series (WTO Safeguards"
             " Agreement Art. 2.1; Argentina - Footwear, WT/DS121/AB/R: an increase must be"
             " \"recent, sudden, sharp and significant\").")
    body = {
        SurgeRule.PRIOR_YEAR: f"Flags a country whose volume in {period} is above its volume in"
        f" {reference_label(params)}. A part-year above a whole year is the comparison Adamas"
        " Intelligence made for dysprosium oxide (Q1 2025 against all of 2024).",
        SurgeRule.YEAR_EARLIER: f"Flags a country whose volume in {period} is at least"
        f" {params.ratio_threshold:g} times its volume in {reference_label(params)}.",
        SurgeRule.SAFEGUARD: f"Flags a country whose volume in {period} is above {params.k:g}"
        f" times the {reference_label(params)}. {SAFEGUARD_CAVEAT} All three years must have"
        " data.",
        SurgeRule.ROBUST: "Flags a country when any month of"
        f" {period} has a robust z-score above {params.z_threshold:g}, where z = 0.6745 x"
        f" (month - median) / MAD over the {params.window_months} months before the period"
        f" (at least {MIN_WINDOW_MONTHS} months with data). Median and MAD resist the"
        " volatility of small customs series better than mean and standard deviation. When"
        " MAD is 0, z uses 1.2533 x the mean absolute deviation. Months without rows are"
        " treated as unreported, not as zero.",
    }[params.rule]
    return body + floor + trend


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
    index = PeriodIndex(rows)  # once for the period and every reference period
    current = index.totals(params.period)
    reference = (_robust_reference(rows, params) if params.rule == SurgeRule.ROBUST
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
    names = rows.drop_duplicates("country").set_index("country")["country_name"]
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
    table["explanation"] = [_explain(row, params) for _, row in table.iterrows()]


def _explain(row: pd.Series, params: SurgeParams) -> str:
    """"Q1 2025: 41.2 t; all of 2024: 38.0 t, ratio 1.08 (rule: ...). Not a surge."."""
    period = describe_period(params.period)
    if pd.isna(row["current_t"]):
        return (f"{period}: no figure, the data for {params.period[:4]} is too coarse (annual"
                " only) for this period. Not assessed.")
    now = f"{period}: {_t(row['current_t'])}"
    if row["current_partial"]:
        now += f" (partial: {row['current_partial']}; a lower bound)"
    ref = row["detail"] or f"{reference_label(params)}: {_t(row['reference_t'])}"
    ratio = "" if pd.isna(row["ratio"]) else f", ratio {row['ratio']:,.2f}"
    if params.rule == SurgeRule.ROBUST:  # the z-score is the test; the ratio would distract
        ref = f"{reference_label(params)}: {_t(row['reference_t'])}"
        ref, ratio = ref + (f"; {row['detail']}" if row["detail"] else ""), ""
    text = f"{now}; {ref}{ratio} (rule: {rule_words(params)})."
    verdict = {
        SurgeStatus.SURGE: "Surge.",
        SurgeStatus.BELOW_THRESHOLD: "Not a surge.",
        SurgeStatus.BELOW_FLOOR: f"Below the {_t(params.floor_t)} floor, not assessed.",
        SurgeStatus.NOT_ENOUGH_HISTORY: f"Not enough history: {row['gap']}.",
        SurgeStatus.NO_REFERENCE: "No reference volume above 0 t, so no ratio.",
        SurgeStatus.PARTIAL_REFERENCE: f"Not assessed: the reference is incomplete"
        f" ({row['reference_partial']}), so it understates the volume.",
    }[SurgeStatus(row["status"])]
    if row["status"] == SurgeStatus.NOT_ENOUGH_HISTORY:
        text = now + "."
    return f"{text} {verdict}"


def _period_reference(index: PeriodIndex, params: SurgeParams) -> pd.DataFrame:
    """Reference volume (t) per country from whole periods: the ratio rules."""
    labels = reference_periods(params)
    totals = [index.totals(label) for label in labels]
    index = pd.Index(sorted(set().union(*(t.index for t in totals))), name="country")
    kg = pd.DataFrame({label: t["net_weight_kg"].reindex(index)
                       for label, t in zip(labels, totals)})
    out = pd.DataFrame(index=index)
    out["reference_t"] = kg.mean(axis=1, skipna=False) / 1000
    out["reference_kg"] = kg.sum(axis=1, skipna=False)  # of all reference periods: the ratio
    out["score"] = np.nan
    out["source_rows"] = ["; ".join(s for s in parts if isinstance(s, str) and s)
                          for parts in zip(*(t["source_rows"].reindex(index) for t in totals))]
    missing = kg.isna()
    out["gap"] = ["" if not gaps.any() else "no usable rows for " + ", ".join(
        describe_period(label) for label in labels if gaps[label])
        for _, gaps in missing.iterrows()]
    history_rule = params.rule == SurgeRule.SAFEGUARD
    if not history_rule:  # a missing single reference is "no reference", not a history gap
        out["gap"] = ""
    coarse = pd.concat([t["annual_only"].reindex(index).fillna(False) for t in totals],
                       axis=1).any(axis=1)
    out["detail"] = [_safeguard_detail(params, kg.loc[iso]) if history_rule else ""
                     for iso in index]
    partial = pd.concat([_partial_words(t).reindex(index).fillna("").map(
        lambda words, label=label: f"{describe_period(label)}: {words}" if words else "")
        for label, t in zip(labels, totals)], axis=1)
    out["reference_partial"] = ["; ".join(w for w in words if w)
                                for words in partial.itertuples(index=False)]
    out.loc[coarse & out["reference_t"].isna(), "detail"] = (
        f"{reference_label(params)}: only annual data, too coarse to compare")
    return out


def _partial_words(totals: pd.DataFrame) -> pd.Series:
    """Per key, what a period's figure lacks ("2 of 3 months"); "" when it is whole."""
    partial = ((totals["months_with_rows"] < totals["months_in_period"])
               | (totals["excluded_rows"] > 0)) & ~totals["annual_only"]
    return totals["coverage"].where(partial, "").astype(object)


def _safeguard_detail(params: SurgeParams, kg: pd.Series) -> str:
    if kg.isna().any():
        return ""
    each = ", ".join(f"{describe_period(label)} {_t(v / 1000)}" for label, v in kg.items())
    return f"{reference_label(params)}: {_t(kg.mean() / 1000)} ({each})"


def _robust_reference(rows: pd.DataFrame, params: SurgeParams) -> pd.DataFrame:
    """Per country: robust z of each month of the period against the trailing window.

    All months of the period are tested against the same window (the months before the
    period starts), so the period never sits in its own baseline; the highest z is the
    score. reference_t is the window's median month times the months in the period.
    """
    fine = finest_rows(rows)
    months = fine[fine["freq"] == "M"]
    window, inside = reference_periods(params), _months_of(params.period)
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
    out["detail"] = [_robust_detail(params, now.loc[c], z.loc[c], past.loc[c])
                     for c in out.index]
    in_window = months[months["period"].isin(window)]
    traces = source_traces(in_window, "country")
    out["source_rows"] = traces.reindex(out.index).fillna("")
    return out


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


def _robust_detail(params: SurgeParams, now: pd.Series, z: pd.Series, past: pd.Series) -> str:
    if z.notna().sum() == 0 or past.notna().sum() == 0:
        return ""
    peak = z.idxmax()
    median = past.median()
    mad = (past - median).abs().median()
    return (f"highest month {describe_period(peak)} {_t(now[peak])} against a median of"
            f" {_t(median)} a month (MAD {_t(mad)}) over the {params.window_months} months"
            f" before ({past.notna().sum()} with data): robust z {z[peak]:,.1f}")


def _text(column: pd.Series) -> pd.Series:
    """A text column with "" for missing (an all-missing column may come back as floats)."""
    return column.astype(object).where(column.notna(), "")


def _t(tonnes: float) -> str:
    """Tonnes for a sentence, in `compare.tonnes_text`'s words (it takes kilograms)."""
    return tonnes_text(tonnes * 1000)


def _months_of(label: str) -> list[str]:
    """The month labels inside a period: "2025-Q1" -> ["2025-01", "2025-02", "2025-03"]."""
    freq = freq_of(label)
    if freq == "M":
        return [label]
    first = 1 if freq == "A" else (int(label[6]) - 1) * 3 + 1
    return [f"{label[:4]}-{m:02d}" for m in range(first, first + MONTHS[freq])]


def _shift_year(label: str, years: int) -> str:
    return f"{int(label[:4]) + years}{label[4:]}"


# One implementation of a label's first day and exclusive end, kept under these names here.
period_start, period_end = label_start, label_end


SERIES_COLUMNS = ["period", "freq", "period_start", "months", "weight_t", "weight_t_per_month",
                  "value_usd", "row_count", "source_rows"]


def country_series(rows: pd.DataFrame, iso3: str) -> pd.DataFrame:
    """One country's whole history at the finest frequency each year allows.

    Columns: period, freq, period_start, months, weight_t (t in the period),
    weight_t_per_month (t/month, comparable across frequencies), value_usd (USD),
    row_count, source_rows. A year where some partners report only annually is shown as
    one annual figure, so no partner's trade drops out of the series.
    """
    fine = finest_rows(rows[rows["country"] == iso3])
    if fine.empty:
        return pd.DataFrame(columns=SERIES_COLUMNS)
    order = fine["freq"].map({"M": 0, "Q": 1, "A": 2})
    coarsest = order.groupby(fine["period"].str.slice(0, 4)).transform("max")
    freq = coarsest.map({0: "M", 1: "Q", 2: "A"})
    labels = pd.concat([_container(fine[freq == f], f) for f in freq.unique()])
    labelled = fine.assign(label=labels.reindex(fine.index), target=freq)
    grouped = labelled.groupby("label")
    series = pd.DataFrame({
        "freq": grouped["target"].first(),
        "weight_t": grouped["net_weight_kg"].sum(min_count=1) / 1000,
        "value_usd": grouped["value_usd"].sum(min_count=1),
        "row_count": grouped.size(),
    })
    series["source_rows"] = source_traces(labelled, "label").reindex(series.index).fillna("")
    series = series.rename_axis("period").reset_index()
    series["period_start"] = series["period"].map(period_start)
    series["months"] = series["freq"].map(MONTHS)
    series["weight_t_per_month"] = series["weight_t"] / series["months"]
    return series.sort_values("period_start").reset_index(drop=True)[SERIES_COLUMNS]

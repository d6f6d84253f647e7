"""The surge rules in words: a rule's short words and paragraph, what a period is compared
with, and the per-country explanation `surges.detect_surges` writes into its table.

The explanation is part of the analytics table (the page's "Why" column, the CSV), not of
a figure, so its words live in analytics. Volumes here are in tonnes; `tonnes_text` takes
kilograms.
"""

from __future__ import annotations

from functools import lru_cache

import pandas as pd

from dashboard.analytics.period_rows import describe_period
from dashboard.analytics.surge_rules import (
    MIN_WINDOW_MONTHS,
    SurgeParams,
    SurgeRule,
    SurgeStatus,
    reference_periods,
)
from dashboard.ingest.period_labels import freq_of, months_in
from dashboard.number_format import tonnes_text

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


# Both are asked once per row of a surges table, always for the same few rules: kept.
@lru_cache(maxsize=64)
def rule_words(params: SurgeParams) -> str:
    """Short words for the rule, as used inside explanations: "above the whole prior year"."""
    return _RULE_WORDS[params.rule].format(**vars(params))


@lru_cache(maxsize=64)
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
    floor = (f" Volumes below {tonnes_text(params.floor_t * 1000)} in {period} are not"
             " assessed, so a jump from 2 kg to 20 kg is never a surge.")
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


@lru_cache(maxsize=64)
def _rule_texts(params: SurgeParams) -> tuple[str, str, str, str]:
    """The period's words, the reference's, the rule's and the floor's: the same in every
    row of a table."""
    return (describe_period(params.period), reference_label(params), rule_words(params),
            tonnes_text(params.floor_t * 1000))


def explanation(row: pd.Series, params: SurgeParams) -> str:
    """"Q1 2025: 41.2 t; all of 2024: 38.0 t, ratio 1.08 (rule: ...). Not a surge."."""
    period, reference_words, rule, floor = _rule_texts(params)
    if pd.isna(row["current_t"]):
        return (f"{period}: no figure, the data for {params.period[:4]} is too coarse (annual"
                " only) for this period. Not assessed.")
    now = f"{period}: {tonnes_text(row['current_t'] * 1000)}"
    if row["current_partial"]:
        now += f" (partial: {row['current_partial']}; a lower bound)"
    status = SurgeStatus(row["status"])
    if status == SurgeStatus.NOT_ENOUGH_HISTORY:
        return f"{now}. Not enough history: {row['gap']}."
    reference = f"{reference_words}: {tonnes_text(row['reference_t'] * 1000)}"
    ref = row["detail"] or reference
    ratio = "" if pd.isna(row["ratio"]) else f", ratio {row['ratio']:,.2f}"
    if params.rule == SurgeRule.ROBUST:  # the z-score is the test; the ratio would distract
        ref, ratio = reference + (f"; {row['detail']}" if row["detail"] else ""), ""
    verdict = {
        SurgeStatus.SURGE: "Surge.",
        SurgeStatus.BELOW_THRESHOLD: "Not a surge.",
        SurgeStatus.BELOW_FLOOR: f"Below the {floor} floor, not assessed.",
        SurgeStatus.NO_REFERENCE: "No reference volume above 0 t, so no ratio.",
        SurgeStatus.PARTIAL_REFERENCE: f"Not assessed: the reference is incomplete"
                                       f" ({row['reference_partial']}), so it understates"
                                       " the volume.",
    }[status]
    return f"{now}; {ref}{ratio} (rule: {rule}). {verdict}"


def safeguard_detail(reference: str, volumes: list[tuple[str, float]], mean_kg: float) -> str:
    """The safeguard reference (`reference_label`) with each year's volume: `volumes` pairs
    a year's words with its kilograms, `mean_kg` is their mean."""
    each = ", ".join(f"{words} {tonnes_text(kg)}" for words, kg in volumes)
    return f"{reference}: {tonnes_text(mean_kg)} ({each})"


def robust_detail(params: SurgeParams, peak_month: str, peak_t: float, peak_z: float,
                  median_t: float, mad_t: float, months_with_data: int) -> str:
    """The robust rule's peak month (its words, volume and z) against the window's median
    month and MAD; volumes in t."""
    return (f"highest month {peak_month} {tonnes_text(peak_t * 1000)} against a median of"
            f" {tonnes_text(median_t * 1000)} a month (MAD {tonnes_text(mad_t * 1000)}) over"
            f" the {params.window_months} months before ({months_with_data} with data):"
            f" robust z {peak_z:,.1f}")

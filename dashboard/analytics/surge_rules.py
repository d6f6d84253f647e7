"""The four surge rules: what each compares, with which settings (no detection, no words).

All on net weight in tonnes (docs/methods.md#surge-rules):

- PRIOR_YEAR: the period above the whole previous year (Q1 2025 above all of 2024, the
  Adamas observation). A whole year is compared with the year before.
- YEAR_EARLIER: the period at least `ratio_threshold` times the same period a year earlier.
- SAFEGUARD: the period above `k` times the mean of the same period in the three preceding
  years, the volume trigger of the WTO Agreement on Agriculture, Art. 5.
- ROBUST: a month of the period far above the trailing window (median and MAD).

`surges` detects by these rules; `surge_text` says them in words.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from dashboard.ingest.period_labels import (
    is_label,
    month_labels,
    month_number,
    month_of_number,
    shift_year,
)

MIN_WINDOW_MONTHS = 12  # the robust rule needs at least this many months with data
MAD_TO_SIGMA = 0.6745  # z = 0.6745 (x - median) / MAD (Iglewicz and Hoaglin)
MEAN_AD_TO_SIGMA = 1.253314  # fallback when MAD is 0: z = (x - median) / (1.2533 mean AD)


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
        if not is_label(self.period):
            raise ValueError(f"not a period label: {self.period!r} (use 2025, 2025-Q1, 2025-03)")
        if self.window_months < MIN_WINDOW_MONTHS:
            raise ValueError(f"window_months must be at least {MIN_WINDOW_MONTHS}")


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
        return [shift_year(params.period, -1)]
    if params.rule == SurgeRule.SAFEGUARD:
        return [shift_year(params.period, -n) for n in (3, 2, 1)]
    first = month_number(month_labels(params.period)[0])
    # Month numbers, not pd.Period: this runs once per table row.
    return [month_of_number(m) for m in range(first - params.window_months, first)]

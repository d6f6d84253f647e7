"""Period labels: one canonical spelling per period, parsed from the spellings files use.

Canonical labels: "2025" (year), "2025-Q1" (quarter), "2025-03" (month).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

_PATTERNS = [
    # (regex, frequency, group holding the sub-period or None)
    (re.compile(r"^(\d{4})$"), "A"),
    (re.compile(r"^(\d{4})-?Q([1-4])$", re.I), "Q"),
    (re.compile(r"^(\d{4})Q([1-4])$", re.I), "Q"),
    (re.compile(r"^(\d{4})-(\d{1,2})$"), "M"),
    (re.compile(r"^(\d{4})M(\d{1,2})$", re.I), "M"),
    (re.compile(r"^(\d{4})(\d{2})$"), "M"),
    (re.compile(r"^(\d{4})/(\d{1,2})$"), "M"),
]
_MONTH_NAMES = {m.lower(): i for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], 1)}
_NAMED_MONTH = re.compile(r"^([A-Za-z]{3})[a-z]*\.?\s+(\d{4})$")

FIRST_YEAR, LAST_YEAR = 1960, 2100


def parse_period(text: str) -> tuple[str, str] | None:
    """Canonical (label, freq) for a period spelling, or None when it is not a period.

    >>> parse_period("202503"), parse_period("2025q1"), parse_period("Mar 2025")
    (('2025-03', 'M'), ('2025-Q1', 'Q'), ('2025-03', 'M'))
    >>> parse_period("2025-13") is None
    True
    """
    text = str(text).strip()
    named = _NAMED_MONTH.match(text)
    if named and named.group(1).lower() in _MONTH_NAMES:
        return _label(int(named.group(2)), "M", _MONTH_NAMES[named.group(1).lower()])
    for pattern, freq in _PATTERNS:
        match = pattern.match(text)
        if match:
            sub = int(match.group(2)) if match.lastindex and match.lastindex > 1 else 0
            return _label(int(match.group(1)), freq, sub)
    return None


def _label(year: int, freq: str, sub: int) -> tuple[str, str] | None:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        return None
    if freq == "A":
        return f"{year}", "A"
    if freq == "Q":
        return f"{year}-Q{sub}", "Q"
    if not 1 <= sub <= 12:
        return None
    return f"{year}-{sub:02d}", "M"


def period_from_year_month(year: pd.Series, month: pd.Series) -> pd.DataFrame:
    """Vectorised labels from numeric year and month (month 52 or 0 means the whole year).

    Returns columns period, freq and valid (False where year or month is impossible).
    """
    year = pd.to_numeric(year, errors="coerce")
    month = pd.to_numeric(month, errors="coerce")
    annual = month.isin([52, 0])
    monthly = month.between(1, 12) & (month == month.round())
    valid = year.between(FIRST_YEAR, LAST_YEAR) & (year == year.round()) & (annual | monthly)
    year_text = year.where(valid, 0).astype("int64").astype(str)
    month_text = month.where(monthly, 0).astype("int64").astype(str).str.zfill(2)
    period = np.where(annual, year_text, year_text + "-" + month_text)
    return pd.DataFrame({
        "period": pd.Series(period, index=year.index).where(valid),
        "freq": pd.Series(np.where(annual, "A", "M"), index=year.index).where(valid),
        "valid": valid,
    })


def period_start(period: pd.Series) -> pd.Series:
    """First day of each canonical period label."""
    text = period.astype(str)
    year = text.str.slice(0, 4)
    rest = text.str.slice(5)
    is_quarter = rest.str.startswith("Q")
    quarter = rest.str.slice(1).where(is_quarter, "1").replace("", "1").astype(int)
    quarter_month = (quarter - 1) * 3 + 1
    month = rest.where(~is_quarter & (rest != ""), None)
    month = month.fillna(quarter_month.where(is_quarter, 1).astype(str)).astype(int)
    return pd.to_datetime(
        pd.DataFrame({"year": year.astype(int), "month": month, "day": 1})
    ).astype("datetime64[s]")


def quarter_of(label: str) -> str:
    """Quarter label holding a monthly label: "2025-03" -> "2025-Q1"."""
    return f"{label[:4]}-Q{(int(label[5:7]) - 1) // 3 + 1}"

"""Period labels: one canonical spelling per period, parsed from the spellings files use,
and the arithmetic on canonical labels (frequency, months, first day, quarter of a month).

Canonical labels: "2025" (year), "2025-Q1" (quarter), "2025-03" (month). This is the one
place that spells that arithmetic; analytics, figures and web import it from here, so it
sits in ingest, the lowest layer that needs it.
"""

from __future__ import annotations

import re
from functools import lru_cache

import numpy as np
import pandas as pd

_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august",
           "september", "october", "november", "december")
_MONTH_NAMES = {month[:3]: i for i, month in enumerate(_MONTHS, 1)}
_Y = r"(?P<y>[0-9]{4})"
_PATTERNS = [
    # Each spelling files use, with named groups: y year, q quarter, m month, mon month name,
    # d day. Nothing here guesses: a day-first date such as 01/03/2025 is not accepted.
    re.compile(rf"^{_Y}(\.0)?$"),  # 2025, and 2025.0 from a spreadsheet's number column
    re.compile(rf"^{_Y}\s*[-/ ]?\s*Q(?P<q>[0-9])$", re.I),  # 2025-Q1, 2025Q1, 2025 Q1
    re.compile(rf"^Q(?P<q>[0-9])\s*[-/ ]?\s*{_Y}$", re.I),  # Q1 2025, Q1-2025, Q1/2025
    re.compile(rf"^{_Y}(-|/|M)(?P<m>[0-9]{{1,2}})$", re.I),  # 2025-03, 2025/3, 2025M03
    re.compile(rf"^{_Y}(?P<m>[0-9]{{2}})$"),  # 202503
    re.compile(rf"^(?P<m>[0-9]{{1,2}})[/-]{_Y}$"),  # 03/2025, 3-2025
    re.compile(rf"^(?P<mon>[A-Za-z]{{3,9}})\.?[\s-]+{_Y}$"),  # Mar 2025, March 2025, Mar-2025
    re.compile(rf"^{_Y}[\s-]+(?P<mon>[A-Za-z]{{3,9}})$"),  # 2025 Mar
    # A date on the first of a month (what a spreadsheet makes of "2025-03") is that month.
    re.compile(rf"^{_Y}-(?P<m>[0-9]{{1,2}})-(?P<d>[0-9]{{1,2}})([ T]00:00(:00)?)?$"),
]

FIRST_YEAR, LAST_YEAR = 1960, 2100

CANONICAL_LABEL = re.compile(r"^\d{4}(-Q[1-4]|-(0[1-9]|1[0-2]))?$")
MONTHS = {"A": 12, "Q": 3, "M": 1}  # months in a period of each frequency
_PANDAS_FREQ = {"A": "Y", "Q": "Q", "M": "M"}


def is_label(text: object) -> bool:
    """True for a canonical label: "2025", "2025-Q1", "2025-03" (not "2025-13", "2025Q1").

    >>> is_label("2025-Q1"), is_label("2025-13"), is_label(None)
    (True, False, False)
    """
    return isinstance(text, str) and CANONICAL_LABEL.fullmatch(text) is not None


def freq_of(label: str) -> str:
    """Frequency of a canonical label: "2025" A, "2025-Q1" Q, "2025-03" M."""
    if len(label) == 4:
        return "A"
    return "Q" if label[5] == "Q" else "M"


def months_in(label: str) -> int:
    """Months a canonical label spans: 12, 3 or 1."""
    return MONTHS[freq_of(label)]


def quarter_of_month(month):
    """Quarter (1-4) holding a month (1-12); an int, a numpy array or a pandas Series.

    >>> quarter_of_month(3), quarter_of_month(4), quarter_of_month(12)
    (1, 2, 4)
    """
    return (month - 1) // 3 + 1


def first_month_of_quarter(quarter):
    """First month (1-12) of a quarter (1-4); an int, a numpy array or a pandas Series.

    >>> first_month_of_quarter(1), first_month_of_quarter(4)
    (1, 10)
    """
    return (quarter - 1) * 3 + 1


def month_labels(label: str) -> list[str]:
    """The month labels inside a period: "2025-Q1" -> ["2025-01", "2025-02", "2025-03"].

    >>> month_labels("2025-Q2"), len(month_labels("2025")), month_labels("2025-03")
    (['2025-04', '2025-05', '2025-06'], 12, ['2025-03'])
    """
    freq = freq_of(label)
    if freq == "M":
        return [label]
    first = 1 if freq == "A" else first_month_of_quarter(int(label[6]))
    return [f"{label[:4]}-{m:02d}" for m in range(first, first + MONTHS[freq])]


def shift_year(label: str, years: int) -> str:
    """The same period `years` later (earlier when negative): "2025-Q1", -1 -> "2024-Q1"."""
    return f"{int(label[:4]) + years}{label[4:]}"


# A view asks for the same few dozen labels' dates once per row or bar, and pandas' Period
# parsing costs ~40 us a call: each label is worked out once (Timestamps are immutable).
@lru_cache(maxsize=4096)
def label_start(label: str) -> pd.Timestamp:
    """First day of a period label.

    >>> str(label_start("2025-Q2").date()), str(label_start("2024").date())
    ('2025-04-01', '2024-01-01')
    """
    return pd.Period(label.replace("-Q", "Q"), freq=_PANDAS_FREQ[freq_of(label)]).start_time


@lru_cache(maxsize=4096)
def label_end(label: str) -> pd.Timestamp:
    """First day after a period label (an exclusive end): "2025-Q1" -> 2025-04-01.

    >>> str(label_end("2025-Q1").date()), str(label_end("2025-12").date())
    ('2025-04-01', '2026-01-01')
    """
    return label_start(label) + pd.DateOffset(months=months_in(label))


def parse_period(text: str) -> tuple[str, str] | None:
    """Canonical (label, freq) for a period spelling, or None when it is not a period.

    >>> parse_period("202503"), parse_period("2025q1"), parse_period("Mar 2025")
    (('2025-03', 'M'), ('2025-Q1', 'Q'), ('2025-03', 'M'))
    >>> parse_period("2025-13") is None
    True
    """
    parts = _parts(text)
    return None if parts is None or _impossible(*parts) else _label(*parts)


def explain(text: str) -> str:
    """Why a spelling is not a period, in words a person can act on.

    >>> explain("2025-13")
    'month 13 does not exist'
    """
    parts = _parts(text)
    if parts is None:
        if not str(text).strip():
            return "the period is blank"
        return ("not a period: write a year (2025), a quarter (2025-Q1) or a month (2025-03);"
                " day-first dates are not guessed")
    return _impossible(*parts) or "not a period"


def _parts(text: str) -> tuple[int, str, int, int] | None:
    """(year, freq, quarter or month, day) for a recognised spelling, else None."""
    text = str(text).strip()
    for pattern in _PATTERNS:
        match = pattern.match(text)
        if not match:
            continue
        found = match.groupdict()
        year = int(found["y"])
        if found.get("q"):
            return year, "Q", int(found["q"]), 1
        if found.get("mon"):
            month = _MONTH_NAMES.get(found["mon"][:3].lower())
            if month is None or not _is_month_name(found["mon"]):
                return None
            return year, "M", month, 1
        if found.get("m"):
            return year, "M", int(found["m"]), int(found.get("d") or 1)
        return year, "A", 0, 1
    return None


def _is_month_name(word: str) -> bool:
    """"Mar", "March", "Sept" are month names; "Marble" is not."""
    word = word.lower()
    return any(name.startswith(word) for name in _MONTHS) or word == "sept"


def _impossible(year: int, freq: str, sub: int, day: int) -> str:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        return f"year {year} is outside {FIRST_YEAR}-{LAST_YEAR}"
    if freq == "Q" and not 1 <= sub <= 4:
        return f"quarter {sub} does not exist"
    if freq == "M" and not 1 <= sub <= 12:
        return f"month {sub} does not exist"
    if day != 1:
        return "a date, not a month: write the month (2025-03); only the 1st of a month is read"
    return ""


def _label(year: int, freq: str, sub: int, day: int = 1) -> tuple[str, str]:
    if freq == "A":
        return f"{year}", "A"
    if freq == "Q":
        return f"{year}-Q{sub}", "Q"
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
    """First day of each canonical period label (datetime64[s]), `label_start` of each.

    Worked out once per distinct label: a file has millions of rows but few periods.

    >>> period_start(pd.Series(["2025-Q2", "2024", "2025-03"])).dt.strftime("%Y-%m-%d").tolist()
    ['2025-04-01', '2024-01-01', '2025-03-01']
    """
    codes, labels = pd.factorize(period.astype(str))
    starts = pd.DatetimeIndex([label_start(label) for label in labels]).astype("datetime64[s]")
    return pd.Series(starts.take(codes), index=period.index)


def month_number(month: str) -> int:
    """ "2025-03" -> months since year 0 (2025 * 12 + 2): months apart by subtraction."""
    return int(month[:4]) * 12 + int(month[5:7]) - 1


def month_of_number(number: int) -> str:
    """The month label of a `month_number`: 24302 -> "2025-03"."""
    return f"{number // 12}-{number % 12 + 1:02d}"

"""The one number formatter people read, and numbers at their source precision for files.

Every number a person reads (hover, sentence, colour bar, the grid, CSV headers) goes
through `format_number`: 3 significant digits below 100, whole numbers with thousands
separators from 100 up, no float noise. The page's grid draws the same rule in the browser
with d3-format (`GRID_NUMBER_JS` in dashboard/web/grid.py); ties round away from zero
on the exact binary value, as JavaScript's toFixed/toExponential do, so the two agree.

Files get numbers rounded to their source precision (`round_to_unit`): weights in whole
kg (t with 3 decimals), values in whole US dollars, shares and ratios to 4 significant
digits.

This module sits below every layer (it imports only the standard library, numpy and
pandas) so analytics, figures and web format numbers the same way; `figures.text`
re-exports it beside the sentences.
"""

from __future__ import annotations

import math
import re
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pandas as pd

SIGNIFICANT = 3  # digits shown below WHOLE_FROM
WHOLE_FROM = 100  # from here up, whole numbers: 1,235 t, not 1,230 t
FILE_SIGNIFICANT = 4  # shares, ratios and percentages in files
FILE_DECIMALS = {"t": 3, "kg": 0, "USD": 0, "EUR": 0}  # source precision: whole kg, whole dollars
NO_DATA = "no data"
_UNIT_IN_HEADER = re.compile(r"\(([^()]*)\)\s*$")


def is_missing(number) -> bool:
    return number is None or number is pd.NA or (isinstance(number, float) and math.isnan(number))


def format_number(number: float, signed: bool = False) -> str:
    """A number as people read it: 3 significant digits below 100, whole numbers above.

    `signed`: a change, "+" before a rise (zero stays "0").

    >>> [format_number(x) for x in (9.600100000000001, 9.6001, 1234.5, 12.345, 0.004213)]
    ['9.6', '9.6', '1,235', '12.3', '0.00421']
    >>> [format_number(x) for x in (0, -69.04, 99.96, 10_000_000.0, -0.5, float("nan"))]
    ['0', '-69', '100', '10,000,000', '-0.5', 'no data']
    >>> format_number(0.9, signed=True), format_number(-63.94, signed=True)
    ('+0.9', '-63.9')
    """
    if is_missing(number):
        return NO_DATA
    number = float(number)
    if signed and number > 0:
        return "+" + format_number(number)
    if number == 0 or math.isinf(number):
        return "0" if number == 0 else ("-" if number < 0 else "") + "infinity"
    exact = Decimal(number)  # the exact binary value, as JavaScript rounds it
    if abs(number) >= WHOLE_FROM:
        return f"{exact.quantize(Decimal(1), rounding=ROUND_HALF_UP):,.0f}"
    exponent = math.floor(math.log10(abs(number)))
    decimals = SIGNIFICANT - 1 - exponent
    rounded = exact.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    if rounded.adjusted() > exponent:  # 9.996 -> 10.0: one digit fewer after the point
        decimals -= 1
        rounded = exact.quantize(Decimal(1).scaleb(-max(decimals, 0)), rounding=ROUND_HALF_UP)
    text = f"{rounded:,.{max(decimals, 0)}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def format_amount(number: float, unit: str) -> str:
    """A number with its unit: "9.6 t", "USD 1,235", "USD 2.5 million", "9.4%", "2.5x".

    >>> format_amount(1234.5, "t"), format_amount(2_500_000, "USD"), format_amount(0.0042, "t")
    ('1,235 t', 'USD 2.5 million', '0.0042 t')
    >>> format_amount(12.345, "USD/kg"), format_amount(9.41, "%"), format_amount(2.5, "x")
    ('12.3 USD/kg', '9.41%', '2.5x')
    """
    if is_missing(number):
        return NO_DATA
    if unit in ("USD", "EUR"):
        for size, word in ((1e9, "billion"), (1e6, "million")):
            if abs(number) >= size:
                return f"{unit} {format_number(number / size)} {word}"
        return f"{unit} {format_number(number)}"
    if unit in ("%", "x"):
        return f"{format_number(number)}{unit}"
    return f"{format_number(number)} {unit}".strip()


def format_change(number: float, unit: str) -> str:
    """A signed change with its unit: "+1.2 t", "-69%", "+USD 2.5 million", "0 t".

    >>> format_change(1.2, "t"), format_change(-69.04, "%"), format_change(0.0, "t")
    ('+1.2 t', '-69%', '0 t')
    """
    if is_missing(number):
        return NO_DATA
    text = format_amount(abs(number), unit)
    if text.startswith("0") and format_number(abs(number)) == "0":
        return text
    return ("+" if number > 0 else "-") + text


def format_share(fraction: float) -> str:
    """A share of 0..1 as a percentage: 0.951 -> "95.1%", 1.0 -> "100%".

    >>> format_share(0.951), format_share(1.0), format_share(0.00042)
    ('95.1%', '100%', '0.042%')
    """
    return NO_DATA if is_missing(fraction) else format_amount(100 * float(fraction), "%")


# -- files: source precision ------------------------------------------------------------


def unit_of_header(header: str) -> str:
    """The unit a column header names in its last brackets: "Value (USD, CIF)" -> "USD".

    >>> unit_of_header("Net weight (t)"), unit_of_header("Importer (USD, CIF)")
    ('t', 'USD')
    >>> unit_of_header("Share (0-1)"), unit_of_header("Country")
    ('0-1', '')
    """
    found = _UNIT_IN_HEADER.search(header)
    return found.group(1).split(",")[0].strip() if found else ""


def round_to_unit(values: pd.Series, unit: str) -> pd.Series:
    """Numbers at their source precision, with no float noise left to print.

    t: whole kg (3 decimals); USD: whole dollars; anything else (shares, ratios, %, USD/kg):
    4 significant digits.

    >>> list(round_to_unit(pd.Series([9.600100000000001, 0.0004]), "t"))
    [9.6, 0.0]
    >>> list(round_to_unit(pd.Series([0.95123456, 733.33333, float("nan")]), "%"))
    [0.9512, 733.3, nan]
    """
    numbers = pd.to_numeric(values, errors="coerce").astype(float)
    # On the array: pandas per column costs more than the rounding.
    return pd.Series(rounded_to_unit(numbers.to_numpy(), unit), index=values.index,
                     name=values.name)


def rounded_to_unit(numbers: np.ndarray, unit: str) -> np.ndarray:
    """`round_to_unit` of a float array, as a new float array (the grid calls it per column).

    >>> rounded_to_unit(np.array([0.95123456, -0.0001, float("nan")]), "t").tolist()
    [0.951, 0.0, nan]
    """
    if unit in FILE_DECIMALS:
        return np.round(numbers, FILE_DECIMALS[unit]) + 0.0  # + 0.0: no "-0.0"
    return np.array([_significant(number) for number in numbers.tolist()], dtype=float)


def _significant(number: float) -> float:
    if not np.isfinite(number) or number == 0:
        return float(number)
    return float(f"{number:.{FILE_SIGNIFICANT}g}")


def tonnes_text(kg: float) -> str:
    """Kilograms as tonnes for an analytics sentence: 2,000 kg -> "2.0 t", 30 kg -> "0.03 t".

    The wording of coverage notes and surge explanations (one decimal from 1 t up, two
    significant digits below). It differs from `format_amount(t, "t")` ("2 t", "0.03 t"):
    moving those sentences to format_amount would change texts users and tests read.

    >>> tonnes_text(2_000.0), tonnes_text(30.0), tonnes_text(float("nan"))
    ('2.0 t', '0.03 t', 'no data')
    """
    if pd.isna(kg):
        return "no data"
    tonnes = kg / 1000
    return f"{tonnes:,.1f} t" if abs(tonnes) >= 1 or tonnes == 0 else f"{tonnes:.2g} t"

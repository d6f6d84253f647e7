"""A cell's text as a number, the way people write numbers: "1 234,5", "1.234,5",
"1,234.5", "1'234.5"; which decimal mark a column (or file) uses, told from its unambiguous
values; and why a value that cannot be read is refused, in words for the problem report.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

# Numbers as people write them: "1 234,5" (French), "1.234,5" (German), "1,234.5",
# "1'234.5" (Swiss). Spaces and apostrophes are grouping only; whether "," or "." is the
# decimal mark is decided per column by its unambiguous values ("1234,5" or "0.25"); a value
# that could be either ("1,500") follows them, or the file's convention when none says.
_GROUPING = r"[\s\u00a0\u202f'\u2019]"
_D = "[0-9]"  # ASCII digits only: Python's \d also matches other scripts' digits
_EXP = rf"(?:[eE][+-]?{_D}+)?"
_POINT = re.compile(rf"[+-]?(?:{_D}{{1,3}}(?:,{_D}{{3}})+(?:\.{_D}*)?|{_D}*\.{_D}+{_EXP}"
                    rf"|{_D}+\.|{_D}+{_EXP})")
_COMMA = re.compile(rf"[+-]?(?:{_D}{{1,3}}(?:\.{_D}{{3}})+(?:,{_D}*)?|{_D}*,{_D}+{_EXP}"
                    rf"|{_D}+,|{_D}+{_EXP})")
_EITHER = re.compile(rf"[+-]?{_D}{{1,3}}[.,]{_D}{{3}}")  # "1,500": 1.5 or 1500
_PLAIN = re.compile(rf"[+-]?{_D}+{_EXP}")


def _styles(text: pd.Series) -> tuple[pd.Series, ...]:
    """Text without grouping; which values are plain, decimal-point style, decimal-comma style,
    and which could be either ("1,500")."""
    cleaned = text.astype(str).str.replace(_GROUPING, "", regex=True)
    plain = cleaned.str.fullmatch(_PLAIN)
    point = cleaned.str.fullmatch(_POINT) & ~plain
    comma = cleaned.str.fullmatch(_COMMA) & ~plain
    either = cleaned.str.fullmatch(_EITHER)
    return cleaned, plain, point, comma, either


def decimal_convention(text: pd.Series, default: bool = False) -> bool:
    """True when the values that are unambiguous use a decimal comma (and none a point)."""
    evidence = decimal_evidence(text)
    return default if evidence is None else evidence


def decimal_evidence(text: pd.Series) -> bool | None:
    """True (decimal comma) or False (point) when the unambiguous values agree, else None."""
    _, _, point, comma, either = _styles(text)
    return _evidence(point, comma, either)


def _evidence(point: pd.Series, comma: pd.Series, either: pd.Series) -> bool | None:
    point_seen, comma_seen = bool((point & ~either).any()), bool((comma & ~either).any())
    return comma_seen if point_seen != comma_seen else None


def parse_numbers(text: pd.Series, decimal_comma: bool = False) -> tuple[pd.Series, pd.Series]:
    """Numbers, and a mask of values in the other decimal convention than the column's.

    >>> numbers, conflict = parse_numbers(pd.Series(["1.234,5", "7", "1,5"]))
    >>> numbers.tolist(), conflict.tolist()
    ([1234.5, 7.0, 1.5], [False, False, False])
    """
    cleaned, plain, point, comma, either = _styles(text)
    evidence = _evidence(point, comma, either)
    use_comma = decimal_comma if evidence is None else evidence
    if use_comma:
        converted = cleaned.str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
        conflict = point & ~either & ~comma
        readable = comma | plain
    else:
        converted = cleaned.str.replace(",", "", regex=False)
        conflict = comma & ~either & ~point
        readable = point | plain
    converted = converted.where(readable, cleaned)  # left as written: "inf", "12 kg", ...
    with np.errstate(over="ignore"):
        number = pd.to_numeric(converted.where(~conflict, ""), errors="coerce").astype("float64")
    return number, conflict


def conflict_message(value: str) -> str:
    """Why a value in the other decimal convention is refused."""
    return ("this column holds numbers with a decimal comma and others with a decimal point,"
            " so this one cannot be read safely: write the whole column one way")


def bad_number_message(value: str) -> str:
    text = str(value).strip()
    if text in {"-", "\u2013", "\u2014"}:
        return (f"{text!r} can mean zero or not available: write 0, or leave the cell blank")
    if text.lstrip("+-").lower() in {"inf", "infinity"} or re.fullmatch(r"[+-]?[\d.,]+[eE]\+?\d+",
                                                                        text):
        return "not a finite number"
    if re.search(r"\d", text) and re.search(r"[^\d\s.,+\-'eE]", text):
        return ("a number with other characters (a unit or currency sign?): write only the"
                " number, and give the unit in its own column")
    return "not a number: write digits, with a decimal point or comma"

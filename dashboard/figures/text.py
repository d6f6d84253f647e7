"""Words around numbers for people: counts with their plural, one-sentence chart summaries.

The numbers themselves are formatted by `dashboard/number_format.py` (one rule for hover,
sentence, colour bar, grid and CSV header; files at their source precision), re-exported
here for the figures and the web. This module imports nothing from web or dash.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from dashboard.analytics.country_table import descending_order

# The number formatters live below every layer (analytics words numbers too); the figures
# and the web take them from here.
from dashboard.number_format import (  # noqa: F401  (re-exported)
    FILE_DECIMALS,
    FILE_SIGNIFICANT,
    NO_DATA,
    SIGNIFICANT,
    WHOLE_FROM,
    format_amount,
    format_change,
    format_number,
    format_share,
    is_missing,
    round_to_unit,
    rounded_to_unit,
    unit_of_header,
)

SOURCE_ROWS_LIMIT = 90  # characters of a source-rows trace a hover shows


def short_trace(text, limit: int = SOURCE_ROWS_LIMIT) -> str:
    """A "source rows" text cut to `limit` characters for a hover, "..." marking the cut."""
    text = str(text)
    return text if len(text) <= limit else text[:limit - 3] + "..."


def plural(count: int, word: str, many: str | None = None) -> str:
    """A count with its word: plural(1, "supplier") -> "1 supplier".

    >>> plural(1, "supplier"), plural(2, "country"), plural(1200, "row"), plural(0, "flow")
    ('1 supplier', '2 countries', '1,200 rows', '0 flows')
    """
    if many is None:
        many = word[:-1] + "ies" if word.endswith("y") and word[-2:-1] not in "aeiou" else (
            word + "s")
    return f"{count:,} {word if count == 1 else many}"


# -- sentences --------------------------------------------------------------------------


def ranking_sentence(table: pd.DataFrame, column: str, unit: str, role: str,
                     what: str, when: str, top: int = 3) -> str:
    """"In Q1 2025 the largest importer of X from China was South Korea (41.2 t), followed by ..."

    `table` has `country_name` and the column; role is "importer" or "exporter".
    """
    values = table[column].to_numpy(dtype=float, na_value=np.nan)
    ranked = np.flatnonzero(~np.isnan(values) & (values > 0))
    if not len(ranked):
        return f"No {role} of {what} has data for {when}."
    ranked = ranked[descending_order(values[ranked])]
    names = table["country_name"].to_numpy(dtype=object)
    first, rest = ranked[0], ranked[1:top]
    sentence = (f"In {when} the largest {role} of {what} was {names[first]} "
                f"({format_amount(values[first], unit)})")
    if len(rest):
        others = ", ".join(f"{names[at]} ({format_amount(values[at], unit)})" for at in rest)
        sentence += f", followed by {others}"
    return sentence + f"; {plural(len(ranked), 'country')} had data."


CHANGE_WORDS = {"absolute": "the largest rises", "percent": "the largest in %",
                "ratio": "the largest as a ratio"}


def change_sentence(table: pd.DataFrame, comparison_text: str, what: str,
                    change: str = "ratio", unit: str = "t", floor: float = 0.0) -> str:
    """Largest rises in a comparison, in the map's own change measure, above a volume floor.

    The floor (in t, as the surge rules use it) applies when the map shows tonnes: a 3 kg
    to 25 kg change must not lead the sentence. `change` is absolute, percent or ratio.
    On the columns as arrays (the map's request: pandas per small frame cost more than
    the sentence); `text_reference.change_sentence_reference` is the same in pandas.
    """
    column = change if change in CHANGE_WORDS else "ratio"
    value, absolute, ratio, shown = (table[name].to_numpy(dtype=float, na_value=np.nan)
                                     for name in ("value", "absolute", "ratio", column))
    considered = value >= floor if floor > 0 and unit == "t" else np.ones(len(table), bool)
    rising = np.flatnonzero(considered & (absolute > 0) & ~np.isnan(shown))
    rising = rising[descending_order(shown[rising])]
    new = int((considered & np.isnan(ratio) & (value > 0)).sum())
    parts = [f"Comparing {comparison_text} for {what}:"]
    if not len(rising):
        parts.append("no country rose.")
    else:
        names = table["country_name"].to_numpy(dtype=object)
        listed = ", ".join(f"{names[at]} ({_change_text_of(shown[at], column, unit)})"
                           for at in rising[:3])
        parts.append(f"{plural(len(rising), 'country')} rose; {CHANGE_WORDS[column]}: "
                     f"{listed}.")
    if new:
        parts.append(f"{plural(new, 'country')} had no trade in the baseline.")
    left_out = len(table) - int(considered.sum())
    if left_out:
        parts.append(f"{plural(left_out, 'country')} under the {format_amount(floor, 't')}"
                     " floor in the period are left out, as in the surge rules.")
    return " ".join(parts)


def _change_text_of(number: float, column: str, unit: str) -> str:
    if column == "ratio":
        return format_amount(number, "x")
    return format_change(number, "%" if column == "percent" else unit)

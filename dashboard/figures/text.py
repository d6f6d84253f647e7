"""Words around numbers for people: counts with their plural, one-sentence chart summaries.

The numbers themselves are formatted by `dashboard/number_format.py` (one rule for hover,
sentence, colour bar, grid and CSV header; files at their source precision), re-exported
here for the figures and the web. This module imports nothing from web or dash.
"""

from __future__ import annotations

import pandas as pd

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
    unit_of_header,
)


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
    ranked = table[table[column].notna() & (table[column] > 0)].sort_values(column,
                                                                             ascending=False)
    if ranked.empty:
        return f"No {role} of {what} has data for {when}."
    first, rest = ranked.iloc[0], ranked.iloc[1:top]
    sentence = (f"In {when} the largest {role} of {what} was {first['country_name']} "
                f"({format_amount(first[column], unit)})")
    if len(rest):
        others = ", ".join(f"{r['country_name']} ({format_amount(r[column], unit)})"
                           for _, r in rest.iterrows())
        sentence += f", followed by {others}"
    return sentence + f"; {plural(len(ranked), 'country')} had data."


CHANGE_WORDS = {"absolute": "the largest rises", "percent": "the largest in %",
                "ratio": "the largest as a ratio"}


def change_sentence(table: pd.DataFrame, comparison_text: str, what: str,
                    change: str = "ratio", unit: str = "t", floor: float = 0.0) -> str:
    """Largest rises in a comparison, in the map's own change measure, above a volume floor.

    The floor (in t, as the surge rules use it) applies when the map shows tonnes: a 3 kg
    to 25 kg change must not lead the sentence. `change` is absolute, percent or ratio.
    """
    column = change if change in CHANGE_WORDS else "ratio"
    considered = table[table["value"] >= floor] if floor > 0 and unit == "t" else table
    rising = considered[considered["absolute"] > 0].dropna(subset=[column])
    rising = rising.sort_values(column, ascending=False)
    new = considered[considered["ratio"].isna() & (considered["value"] > 0)]
    parts = [f"Comparing {comparison_text} for {what}:"]
    if rising.empty:
        parts.append("no country rose.")
    else:
        listed = ", ".join(f"{r['country_name']} ({_change_text(r, column, unit)})"
                           for _, r in rising.head(3).iterrows())
        parts.append(f"{plural(len(rising), 'country')} rose; {CHANGE_WORDS[column]}: "
                     f"{listed}.")
    if len(new):
        parts.append(f"{plural(len(new), 'country')} had no trade in the baseline.")
    left_out = len(table) - len(considered)
    if left_out:
        parts.append(f"{plural(left_out, 'country')} under the {format_amount(floor, 't')}"
                     " floor in the period are left out, as in the surge rules.")
    return " ".join(parts)


def _change_text(row: pd.Series, column: str, unit: str) -> str:
    if column == "ratio":
        return format_amount(row["ratio"], "x")
    return format_change(row[column], "%" if column == "percent" else unit)

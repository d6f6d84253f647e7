"""The map's summary sentences in pandas, row by row: what `figures.text` follows.

`text.ranking_sentence` and `text.change_sentence` work on the columns as arrays; these
are the same sentences written the direct way. tests/test_choropleth_fast.py checks that
they agree on varied tables. Nothing in the app calls this module.
"""

from __future__ import annotations

import pandas as pd

from dashboard.figures.text import CHANGE_WORDS, format_amount, format_change, plural


def ranking_sentence_reference(table: pd.DataFrame, column: str, unit: str, role: str,
                               what: str, when: str, top: int = 3) -> str:
    """`text.ranking_sentence`."""
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


def change_sentence_reference(table: pd.DataFrame, comparison_text: str, what: str,
                              change: str = "ratio", unit: str = "t", floor: float = 0.0
                              ) -> str:
    """`text.change_sentence`."""
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

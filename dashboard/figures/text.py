"""Numbers and sentences for readers: amounts with units, one-sentence chart summaries."""

from __future__ import annotations

import math

import pandas as pd


def format_amount(number: float, unit: str) -> str:
    """Readable amount with its unit: 1234.5 t -> "1,234.5 t"; 2.5e6 USD -> "USD 2.5 million".

    >>> format_amount(1234.5, "t"), format_amount(2_500_000, "USD"), format_amount(0.0042, "t")
    ('1,234.5 t', 'USD 2.50 million', '0.0042 t')
    """
    if number is None or (isinstance(number, float) and math.isnan(number)):
        return "no data"
    if unit == "USD":
        if abs(number) >= 1e9:
            return f"USD {number / 1e9:,.2f} billion"
        if abs(number) >= 1e6:
            return f"USD {number / 1e6:,.2f} million"
        return f"USD {number:,.0f}"
    if unit == "USD/kg":
        return f"{number:,.2f} USD/kg"
    if number == 0:
        text = "0"
    elif abs(number) >= 1:
        text = f"{number:,.1f}"
    else:
        text = f"{number:.3g}"
    return f"{text} {unit}".strip()


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
    return sentence + f"; {len(ranked)} countries had data."


def change_sentence(table: pd.DataFrame, comparison_text: str, what: str) -> str:
    """Largest rises in a comparison, in words."""
    rising = table[table["ratio"] > 1].sort_values("ratio", ascending=False)
    new = table[table["ratio"].isna() & (table["value"] > 0)]
    parts = [f"Comparing {comparison_text} for {what}:"]
    if rising.empty:
        parts.append("no country rose.")
    else:
        top = rising.head(3)
        listed = ", ".join(f"{r['country_name']} ({r['ratio']:,.2f}x)" for _, r in top.iterrows())
        parts.append(f"{len(rising)} countries rose, most {listed}.")
    if len(new):
        parts.append(f"{len(new)} had no trade in the baseline.")
    return " ".join(parts)
